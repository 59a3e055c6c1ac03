package target_test

import (
	"errors"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/runner/target"
)

var _ = Describe("targets", func() {
	It("infers target types from paths and URLs", func() {
		for in, want := range map[string]string{
			"https://fhir.example/R4": "fhir-server", "mllp://127.0.0.1:2575": "mllp",
			"mllps://127.0.0.1:2575": "mllp", "adt.hl7": "hl7v2", "return.csv.gz": "csv", "feed.ndjson.gz": "fhir", "folder": "fhir",
		} {
			Expect(target.Infer(target.Spec{Path: in})).To(Equal(want), in)
		}
		Expect(target.Infer(target.Spec{Path: "bundle.xml"})).To(Equal("fhir"))
	})

	It("infers hl7v2 for a folder of HL7 v2 files without FHIR files", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "a.hl7"), []byte("MSH|^~\\&|A|B|C|D|20240101120000||ADT^A01|M1|P|2.4\r"), 0o644)).To(Succeed())
		Expect(target.Infer(target.Spec{Path: dir})).To(Equal("hl7v2"))
		Expect(os.WriteFile(filepath.Join(dir, "b.ndjson"), []byte("{}\n"), 0o644)).To(Succeed())
		Expect(target.Infer(target.Spec{Path: dir})).To(Equal("fhir"))
		Expect(target.Infer(target.Spec{Path: GinkgoT().TempDir()})).To(Equal("fhir"))
	})

	It("removes credentials from locations", func() {
		Expect(target.Spec{URL: "https://user:s3cret@fhir.example/R4?_count=5&access_token=abc"}.Location()).
			To(Equal("https://user@fhir.example/R4?_count=5&access_token=REDACTED"))
		Expect(target.Spec{URL: "https://u:p@h/x"}.Location()).NotTo(ContainSubstring("p@"))
	})

	It("refuses an unknown target type, listing the known ones", func() {
		reg := target.NewRegistry()
		Expect(reg.Types()).To(BeEmpty(), "a new registry knows no family")
		_, _, err := reg.Open(target.Spec{Name: "t", Path: "feed.ndjson"})
		Expect(err).To(MatchError(`target t: unknown type "fhir": no target family is registered (each registers its own, as cmd/carecert's registries do)`))
		none := func(target.Spec, target.NoOptions) (target.Target, error) { return nil, nil }
		target.Define(reg, "sftp", "files over SFTP", target.NoOptions{}, none)
		target.Define(reg, "fhir", "FHIR files", target.NoOptions{}, none)
		_, _, err = reg.Open(target.Spec{Name: "t", Type: "ftp", Path: "x"})
		Expect(err).To(MatchError(`target t: unknown type "ftp" (known: fhir, sftp)`))
		var ce *target.ConfigError
		Expect(errors.As(err, &ce)).To(BeTrue())
	})
})

var _ = Describe("shards", func() {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string { return kv[k] }
	}

	It("parses i/n and auto/n from the environment", func() {
		s, err := target.ParseShard("2/8", env(nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(s).To(Equal(target.Shard{Index: 2, Count: 8}))
		s, err = target.ParseShard("auto/4", env(map[string]string{"JOB_COMPLETION_INDEX": "0"}))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.String()).To(Equal("1/4"))
		s, err = target.ParseShard("auto/4", env(map[string]string{"CARECERT_SHARD_INDEX": "3", "JOB_COMPLETION_INDEX": "0"}))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.String()).To(Equal("3/4"))
	})

	DescribeTable("rejects shards that make no sense",
		func(in string, vars map[string]string, want string) {
			_, err := target.ParseShard(in, env(vars))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("zero-based", "0/4", nil, "want 1 <= i <= n"),
		Entry("past the end", "5/4", nil, "want 1 <= i <= n"),
		Entry("not a fraction", "2", nil, "want i/n"),
		Entry("trailing junk", "2/4x", nil, "want i/n"),
		Entry("auto without an index", "auto/4", nil, "JOB_COMPLETION_INDEX"),
		Entry("auto past the end", "auto/4", map[string]string{"JOB_COMPLETION_INDEX": "4"}, "want 1 <= i <= n"),
	)
})
