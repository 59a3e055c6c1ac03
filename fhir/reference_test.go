package fhir_test

import (
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
)

var _ = DescribeTable("the type and id a literal reference ends in",
	func(ref, typ, id string, ok bool) {
		gotType, gotID, gotOK := fhir.LiteralReference(ref)
		Expect([]any{gotType, gotID, gotOK}).To(Equal([]any{typ, id, ok}))
	},
	Entry("relative", "Patient/1", "Patient", "1", true),
	Entry("a version", "Patient/1/_history/2", "Patient", "1", true),
	Entry("absolute, with a version", "https://example.org/fhir/Observation/o.1/_history/3", "Observation", "o.1", true),
	Entry("a history segment with no version is not one", "Patient/1/_history", "1", "_history", true),
	Entry("parts are not judged", "patient/", "patient", "", true),
	Entry("a history segment needs a type and an id before it", "1/_history/2", "_history", "2", true),
	Entry("empty parts are parts", "x//_history/2", "x", "", true),
	Entry("only slashes", "//_history/2", "", "", true),
	Entry("one segment", "Patient", "", "", false),
	Entry("empty", "", "", "", false),
)

var _ = DescribeTable("the version a literal reference ends in",
	func(ref, version string) {
		_, _, got, ok := fhir.VersionedReference(ref)
		Expect(ok).To(BeTrue())
		Expect(got).To(Equal(version))
	},
	Entry("none", "Patient/1", ""),
	Entry("relative", "Patient/1/_history/2", "2"),
	Entry("absolute", "https://example.org/fhir/Observation/o.1/_history/3", "3"),
	Entry("a history segment with no version names none", "Patient/1/_history", ""),
	Entry("an empty version", "Patient/1/_history/", ""),
	Entry("an empty id", "x//_history/2", "2"),
	Entry("no type and id before the history segment", "1/_history/2", ""),
)

var _ = It("reads every reference as splitting it on its slashes does", func() {
	// The definition: split on "/", a version after "_history" when at
	// least Type/id precede it, then the last two parts.
	split := func(ref string) (typ, id, version string, ok bool) {
		parts := strings.Split(ref, "/")
		if n := len(parts); n >= 4 && parts[n-2] == "_history" {
			version = parts[n-1]
			parts = parts[:n-2]
		}
		if len(parts) < 2 {
			return "", "", "", false
		}
		return parts[len(parts)-2], parts[len(parts)-1], version, true
	}
	refs := []string{"", "a", "_history", "Patient"}
	for range 5 {
		for _, r := range refs {
			for _, part := range []string{"", "a", "_history", "Patient"} {
				refs = append(refs, r+"/"+part, part+"/"+r)
			}
		}
		refs = slices.Compact(slices.Sorted(slices.Values(refs)))
	}
	Expect(len(refs)).To(BeNumerically(">", 1000))
	for _, ref := range refs {
		typ, id, version, ok := fhir.VersionedReference(ref)
		wantTyp, wantID, wantVersion, wantOK := split(ref)
		Expect([]any{typ, id, version, ok}).To(Equal([]any{wantTyp, wantID, wantVersion, wantOK}), ref)
	}
})

var _ = It("Strings gives the strings of a JSON array and leaves out anything else", func() {
	Expect(fhir.Strings([]any{"a", 1.0, nil, "b", map[string]any{}})).To(Equal([]string{"a", "b"}))
	Expect(fhir.Strings("a")).To(BeNil())
	Expect(fhir.Strings(nil)).To(BeNil())
})
