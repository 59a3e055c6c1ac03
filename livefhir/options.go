package livefhir

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// Connection are the options every live target shares, embedded in each
// live target's options.
type Connection struct {
	Auth                 *authOptions      `param:"auth" doc:"how carecert authenticates: type none, bearer (token_env or token_file) or smart-backend (client_id, key_file)"`
	Headers              map[string]string `param:"headers" doc:"HTTP headers sent with every request (never Authorization: use auth)"`
	TLS                  *tlsfiles.Verify  `param:"tls" doc:"TLS settings"`
	Timeout              time.Duration     `param:"timeout" doc:"time limit of each request"`
	MaxRequestsPerSecond float64           `param:"max_requests_per_second" doc:"request rate limit (0: none)"`
	MaxRequests          int               `param:"max_requests" doc:"requests sent at most: a certification run is bounded"`
	MaxBodyBytes         int               `param:"max_body_bytes" doc:"largest response body read"`
	Latency              Latency           `param:"latency" doc:"response-time thresholds graded instead of the suite's"`
}

var connectionDefaults = Connection{Timeout: 30 * time.Second, MaxRequests: fhirclient.DefaultMaxRequests, MaxBodyBytes: fhirclient.DefaultMaxBody}

// Latency holds a target's response-time thresholds; zero means the suite's.
type Latency struct {
	P50 time.Duration `json:"p50,omitempty" param:"p50" doc:"median"`
	P95 time.Duration `json:"p95,omitempty" param:"p95" doc:"95th percentile"`
}

// authOptions are the auth option's settings; which apply depends on type.
// Secrets come from an environment variable or a file, never from the plan
// itself, so a plan can be shared and a report written from it can never
// quote one.
type authOptions struct {
	Type             string `param:"type" doc:"none, bearer or smart-backend"`
	TokenEnv         string `param:"token_env" doc:"bearer: environment variable holding the token"`
	TokenFile        string `param:"token_file" doc:"bearer: file holding the token"`
	ExpiredTokenEnv  string `param:"expired_token_env" doc:"environment variable holding a token the server issued that has expired, for the refusal tests"`
	ExpiredTokenFile string `param:"expired_token_file" doc:"file holding such an expired token"`
	ClientID         string `param:"client_id" doc:"smart-backend: the registered client id"`
	KeyFile          string `param:"key_file" doc:"smart-backend: PEM private key the client signs with"`
	Alg              string `param:"alg" doc:"smart-backend: RS384 or ES384 (default: from the key)"`
	KeyID            string `param:"kid" doc:"smart-backend: key id in the signed assertion"`
	Scope            string `param:"scope" default:"system/*.read" doc:"smart-backend: scopes asked for"`
	TokenURL         string `param:"token_url" doc:"smart-backend: token endpoint (default: from the server's SMART configuration)"`
}

// connection checks a target's shared options and builds a client config
// that a client accepts.
func connection(spec target.Spec, o Connection) (fhirclient.Config, error) {
	cfg := fhirclient.Config{BaseURL: spec.URL, Timeout: o.Timeout, RatePerSecond: o.MaxRequestsPerSecond,
		MaxRequests: o.MaxRequests, MaxBody: int64(o.MaxBodyBytes)}
	if spec.URL == "" {
		return cfg, fmt.Errorf("a live FHIR target needs a url (the FHIR base URL)")
	}
	switch {
	case cfg.Timeout <= 0:
		return cfg, spec.ErrorAt("timeout", "must be positive, got %s", cfg.Timeout)
	case cfg.RatePerSecond < 0:
		return cfg, spec.ErrorAt("max_requests_per_second", "must not be negative, got %g", cfg.RatePerSecond)
	case cfg.MaxRequests < 1:
		return cfg, spec.ErrorAt("max_requests", "must be positive, got %d", cfg.MaxRequests)
	case cfg.MaxBody < 1:
		return cfg, spec.ErrorAt("max_body_bytes", "must be positive, got %d", cfg.MaxBody)
	}
	for k := range o.Headers {
		if strings.EqualFold(k, "Authorization") {
			return cfg, spec.ErrorAt("headers."+k, "give credentials with auth (token_env or token_file), not an Authorization header written in the plan")
		}
	}
	if len(o.Headers) > 0 {
		cfg.Headers = o.Headers
	}
	var err error
	if cfg.TLS, err = tlsConfig(o.TLS, spec); err != nil {
		return cfg, spec.OptionMistake(err)
	}
	if cfg.Auth, err = authFrom(o.Auth, spec); err != nil {
		return cfg, err
	}
	if _, err := fhirclient.New(cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// tlsConfig reads the tls option; its mistakes are *tlsfiles.OptionError,
// naming the option.
func tlsConfig(o *tlsfiles.Verify, spec target.Spec) (*tls.Config, error) {
	if o == nil {
		return nil, nil
	}
	return tlsfiles.Client(tlsfiles.File{Option: "tls.ca_file", Path: spec.Resolve(o.CAFile)}, o.ServerName, o.InsecureSkipVerify)
}

// authFrom reads the auth option.
func authFrom(a *authOptions, spec target.Spec) (fhirclient.Auth, error) {
	if a == nil {
		return nil, nil
	}
	// A setting of another type is a mistake: it would be silently unused.
	bearer := map[string]string{"token_env": a.TokenEnv, "token_file": a.TokenFile}
	smart := map[string]string{"client_id": a.ClientID, "key_file": a.KeyFile, "alg": a.Alg, "kid": a.KeyID, "scope": a.Scope, "token_url": a.TokenURL}
	expired := map[string]string{"expired_token_env": a.ExpiredTokenEnv, "expired_token_file": a.ExpiredTokenFile}
	unused := func(settings ...map[string]string) error {
		var keys []string
		for _, m := range settings {
			for k, v := range m {
				if v != "" {
					keys = append(keys, k)
				}
			}
		}
		if len(keys) == 0 {
			return nil
		}
		slices.Sort(keys)
		return spec.ErrorAt("auth."+keys[0], "not a setting of auth type %q", a.Type)
	}
	switch a.Type {
	case "none":
		return nil, unused(bearer, smart, expired)
	case "bearer":
		if err := unused(smart); err != nil {
			return nil, err
		}
		tok, err := secretFrom(a.TokenEnv, a.TokenFile, "token", spec)
		if err == nil && tok == "" {
			err = fmt.Errorf("a bearer token needs token_env (an environment variable's name) or token_file")
		}
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		return fhirclient.Bearer{Token: tok}, nil
	case "smart-backend":
		if err := unused(bearer); err != nil {
			return nil, err
		}
		s := &fhirclient.SMARTBackend{BaseURL: spec.URL, ClientID: a.ClientID, Alg: a.Alg, KeyID: a.KeyID, Scope: a.Scope, TokenURL: a.TokenURL}
		if s.Scope == "" {
			s.Scope = "system/*.read"
		}
		if s.ClientID == "" || a.KeyFile == "" {
			return nil, fmt.Errorf("auth: smart-backend needs client_id and key_file (a PEM private key)")
		}
		if s.Alg != "" && s.Alg != "RS384" && s.Alg != "ES384" {
			return nil, spec.ErrorAt("auth.alg", "%q: want RS384 or ES384", s.Alg)
		}
		var err error
		if s.Key, err = fhirclient.LoadPrivateKey(spec.Resolve(a.KeyFile)); err != nil {
			return nil, spec.ErrorAt("auth.key_file", "%v", err)
		}
		if err := s.Check(); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		return s, nil
	case "":
		return nil, fmt.Errorf("auth: type is required (none, bearer or smart-backend)")
	}
	return nil, spec.ErrorAt("auth.type", "unknown type %q (want none, bearer or smart-backend)", a.Type)
}

// secretFrom reads the secret an auth option names as NAME_env or
// NAME_file, or "" when it names none.
func secretFrom(env, file, name string, spec target.Spec) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give %s_env or %s_file, not both", name, name)
	case env != "":
		return fhirclient.TokenFromEnv(env)
	case file != "":
		return fhirclient.TokenFromFile(spec.Resolve(file))
	}
	return "", nil
}

// expiredToken reads the auth option's expired_token_env or
// expired_token_file: a token the server issued that has expired, which it
// must refuse.
func expiredToken(a *authOptions, spec target.Spec) (string, error) {
	if a == nil {
		return "", nil
	}
	tok, err := secretFrom(a.ExpiredTokenEnv, a.ExpiredTokenFile, "expired_token", spec)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	return tok, nil
}

// warnInsecure emits a warning record when the target's TLS verification is
// off: the token then goes to a server nobody checked, and the report must
// say that this run does not show the server is who it claims to be. Like
// the MLLP target's, the warning is a record of its own under the input
// requirement.
func warnInsecure(cfg fhirclient.Config, c *fhirclient.Client, emit target.Emit) error {
	if cfg.TLS == nil || !cfg.TLS.InsecureSkipVerify {
		return nil
	}
	rec := &model.Record{Kind: model.KindExchange, Source: c.Base()}
	f := rec.Finding(model.Warning, "fhir.tls-insecure", "", "TLS certificate verification is OFF (tls.insecure_skip_verify): "+
		"the server's certificate and name were not checked, so credentials went to a server nobody verified and this run does not show "+
		"that the server is who it claims to be; certify with tls.ca_file instead")
	rec.Problem = &f
	return emit(rec)
}
