package livefhir_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("a server that echoes the credentials it was sent", func() {
	It("gets none of them into the report: not the token, not base64 of the URL's userinfo, not a token cut by an excerpt", func() {
		const token = "echo-token-QWERTYUIOPASDFGHJKL"
		const password = "pa55-word-ZXCVBNM"
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			w.Header().Set("Content-Type", "application/fhir+json")
			if strings.Contains(r.URL.Path, "Observation") {
				// The token straddles the excerpt's cut (300 bytes).
				w.WriteHeader(http.StatusBadRequest)
				pad := strings.Repeat("x", 270)
				json.NewEncoder(w).Encode(map[string]any{"resourceType": "OperationOutcome",
					"issue": []any{map[string]any{"severity": "error", "code": "invalid", "diagnostics": pad + " " + auth}}})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"resourceType": "Patient", "id": "p1",
				"gender": strings.TrimPrefix(auth, "Bearer "), "name": []any{map[string]any{"text": auth}}})
		}))
		DeferCleanup(echo.Close)
		GinkgoT().Setenv("CARECERT_ECHO_TOKEN", token)
		rep := run([]map[string]any{
			apiTarget(echo.URL, map[string]any{"name": "bearer", "auth": map[string]any{"type": "bearer", "token_env": "CARECERT_ECHO_TOKEN"}}),
			apiTarget(strings.Replace(echo.URL, "http://", "http://carecert:"+password+"@", 1), map[string]any{"name": "basic"}),
		}, "fhir-rest-api", "fhir-r4-structure")
		out := reportJSON(rep)
		Expect(out).To(ContainSubstring("[REDACTED]"))
		basic := base64.StdEncoding.EncodeToString([]byte("carecert:" + password))
		for _, s := range []string{token, token[:12], password, basic, basic[:12]} {
			Expect(out).NotTo(ContainSubstring(s))
		}
	})
})
