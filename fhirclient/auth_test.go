package fhirclient_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirclient"
)

var _ = Describe("SMART Backend Services auth", func() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	Expect(err).NotTo(HaveOccurred())

	It("signs an assertion the token endpoint can verify, caches the token and renews it before expiry", func() {
		var issued atomic.Int32
		var tokenURL string
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		mux := http.NewServeMux()
		mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
			Expect(r.ParseForm()).To(Succeed())
			Expect(r.PostForm.Get("grant_type")).To(Equal("client_credentials"))
			Expect(r.PostForm.Get("scope")).To(Equal("system/Patient.rs"))
			claims := &jwt.RegisteredClaims{}
			tok, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), claims,
				func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
				jwt.WithValidMethods([]string{"RS384"}), jwt.WithAudience(tokenURL),
				jwt.WithIssuer("app-1"), jwt.WithSubject("app-1"), jwt.WithExpirationRequired(),
				jwt.WithTimeFunc(func() time.Time { return now }))
			Expect(err).NotTo(HaveOccurred())
			Expect(tok.Header["kid"]).To(Equal("k1"))
			Expect(claims.ID).NotTo(BeEmpty())
			// aud is a JSON string, as SMART and Inferno send it, not an array.
			parts := strings.Split(r.PostForm.Get("client_assertion"), ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			Expect(err).NotTo(HaveOccurred())
			var raw map[string]any
			Expect(json.Unmarshal(payload, &raw)).To(Succeed())
			Expect(raw["aud"]).To(Equal(tokenURL))
			n := issued.Add(1)
			fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"Bearer","expires_in":100}`, n)
		})
		var seen []string
		mux.HandleFunc("/fhir/Patient", func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, r.Header.Get("Authorization"))
		})
		s := httptest.NewServer(mux)
		DeferCleanup(s.Close)
		tokenURL = s.URL + "/token"

		auth := &fhirclient.SMARTBackend{ClientID: "app-1", Key: key, Alg: "RS384", KeyID: "k1", Scope: "system/Patient.rs",
			TokenURL: tokenURL, Now: func() time.Time { return now }}
		c, err := fhirclient.New(fhirclient.Config{BaseURL: s.URL + "/fhir", Auth: auth})
		Expect(err).NotTo(HaveOccurred())
		ctx := context.Background()
		c.Do(ctx, fhirclient.Request{Path: "Patient"})
		now = now.Add(80 * time.Second)
		c.Do(ctx, fhirclient.Request{Path: "Patient"})
		now = now.Add(15 * time.Second) // past 90% of the token's life
		c.Do(ctx, fhirclient.Request{Path: "Patient"})
		Expect(seen).To(Equal([]string{"Bearer at-1", "Bearer at-1", "Bearer at-2"}))
		// Every token issued is a secret: the first may be quoted in an earlier exchange.
		Expect(auth.Secrets()).To(Equal([]string{"at-1", "at-2"}))
	})

	It("fetches a new token once when the server refuses one it revoked, and resends the request with its body", func() {
		var issued atomic.Int32
		revoked := map[string]bool{}
		var mu sync.Mutex
		mux := http.NewServeMux()
		mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"Bearer","expires_in":3600}`, issued.Add(1))
		})
		var bodies []string
		mux.HandleFunc("/fhir/Patient", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if revoked[tok] || tok == "static" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, tok+" "+string(b))
			w.WriteHeader(http.StatusCreated)
		})
		s := httptest.NewServer(mux)
		DeferCleanup(s.Close)
		auth := &fhirclient.SMARTBackend{ClientID: "app-1", Key: key, TokenURL: s.URL + "/token"}
		c, err := fhirclient.New(fhirclient.Config{BaseURL: s.URL + "/fhir", Auth: auth})
		Expect(err).NotTo(HaveOccurred())
		ctx := context.Background()
		post := fhirclient.Request{Method: http.MethodPost, Path: "Patient", Body: []byte(`{"resourceType":"Patient"}`)}

		ex := c.Do(ctx, post)
		Expect(ex.Status).To(Equal(http.StatusCreated))
		Expect(ex.Renewed).To(BeFalse())
		mu.Lock()
		revoked["at-1"] = true // the server revokes it mid-run, well before its stated expiry
		mu.Unlock()
		ex = c.Do(ctx, post)
		Expect(ex.Status).To(Equal(http.StatusCreated))
		Expect(ex.Renewed).To(BeTrue())
		Expect(bodies).To(Equal([]string{`at-1 {"resourceType":"Patient"}`, `at-2 {"resourceType":"Patient"}`}))
		Expect(issued.Load()).To(Equal(int32(2)))

		// A server that refuses every token gets one retry, not a loop.
		mu.Lock()
		revoked["at-2"], revoked["at-3"] = true, true
		mu.Unlock()
		ex = c.Do(ctx, post)
		Expect(ex.Status).To(Equal(http.StatusUnauthorized))
		Expect(issued.Load()).To(Equal(int32(3)))

		// A static token cannot be renewed: the 401 is the answer.
		static, err := fhirclient.New(fhirclient.Config{BaseURL: s.URL + "/fhir", Auth: fhirclient.Bearer{Token: "static"}})
		Expect(err).NotTo(HaveOccurred())
		ex = static.Do(ctx, post)
		Expect(ex.Status).To(Equal(http.StatusUnauthorized))
		Expect(ex.Renewed).To(BeFalse())
	})

	It("explains a missing discovery document", func() {
		s := httptest.NewServer(http.NotFoundHandler())
		DeferCleanup(s.Close)
		auth := &fhirclient.SMARTBackend{ClientID: "app-1", Key: key, BaseURL: s.URL}
		c, err := fhirclient.New(fhirclient.Config{BaseURL: s.URL, Auth: auth})
		Expect(err).NotTo(HaveOccurred())
		ex := c.Do(context.Background(), fhirclient.Request{Path: "Patient"})
		Expect(ex.ErrCode).To(Equal(fhirclient.ErrAuth))
		Expect(ex.Err).To(ContainSubstring("smart-configuration returned 404 (give token_url in the plan)"))
		Expect(ex.Status).To(BeZero(), "the request itself was never sent")
	})
})
