package fhirclient

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// Origin is a URL's scheme, host and port (RFC 6454), the unit credentials
// are scoped to: the same host on another port or scheme is another origin.
type Origin struct {
	Scheme, Host, Port string
}

// OriginOf returns u's origin, with the scheme's default port made explicit
// and the host lower-cased, so that "https://H" and "https://h:443" compare equal.
func OriginOf(u *url.URL) Origin {
	o := Origin{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Hostname()), Port: u.Port()}
	if o.Port == "" {
		switch o.Scheme {
		case "http":
			o.Port = "80"
		case "https":
			o.Port = "443"
		}
	}
	return o
}

func (o Origin) String() string { return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port) }

// sameOrigin reports whether u is on the server under test's origin.
func (c *Client) sameOrigin(u *url.URL) bool { return OriginOf(u) == OriginOf(c.base) }

// credentialHeaders are the headers that carry credentials whoever set them.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// checkRedirect applies RedirectPolicy to the client's requests.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	return RedirectPolicy(c.base, c.cfg.MaxRedirects, c.cfg.Headers)(req, via)
}

// RedirectPolicy is carecert's one redirect policy, for every HTTP client it
// builds: at most max redirects, and a redirect that leaves base's origin
// (another host, port or scheme) goes on without credentials (Authorization,
// Proxy-Authorization, cookies) and without the plan's headers. Go's client
// alone would keep Authorization for the same host on another port or
// scheme, and every custom header (an API key) for any host.
func RedirectPolicy(base *url.URL, max int, planHeaders map[string]string) func(*http.Request, []*http.Request) error {
	origin := OriginOf(base)
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= max {
			return errTooManyRedirects{n: len(via)}
		}
		if OriginOf(req.URL) == origin {
			return nil
		}
		for _, h := range credentialHeaders {
			req.Header.Del(h)
		}
		for k := range planHeaders {
			req.Header.Del(k)
		}
		return nil
	}
}

// privateKey marks a request context whose connections must not reach a
// private, loopback or link-local address.
type privateKey struct{}

// refusePrivate returns ctx marked so that its connections refuse private,
// loopback and link-local addresses.
func refusePrivate(ctx context.Context) context.Context {
	return context.WithValue(ctx, privateKey{}, true)
}

// ErrPrivateAddress is the error of a connection refused by refusePrivate.
type ErrPrivateAddress struct{ Addr string }

func (e ErrPrivateAddress) Error() string {
	return fmt.Sprintf("address %s is private, loopback or link-local (such as a cloud metadata service): not contacted", e.Addr)
}

// controlDial refuses, at connect time (after name resolution, so that a
// name cannot be re-pointed between a check and the connection), addresses a
// marked request may not reach.
func controlDial(ctx context.Context, network, address string, _ syscall.RawConn) error {
	if refuse, _ := ctx.Value(privateKey{}).(bool); !refuse {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return ErrPrivateAddress{Addr: address}
	}
	if IsPrivate(ap.Addr()) {
		return ErrPrivateAddress{Addr: address}
	}
	return nil
}

// IsPrivate reports whether a is an address an export's file URL should not
// lead carecert to without the user's say-so: loopback, private (RFC 1918,
// unique local), link-local (169.254/16, where cloud metadata lives),
// unspecified, or carrier-grade NAT.
func IsPrivate(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return true
	}
	return netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}
