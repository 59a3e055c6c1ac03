package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/suites"
)

var _ = Describe("listing commands with --json", func() {
	decode := func(args ...string) any {
		code, stdout, stderr := carecert(args...)
		Expect(stderr).To(BeEmpty())
		Expect(code).To(Equal(exitOK))
		var v any
		Expect(json.Unmarshal([]byte(stdout), &v)).To(Succeed(), stdout)
		return v
	}

	It("lists every built-in suite, and one suite's requirements", func() {
		listed := decode("suites", "--json").([]any)
		Expect(listed).To(HaveLen(len(suites.BuiltinIDs())))
		ids := map[string]bool{}
		for _, s := range listed {
			m := s.(map[string]any)
			ids[m["id"].(string)] = true
			Expect(m).To(HaveKey("default"))
			Expect(m).NotTo(HaveKey("requirements"))
		}
		Expect(ids).To(HaveKey("fhir-r4-structure"))

		one := decode("suites", "fhir-r4-structure", "--json").(map[string]any)
		Expect(one["id"]).To(Equal("fhir-r4-structure"))
		reqs := one["requirements"].([]any)
		Expect(reqs).NotTo(BeEmpty())
		first := reqs[0].(map[string]any)
		Expect(first["id"]).To(Equal("STRUCT-01"))
		Expect(first["level"]).To(Equal("SHALL"))
		Expect(first["check"]).NotTo(BeEmpty())
		Expect(first["source"]).To(Equal(map[string]any{"url": "https://hl7.org/fhir/R4/resourcelist.html", "section": "Resource Index"}),
			"the rule the requirement applies, to follow from a report's requirement id")
	})

	It("shows one check type's parameters, generated from the struct its factory decodes", func() {
		one := decode("checks", "dq-within-life", "--json").(map[string]any)
		Expect(one["declared"]).To(BeTrue())
		byName := map[string]map[string]any{}
		for _, p := range one["params"].([]any) {
			m := p.(map[string]any)
			byName[m["name"].(string)] = m
		}
		Expect(byName["events"]).To(HaveKeyWithValue("required", true))
		Expect(byName["examples_per_patient"]).To(HaveKeyWithValue("default", "2"))
		Expect(byName["death_tolerance"]).To(HaveKeyWithValue("type", "duration"))
		Expect(byName["severity"]).To(HaveKeyWithValue("default", "warning"))

		code, stdout, _ := carecert("checks", "dq-maturity")
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(MatchRegexp(`(?m)^items\[\]\.tolerance\s+count or percentage\s+share of default values tolerated`))
		Expect(stdout).To(MatchRegexp(`(?m)^items\s+list of mappings\s+\(required\)`))

		code, _, stderr := carecert("checks", "dq-completness")
		Expect(code).NotTo(Equal(exitOK))
		Expect(stderr).To(ContainSubstring(`no check or target type "dq-completness"; did you mean dq-completeness?`))

		// carecert checks shows target types too, so a misspelt one is
		// offered the target type it is near.
		code, _, stderr = carecert("checks", "mlp")
		Expect(code).NotTo(Equal(exitOK))
		Expect(stderr).To(ContainSubstring(`no check or target type "mlp"; did you mean mllp?`))
	})

	It("shows one target type's options, generated from the struct its opener decodes", func() {
		one := decode("checks", "fhir-bulk", "--json").(map[string]any)
		Expect(one["declared"]).To(BeTrue())
		byName := map[string]map[string]any{}
		for _, p := range one["params"].([]any) {
			m := p.(map[string]any)
			byName[m["name"].(string)] = m
		}
		Expect(byName["level"]).To(HaveKeyWithValue("default", "system"))
		Expect(byName["poll_interval"]).To(HaveKeyWithValue("type", "duration"))
		Expect(byName["auth.token_env"]).To(HaveKeyWithValue("type", "string"), "the shared connection options, nested ones too")
		Expect(byName).NotTo(HaveKey("name"), "name, type, path and url are every target's, not its options")

		code, stdout, _ := carecert("checks", "mllp")
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(HavePrefix("target mllp: "))
		Expect(stdout).To(MatchRegexp(`(?m)^tls\s+mapping, or true/false\s+MLLP over TLS`))
		Expect(stdout).To(MatchRegexp(`(?m)^timeout\s+duration\s+10s\s+time to wait for each acknowledgement`))

		code, stdout, _ = carecert("checks", "hl7v2")
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(ContainSubstring("It takes no other options."))

		code, _, stderr := carecert("checks", "mlp")
		Expect(code).NotTo(Equal(exitOK))
		Expect(stderr).To(ContainSubstring("did you mean mllp?"))
	})

	// From a requirement in a report to the code that decides it: the
	// report gives the check type, and carecert checks TYPE the line that
	// registers it, naming the function that compiles it.
	It("names, for every check type, the line of the module that registers it", func() {
		checks := decode("checks", "--json").(map[string]any)["checks"].([]any)
		Expect(checks).NotTo(BeEmpty())
		for _, c := range checks {
			typ := c.(map[string]any)["name"].(string)
			code := decode("checks", typ, "--json").(map[string]any)["code"].(string)
			file, line, ok := strings.Cut(code, ".go:")
			Expect(ok).To(BeTrue(), "%s: %q", typ, code)
			data, err := os.ReadFile(filepath.Join("..", "..", file+".go"))
			Expect(err).NotTo(HaveOccurred(), "%s: %q", typ, code)
			n, err := strconv.Atoi(line)
			Expect(err).NotTo(HaveOccurred())
			lines := strings.Split(string(data), "\n")
			Expect(len(lines)).To(BeNumerically(">=", n), "%s: %q", typ, code)
			Expect(lines[n-1]).To(ContainSubstring(strconv.Quote(typ)), "%s: %q", typ, code)
		}
		_, stdout, _ := carecert("checks", "dq-references")
		Expect(strings.Split(stdout, "\n")[1]).To(HavePrefix("Code: validators/quality/"))
	})

	It("lists check types, target types, formats and defect kinds", func() {
		checks := decode("checks", "--json").(map[string]any)
		var targets []string
		for _, t := range checks["targets"].([]any) {
			targets = append(targets, t.(map[string]any)["name"].(string))
		}
		Expect(targets).To(ContainElements("fhir", "hl7v2", "csv", "mllp"))
		Expect(checks["checks"]).NotTo(BeEmpty())

		listed := decode("formats", "--json").([]any)
		Expect(listed).To(HaveLen(len(formats.All())))
		Expect(listed[0].(map[string]any)).To(HaveKey("doc"))

		defects := decode("fixtures", "defects", "--json").([]any)
		Expect(defects).To(HaveLen(len(fixtures.Catalogue())))
	})
})

var _ = Describe("shell completion", func() {
	It("writes a completion script for each shell", func() {
		for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
			code, stdout, _ := carecert("completion", shell)
			Expect(code).To(Equal(exitOK), shell)
			Expect(stdout).To(ContainSubstring("carecert"), shell)
		}
	})

	It("completes commands, suite ids for --suite and 'suites', and report formats", func() {
		_, stdout, _ := carecert("__complete", "va")
		Expect(stdout).To(ContainSubstring("validate"))
		for _, args := range [][]string{
			{"__complete", "run", "--suite", "fhir-r4-s"},
			{"__complete", "validate", "--suite", ""},
			{"__complete", "suites", ""},
		} {
			_, stdout, _ = carecert(args...)
			Expect(stdout).To(ContainSubstring("fhir-r4-structure"), strings.Join(args, " "))
		}
		_, stdout, _ = carecert("__complete", "validate", "--format", "")
		Expect(stdout).To(ContainSubstring("sarif"))
		Expect(stdout).To(ContainSubstring("junit"))
	})
})
