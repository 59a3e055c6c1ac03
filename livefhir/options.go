package livefhir

import (
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/internal/tlsfiles"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner/target"
)

// connectionKeys are the options every live target shares.
var connectionKeys = []string{"name", "type", "auth", "headers", "tls", "timeout", "max_requests_per_second", "max_requests", "max_body_bytes", "latency"}

// Latency holds a target's response-time thresholds; zero means the suite's.
type Latency struct {
	P50 time.Duration `json:"p50,omitempty"`
	P95 time.Duration `json:"p95,omitempty"`
}

// connection checks a target's options (its own, named by own, and those of
// every live target) and builds a client config that a client accepts.
func connection(spec target.Spec, own ...string) (fhirclient.Config, Latency, error) {
	o := spec.Options
	cfg := fhirclient.Config{BaseURL: spec.URL}
	var lat Latency
	if err := o.Reject(append(own, connectionKeys...)...); err != nil {
		return cfg, lat, err
	}
	if spec.URL == "" {
		return cfg, lat, fmt.Errorf("a live FHIR target needs a url (the FHIR base URL)")
	}
	var err error
	if cfg.Timeout, err = o.Duration("timeout", 30*time.Second); err != nil {
		return cfg, lat, err
	}
	if cfg.RatePerSecond, err = o.Float("max_requests_per_second", 0); err != nil {
		return cfg, lat, err
	}
	if cfg.MaxRequests, err = o.Int("max_requests", fhirclient.DefaultMaxRequests); err != nil {
		return cfg, lat, err
	}
	maxBody, err := o.Int("max_body_bytes", fhirclient.DefaultMaxBody)
	if err != nil {
		return cfg, lat, err
	}
	cfg.MaxBody = int64(maxBody)
	if cfg.Timeout <= 0 || cfg.RatePerSecond < 0 || cfg.MaxRequests < 1 || cfg.MaxBody < 1 {
		return cfg, lat, fmt.Errorf("timeout, max_requests and max_body_bytes must be positive, max_requests_per_second not negative")
	}
	headers, err := o.Map("headers")
	if err != nil {
		return cfg, lat, err
	}
	if len(headers) > 0 {
		cfg.Headers = map[string]string{}
		for k, v := range headers {
			s, ok := v.(string)
			if !ok {
				return cfg, lat, fmt.Errorf("headers.%s: want a string, got %T", k, v)
			}
			if strings.EqualFold(k, "Authorization") {
				return cfg, lat, fmt.Errorf("headers: give credentials with auth (token_env or token_file), not an Authorization header written in the plan")
			}
			cfg.Headers[k] = s
		}
	}
	if cfg.TLS, err = tlsConfig(o, spec.BaseDir); err != nil {
		return cfg, lat, err
	}
	if cfg.Auth, err = authFrom(o, spec); err != nil {
		return cfg, lat, err
	}
	lm, err := o.Map("latency")
	if err != nil {
		return cfg, lat, err
	}
	if lm != nil {
		if err := lm.Reject("p50", "p95"); err != nil {
			return cfg, lat, fmt.Errorf("latency: %w", err)
		}
		if lat.P50, err = lm.Duration("p50", 0); err != nil {
			return cfg, lat, fmt.Errorf("latency: %w", err)
		}
		if lat.P95, err = lm.Duration("p95", 0); err != nil {
			return cfg, lat, fmt.Errorf("latency: %w", err)
		}
	}
	if _, err := fhirclient.New(cfg); err != nil {
		return cfg, lat, err
	}
	return cfg, lat, nil
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

func tlsConfig(o check.Params, dir string) (*tls.Config, error) {
	m, err := o.Map("tls")
	if err != nil || m == nil {
		return nil, err
	}
	if err := m.Reject("insecure_skip_verify", "ca_file", "server_name"); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.InsecureSkipVerify, err = m.Bool("insecure_skip_verify", false); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	if c.ServerName, err = m.String("server_name", ""); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	ca, err := m.String("ca_file", "")
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	if ca != "" {
		if c.RootCAs, err = (tlsfiles.File{Option: "tls.ca_file", Path: resolve(dir, ca)}).Pool(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// authFrom reads the auth option. Secrets come from an environment variable
// or a file, never from the plan itself, so a plan can be shared and a
// report written from it can never quote one.
func authFrom(o check.Params, spec target.Spec) (fhirclient.Auth, error) {
	m, err := o.Map("auth")
	if err != nil || m == nil {
		return nil, err
	}
	typ, err := m.String("type", "")
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	switch typ {
	case "none":
		return nil, m.Reject("type")
	case "bearer":
		if err := m.Reject("type", "token_env", "token_file", "expired_token_env", "expired_token_file"); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		tok, err := secretFrom(m, spec, "token")
		if err == nil && tok == "" {
			err = fmt.Errorf("a bearer token needs token_env (an environment variable's name) or token_file")
		}
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		return fhirclient.Bearer{Token: tok}, nil
	case "smart-backend":
		if err := m.Reject("type", "client_id", "key_file", "alg", "kid", "scope", "token_url", "expired_token_env", "expired_token_file"); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		s := &fhirclient.SMARTBackend{BaseURL: spec.URL}
		s.ClientID, _ = m.String("client_id", "")
		keyFile, _ := m.String("key_file", "")
		s.Alg, _ = m.String("alg", "")
		s.KeyID, _ = m.String("kid", "")
		s.Scope, _ = m.String("scope", "system/*.read")
		s.TokenURL, _ = m.String("token_url", "")
		if s.ClientID == "" || keyFile == "" {
			return nil, fmt.Errorf("auth: smart-backend needs client_id and key_file (a PEM private key)")
		}
		if s.Alg != "" && s.Alg != "RS384" && s.Alg != "ES384" {
			return nil, fmt.Errorf("auth: alg %q: want RS384 or ES384", s.Alg)
		}
		if s.Key, err = fhirclient.LoadPrivateKey(resolve(spec.BaseDir, keyFile)); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		if err := s.Check(); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		return s, nil
	case "":
		return nil, fmt.Errorf("auth: type is required (none, bearer or smart-backend)")
	}
	return nil, fmt.Errorf("auth: unknown type %q (want none, bearer or smart-backend)", typ)
}

// secretFrom reads the secret an auth option names as NAME_env or
// NAME_file, or "" when it names none.
func secretFrom(m check.Params, spec target.Spec, name string) (string, error) {
	env, _ := m.String(name+"_env", "")
	file, _ := m.String(name+"_file", "")
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give %s_env or %s_file, not both", name, name)
	case env != "":
		return fhirclient.TokenFromEnv(env)
	case file != "":
		return fhirclient.TokenFromFile(resolve(spec.BaseDir, file))
	}
	return "", nil
}

// expiredToken reads the auth option's expired_token_env or
// expired_token_file: a token the server issued that has expired, which it
// must refuse.
func expiredToken(spec target.Spec) (string, error) {
	m, err := spec.Options.Map("auth")
	if err != nil || m == nil {
		return "", err
	}
	tok, err := secretFrom(m, spec, "expired_token")
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
