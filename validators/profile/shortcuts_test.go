package profile_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

// The walk's shortcuts decide in Go what a general routine would: each must
// say what that routine says wherever it decides.
var _ = Describe("shortcuts of the walk", func() {
	It("reads a calendar day as time.Parse does, leap years and century years included", func() {
		var years []int
		for _, base := range []int{0, 1896, 1996, 2096, 2396, 9995} {
			for y := base; y < base+9 && y <= 9999; y++ {
				years = append(years, y)
			}
		}
		checked := 0
		for _, y := range years {
			for m := 1; m <= 12; m++ {
				for d := 1; d <= 31; d++ {
					day := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
					_, err := time.Parse("2006-01-02", day)
					Expect(profile.ValidDay(day)).To(Equal(err == nil), day)
					Expect(profile.ValidDay(day+"T10:00:00Z")).To(Equal(err == nil), day)
					checked++
				}
			}
		}
		Expect(checked).To(Equal(len(years) * 12 * 31))
		Expect(profile.ValidDay("2024")).To(BeTrue())
		Expect(profile.ValidDay("2023-02")).To(BeTrue())
	})

	It("decides vs-1 on a dateTime as the FHIRPath evaluator does, and leaves it other types and malformed text", func() {
		const expr = "($this as dateTime).toString().length() >= 8"
		quick := profile.QuickInvariant("vs-1", expr)
		Expect(quick).NotTo(BeNil())
		compiled, err := profile.FHIRPath{}.Compile(expr)
		Expect(err).NotTo(HaveOccurred())
		decided := 0
		for _, typ := range []string{"dateTime", "date", "instant"} {
			for _, v := range []string{"2024", "2024-03", "2024-03-05", "2024-03-05T10:20:30Z", "2024-03-05T10:20:30.123+05:30",
				"2024-02-29", "2023-02-29", "2024-13", "24-03-05", "2024-03-05T10:20", "2024-03-05T10:20:30"} {
				holds, ok := quick(v, typ)
				if !ok {
					continue
				}
				decided++
				want, err := compiled.Holds(profile.Focus{Value: v, Type: typ, DefPath: typ})
				Expect(err).NotTo(HaveOccurred())
				Expect(holds).To(Equal(want), typ+" "+v)
			}
		}
		Expect(decided).To(Equal(6)) // the six well-formed dateTimes
		_, ok := quick(map[string]any{"start": "2024"}, "Period")
		Expect(ok).To(BeFalse())
	})
})

// bundleEntries are Bundle entries of every shape bdl-5 and bdl-8 read.
func bundleEntries() []map[string]any {
	var out []map[string]any
	fullURLs := []any{nil, "urn:uuid:8c8d5b6e-1c4f-4d8a-9f0e-3a1b2c3d4e5f", "http://x.org/fhir/Patient/1",
		"http://x.org/fhir/Patient/1/_history/2", "Patient/1/_history/2", "http://x.org/_history/", "/_history", 42, ""}
	parts := []string{"resource", "request", "response"}
	for _, full := range fullURLs {
		for held := range 1 << len(parts) {
			for _, ext := range []bool{false, true} {
				e := map[string]any{}
				if full != nil {
					e["fullUrl"] = full
				}
				if ext {
					e["_fullUrl"] = map[string]any{"extension": []any{map[string]any{"url": "http://x.org/e", "valueString": "x"}}}
				}
				for i, p := range parts {
					if held&(1<<i) != 0 {
						e[p] = map[string]any{"method": "GET", "url": "Patient/1", "status": "200", "resourceType": "Patient"}
					}
				}
				out = append(out, e)
				// request in other shapes: an empty object, arrays (an
				// empty one exists for no expression), primitives
				for _, odd := range []any{[]any{}, map[string]any{}, []any{map[string]any{"resourceType": "Patient"}}, false, "x"} {
					o := maps.Clone(e)
					o["request"] = odd
					out = append(out, o)
				}
			}
		}
	}
	return out
}

var _ = DescribeTable("decides a Bundle entry's invariants as the FHIRPath evaluator does wherever it decides",
	func(key, expr string, minDecided int) {
		quick := profile.QuickInvariant(key, expr)
		Expect(quick).NotTo(BeNil())
		compiled, err := profile.FHIRPath{}.Compile(expr)
		Expect(err).NotTo(HaveOccurred())
		decided, failed := 0, 0
		for _, e := range bundleEntries() {
			holds, ok := quick(e, "BackboneElement")
			if !ok {
				continue
			}
			decided++
			want, err := compiled.Holds(profile.Focus{Value: e, Type: "BackboneElement", DefPath: "Bundle.entry"})
			Expect(err).NotTo(HaveOccurred())
			Expect(holds).To(Equal(want), fmt.Sprint(e))
			if !holds {
				failed++
			}
		}
		Expect(decided).To(BeNumerically(">=", minDecided))
		if key == "bdl-8" {
			Expect(failed).To(BeNumerically(">", 0), "entries whose fullUrl names a version")
		}
		_, ok := quick("not an entry", "BackboneElement")
		Expect(ok).To(BeFalse())
	},
	Entry("bdl-5: a resource, request or response", "bdl-5", "resource.exists() or request.exists() or response.exists()", 9*7*2),
	Entry("bdl-8: no version in fullUrl", "bdl-8", "fullUrl.exists() implies fullUrl.contains('/_history/').not()", 8*8),
)

var _ = It("has no shortcut for another expression under the same key", func() {
	Expect(profile.QuickInvariant("bdl-5", "resource.exists() or request.exists()")).To(BeNil())
	Expect(profile.QuickInvariant("bdl-8", "fullUrl.contains('/_history/').not()")).To(BeNil())
})

var _ = It("reads the type a relative reference names as splitting it on its slashes does", func() {
	split := func(ref string) string {
		parts := strings.Split(ref, "/")
		if len(parts) == 2 || len(parts) == 4 && parts[2] == "_history" {
			return parts[0]
		}
		return ""
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
		Expect(profile.NamedType(ref)).To(Equal(split(ref)), ref)
	}
})
