package livefhir_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
)

// medplum starts Medplum's FHIR router with its in-memory repository (npm
// packages that .ci/install-medplum.sh puts in .tools/medplum) on 127.0.0.1,
// loaded with the generated feed, and returns its base URL. Without it the
// spec fails, saying how to install it (./test.sh does), as the browser and
// database specs do: a missing peer is never a silent pass.
func medplum() string {
	root, err := filepath.Abs("..")
	Expect(err).NotTo(HaveOccurred())
	modules := filepath.Join(root, ".tools", "medplum", "node_modules")
	node, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(modules, "@medplum", "fhir-router", "package.json"))
	if nodeErr != nil || modErr != nil {
		msg := "Medplum's FHIR router is not installed (node: " + errText(nodeErr) + "; " + errText(modErr) + "): run ./test.sh or sh .ci/install-medplum.sh"
		Fail(msg)
	}
	cmd := exec.Command(node, filepath.Join(root, ".ci", "medplum", "server.js"), "0", filepath.Join(feedDir, fixtures.FeedFile))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	cmd.Stderr = GinkgoWriter
	Expect(cmd.Start()).To(Succeed())
	DeferCleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if port, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				ready <- port
				return
			}
		}
		close(ready)
	}()
	select {
	case port, ok := <-ready:
		Expect(ok).To(BeTrue(), "the Medplum server stopped before it listened")
		return "http://127.0.0.1:" + port
	case <-time.After(60 * time.Second):
		Fail("the Medplum server did not start within a minute")
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

var _ = Describe("fhir-server target against a third-party FHIR server (Medplum's router, in memory)", func() {
	It("judges what it exercised on the server's own answers: no requirement passes on nothing, none fails for carecert", func() {
		url := medplum()
		rep := run([]map[string]any{apiTarget(url, nil)}, "fhir-rest-api")
		Expect(rep.Complete).To(BeTrue())
		outcomes := map[string]model.Outcome{}
		for _, r := range rep.Targets[0].Results {
			if r.Suite == "fhir-rest-api" {
				outcomes[r.Requirement] = r.Outcome
			}
		}
		// What the router does as the specification says passes: the
		// statement, read and its ETag, vread, searchsets and _count, search
		// matches, unknown ids, malformed parameters, JSON, transport, XML
		// refused (the front speaks JSON only), and recall: _id by GET and
		// POST, the subject bare and as Patient/id, system|code.
		for _, req := range []string{"API-01", "API-02", "API-03", "API-04", "API-05", "API-08", "API-09", "API-10", "API-12", "API-13", "API-16", "API-17"} {
			Expect(outcomes[req]).To(Equal(model.Pass), req+": "+result(rep, "api", req).Message)
		}
		// The router's searches give Bundle.total but no next link, and its
		// history entries have no request or response: found, as they are.
		// It ignores an unknown parameter even under handling=strict, and
		// its searchsets have no self link to show what a lenient search
		// used: found, as they are (API-18 is a SHOULD).
		Expect(codes(result(rep, "api", "API-18"))).To(ConsistOf("api.unknown-param-strict", "api.self-link"))
		Expect(codes(result(rep, "api", "API-06"))).To(HaveEach("api.paging-total"))
		// Declared search features work on the router: _id with two values,
		// ge/le/gt on a date, gt/lt on a quantity, _include of a subject
		// and _revinclude of the Patient by it. Its in-memory matcher
		// leaves out an Observation whose value-quantity equals the number
		// of a ge or le search (value 36.9, ge36.9 and le36.9), and the
		// searches of that number with its units (36.9|UCUM|Cel and
		// 36.9||Cel), which FHIR says match: found, as they are. A unit
		// the value is not in leaves it out, as it should. It honours
		// one-step chains and _include:iterate, but a chain of two steps
		// (encounter:Encounter.patient:Patient.active=true) finds nothing,
		// though Encounter?patient:Patient.active=true finds the encounter:
		// found, as it is. Its :text on a token finds a whole display (or
		// even the code) but not the start of one (category:text=Vital for
		// "Vital Signs"), where R4 processes :text as a string search,
		// which matches the start: found, as it is. Its :in finds nothing
		// on a value set its repository does not hold (the R4 core's
		// observation-category and administrative-gender), with no
		// OperationOutcome to say it cannot: found, as it is (its :not-in
		// then leaves the resource out, as it must). It declares no
		// operation: API-26 is skipped.
		features := result(rep, "api", "API-25")
		Expect(features.Outcome).To(Equal(model.Fail), features.Message)
		Expect(features.Evaluated).To(BeNumerically(">=", 10))
		var missed []string
		for _, f := range features.Findings {
			Expect(f.Code).To(Equal("api.search-feature-recall"))
			missed = append(missed, f.Record)
		}
		Expect(missed).To(ConsistOf(MatchRegexp(`^GET Observation\?_id=[^&]+&value-quantity=ge[0-9.]+$`), MatchRegexp(`^GET Observation\?_id=[^&]+&value-quantity=le[0-9.]+$`),
			MatchRegexp(`^GET Observation\?_id=[^&]+&value-quantity=[0-9.]+\|http://unitsofmeasure\.org\|Cel$`), MatchRegexp(`^GET Observation\?_id=[^&]+&value-quantity=[0-9.]+\|\|Cel$`),
			MatchRegexp(`^GET Observation\?_id=[^&]+&encounter:Encounter\.patient:Patient\.active=true$`),
			MatchRegexp(`^GET Observation\?_id=[^&]+&category:text=Vital$`),
			MatchRegexp(`^GET Observation\?_id=[^&]+&category:in=http://hl7\.org/fhir/ValueSet/observation-category$`),
			MatchRegexp(`^GET Patient\?_id=[^&]+&gender:in=http://hl7\.org/fhir/ValueSet/administrative-gender$`)))
		Expect(result(rep, "api", "API-26").Outcome).To(Equal(model.Skip))
		// The result parameters the front declares for the router:
		// _summary=count counts, _sort orders both ways; _summary=true and
		// _elements come back whole, which the specification allows and
		// the report says.
		shaped := result(rep, "api", "API-28")
		Expect(shaped.Outcome).To(Equal(model.Pass), shaped.Message)
		Expect(shaped.Evaluated).To(Equal(int64(2 * 5)))
		Expect(codes(shaped)).To(ContainElement("api.not-subsetted"))
		Expect(codes(result(rep, "api", "API-07"))).To(HaveEach("api.history-entry"))
		// Writes, SMART and negative auth tests were not asked for.
		for _, req := range []string{"API-11", "API-14", "API-15"} {
			Expect(outcomes[req]).To(Equal(model.Skip), req)
		}
	})
})

var _ = Describe("fhir-server target's write interactions against Medplum's router", func() {
	It("judges each write interaction the router declares, finds its real gaps and leaves nothing behind", func() {
		url := medplum()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"allow_writes": true})}, "fhir-rest-api")
		Expect(rep.Complete).To(BeTrue())
		// create with Location and ETag, update to a new version, delete
		// then 410, the clean-up of every copy, If-Match current and stale
		// (412), conditional create, update and delete (and the read after
		// it), JSON Patch, a JSON Patch whose test fails (refused) and
		// FHIRPath Patch: as the specification says.
		for _, req := range []string{"API-11", "API-19", "API-20", "API-21", "API-29"} {
			r := result(rep, "api", req)
			Expect(r.Outcome).To(Equal(model.Pass), req+": "+r.Message)
		}
		Expect(result(rep, "api", "API-21").Evaluated).To(Equal(int64(4)))
		// Nested JSON Patches too: an extension list added, its first
		// value replaced, its second removed and a third appended, each
		// read back exactly as patched; a patch naming an index that does
		// not exist refused whole; and the same by FHIRPath Patch on the
		// identifier list (add; insert, move, replace and delete in one
		// Parameters; a bad one refused whole).
		Expect(result(rep, "api", "API-29").Evaluated).To(Equal(int64(3 + 3*2 + 3*2)))
		Expect(result(rep, "api", "API-20").Evaluated).To(Equal(int64(2)))
		// The router's in-memory repository answers a transaction whose
		// second entry it refuses (400) with 200 and keeps the first entry:
		// not all-or-nothing. Behind the front, which has no say in media
		// types, it takes a text/plain body, and it takes implicitRules 42.
		Expect(codes(result(rep, "api", "API-22"))).To(ConsistOf("api.transaction-accepted", "api.transaction-partial"))
		Expect(codes(result(rep, "api", "API-24"))).To(ConsistOf("api.media-type", "api.invalid-accepted"))
		// It has no type history: skipped, as its statement says.
		h := result(rep, "api", "API-23")
		Expect(h.Outcome).To(Equal(model.Skip))
		Expect(h.Message).To(ContainSubstring("does not declare history-type"))
		// Neither the router nor @medplum/core reads or writes FHIR XML,
		// and the front's statement lists JSON alone: no XML write is sent.
		x := result(rep, "api", "API-30")
		Expect(x.Outcome).To(Equal(model.Skip))
		Expect(x.Message).To(ContainSubstring("declares no XML format"))
		// Every copy carecert made, the partly committed transaction's
		// included, was deleted: the clean-up deletes all passed, and a
		// search for carecert's tag finds none.
		resp, err := http.Get(url + "/Patient?_tag=" + neturl.QueryEscape("urn:carecert:probe|carecert-probe"))
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		var b struct {
			Type  string `json:"type"`
			Entry []any  `json:"entry"`
		}
		Expect(json.NewDecoder(resp.Body).Decode(&b)).To(Succeed())
		Expect(b.Type).To(Equal("searchset"))
		Expect(b.Entry).To(BeEmpty(), "no resource of carecert's is left")
	})
})

var _ = Describe("a token's :above and :below on Medplum's router (plan searches, API-05)", func() {
	It("judges the matches it returns against the v3 hierarchy, and leaves an empty answer not judged", func() {
		url := medplum()
		rep := run([]map[string]any{apiTarget(url, map[string]any{"resources": []any{"Patient"}, "count": 100, "searches": []any{
			"Encounter?class:below=" + actCode + "|IMP", "Encounter?class:above=" + actCode + "|ACUTE"}})}, "fhir-rest-api")
		m := result(rep, "api", "API-05")
		// Its inpatient encounters come back for class:below=IMP and are
		// judged right by the hierarchy the R4 core holds; class:above=ACUTE
		// (IMP is above ACUTE) finds nothing on the router, whose in-memory
		// matcher holds no hierarchy: with no match to compare it is not
		// judged (plan searches carry no recall).
		Expect(m.Outcome).To(Equal(model.Pass), m.Message)
		Expect(m.Message).To(ContainSubstring("1 of 3 case(s) judged"))
		Expect(m.Findings).To(ContainElement(And(
			HaveField("Record", "GET Encounter?class:above="+actCode+"|ACUTE"),
			HaveField("Message", ContainSubstring("returned no match to compare with its parameters")))))
	})
})
