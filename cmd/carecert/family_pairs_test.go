package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile/agreement"
)

// decidedRight are the development family pairs `carecert validate` decides
// as the reference validator's rule does (the instance keeping the rule
// without error, the one breaking it with one). It is a ratchet: a family
// leaves this list only with a reason in docs/fhir-rule-families.md, and
// joins it when its rule is implemented.
var decidedRight = []string{
	"administration-dose-or-rate", "age-ucum", "allergy-entered-in-error", "appointment-start-end",
	"attachment-content-type", "attachment-hash", "attachment-size", "base64-valid",
	"bundle-entry-content", "bundle-entry-search-searchset", "bundle-fullurl-not-versioned",
	"bundle-fullurl-required", "bundle-fullurl-resource-id", "bundle-fullurl-type-id",
	"bundle-fullurl-unique", "bundle-reference-target-type", "bundle-response-types",
	"bundle-total-searchset", "bundle-transaction-request", "bundle-version-unique",
	"canonical-absolute", "canonical-url-absolute", "capability-has-content", "choice-single",
	"choice-type-allowed", "code-internal-whitespace", "code-no-outer-whitespace",
	"code-required-binding", "codesystem-count", "codesystem-not-present-no-concepts",
	"codesystem-property-code-unique", "codesystem-property-declared-type",
	"codesystem-property-uri-absolute", "codesystem-supplement-codes-exist",
	"codesystem-supplement-names-base", "codesystem-unique-codes", "coding-code-in-core-system",
	"coding-known-system-code", "coding-system-absolute", "coding-system-https",
	"coding-system-not-valueset", "composition-section-content", "condition-abatement-status",
	"condition-entered-in-error", "contactpoint-system", "contained-duplicate-id", "contained-has-id",
	"contained-no-meta-version", "contained-no-security", "contained-not-nested",
	"contained-reference-resolves", "contained-reference-target-type",
	"contained-reference-to-container", "contained-referenced", "contained-referenced-transitively",
	"data-absent-reason-extension", "date-no-time", "date-valid", "datetime-timezone",
	"decimal-lexical", "document-first-composition", "document-identifier", "document-orphan-entry",
	"document-reference-resolves", "document-section-entry-resolves", "document-timestamp",
	"duration-ucum", "element-duplicate-id", "extension-context", "extension-has-content",
	"extension-known", "extension-url-absolute", "extension-value-or-children",
	"extension-value-type", "group-members-actual", "id-format", "identifier-ietf-value",
	"identifier-system-absolute", "instant-precision", "integer-range", "json-no-empty",
	"json-no-nulls", "json-primitive-types", "language-tag-coding", "list-empty-reason",
	"maximum-cardinality", "message-first-header", "message-reference-resolves", "meta-profile-core",
	"meta-security-duplicate", "mime-type-form", "minimum-cardinality", "modifier-extension-kind",
	"money-currency", "narrative-active-link", "narrative-attributes-allowed",
	"narrative-block-in-paragraph", "narrative-data-url", "narrative-div-namespace",
	"narrative-element-names", "narrative-elements-allowed", "narrative-entities",
	"narrative-image-target", "narrative-link-target", "narrative-not-empty", "narrative-status-code",
	"narrative-url-characters", "observation-absent-reason", "observation-component-code",
	"oid-type-form", "patient-contact-content", "period-order", "positiveint-minimum",
	"primitive-extension-alignment", "primitive-id-only-ele1", "quantity-code-system",
	"quantity-ucum-code-valid", "questionnaire-answer-options", "questionnaire-display-flags",
	"questionnaire-enablewhen-target", "questionnaire-group-display", "questionnaire-linkid-unique",
	"questionnaire-maxlength-types", "questionnaireresponse-answer-or-items",
	"questionnaireresponse-answer-type", "questionnaireresponse-item-order", "questionnaireresponse-item-text",
	"questionnaireresponse-items-defined", "questionnaireresponse-required-items", "range-order", "ratio-both-parts",
	"reference-abstract-type", "reference-range-content", "reference-resource-type-known",
	"reference-target-type", "resource-language-code", "resource-type-known", "searchset-link-unique",
	"searchset-match-id", "searchset-match-type", "searchset-outcome-type",
	"sd-type-profile-of-type", "servicerequest-detail-needs-code", "simple-quantity-comparator", "string-not-empty",
	"time-valid", "timezone-range", "timing-max-needs-base", "timing-unit-codes", "timing-units",
	"timing-when-offset", "unknown-element", "unsignedint-minimum", "uri-no-whitespace",
	"uri-oid-prefix", "uuid-type-form", "uuid-urn-lower-case", "valueset-include-code-exists",
	"valueset-include-content", "valueset-include-system-absolute",
	"valueset-include-system-is-codesystem", "vital-signs-implied",
}

// decideSet runs `carecert validate` on a folder of family pairs (copied, so
// the manifest is not read as a resource) and returns its decisions.
func decideSet(set string) []agreement.FamilyResult {
	dir := filepath.Join("..", "..", "validators", "profile", "agreement", "testdata", "family-pairs", set)
	pairs, err := agreement.FamilyPairs(dir)
	Expect(err).NotTo(HaveOccurred())
	work := GinkgoT().TempDir()
	for _, p := range pairs {
		data, err := os.ReadFile(filepath.Join(dir, p.File))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(work, p.File), data, 0o644)).To(Succeed())
	}
	code, out, errOut := carecert("validate", work, "--format", "json", "--max-findings", "1000000", "-q")
	Expect(code).To(Equal(exitFailed), errOut)
	var rep model.Report
	Expect(json.Unmarshal([]byte(out), &rep)).To(Succeed())
	results := agreement.DecideFamilies(pairs, agreement.ErrorsByFile(&rep))
	table := agreement.FamilyReport(results)
	AddReportEntry("family pairs ("+set+")", table)
	GinkgoWriter.Print(table)
	return results
}

// heldout6DecidedRight are the families of the sixth held-out set that its
// one measured run (on main at 11dc479) decided right; the other ten were
// missed errors of carecert's, left to be built as families.
var heldout6DecidedRight = []string{
	"coding-system-near-known", "elementdefinition-fixed-one-type", "elementdefinition-pattern-one-type",
	"ig-resource-grouping-defined", "json-comma-between-members", "json-narrative-well-formed",
	"json-no-trailing-comma", "json-primitive-companion-object", "json-primitive-not-object",
	"json-property-name-quoted", "json-resourcetype-present", "json-resourcetype-string", "json-syntax",
	"json-value-quoted", "measurereport-group-code-known", "measurereport-group-code-usable",
	"measurereport-group-once", "measurereport-population-code-known", "measurereport-population-count",
	"measurereport-population-once", "measurereport-population-present", "measurereport-proportion-score-range",
	"measurereport-score-required", "measurereport-single-group-code-matches",
	"measurereport-subjects-only-subject-list", "questionnaireresponse-min-occurs",
	"sd-differential-root-untyped", "sd-element-ids", "sd-extension-profile-modifier-placement",
	"sd-snapshot-element-definition", "sd-snapshot-or-differential", "structuremap-dependent-variable-known",
	"structuremap-group-name-unique", "structuremap-group-reference-resolves", "structuremap-input-name-unique",
	"structuremap-name-valid", "testscript-request-assert-no-response", "testscript-setup-action-one-kind",
	"testscript-test-action-one-kind", "valueset-filter-value-type", "valueset-include-names-source",
}

// expectRatchet decides a set and fails if any family of decided is no
// longer decided right, or if any instance keeping its rule gets an error.
func expectRatchet(set string, decided []string) {
	var wrong, falseErrors []string
	right := 0
	byFamily := map[string]agreement.FamilyResult{}
	for _, r := range decideSet(set) {
		byFamily[r.Family] = r
		if r.Right() {
			right++
		}
		if !r.Keeps.Agrees() {
			falseErrors = append(falseErrors, r.Family)
		}
	}
	for _, f := range decided {
		r, ok := byFamily[f]
		Expect(ok).To(BeTrue(), "family %s is in the ratchet but not in the pairs", f)
		if !r.Right() {
			wrong = append(wrong, f)
		}
	}
	Expect(falseErrors).To(BeEmpty(), "errors on instances that keep their rule")
	Expect(wrong).To(BeEmpty(), "families no longer decided right:\n"+strings.Join(wrong, "\n"))
	Expect(right).To(BeNumerically(">=", len(decided)))
}

var _ = Describe("family pairs (instances written from the reference validator's offline rules)", func() {
	It("keeps every development family it decides right, and never errors on an instance that keeps its rule", func() {
		expectRatchet("dev", decidedRight)
	})

	// heldout6 was measured once (41 of 51 families right, no error on an
	// instance keeping its rule; see its README);
	// the families it decided right then stay right.
	It("keeps every heldout6 family its first run decided right, and never errors on an instance that keeps its rule", func() {
		expectRatchet("heldout6", heldout6DecidedRight)
	})

	// heldout2 was measured once (80 of 84 families right), heldout3 once
	// (70 of 70), heldout4 once (44 of 61) and heldout5 once (30 of 60;
	// docs/fhir-rule-families.md); all are seen since, and every family of
	// each is decided right, JSON and XML alike, but those a set lists as not
	// built yet: exactly those, so that building one means taking it off.
	DescribeTable("decides every family of a later held-out set right, JSON and XML instances alike",
		func(set string, notBuilt []string) {
			wrong := []string{}
			for _, r := range decideSet(set) {
				if !r.Right() {
					wrong = append(wrong, r.Family)
				}
			}
			Expect(wrong).To(ConsistOf(notBuilt))
		},
		Entry("the second set", "heldout2", nil),
		Entry("the third set", "heldout3", nil),
		Entry("the fourth set", "heldout4", nil),
		Entry("the fifth set", "heldout5", nil),
	)
})
