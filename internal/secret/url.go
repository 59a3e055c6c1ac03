package secret

import (
	"net/url"
	"strings"
)

// RedactURL is a URL safe to print: its password removed and the values of
// secret-looking query parameters replaced.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return Redact(u)
}

// Redact is RedactURL for a parsed URL, which it leaves unchanged.
func Redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	q := c.Query()
	changed := false
	for k := range q {
		if shownParamSecret(k) {
			// Not Redacted: its brackets would be escaped in the query.
			q.Set(k, "REDACTED")
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// shownParamSecret says whether a query parameter of a URL being printed is
// named like a secret: tokens, passwords, keys, assertions and signatures
// (pre-signed file URLs). It is narrower than SecretName, which decides what
// Scrub hides: a printed URL must keep FHIR search parameters such as
// "author" and "code" readable.
func shownParamSecret(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "passw", "assertion", "signature", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "key") || n == "sig" || n == "auth"
}
