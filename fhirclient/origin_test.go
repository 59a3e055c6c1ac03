package fhirclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirclient"
)

// headerSpy is a server that records the credentials each request brought.
type headerSpy struct {
	mu   sync.Mutex
	seen []string
	url  string
}

func newSpy() *headerSpy {
	s := &headerSpy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Api-Key"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write([]byte(`{"resourceType":"Patient","id":"p"}`))
	}))
	DeferCleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *headerSpy) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

var _ = Describe("the redirect policy", func() {
	ctx := context.Background()

	// redirector sends every request to target with a status.
	redirector := func(target string, status int) string {
		return server(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/local") {
				w.Write([]byte(`{"resourceType":"Patient","id":"here"}`))
				return
			}
			http.Redirect(w, r, target, status)
		})
	}

	DescribeTable("sends the token and the plan's headers only to the base URL's origin",
		func(status int) {
			// The same host (127.0.0.1) on another port is another origin:
			// Go's client alone would keep Authorization there.
			spy := newSpy()
			base := redirector(spy.url+"/steal", status)
			c := client(fhirclient.Config{BaseURL: base + "/fhir", Auth: fhirclient.Bearer{Token: "tok-secret-123"},
				Headers: map[string]string{"X-Api-Key": "key-secret-456"}})
			ex := c.Do(ctx, fhirclient.Request{Path: "Patient/p"})
			Expect(ex.Status).To(Equal(http.StatusOK))
			Expect(spy.got()).To(Equal([]string{"|"}))
		},
		Entry("302", http.StatusFound),
		Entry("307", http.StatusTemporaryRedirect),
		Entry("308", http.StatusPermanentRedirect),
	)

	It("keeps them on a redirect within the origin", func() {
		var seen string
		var base string
		base = server(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/fhir/Patient/p" {
				http.Redirect(w, r, base+"/fhir/Patient/moved", http.StatusFound)
				return
			}
			seen = r.Header.Get("Authorization") + "|" + r.Header.Get("X-Api-Key")
			w.Write([]byte(`{"resourceType":"Patient","id":"moved"}`))
		})
		c := client(fhirclient.Config{BaseURL: base + "/fhir", Auth: fhirclient.Bearer{Token: "tok"},
			Headers: map[string]string{"X-Api-Key": "key"}})
		Expect(c.Do(ctx, fhirclient.Request{Path: "Patient/p"}).Status).To(Equal(http.StatusOK))
		Expect(seen).To(Equal("Bearer tok|key"))
	})

	It("compares origins by scheme, host and port, default ports made explicit", func() {
		o := func(s string) fhirclient.Origin {
			u, err := url.Parse(s)
			Expect(err).NotTo(HaveOccurred())
			return fhirclient.OriginOf(u)
		}
		Expect(o("https://EHR.example/fhir")).To(Equal(o("https://ehr.example:443/x")))
		Expect(o("https://ehr.example/fhir")).NotTo(Equal(o("http://ehr.example/fhir")))
		Expect(o("https://ehr.example/fhir")).NotTo(Equal(o("https://ehr.example:8443/fhir")))
	})

	It("refuses private, loopback and link-local addresses for a request that asks, at connect time", func() {
		spy := newSpy()
		c := client(fhirclient.Config{BaseURL: "https://ehr.example/fhir"})
		ex := c.Do(ctx, fhirclient.Request{URL: spy.url + "/file.ndjson", NoAuth: true, RefusePrivate: true})
		Expect(ex.Failed()).To(BeTrue())
		Expect(ex.Err).To(ContainSubstring("private, loopback or link-local"))
		Expect(spy.got()).To(BeEmpty())
		for _, a := range []string{"127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "fd00::1", "100.64.0.1", "0.0.0.0"} {
			Expect(fhirclient.IsPrivate(netip.MustParseAddr(a))).To(BeTrue(), a)
		}
		Expect(fhirclient.IsPrivate(netip.MustParseAddr("8.8.8.8"))).To(BeFalse())
	})
})
