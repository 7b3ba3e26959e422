package cookiedb

// Entry is one cookie or storage key of the database.
type Entry struct {
	// ID is the database's identifier of the entry.
	ID string `json:"id"`
	// Platform is the service that sets it, such as "Google Analytics".
	Platform string `json:"platform"`
	// Category is the database's category: Functional, Analytics,
	// Marketing, Personalization or Security.
	Category string `json:"category"`
	// Name is the cookie's name, or its prefix when Wildcard.
	Name string `json:"name"`
	// Domain is the domain the database gives, free text ("" for any).
	Domain string `json:"domain,omitempty"`
	// Description says what it holds, in English.
	Description string `json:"description,omitempty"`
	// Retention is the lifetime as the database writes it ("2 years",
	// "session").
	Retention string `json:"retention,omitempty"`
	// Controller is who controls the data.
	Controller string `json:"controller,omitempty"`
	// PrivacyURL is the controller's privacy or rights page.
	PrivacyURL string `json:"privacy_url,omitempty"`
	// Wildcard makes Name a prefix: "_ga_" matches "_ga_ABC123".
	Wildcard bool `json:"wildcard,omitempty"`
}
