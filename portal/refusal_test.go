package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/portal"
)

var _ = Describe("what the portal refuses", func() {
	var w *world
	BeforeEach(func() { w = newWorld(sqliteStore()) })

	It("shows nothing to a caller who has not signed in", func() {
		c := w.client()
		for _, path := range []string{"/runs", "/vendors", "/compare", "/requirements", fmt.Sprintf("/runs/%d", w.ids[0]), "/vendors/Moorside%20Digital"} {
			status, hdr, _ := c.do(http.MethodGet, path, nil, nil)
			Expect(status).To(Equal(http.StatusSeeOther), path)
			Expect(hdr.Get("Location")).To(HavePrefix("/login?next="), path)
			status, hdr, body := c.do(http.MethodGet, "/api"+path, nil, nil)
			Expect(status).To(Equal(http.StatusUnauthorized), path)
			Expect(hdr.Get("WWW-Authenticate")).To(ContainSubstring("Bearer"))
			Expect(body).To(ContainSubstring("sign in first"))
			Expect(body).NotTo(ContainSubstring("Moorside"))
		}
		status, _, _ := c.do(http.MethodGet, "/api/runs", nil, map[string]string{"Authorization": "Bearer ci-oak.wrong"})
		Expect(status).To(Equal(http.StatusUnauthorized), "a wrong token")
		status, _, _ = c.do(http.MethodGet, "/api/runs", nil, map[string]string{"Authorization": "Basic b2FrOnB3LW9haw=="})
		Expect(status).To(Equal(http.StatusUnauthorized), "only bearer tokens")
		Expect(c.login("ana", "wrong")).To(Equal(http.StatusUnauthorized))
		Expect(c.login("nobody", "pw-ana")).To(Equal(http.StatusUnauthorized))
	})

	It("sends its security headers on every answer, signed in or not", func() {
		c := w.client()
		for _, path := range []string{"/login", "/runs", "/api/runs", "/no/such/page", "/static/portal.js"} {
			_, hdr, _ := c.do(http.MethodGet, path, nil, nil)
			Expect(hdr.Get("Content-Security-Policy")).To(And(ContainSubstring("script-src 'self'"), ContainSubstring("frame-ancestors 'none'"), Not(ContainSubstring("unsafe-inline"))), path)
			Expect(hdr.Get("X-Frame-Options")).To(Equal("DENY"), path)
			Expect(hdr.Get("X-Content-Type-Options")).To(Equal("nosniff"), path)
		}
		c.login("ana", "pw-ana")
		status, hdr, body := c.do(http.MethodGet, "/runs", nil, nil)
		Expect(status).To(Equal(http.StatusOK))
		Expect(hdr.Get("Cache-Control")).To(Equal("no-store"))
		Expect(body).NotTo(MatchRegexp(`<script>|<script [^s]|\son[a-z]+=`), "no inline script or handler")
	})

	It("keeps a supplier to its own vendor, on every page and in the API", func() {
		c := w.client()
		Expect(c.login("oak", "pw-oak")).To(Equal(http.StatusSeeOther))
		var runs portal.RunsView
		Expect(c.getJSON("/api/runs", &runs)).To(Equal(http.StatusOK))
		Expect(runs.Runs).To(HaveLen(3))
		for _, r := range runs.Runs {
			Expect(r.Vendor).To(Equal("Oakfield Health Software"))
		}
		Expect(runs.Facets.Vendors).To(Equal([]string{"Oakfield Health Software"}))
		Expect(c.getJSON("/api/runs?vendor=Riverside+Clinical+Systems", &runs)).To(Equal(http.StatusOK))
		Expect(runs.Runs).To(BeEmpty(), "a filter does not widen the scope")

		// Another supplier's run reads exactly as a run that does not exist.
		_, missing := c.get("/api/runs/99999")
		for _, path := range []string{fmt.Sprintf("/runs/%d", w.ids[1]), fmt.Sprintf("/runs/%d/findings", w.ids[1]), fmt.Sprintf("/runs/%d/findings/1", w.ids[1])} {
			status, body := c.get(path)
			Expect(status).To(Equal(http.StatusNotFound), path)
			Expect(body).NotTo(ContainSubstring("Riverside"))
			status, body = c.get("/api" + path)
			Expect(status).To(Equal(http.StatusNotFound), path)
			Expect(body).NotTo(ContainSubstring("Riverside"))
		}
		_, other := c.get(fmt.Sprintf("/api/runs/%d", w.ids[1]))
		Expect(other).To(Equal(stringsReplace(missing, "99999", fmt.Sprint(w.ids[1]))))

		status, _ := c.get("/api/vendors/Riverside%20Clinical%20Systems")
		Expect(status).To(Equal(http.StatusNotFound))
		status, _ = c.get(fmt.Sprintf("/api/compare?run=%d&run=%d", w.ids[0], w.ids[1]))
		Expect(status).To(Equal(http.StatusNotFound))
		status, _ = c.get("/api/compare?vendor=Riverside+Clinical+Systems")
		Expect(status).To(Equal(http.StatusNotFound))
		var req portal.RequirementView
		Expect(c.getJSON("/api/requirements/fhir-r4-structure/STRUCT-02", &req)).To(Equal(http.StatusOK))
		for _, cell := range append(append(req.Failing, req.Passing...), req.Other...) {
			Expect(cell.Run.Vendor).To(Equal("Oakfield Health Software"))
		}
		var vs portal.VendorsView
		Expect(c.getJSON("/api/vendors", &vs)).To(Equal(http.StatusOK))
		Expect(vs.Vendors).To(HaveLen(1))

		// The same through the supplier's API token.
		api := w.client()
		status, _, body := api.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", w.ids[1]), nil, map[string]string{"Authorization": "Bearer ci-oak.s3cret"})
		Expect(status).To(Equal(http.StatusNotFound))
		Expect(body).NotTo(ContainSubstring("Riverside"))
		status, _, _ = api.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", w.ids[0]), nil, map[string]string{"Authorization": "Bearer ci-oak.s3cret"})
		Expect(status).To(Equal(http.StatusOK))
	})

	It("ends a session left idle, and any session past its absolute limit", func() {
		c := w.client()
		c.login("ana", "pw-ana")
		w.clock.Advance(29 * time.Minute)
		status, _ := c.get("/api/runs")
		Expect(status).To(Equal(http.StatusOK), "used within the idle limit")
		w.clock.Advance(31 * time.Minute)
		status, body := c.get("/api/runs")
		Expect(status).To(Equal(http.StatusUnauthorized), "idle for 31 minutes")
		Expect(body).To(ContainSubstring("sign in first"))
		status, hdr, _ := c.do(http.MethodGet, "/runs", nil, nil)
		Expect(status).To(Equal(http.StatusSeeOther))
		Expect(hdr.Get("Location")).To(Equal("/login?next=%2Fruns"))

		c.login("ana", "pw-ana")
		for i := 0; i < 25; i++ { // busy all day, never idle
			w.clock.Advance(29 * time.Minute)
			status, _ = c.get("/api/runs")
			if status != http.StatusOK {
				break
			}
		}
		Expect(status).To(Equal(http.StatusUnauthorized), "12 hours after signing in, however busy")
	})

	It("refuses a form without the session's CSRF token, or from another origin", func() {
		c := w.client()
		c.login("ana", "pw-ana")
		status, _, body := c.do(http.MethodPost, "/logout", url.Values{}, map[string]string{"Origin": c.base})
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring("missing CSRF token"))
		status, _, body = c.do(http.MethodPost, "/logout", url.Values{"csrf": {"forged"}}, map[string]string{"Origin": c.base})
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring("wrong CSRF token"))
		status, _, body = c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf}}, map[string]string{"Origin": "http://evil.example"})
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring("another origin"))
		status, _, _ = c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"})
		Expect(status).To(Equal(http.StatusForbidden))
		status, _ = c.get("/api/runs")
		Expect(status).To(Equal(http.StatusOK), "none of those signed out")

		status, _, _ = c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf}}, map[string]string{"Origin": c.base})
		Expect(status).To(Equal(http.StatusSeeOther))
		status, _ = c.get("/api/runs")
		Expect(status).To(Equal(http.StatusUnauthorized), "signed out")

		// The sign-in form's token is bound to its cookie.
		fresh := w.client()
		status, _, body = fresh.do(http.MethodPost, "/login", url.Values{"csrf": {"made-up"}, "name": {"ana"}, "password": {"pw-ana"}}, nil)
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring("CSRF token on the sign-in form"))
	})

	It("never sends a signed-in reader off the site after signing in", func() {
		c := w.client()
		_, body := c.get("/login?next=//evil.example/x")
		m := csrfField.FindStringSubmatch(body)
		status, hdr, _ := c.do(http.MethodPost, "/login", url.Values{"csrf": {m[1]}, "name": {"ana"}, "password": {"pw-ana"}, "next": {"//evil.example/x"}}, nil)
		Expect(status).To(Equal(http.StatusSeeOther))
		Expect(hdr.Get("Location")).To(Equal("/runs"))
	})
})
