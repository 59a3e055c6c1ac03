package livefhir_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures/fhirserver"
	"github.com/carecert/carecert/model"
)

var _ = Describe("fhir-server target's declared search features and operations", func() {
	It("passes on a clean server, judging each feature the statement declares", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5})
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		f := result(rep, "api", "API-25")
		Expect(f.Outcome).To(Equal(model.Pass), f.Message)
		// Per type (Patient, Observation): _id=a,b twice, ge, le and gt on a
		// date; ge, le, gt and lt on Observation's value-quantity, and its
		// value with system|code and ||code (found) and with a unit it is
		// not in (not found);
		// Patient?_include=Patient:organization;
		// Observation?_include=Observation:subject, :patient and :encounter;
		// Patient?_revinclude=Observation:subject and :patient; a chain
		// through a reference each holds, with its target's value and
		// with one nobody has (organization:Organization.name,
		// encounter:Encounter.status), and for Observation one step further
		// (encounter:Encounter.patient:Patient.active; Organization has no
		// reference to go on from); the first token of each that
		// identifies no one (Patient active, Observation status)
		// :missing=false and true, :not its own code and one nobody has;
		// Observation's category :text of the first word of its display
		// and of a text nobody has (Patient has no token with a text that
		// identifies no one); the first token of each bound to a value set
		// the engine expands (Patient gender, Observation category) :in and
		// :not-in narrowed by _id, and :in alone (precision).
		Expect(f.Evaluated).To(Equal(int64(2*5 + 4 + 3 + 1 + 3 + 2 + 2*2 + 2 + 2*4 + 2 + 2*3)))
		ops := result(rep, "api", "API-26")
		Expect(ops.Outcome).To(Equal(model.Pass), ops.Message)
		Expect(ops.Evaluated).To(Equal(int64(1)))
	})

	It("judges the modifiers alone, which no R4 statement can declare, and skips operations, on a server that declares neither", func() {
		_, url := simulator(fhirserver.Options{PageSize: 5, Basic: true})
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Organization"}, "searches": []any{}})}, "fhir-rest-api")
		f := result(rep, "api", "API-25")
		Expect(f.Outcome).To(Equal(model.Pass), f.Message)
		// One Organization, no second, no date, quantity or reference: its
		// name :contains the middle of itself (found) and a text nobody
		// has (not); active :missing=false and true, :not its own value
		// and one nobody has.
		Expect(f.Evaluated).To(Equal(int64(6)))
		ops := result(rep, "api", "API-26")
		Expect(ops.Outcome).To(Equal(model.Skip))
		Expect(ops.Message).To(ContainSubstring("declares no operation carecert exercises"))
	})

	It("fails API-25 where :text on a token is ignored, at the search with a text nobody has", func() {
		_, url := simulator(withDefects("token-text-ignored"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-25"}))
		f := result(rep, "api", "API-25")
		Expect(codes(f)).To(ConsistOf("api.search-feature-excluded", "api.search-mismatch"))
		for _, x := range f.Findings {
			Expect(x.Record).To(MatchRegexp(`^GET Observation\?_id=obs-[0-9-]+&category:text=carecert-no-such-value$`))
		}
	})

	It("fails API-25 where quantity units are ignored, at the search with a unit the value is not in alone", func() {
		_, url := simulator(withDefects("quantity-units-ignored"))
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-25"}))
		f := result(rep, "api", "API-25")
		// Excluded, and a match of its parameters it is not.
		Expect(codes(f)).To(ConsistOf("api.search-feature-excluded", "api.search-mismatch"))
		for _, x := range f.Findings {
			Expect(x.Record).To(MatchRegexp(`^GET Observation\?_id=obs-[0-9-]+&value-quantity=[0-9.]+\|\|carecert-no-such-unit$`))
		}
	})

	It("fails API-25 where modifiers are ignored, at each search a modifier excludes from", func() {
		_, url := simulator(withDefects("modifiers-ignored"))
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient", "Organization"}, "searches": []any{}})}, "fhir-rest-api")
		Expect(failing(rep)).To(Equal([]string{"fhir-rest-api/API-25"}))
		var excluded []string
		for _, x := range result(rep, "api", "API-25").Findings {
			if x.Code == "api.search-feature-excluded" {
				excluded = append(excluded, x.Record)
			}
		}
		// The first token of each that identifies no one (active),
		// Organization's name, and Patient's gender :not-in its value set
		// (Organization's tokens are bound to none the engine expands).
		Expect(excluded).To(ConsistOf(
			"GET Patient?_id=pat-000001&active:missing=true", "GET Patient?_id=pat-000001&active:not=true",
			"GET Organization?_id=org-000001&active:missing=true", "GET Organization?_id=org-000001&active:not=true",
			"GET Organization?_id=org-000001&name:contains=carecert-no-such-value",
			"GET Patient?_id=pat-000001&gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender"))
	})

	It("locates each search-feature fault at the search that shows it", func() {
		for _, c := range []fault{
			{"include-ignored", "API-25", "GET Observation?_id=obs-", "as an included resource (search.mode include)"},
			{"date-prefix-ignored", "API-25", "GET Patient?_id=pat-000001&birthdate=gt", "which the search excludes"},
			{"quantity-prefix-ignored", "API-25", "GET Observation?_id=obs-", "which the search excludes"},
			{"chain-ignored", "API-25", "GET Patient?_id=pat-000001&organization:Organization.name=carecert-no-such-name", "which the search excludes"},
			{"or-first-only", "API-25", "GET Patient?_id=pat-000001,pat-000002 (multiple-or, second)", "did not return Patient/pat-000002"},
			{"everything-incomplete", "API-26", "GET Patient/pat-000001/$everything", "does not hold Observation/obs-"},
		} {
			locates(c, nil)
		}
	})
})

var _ = Describe("fhir-bulk target's kick-offs with bad parameters", func() {
	It("fails BULK-10, naming the kick-off, on a server that starts exports it cannot honour, and cancels them", func() {
		sim, url := simulator(withDefects("bulk-lenient-kickoff"))
		rep := run([]map[string]any{bulkTarget(url, nil)}, "fhir-bulk-data")
		r := result(rep, "bulk", "BULK-10")
		Expect(r.Outcome).To(Equal(model.Fail))
		var records []string
		for _, f := range r.Findings {
			Expect(f.Message).To(ContainSubstring("was accepted (202)"))
			records = append(records, f.Record)
		}
		Expect(records).To(ConsistOf("GET $export with _since=not-an-instant", "GET $export with _outputFormat=application/x-carecert-unknown"))
		_, left := sim.Exports()
		Expect(left).To(BeZero())

		_, url = simulator(fhirserver.Options{})
		rep = run([]map[string]any{bulkTarget(url, nil)}, "fhir-bulk-data")
		r = result(rep, "bulk", "BULK-10")
		Expect(r.Outcome).To(Equal(model.Pass), r.Message)
		Expect(r.Evaluated).To(Equal(int64(2)))
	})
})
