package agreement_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile/agreement"
)

var _ = Describe("family pairs", func() {
	write := func(manifest string) string {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644)).To(Succeed())
		return dir
	}

	It("refuses a family without both instances, and an expectation that is neither error nor no error", func() {
		_, err := agreement.FamilyPairs(write(`{"pairs": [{"family": "f", "file": "f.pass.json", "expect": "no error"}]}`))
		Expect(err).To(MatchError(ContainSubstring("family f needs one instance that keeps its rule and one that breaks it, has 1 and 0")))
		_, err = agreement.FamilyPairs(write(`{"pairs": [{"family": "f", "file": "f.pass.json", "expect": "warning"}]}`))
		Expect(err).To(MatchError(ContainSubstring(`f.pass.json: expect "warning"`)))
	})

	It("decides a family right only when the instance keeping the rule has no error and the one breaking it has one", func() {
		dir := write(`{"pairs": [
			{"family": "a", "file": "a.pass.json", "expect": "no error"}, {"family": "a", "file": "a.fail.json", "expect": "error"},
			{"family": "b", "file": "b.pass.json", "expect": "no error"}, {"family": "b", "file": "b.fail.json", "expect": "error"},
			{"family": "c", "file": "c.pass.json", "expect": "no error"}, {"family": "c", "file": "c.fail.json", "expect": "error"}]}`)
		pairs, err := agreement.FamilyPairs(dir)
		Expect(err).NotTo(HaveOccurred())
		e := model.Finding{Severity: model.Error, Message: "broken"}
		rep := &model.Report{Targets: []model.TargetRun{{Results: []model.Result{{Tally: model.Tally{Findings: []model.Finding{
			withFile(e, "/tmp/x/a.fail.json"), withFile(e, "/tmp/x/b.pass.json"), withFile(e, "/tmp/x/b.fail.json"),
			withFile(model.Finding{Severity: model.Warning}, "/tmp/x/c.fail.json"),
		}}}}}}}
		results := agreement.DecideFamilies(pairs, agreement.ErrorsByFile(rep))
		Expect(results).To(HaveLen(3))
		Expect(results[0].Right()).To(BeTrue())
		Expect(results[1].Right()).To(BeFalse(), "an error on the instance keeping the rule")
		Expect(results[2].Right()).To(BeFalse(), "a warning is not the error the rule gives")
		Expect(agreement.FamilyReport(results)).To(ContainSubstring("families decided right: 1/3"))
	})
})

func withFile(f model.Finding, file string) model.Finding {
	f.File = file
	return f
}
