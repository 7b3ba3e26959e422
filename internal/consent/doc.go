// Package consent keeps visitors' consent to cookies and to the tools that
// send information to others, as the privacy manifest declares them.
//
// The server alone sets the noren_consent cookie, whose value a Choice
// reads and writes; every choice is also kept in the append-only
// consent_records table as a Record that holds no IP address, no user agent
// and no identifier other than the receipt chain. A Handler serves the JSON
// endpoint the consent banner posts to, the server-rendered choices page that
// works without JavaScript, and /.well-known/gpc.json. PageConfig gives the
// banner its configuration, and Evaluate and Allowed tell the page rewriter
// what the visitor has allowed.
package consent
