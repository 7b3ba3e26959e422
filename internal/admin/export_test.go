package admin

// What the external tests read of the console's internals.
const (
	CeremonyTTL = ceremonyTTL
	LoginCookie = loginCookie
)
