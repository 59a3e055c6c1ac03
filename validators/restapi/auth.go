package restapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

// smartConfig judges .well-known/smart-configuration as SMART App Launch
// (2.x) asks of a server offering Backend Services: a token endpoint,
// private_key_jwt client authentication signed with RS384 or ES384, and the
// client_credentials grant; capabilities and scopes_supported SHOULD be
// there.
func smartConfig(ex *fhirclient.Exchange) []model.Finding {
	what := "GET .well-known/smart-configuration"
	if f := status(ex, "smart.config-status", what, http.StatusOK); f != nil {
		return f
	}
	c := ex.Resource
	if c == nil {
		return fail(ex, "smart.config", "%s returned %s, want a JSON object", what, describe(ex))
	}
	var out []model.Finding
	bad := func(sev model.Severity, field, format string, args ...any) {
		out = append(out, at(finding(ex, sev, "smart.config", format, args...), field))
	}
	if u := str(c, "token_endpoint"); !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		bad(model.Error, "token_endpoint", "the SMART configuration has no absolute token_endpoint (got %q)", u)
	}
	has := func(field string, want ...string) bool {
		list, _ := c[field].([]any)
		for _, v := range list {
			if s, _ := v.(string); slices.Contains(want, s) {
				return true
			}
		}
		return false
	}
	if !has("token_endpoint_auth_methods_supported", "private_key_jwt") {
		bad(model.Error, "token_endpoint_auth_methods_supported", "token_endpoint_auth_methods_supported does not list private_key_jwt, which Backend Services clients authenticate with")
	}
	if !has("token_endpoint_auth_signing_alg_values_supported", "RS384", "ES384") {
		bad(model.Error, "token_endpoint_auth_signing_alg_values_supported", "token_endpoint_auth_signing_alg_values_supported lists neither RS384 nor ES384")
	}
	if !has("grant_types_supported", "client_credentials") {
		bad(model.Error, "grant_types_supported", "grant_types_supported does not list client_credentials")
	}
	if !has("capabilities", "client-confidential-asymmetric") {
		bad(model.Warning, "capabilities", "capabilities does not list client-confidential-asymmetric")
	}
	if _, ok := c["scopes_supported"].([]any); !ok {
		bad(model.Warning, "scopes_supported", "the SMART configuration has no scopes_supported")
	}
	return out
}

// authRefused judges a request made with missing or bad credentials on
// purpose: a FHIR request must be refused with 401 or 403 and an
// OperationOutcome; a token request with 400 or 401 and an OAuth error.
func authRefused(ex *fhirclient.Exchange) []model.Finding {
	if f := answered(ex, ex.Label); f != nil {
		return f
	}
	if ex.Type == "token" {
		if ex.Status != http.StatusBadRequest && ex.Status != http.StatusUnauthorized {
			return fail(ex, "auth.accepted", "%s returned HTTP %d, want 400 or 401 (invalid_client)", ex.Label, ex.Status)
		}
		if str(ex.Resource, "error") == "" {
			return fail(ex, "auth.oauth-error", "%s was refused (HTTP %d) without an OAuth error object", ex.Label, ex.Status)
		}
		return nil
	}
	if ex.Status != http.StatusUnauthorized && ex.Status != http.StatusForbidden {
		return fail(ex, "auth.accepted", "%s returned HTTP %d, want 401 or 403", ex.Label, ex.Status)
	}
	if ex.ResourceType() != "OperationOutcome" {
		return fail(ex, "auth.outcome", "%s was refused (HTTP %d) with %s, want an OperationOutcome", ex.Label, ex.Status, describe(ex))
	}
	return nil
}
