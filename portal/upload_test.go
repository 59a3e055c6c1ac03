package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/portal"
	"github.com/carecert/carecert/submission"
)

var _ = Describe("uploads to the portal", func() {
	var w *world
	BeforeEach(func() { w = newWorld(sqliteStore()) })

	// post sends a body to the upload route with the given headers.
	post := func(c *client, body io.Reader, length int64, header map[string]string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodPost, c.base+submission.Route, body)
		Expect(err).NotTo(HaveOccurred())
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/x-tar")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.http.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		var out map[string]any
		Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
		return resp.StatusCode, out
	}
	bearer := map[string]string{"Authorization": "Bearer ci-oak.s3cret"}
	newRelease := release{"Oakfield Health Software", "11.3", "none", 6}

	It("takes a supplier's signed run with its token, and shows it verified from the stored files", func() {
		tar := tarOf(w.write(newRelease, w.privs["Oakfield Health Software"]))
		status, receipt := post(w.client(), bytes.NewReader(tar), int64(len(tar)), bearer)
		Expect(status).To(Equal(http.StatusCreated), fmt.Sprint(receipt))
		id := int64(receipt["run_id"].(float64))

		c := w.client()
		c.login("oak", "pw-oak")
		var v portal.RunView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", id), &v)).To(Equal(http.StatusOK))
		Expect(v.Run.Release).To(Equal("11.3"))
		Expect(v.Verification.Signature).To(Equal("trusted"))
		Expect(v.Verification.Folder).To(ContainSubstring("submitted with the run"))
		Expect(v.Verification.Verified()).To(BeTrue())
		Expect(v.Results).NotTo(BeEmpty(), "read from the stored report")
	})

	It("refuses another vendor's run from a supplier, at the HTTP layer, and stores nothing", func() {
		tar := tarOf(w.write(release{"Riverside Clinical Systems", "3.2", "none", 6}, w.privs["Riverside Clinical Systems"]))
		status, refusal := post(w.client(), bytes.NewReader(tar), int64(len(tar)), bearer)
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(refusal["refused"]).To(Equal(string(submission.VendorMismatch)))
		Expect(refusal["reason"]).To(ContainSubstring("may submit only Oakfield Health Software's runs"))

		c := w.client()
		c.login("ana", "pw-ana")
		var runs portal.RunsView
		Expect(c.getJSON("/api/runs?release=3.2", &runs)).To(Equal(http.StatusOK))
		Expect(runs.Runs).To(BeEmpty())
	})

	It("refuses an oversize upload, whether or not the client says its size first", func() {
		big := tarWith("report.html", strings.Repeat("x", uploadLimit+1024))
		status, refusal := post(w.client(), bytes.NewReader(big), int64(len(big)), bearer)
		Expect(status).To(Equal(http.StatusRequestEntityTooLarge))
		Expect(refusal["refused"]).To(Equal(string(submission.TooLarge)))
		// Sent without a length (chunked): refused once the limit is read.
		status, refusal = post(w.client(), io.MultiReader(bytes.NewReader(big)), -1, bearer)
		Expect(status).To(Equal(http.StatusRequestEntityTooLarge))
		Expect(refusal["refused"]).To(Equal(string(submission.TooLarge)))
	})

	It("lets neither a buyer nor a stranger upload, nor a browser session without its CSRF token", func() {
		tar := tarOf(w.write(newRelease, w.privs["Oakfield Health Software"]))
		status, body := post(w.client(), bytes.NewReader(tar), int64(len(tar)), nil)
		Expect(status).To(Equal(http.StatusUnauthorized))
		Expect(body["error"]).To(ContainSubstring("sign in first"))

		buyer := w.client()
		buyer.login("bo", "pw-bo")
		status, body = post(buyer, bytes.NewReader(tar), int64(len(tar)), map[string]string{"X-CSRF-Token": buyer.csrf, "Origin": buyer.base})
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body["error"]).To(ContainSubstring("a buyer reads runs"))

		oak := w.client()
		oak.login("oak", "pw-oak")
		status, body = post(oak, bytes.NewReader(tar), int64(len(tar)), map[string]string{"Origin": oak.base})
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body["error"]).To(ContainSubstring("missing CSRF token"))
		status, _ = post(oak, bytes.NewReader(tar), int64(len(tar)), map[string]string{"X-CSRF-Token": oak.csrf, "Origin": oak.base})
		Expect(status).To(Equal(http.StatusCreated), "with the token, from this origin")
	})

	It("refuses an unsigned run and a tar with paths outside its folder with the reason", func() {
		tar := tarOf(w.write(newRelease, nil))
		status, refusal := post(w.client(), bytes.NewReader(tar), int64(len(tar)), bearer)
		Expect(status).To(Equal(http.StatusUnprocessableEntity))
		Expect(refusal["refused"]).To(Equal(string(submission.Unsigned)))
		evil := tarWith("../escape.json", `{}`)
		status, refusal = post(w.client(), bytes.NewReader(evil), int64(len(evil)), bearer)
		Expect(status).To(Equal(http.StatusUnprocessableEntity))
		Expect(refusal["refused"]).To(Equal(string(submission.UnsafePath)))
		Expect(strings.ToLower(fmt.Sprint(refusal["reason"]))).To(ContainSubstring("escape.json"))
	})
})
