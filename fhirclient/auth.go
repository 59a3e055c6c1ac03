package fhirclient

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/carecert/carecert/internal/secret"
)

// Auth adds credentials to a request.
type Auth interface {
	// Authorize sets the request's credentials, fetching a token first if
	// needed with client (whose redirect and timeout rules apply).
	Authorize(ctx context.Context, client *http.Client, req *http.Request) error
	// Secrets lists the values that must never appear in a report or log.
	Secrets() []string
}

// Renewer is an Auth whose tokens can be fetched anew: the client calls
// Renew with the token a server answered 401 to, then authorises again.
type Renewer interface {
	Auth
	// Renew forgets token, if it is still the current one (another request
	// may have renewed it already).
	Renew(token string)
}

// Bearer sends a static token.
type Bearer struct{ Token string }

func (b Bearer) Authorize(_ context.Context, _ *http.Client, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+b.Token)
	return nil
}

func (b Bearer) Secrets() []string { return []string{b.Token} }

// TokenFromEnv reads a token from an environment variable, naming the
// variable (never the value) when it is missing.
func TokenFromEnv(name string) (string, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return "", fmt.Errorf("environment variable %s is empty or not set", name)
	}
	return v, nil
}

// TokenFromFile reads a token from a file's first line.
func TokenFromFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	tok, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if tok = strings.TrimSpace(tok); tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	return tok, nil
}

// SMARTBackend obtains access tokens with the SMART Backend Services
// client-credentials flow: a JWT signed with the client's private key
// (RS384 or ES384) is exchanged at the token endpoint for an access token,
// which is reused until shortly before it expires.
type SMARTBackend struct {
	ClientID string
	// Key is the client's private key (*rsa.PrivateKey for RS384,
	// *ecdsa.PrivateKey for ES384).
	Key crypto.Signer
	// Alg is RS384 or ES384; empty picks the one the key allows.
	Alg string
	// KeyID is the "kid" header naming the key in the client's JWKS.
	KeyID string
	Scope string
	// TokenURL is the token endpoint; empty means discover it from the
	// server's .well-known/smart-configuration.
	TokenURL string
	// BaseURL is where discovery looks.
	BaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   string
	issued  []string
	expires time.Time
}

// WithScope is a client of the same registration asking for another scope,
// with tokens of its own: for the test that a server refuses a token whose
// scope does not cover a request.
func (s *SMARTBackend) WithScope(scope string) *SMARTBackend {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &SMARTBackend{ClientID: s.ClientID, Key: s.Key, Alg: s.Alg, KeyID: s.KeyID, Scope: scope, TokenURL: s.TokenURL, BaseURL: s.BaseURL, Now: s.Now}
}

// LoadPrivateKey reads a PEM private key (PKCS#1, PKCS#8 or SEC 1).
func LoadPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	if k, err := jwt.ParseRSAPrivateKeyFromPEM(data); err == nil {
		return k, nil
	}
	if k, err := jwt.ParseECPrivateKeyFromPEM(data); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("private key %s: not a PEM RSA or EC private key", path)
}

// Check reports a client that can never sign: a missing client id or an
// algorithm that does not fit the key.
func (s *SMARTBackend) Check() error {
	if s.ClientID == "" {
		return errors.New("SMART Backend Services needs a client id")
	}
	_, err := s.method()
	return err
}

func (s *SMARTBackend) method() (jwt.SigningMethod, error) {
	alg := strings.ToUpper(s.Alg)
	switch s.Key.(type) {
	case *rsa.PrivateKey:
		if alg == "" || alg == "RS384" {
			return jwt.SigningMethodRS384, nil
		}
	case *ecdsa.PrivateKey:
		if alg == "" || alg == "ES384" {
			return jwt.SigningMethodES384, nil
		}
	default:
		return nil, errors.New("the private key must be RSA or EC")
	}
	return nil, fmt.Errorf("algorithm %q does not fit the key (RS384 needs an RSA key, ES384 an EC key)", s.Alg)
}

func (s *SMARTBackend) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *SMARTBackend) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every token ever issued: one renewed mid-run may already be quoted
	// in an earlier exchange.
	return append([]string(nil), s.issued...)
}

func (s *SMARTBackend) Authorize(ctx context.Context, client *http.Client, req *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" || !s.now().Before(s.expires) {
		if err := s.fetch(ctx, client); err != nil {
			return err
		}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	return nil
}

// Renew forgets a token the server refused, so the next request fetches one.
func (s *SMARTBackend) Renew(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == token {
		s.token = ""
	}
}

func (s *SMARTBackend) fetch(ctx context.Context, client *http.Client) error {
	if s.TokenURL == "" {
		u, err := discoverTokenURL(ctx, client, s.BaseURL)
		if err != nil {
			return err
		}
		s.TokenURL = u
	}
	now := s.now()
	assertion, err := s.Assertion(s.TokenURL, s.Key, now.Add(4*time.Minute))
	if err != nil {
		return err
	}
	form := TokenForm(s.Scope, assertion)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("token endpoint %s: %w", secret.RedactURL(s.TokenURL), err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("token endpoint %s: %w", secret.RedactURL(s.TokenURL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := readLimited(resp.Body, 1<<20)
	if err != nil {
		return fmt.Errorf("token endpoint %s: %w", secret.RedactURL(s.TokenURL), err)
	}
	if resp.StatusCode != http.StatusOK {
		// The body of an error is an OAuth error object; it holds no token.
		return fmt.Errorf("token endpoint %s returned %d: %s", secret.RedactURL(s.TokenURL), resp.StatusCode, excerpt(body))
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return fmt.Errorf("token endpoint %s: the response has no access_token", secret.RedactURL(s.TokenURL))
	}
	if !strings.EqualFold(tr.TokenType, "bearer") {
		return fmt.Errorf("token endpoint %s: token_type %q, want bearer", secret.RedactURL(s.TokenURL), tr.TokenType)
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = 5 * time.Minute
	}
	// Renew a little early so that a token never expires in flight.
	s.token, s.expires = tr.AccessToken, now.Add(life*9/10)
	s.issued = append(s.issued, tr.AccessToken)
	return nil
}

// Assertion signs a client assertion for aud that expires at exp, with key:
// the client's own, or another for a test that the server refuses it.
func (s *SMARTBackend) Assertion(aud string, key crypto.Signer, exp time.Time) (string, error) {
	m, err := (&SMARTBackend{Key: key, Alg: s.Alg}).method()
	if err != nil {
		return "", err
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	// aud is a single string, as SMART Backend Services shows it and as
	// Inferno sends it: some servers (the SMART reference server among them)
	// refuse or crash on the one-element array a JWT library may write.
	tok := jwt.NewWithClaims(m, assertionClaims{
		Issuer:    s.ClientID,
		Subject:   s.ClientID,
		Audience:  aud,
		ExpiresAt: jwt.NewNumericDate(exp),
		ID:        hex.EncodeToString(jti),
	})
	if s.KeyID != "" {
		tok.Header["kid"] = s.KeyID
	}
	signed, err := tok.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("signing the client assertion: %w", err)
	}
	return signed, nil
}

// TokenForm is the body of a client-credentials token request.
func TokenForm(scope, assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
}

// Endpoint returns the token URL, found by discovery when the plan gave none.
func (s *SMARTBackend) Endpoint(ctx context.Context, client *Client) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.TokenURL == "" {
		u, err := discoverTokenURL(ctx, client.http, s.BaseURL)
		if err != nil {
			return "", err
		}
		s.TokenURL = u
	}
	return s.TokenURL, nil
}

// discoverTokenURL reads token_endpoint from .well-known/smart-configuration.
func discoverTokenURL(ctx context.Context, client *http.Client, base string) (string, error) {
	u := strings.TrimRight(base, "/") + "/.well-known/smart-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("SMART discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("SMART discovery at %s: %w (give token_url in the plan)", secret.RedactURL(u), unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := readLimited(io.Reader(resp.Body), 1<<20)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("SMART discovery at %s returned %d (give token_url in the plan)", secret.RedactURL(u), resp.StatusCode)
	}
	var conf struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.Unmarshal(body, &conf); err != nil || conf.TokenEndpoint == "" {
		return "", fmt.Errorf("SMART discovery at %s: no token_endpoint", secret.RedactURL(u))
	}
	return conf.TokenEndpoint, nil
}

// assertionClaims are the claims of a SMART client assertion, with aud a
// plain string.
type assertionClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	ID        string           `json:"jti"`
}

func (c assertionClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c assertionClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c assertionClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c assertionClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c assertionClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c assertionClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}
