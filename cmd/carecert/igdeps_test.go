package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
)

// writePackageTGZ writes an npm-style FHIR package .tgz (package/...), as
// npm pack would, from the files given by their path under package/.
func writePackageTGZ(path string, files map[string]string) string {
	return writeTGZ(path, "package/", files)
}

// writeTGZ writes a .tgz of the files given by their path under folder
// ("package/" for a FHIR package, "" for none); a name ending in "/" is
// written as a folder's entry.
func writeTGZ(path, folder string, files map[string]string) string {
	f, err := os.Create(path)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		if strings.HasSuffix(name, "/") { // a folder's own entry
			Expect(tw.WriteHeader(&tar.Header{Name: folder + name, Mode: 0o755, Typeflag: tar.TypeDir})).To(Succeed())
			continue
		}
		Expect(tw.WriteHeader(&tar.Header{Name: folder + name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})).To(Succeed())
		_, err := tw.Write([]byte(data))
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(tw.Close()).To(Succeed())
	Expect(zw.Close()).To(Succeed())
	return path
}

var _ = Describe("a guide's declared dependencies", func() {
	const codeSystem = `{"resourceType":"CodeSystem","url":"http://example.org/cs/%s","status":"active","content":"complete","concept":[{"code":"a"}]}`

	It("are loaded from the FHIR package cache or the guides given; one not loaded as asked is said once, in the run's output and the report, and is never an error in the data", func() {
		home := GinkgoT().TempDir()
		GinkgoT().Setenv("HOME", home)
		cache := filepath.Join(home, ".fhir", "packages")
		cached := func(id, version string, deps string) string {
			dir := filepath.Join(cache, id+"#"+version, "package")
			writeFile(dir, "package.json", `{"name":"`+id+`","version":"`+version+`","dependencies":{`+deps+`}}`)
			writeFile(dir, "CodeSystem-x.json", strings.Replace(codeSystem, "%s", id, 1))
			return dir
		}
		exact := cached("example.exact", "2.0.0", `"example.transitive":"1.0.0"`)
		wildcard := cached("example.wild", "1.2.7", "")
		cached("example.wild", "1.2.3", "")
		cached("example.wild", "1.3.0", "")
		cached("example.near", "7.0.1", "")
		dir := GinkgoT().TempDir()
		guide := writePackageTGZ(filepath.Join(dir, "example.guide-1.0.0.tgz"), map[string]string{
			"package.json": `{"name":"example.guide","version":"1.0.0","dependencies":{
				"hl7.fhir.r4.core":"4.0.1","example.exact":"2.0.0","example.wild":"1.2.x",
				"example.near":"6.5.0","example.given":"3.0.0","example.missing":"1.0.0"}}`,
			"CodeSystem-guide.json":      strings.Replace(codeSystem, "%s", "guide", 1),
			"StructureDefinition-x.json": `{"resourceType":"StructureDefinition",`,
		})
		given := writePackageTGZ(filepath.Join(dir, "example.given-3.1.0.tgz"), map[string]string{
			"package.json":          `{"name":"example.given","version":"3.1.0"}`,
			"CodeSystem-given.json": strings.Replace(codeSystem, "%s", "given", 1),
		})
		// A resource naming a profile of the missing dependency: carecert's
		// limit, never the supplier's failure.
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","meta":{"profile":["http://fhir.acme-health.net/missing/StructureDefinition/p"]},"gender":"female"}`)

		code, stdout, stderr := carecert("validate", "--format", "json", "--ig", guide, "--ig", given, p)
		Expect(code).To(Equal(exitOK), stderr)
		var rep struct {
			Guides  []string `json:"guides"`
			Targets []struct {
				Results []struct {
					Findings []struct {
						Severity string `json:"severity"`
						Code     string `json:"code"`
						Message  string `json:"message"`
					} `json:"findings"`
				} `json:"results"`
			} `json:"targets"`
		}
		Expect(json.Unmarshal([]byte(stdout), &rep)).To(Succeed())
		Expect(rep.Guides).To(ConsistOf(guide, given, exact, wildcard), "an exact version from the cache, its own dependency's absence said; the highest 1.2.x; no other version of an exact one")

		missing := "implementation guide example.guide#1.0.0 depends on example.missing#1.0.0, which is neither given with --ig nor in the FHIR package cache: profiles, extensions and value sets defined by it are not decided"
		near := "implementation guide example.guide#1.0.0 depends on example.near#6.5.0, which is neither given with --ig nor in the FHIR package cache (it holds version(s) 7.0.1, not used in place of the version asked"
		substituted := "implementation guide example.guide#1.0.0 depends on example.given#3.0.0; example.given#3.1.0, given with --ig, is used in its place"
		transitive := "implementation guide example.exact#2.0.0 depends on example.transitive#1.0.0, which is neither given"
		for _, want := range []string{missing, near, substituted, transitive} {
			Expect(strings.Count(stderr, want)).To(Equal(1), "the run's output says it once: %s", want)
		}
		Expect(stderr).NotTo(ContainSubstring("hl7.fhir.r4.core"), "the R4 core is carecert's own")
		var notes, leftOut []string
		Expect(rep.Targets).To(HaveLen(1))
		for _, r := range rep.Targets[0].Results {
			for _, f := range r.Findings {
				Expect(f.Severity).NotTo(Equal("error"), f.Message)
				switch f.Code {
				case "profile.dependency-not-loaded":
					Expect(f.Severity).To(Equal("information"))
					notes = append(notes, f.Message)
				case "profile.guide-file-skipped":
					Expect(f.Severity).To(Equal("information"))
					leftOut = append(leftOut, f.Message)
				}
			}
		}
		Expect(notes).To(ConsistOf(HavePrefix(missing), HavePrefix(near), HavePrefix(substituted), HavePrefix(transitive)))
		Expect(leftOut).To(ConsistOf(And(HavePrefix("implementation guide file left out, its profiles, extensions and value sets unknown: "), ContainSubstring("StructureDefinition-x.json"))))
	})

	// The table runs each resource alone, nested, as a Bundle entry and
	// contained, in JSON and in XML.
	DescribeTable("an extension carecert holds no definition of, when a guide's dependency is not loaded as asked",
		func(dependsOn, given, url, severity, says string, how ...string) {
			home := GinkgoT().TempDir()
			GinkgoT().Setenv("HOME", home)
			dir := GinkgoT().TempDir()
			files := map[string]string{
				"package.json":          `{"name":"example.guide","version":"1.0.0","dependencies":{"example.missing":"1.0.0"}}`,
				"CodeSystem-guide.json": strings.Replace(codeSystem, "%s", "guide", 1),
			}
			// The guide names its own canonical base (the supplier's
			// domain), and its dependency's when dependsOn is given.
			deps := ""
			if dependsOn != "" {
				deps = `,"dependsOn":[{"uri":"` + dependsOn + `","packageId":"example.missing","version":"1.0.0"}]`
			}
			files["ImplementationGuide-guide.json"] = `{"resourceType":"ImplementationGuide","url":"http://fhir.acme-health.net/guide/ImplementationGuide/example.guide","packageId":"example.guide"` + deps + `}`
			args := []string{"validate", "--format", "json", "--ig", writePackageTGZ(filepath.Join(dir, "example.guide-1.0.0.tgz"), files)}
			if given != "" {
				// Another version of the dependency, defining an extension
				// of its own but not the one the resources use. It says its
				// canonical base by its ImplementationGuide, or without one
				// by its package.json's canonical (how "package.json"), or
				// only by its definitions' URLs (how "definitions").
				substitute := map[string]string{
					"package.json":                     `{"name":"example.missing","version":"` + given + `"}`,
					"ImplementationGuide-missing.json": `{"resourceType":"ImplementationGuide","url":"http://fhir.acme-health.net/missing/ImplementationGuide/example.missing","packageId":"example.missing"}`,
					"StructureDefinition-other.json": `{"resourceType":"StructureDefinition","url":"http://fhir.acme-health.net/missing/StructureDefinition/other","name":"Other","status":"active",
						"kind":"complex-type","abstract":false,"type":"Extension","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension","derivation":"constraint",
						"context":[{"type":"element","expression":"Element"}],"differential":{"element":[{"id":"Extension.url","path":"Extension.url","fixedUri":"http://fhir.acme-health.net/missing/StructureDefinition/other"}]}}`,
					"ValueSet-other.json": `{"resourceType":"ValueSet","url":"http://fhir.acme-health.net/missing/ValueSet/other","status":"active","compose":{"include":[{"system":"http://example.org/cs/guide"}]}}`,
				}
				if len(how) > 0 {
					delete(substitute, "ImplementationGuide-missing.json")
					if how[0] == "package.json" {
						substitute["package.json"] = `{"name":"example.missing","version":"` + given + `","canonical":"http://fhir.acme-health.net/missing"}`
					}
				}
				args = append(args, "--ig", writePackageTGZ(filepath.Join(dir, "example.missing-"+given+".tgz"), substitute))
			}
			for _, placement := range []string{
				`{"resourceType":"Patient","id":"a","extension":[{"url":"` + url + `","valueString":"x"}]}`,
				`{"resourceType":"Patient","id":"a","name":[{"family":"X","extension":[{"url":"` + url + `","valueString":"x"}]}]}`,
				`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:7f0b1c2e-5d3a-4c8e-9f6b-2a1d3e4f5a6b","resource":{"resourceType":"Patient","id":"a","extension":[{"url":"` + url + `","valueString":"x"}]}}]}`,
				`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Patient","id":"p","extension":[{"url":"` + url + `","valueString":"x"}]}],"subject":{"reference":"#p"}}`,
			} {
				res, err := fhir.Decode([]byte(placement))
				Expect(err).NotTo(HaveOccurred())
				xml, err := fhirxml.Encode(res)
				Expect(err).NotTo(HaveOccurred())
				for _, p := range []string{writeFile(dir, "r.json", placement), writeFile(dir, "r.xml", string(xml))} {
					_, stdout, _ := carecert(append(args, p)...)
					Expect(stdout).To(MatchRegexp(`"severity": "`+severity+`",\s*"requirement": "[^"]*",\s*"code": "profile.unknown-extension"`), p+": "+placement)
					Expect(stdout).To(ContainSubstring(says), p+": "+placement)
				}
			}
		},
		Entry("under the missing package's canonical, as the guide names it: not decided", "http://fhir.acme-health.net/missing/ImplementationGuide/example.missing", "",
			"http://fhir.acme-health.net/missing/StructureDefinition/e", "warning", "may be defined by example.missing#1.0.0 (a dependency of example.guide#1.0.0, not loaded), which this run did not load as asked: not decided"),
		Entry("its canonical not named by the guide: an unknown extension outside the guide's own base may be the package's", "", "",
			"http://fhir.acme-health.net/elsewhere/StructureDefinition/e", "warning", "may be defined by example.missing#1.0.0"),
		Entry("its canonical not named by the guide, a typo under the guide's own base: unknown, an error", "", "",
			"http://fhir.acme-health.net/guide/StructureDefinition/patient-typo", "error", "no loaded definition declares it, so it is not allowed here"),
		Entry("outside the missing package's canonical: unknown, an error as before", "http://fhir.acme-health.net/missing/ImplementationGuide/example.missing", "",
			"http://fhir.acme-health.net/other/StructureDefinition/e", "error", "no loaded definition declares it, so it is not allowed here"),
		Entry("under the canonical of a dependency given at another version, which lacks it: not decided", "http://fhir.acme-health.net/missing/ImplementationGuide/example.missing", "1.1.0",
			"http://fhir.acme-health.net/missing/StructureDefinition/e", "warning", "may be defined by example.missing#1.0.0 (a dependency of example.guide#1.0.0, loaded at version 1.1.0 in its place), which this run did not load as asked: not decided"),
		Entry("a dependency given at another version, its canonical not named by the guide: its own ImplementationGuide.url says it; under it, not decided", "", "1.1.0",
			"http://fhir.acme-health.net/missing/StructureDefinition/e", "warning", "loaded at version 1.1.0 in its place"),
		Entry("a dependency given at another version, its canonical not named by the guide: outside its own, unknown, an error", "", "1.1.0",
			"http://fhir.acme-health.net/elsewhere/StructureDefinition/e", "error", "no loaded definition declares it, so it is not allowed here"),
		Entry("a dependency given at another version, its canonical not named by the guide: a typo under the guide's own base, an error", "", "1.1.0",
			"http://fhir.acme-health.net/guide/StructureDefinition/patient-typo", "error", "no loaded definition declares it, so it is not allowed here"),
		Entry("outside the canonical of a dependency given at another version: unknown, an error", "http://fhir.acme-health.net/missing/ImplementationGuide/example.missing", "1.1.0",
			"http://fhir.acme-health.net/other/StructureDefinition/e", "error", "no loaded definition declares it, so it is not allowed here"),
		Entry("a dependency given at another version without its ImplementationGuide, its canonical not named by the guide: its package.json's canonical says it; under it, not decided", "", "1.1.0",
			"http://fhir.acme-health.net/missing/StructureDefinition/e", "warning", "loaded at version 1.1.0 in its place", "package.json"),
		Entry("a dependency given at another version without its ImplementationGuide, its canonical not named by the guide: outside its package.json's canonical, unknown, an error", "", "1.1.0",
			"http://fhir.acme-health.net/elsewhere/StructureDefinition/e", "error", "no loaded definition declares it, so it is not allowed here", "package.json"),
		Entry("a dependency given at another version without its ImplementationGuide, its canonical not named by the guide (package.json): a typo under the guide's own base, an error", "", "1.1.0",
			"http://fhir.acme-health.net/guide/StructureDefinition/patient-typo", "error", "no loaded definition declares it, so it is not allowed here", "package.json"),
		Entry("a dependency given at another version without its ImplementationGuide, its canonical not named by the guide: the one base its definitions share says it; under it, not decided", "", "1.1.0",
			"http://fhir.acme-health.net/missing/StructureDefinition/e", "warning", "loaded at version 1.1.0 in its place", "definitions"),
		Entry("a dependency given at another version without its ImplementationGuide, its canonical not named by the guide: outside the one base its definitions share, unknown, an error", "", "1.1.0",
			"http://fhir.acme-health.net/elsewhere/StructureDefinition/e", "error", "no loaded definition declares it, so it is not allowed here", "definitions"),
		Entry("a dependency given at another version without its ImplementationGuide, its canonical not named by the guide (definitions): a typo under the guide's own base, an error", "", "1.1.0",
			"http://fhir.acme-health.net/guide/StructureDefinition/patient-typo", "error", "no loaded definition declares it, so it is not allowed here", "definitions"),
	)

	// A resource claiming, without a version, a profile of a package loaded
	// at another version than its guide asks is judged against the version
	// loaded: passing it says nothing of the version asked, so each such
	// claim is a warning "not decided" (before, the result passed with only
	// the run's information note). A claim naming the loaded version is
	// judged as asked. Alone, as a Bundle entry and contained, JSON and XML.
	DescribeTable("a profile claimed from a package loaded at another version",
		func(claim string, undecided bool) {
			home := GinkgoT().TempDir()
			GinkgoT().Setenv("HOME", home)
			dir := GinkgoT().TempDir()
			guide := writePackageTGZ(filepath.Join(dir, "example.guide-1.0.0.tgz"), map[string]string{
				"package.json":          `{"name":"example.guide","version":"1.0.0","dependencies":{"example.missing":"1.0.0"}}`,
				"CodeSystem-guide.json": strings.Replace(codeSystem, "%s", "guide", 1),
			})
			substitute := writePackageTGZ(filepath.Join(dir, "example.missing-1.1.0.tgz"), map[string]string{
				"package.json": `{"name":"example.missing","version":"1.1.0"}`,
				"StructureDefinition-p.json": `{"resourceType":"StructureDefinition","url":"http://fhir.acme-health.net/missing/StructureDefinition/p","version":"1.1.0","name":"P","status":"active",
					"kind":"resource","abstract":false,"type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
					"differential":{"element":[{"id":"Patient.gender","path":"Patient.gender","min":1}]}}`,
			})
			patient := `{"resourceType":"Patient","id":"p","meta":{"profile":["` + claim + `"]},"gender":"female"}`
			for _, placement := range []string{
				patient,
				`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:7f0b1c2e-5d3a-4c8e-9f6b-2a1d3e4f5a6b","resource":` + patient + `}]}`,
				`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"contained":[` + patient + `],"subject":{"reference":"#p"}}`,
			} {
				res, err := fhir.Decode([]byte(placement))
				Expect(err).NotTo(HaveOccurred())
				xml, err := fhirxml.Encode(res)
				Expect(err).NotTo(HaveOccurred())
				for _, p := range []string{writeFile(dir, "r.json", placement), writeFile(dir, "r.xml", string(xml))} {
					_, stdout, _ := carecert("validate", "--format", "json", "--ig", guide, "--ig", substitute, p)
					warned := MatchRegexp(`"severity": "warning",\s*"requirement": "[^"]*",\s*"code": "profile.dependency-not-loaded",[^}]*loaded in place of example.missing#1.0.0, which example.guide#1.0.0 depends on: whether this resource conforms to the version asked is not decided`)
					if undecided {
						Expect(stdout).To(warned, p+": "+placement)
					} else {
						Expect(stdout).NotTo(warned, p+": "+placement)
					}
				}
			}
		},
		Entry("claimed without a version: judged against 1.1.0, whether it conforms to 1.0.0 not decided", "http://fhir.acme-health.net/missing/StructureDefinition/p", true),
		Entry("claimed at the version loaded: judged as claimed", "http://fhir.acme-health.net/missing/StructureDefinition/p|1.1.0", false),
	)

	// A FHIR package keeps its files under package/ (npm pack writes them
	// there); both loaders read only that folder. An archive without it
	// loaded nothing: the definitions loader said it found no conformance
	// resource, the terminology loader nothing at all.
	DescribeTable("a package .tgz with no package/ folder",
		func(folder string, suite []string, wantSaid bool) {
			GinkgoT().Setenv("HOME", GinkgoT().TempDir())
			dir := GinkgoT().TempDir()
			guide := writeTGZ(filepath.Join(dir, "example.flat-1.0.0.tgz"), folder, map[string]string{
				"package.json":         `{"name":"example.flat","version":"1.0.0"}`,
				"CodeSystem-flat.json": strings.Replace(codeSystem, "%s", "flat", 1),
			})
			p := writeFile(dir, "p.json", `{"resourceType":"Basic","id":"a","code":{"text":"x"}}`)
			code, _, stderr := carecert(append(append([]string{"validate", "-q", "--format", "json"}, suite...), "--ig", guide, p)...)
			if wantSaid {
				Expect(code).To(Equal(exitUsage), stderr)
				Expect(stderr).To(ContainSubstring(guide + " has no package/ folder, where a FHIR package keeps its files, so nothing of it was read (its 2 file(s) lie elsewhere: "))
			} else {
				Expect(code).To(Equal(exitOK), stderr)
				Expect(stderr).NotTo(ContainSubstring("no package/ folder"))
			}
		},
		Entry("its files at the archive's root, default suites", "", nil, true),
		Entry("its files at the archive's root, the terminology suite alone", "", []string{"--suite", "fhir-r4-terminology"}, true),
		Entry("its files in another folder, default suites", "example.flat/", nil, true),
		Entry("its files in another folder, the terminology suite alone", "example.flat/", []string{"--suite", "fhir-r4-terminology"}, true),
		Entry("its files under package/: read", "package/", nil, false),
		Entry("its files under package/, the terminology suite alone: read", "package/", []string{"--suite", "fhir-r4-terminology"}, false),
	)

	// An archive holding no file at all (empty, or folders only) loaded
	// nothing as silently: Layout saw no file outside package/ either.
	DescribeTable("a package .tgz holding no file",
		func(files map[string]string, suite []string) {
			GinkgoT().Setenv("HOME", GinkgoT().TempDir())
			dir := GinkgoT().TempDir()
			guide := writeTGZ(filepath.Join(dir, "example.empty-1.0.0.tgz"), "", files)
			p := writeFile(dir, "p.json", `{"resourceType":"Basic","id":"a","code":{"text":"x"}}`)
			code, _, stderr := carecert(append(append([]string{"validate", "-q", "--format", "json"}, suite...), "--ig", guide, p)...)
			Expect(code).To(Equal(exitUsage), stderr)
			Expect(stderr).To(ContainSubstring(guide + " holds no file, so nothing of it was read"))
		},
		Entry("no entry at all, default suites", map[string]string{}, nil),
		Entry("no entry at all, the terminology suite alone", map[string]string{}, []string{"--suite", "fhir-r4-terminology"}),
		Entry("package/ as a folder only, default suites", map[string]string{"package/": ""}, nil),
		Entry("package/ as a folder only, the terminology suite alone", map[string]string{"package/": ""}, []string{"--suite", "fhir-r4-terminology"}),
		Entry("folders only, default suites", map[string]string{"package/": "", "package/other/": ""}, nil),
	)
})
