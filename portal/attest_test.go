package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/portal"
)

var _ = Describe("attesting a manual requirement through the portal", func() {
	var w *world
	BeforeEach(func() { w = newWorld(sqliteStore()) })

	// attest posts the attest form as a browser sends it, with the session's
	// CSRF token in its csrf field unless csrf is empty.
	attest := func(c *client, runID int64, fields map[string]string, evidence string, csrf string) (int, map[string]any) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if csrf != "" {
			Expect(mw.WriteField("csrf", csrf)).To(Succeed())
		}
		for k, v := range fields {
			Expect(mw.WriteField(k, v)).To(Succeed())
		}
		if evidence != "" {
			f, err := mw.CreateFormFile("evidence", "demo-witness.pdf")
			Expect(err).NotTo(HaveOccurred())
			_, err = f.Write([]byte(evidence))
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(mw.Close()).To(Succeed())
		req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/runs/%d/attest", c.base, runID), &body)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", c.base)
		resp, err := c.http.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		var out map[string]any
		Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
		return resp.StatusCode, out
	}
	pass := map[string]string{"requirement": "demo-assurance/DEMO-01", "outcome": "pass", "note": "witnessed at the supplier's site"}

	It("records an assessor's outcome with its evidence, and the run's verdict changes everywhere", func() {
		riverside := w.ids[1]
		c := w.client()
		c.login("ana", "pw-ana")
		var before portal.RunView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", riverside), &before)).To(Equal(http.StatusOK))
		Expect(before.Verdict.Decision).To(Equal(model.Certified), "a requirement awaiting attestation does not fail")
		Expect(before.HasManual()).To(BeTrue())

		failed := map[string]string{"requirement": "demo-assurance/DEMO-01", "outcome": "fail", "note": "allergies on a second screen only"}
		status, reply := attest(c, riverside, failed, "%PDF witnessed demonstration", c.csrf)
		Expect(status).To(Equal(http.StatusCreated), fmt.Sprint(reply))
		Expect(reply["decision"]).To(Equal(string(model.NotCertified)))

		var after portal.RunView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", riverside), &after)).To(Equal(http.StatusOK))
		Expect(after.Verdict.Decision).To(Equal(model.NotCertified))
		Expect(after.Run.Decision).To(Equal(model.NotCertified), "the history's row too")
		var manual *portal.RunResult
		for i := range after.Results {
			if after.Results[i].Manual {
				manual = &after.Results[i]
			}
		}
		Expect(manual).NotTo(BeNil())
		Expect(manual.Outcome).To(Equal(model.Fail))
		Expect(manual.Attestation.By).To(Equal("ana"))
		Expect(manual.Attestation.Evidence).To(Equal("demo-witness.pdf"))
		Expect(manual.Attestation.EvidenceSHA256).To(HaveLen(64))

		var runs portal.RunsView
		Expect(c.getJSON("/api/runs?vendor=Riverside+Clinical+Systems", &runs)).To(Equal(http.StatusOK))
		Expect(runs.Runs[0].Decision).To(Equal(model.NotCertified))

		// Attested again, pass: certified again.
		status, reply = attest(c, riverside, pass, "%PDF second visit", c.csrf)
		Expect(status).To(Equal(http.StatusCreated), fmt.Sprint(reply))
		Expect(reply["decision"]).To(Equal(string(model.Certified)))
	})

	It("lets only an assessor attest, with the CSRF token, a manual requirement, on evidence", func() {
		riverside := w.ids[1]
		for _, name := range []string{"bo", "river"} {
			c := w.client()
			c.login(name, "pw-"+name)
			status, reply := attest(c, riverside, pass, "evidence", c.csrf)
			Expect(status).To(Equal(http.StatusForbidden), name)
			Expect(reply["error"]).To(ContainSubstring("only an assessor attests"))
		}
		c := w.client()
		c.login("ana", "pw-ana")
		status, reply := attest(c, riverside, pass, "evidence", "")
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(reply["error"]).To(ContainSubstring("missing CSRF token"))
		status, reply = attest(c, riverside, pass, "", c.csrf)
		Expect(status).To(Equal(http.StatusUnprocessableEntity))
		Expect(reply["error"]).To(ContainSubstring("evidence file"))
		status, reply = attest(c, riverside, map[string]string{"requirement": "fhir-r4-structure/STRUCT-02", "outcome": "pass"}, "evidence", c.csrf)
		Expect(status).To(Equal(http.StatusUnprocessableEntity))
		Expect(reply["error"]).To(ContainSubstring("only manual requirements are attested"))
		status, reply = attest(c, riverside, map[string]string{"requirement": "demo-assurance/DEMO-01", "outcome": "maybe"}, "evidence", c.csrf)
		Expect(status).To(Equal(http.StatusUnprocessableEntity))
		Expect(reply["error"]).To(ContainSubstring(`outcome "maybe"`))

		var v portal.RunView
		Expect(c.getJSON(fmt.Sprintf("/api/runs/%d", riverside), &v)).To(Equal(http.StatusOK))
		Expect(v.Verdict.Decision).To(Equal(model.Certified), "no refused attestation changed anything")
		for _, r := range v.Results {
			if r.Manual {
				Expect(r.Attestation).To(BeNil())
			}
		}
	})
})
