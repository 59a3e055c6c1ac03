package restapi_test

import (
	"context"
	"net/url"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/terminology/snomed"
	"github.com/carecert/carecert/terminology/snomed/snomedtest"
	"github.com/carecert/carecert/validators/restapi"
)

var _ = Describe("a token's :below on SNOMED CT (API-05)", func() {
	// conditions is a search's answer: Conditions coded with the given
	// SNOMED CT concepts, ids c0, c1, ...
	conditions := func(query string, codes ...string) *fhirclient.Exchange {
		var entries []any
		for i, code := range codes {
			entries = append(entries, map[string]any{"search": map[string]any{"mode": "match"}, "resource": map[string]any{
				"resourceType": "Condition", "id": "c" + string(rune('0'+i)), "subject": map[string]any{"reference": "Patient/p"},
				"code": map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": code}}},
			}})
		}
		q, err := url.ParseQuery(query)
		Expect(err).NotTo(HaveOccurred())
		return &fhirclient.Exchange{Interaction: fhirclient.Search, Method: "GET", URL: "http://s/Condition?" + query, Label: "Condition?" + query,
			Type: "Condition", Query: q, Status: 200, Headers: map[string]string{"content-type": "application/fhir+json"},
			Resource: map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries}}
	}
	below := "code:below=http://snomed.info/sct|" + snomedtest.Htn

	It("is judged with the requirement's SNOMED CT release, and only then", func() {
		dir := GinkgoT().TempDir()
		db := filepath.Join(dir, "snomed.db")
		_, err := snomed.Load(context.Background(), snomedtest.WriteRelease(dir), db)
		Expect(err).NotTo(HaveOccurred())
		observe := func(params params.Params, ex *fhirclient.Exchange) []model.Finding {
			c := compile("fhir-api-search-match", params)
			return c.NewState().Observe(record(ex))
		}
		// Hypertension in pregnancy is below hypertension; asthma is not.
		with := params.Params{"snomed": db}
		Expect(observe(with, conditions(below, snomedtest.Htn, snomedtest.PregHTN))).To(BeEmpty())
		fs := observe(with, conditions(below, snomedtest.PregHTN, snomedtest.Asthma))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Code).To(Equal("api.search-mismatch"))
		Expect(fs[0].Message).To(ContainSubstring("returned Condition/c1, which does not match " + below))
		// A code the release lacks (another edition's, or a later one's) is
		// carecert's limit, never the server's mismatch.
		Expect(observe(with, conditions(below, snomedtest.PregHTN, "22298006"))).To(BeEmpty())
		fs = observe(with, conditions(below, "22298006"))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).NotTo(Equal(model.Error))
		Expect(fs[0].Message).To(ContainSubstring("cannot decide offline"))
		// Without the release SNOMED CT's hierarchy is not held: not judged.
		fs = observe(nil, conditions(below, snomedtest.PregHTN, snomedtest.Asthma))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).NotTo(Equal(model.Error))
		Expect(fs[0].Message).To(ContainSubstring("cannot decide offline (:in, :not-in, :above, :below)"))
	})
	It("takes the plan's release when the requirement names none, through the terminology it is registered with", func() {
		dir := GinkgoT().TempDir()
		db := filepath.Join(dir, "snomed.db")
		_, err := snomed.Load(context.Background(), snomedtest.WriteRelease(dir), db)
		Expect(err).NotTo(HaveOccurred())
		reg := check.NewRegistry()
		restapi.Register(reg, runengine.Search)
		c, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-api-search-match", Source: "test"},
			&check.Env{Terminology: check.Terminology{Snomed: db}})
		Expect(err).NotTo(HaveOccurred())
		fs := c.NewState().Observe(record(conditions(below, snomedtest.PregHTN, snomedtest.Asthma)))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Code).To(Equal("api.search-mismatch"))

		// A release that does not open is named where it was written.
		_, err = reg.Compile(check.Spec{Requirement: "R", Type: "fhir-api-search-match", Params: params.Params{"snomed": filepath.Join(dir, "absent.db")}, Source: "test"}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring(`parameter "snomed"`)))
	})
})
