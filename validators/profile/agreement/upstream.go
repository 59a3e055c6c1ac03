package agreement

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/validators/profile"
)

// upstreamCase is one case of fhir-test-cases' own validator/manifest.json,
// which names the reference outcome by file instead of inlining it.
type upstreamCase struct {
	Name       string   `json:"name"`
	File       string   `json:"file"`
	Version    string   `json:"version"`
	Module     string   `json:"module"`
	UseTest    *bool    `json:"use-test"`
	Supporting []string `json:"supporting"`
	// Supporting5 are supporting definitions written in R5 form; the
	// reference converts them, and those used here read as R4 alike.
	Supporting5 []string `json:"supporting5"`
	Profiles    []string `json:"profiles"`
	// ValidateReference has the reference fetch each referenced resource
	// from the test folder and validate it; Certificate gives it the key a
	// signature is checked with.
	ValidateReference string          `json:"validateReference"`
	Certificate       string          `json:"certificate"`
	Packages          []string        `json:"packages"`
	Logical           json.RawMessage `json:"logical"`
	// Java is the reference outcome: a file under outcomes/ or, in older
	// cases, inline.
	Java    json.RawMessage `json:"java"`
	Profile *struct {
		Source     string          `json:"source"`
		Supporting []string        `json:"supporting"`
		Java       json.RawMessage `json:"java"`
		Packages   []string        `json:"packages"`
		// AssumeValidRestReferences is the option for the profile step.
		AssumeValidRestReferences bool `json:"assumeValidRestReferences"`
	} `json:"profile"`
	BestPractice   string `json:"best-practice"`
	SecurityChecks bool   `json:"security-checks"`
	// Examples is the reference's allow-examples option; its test harness
	// turns it on unless the case says otherwise.
	Examples      *bool `json:"examples"`
	AllowComments bool  `json:"allow-comments"`
	// ForPublication is the reference's -forPublication option, written
	// true or "true".
	ForPublication json.RawMessage `json:"for-publication"`
	// AssumeValidRestReferences is the reference's option of that name
	// for the base step (the profile step has its own).
	AssumeValidRestReferences bool `json:"assumeValidRestReferences"`
	// BundleParam is the reference's -bundle option: entries picked by
	// the rule are validated against the profile as well.
	BundleParam *struct {
		Rule    string `json:"rule"`
		Profile string `json:"profile"`
	} `json:"bundle-param"`
}

// Upstream reads the validator folder of a fhir-test-cases checkout and
// returns its R4 cases whose names are not in exclude (the shared selection),
// each with the reference validator's outcome read from outcomes/, and the
// R4 cases judged out of scope with the reason: turned off upstream, needing
// packages or a logical model carecert cannot load offline, needing a
// terminology server (the tx modules, as in the shared selection), or
// without a reference outcome. packs, when not empty, is a folder of package
// tarballs fetched from the npm registry (named as npm pack names them,
// name-version.tgz): a case naming a package by id and version, or needing a
// dependency its folder does not ship, is in scope when packs holds it.
func Upstream(dir string, exclude map[string]bool, packs string) ([]Case, map[string]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil, err
	}
	var m struct {
		Cases []upstreamCase `json:"test-cases"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var cases []Case
	skipped := map[string]string{}
	for _, u := range m.Cases {
		if !strings.HasPrefix(u.Version, "4.0") || exclude[u.Name] {
			continue
		}
		packages, local := casePackages(dir, packs, u.Packages)
		why := ""
		switch {
		case u.UseTest != nil && !*u.UseTest:
			why = "turned off upstream (use-test false)"
		case len(u.Logical) > 0 || u.Module == "logical":
			why = "an instance of a logical model (not a FHIR resource)"
		case u.Module == "shc":
			why = "a SMART Health Card (a signed credential wrapping FHIR), which carecert does not read"
		case strings.HasPrefix(u.Module, "tx"):
			why = "needs a terminology server"
		case len(u.Packages) > 0 && !local:
			// After the reasons no package would remove.
			why = needsPackages(packs)
		case u.ValidateReference != "" && u.ValidateReference != "IGNORE":
			why = "run with a fetcher that reads each referenced resource from the test folder (validateReference); carecert resolves references only within the input"
		case u.Certificate != "":
			why = "run with the signer's key supplied (certificate); carecert has no option to supply a key"
		case len(u.Java) == 0:
			why = "no reference outcome"
		case !exists(filepath.Join(dir, u.File)):
			why = "case file absent from the mirror"
		}
		if why != "" {
			skipped[u.Name] = why
			continue
		}
		want, served, err := stepOutcome(dir, u.Java, u.Name, "base")
		if err != nil {
			skipped[u.Name] = "reference outcome unreadable"
			continue
		}
		if served {
			skipped[u.Name] = byServer
			continue
		}
		c := Case{Name: u.Name, File: u.File, Module: u.Module, Supporting: slices.Concat(u.Supporting, u.Supporting5, u.Profiles), Expected: want, Packages: packages}
		c.Options = CaseOptions{SecurityChecks: u.SecurityChecks, AllowExampleURLs: u.Examples == nil || *u.Examples, AllowComments: u.AllowComments,
			AssumeValidRestReferences: u.AssumeValidRestReferences, ForPublication: strings.Trim(string(u.ForPublication), `"`) == "true"}
		if u.BundleParam != nil {
			if c.Options.BundleRules, err = profile.ParseBundleRules(u.BundleParam.Rule+"="+u.BundleParam.Profile, func(string) bool { return true }); err != nil {
				return nil, nil, fmt.Errorf("case %s: %w", u.Name, err)
			}
		}
		if u.BestPractice != "" {
			if c.Options.BestPractice, err = profile.ParseBestPractice(strings.ToLower(u.BestPractice)); err != nil {
				return nil, nil, fmt.Errorf("case %s: %w", u.Name, err)
			}
		}
		var profilePackages []string
		if u.Profile != nil {
			profilePackages, local = casePackages(dir, packs, u.Profile.Packages)
		}
		if u.Profile != nil && !local {
			skipped[u.Name+" [profile]"] = needsPackages(packs)
		} else if u.Profile != nil && len(u.Profile.Java) > 0 {
			if pw, served, err := stepOutcome(dir, u.Profile.Java, u.Name, "profile"); err == nil && served {
				skipped[u.Name+" [profile]"] = byServer
			} else if err == nil {
				c.Profile = &ProfileStep{Source: u.Profile.Source, Supporting: u.Profile.Supporting, Expected: pw,
					AssumeValidRestReferences: u.Profile.AssumeValidRestReferences, Packages: profilePackages}
			}
		}
		cases = append(cases, c)
	}
	return cases, skipped, nil
}

// byServer is why a step whose reference verdict rests on a terminology
// server is out of scope: carecert works offline, and the reference without
// its server would not have reported those errors either.
const byServer = "needs a terminology server (every error the reference reports came from its server)"

// issueServer is the OperationOutcome extension the reference puts on an
// issue its terminology server raised.
const issueServer = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-server"

// stepOutcome reads a step's reference outcome (see outcome): the file the
// manifest names or, where that file is absent, the one the reference's own
// test harness reads for the step, outcomes/java/R4.NAME-MODE.json (with "/"
// in the name as "-"): that harness names every outcome so and fails a case
// whose manifest names another file.
func stepOutcome(dir string, java json.RawMessage, name, mode string) (want *Expectation, served bool, err error) {
	want, served, err = outcome(dir, java)
	if !errors.Is(err, fs.ErrNotExist) {
		return want, served, err
	}
	named, err := json.Marshal("java/R4." + strings.ReplaceAll(name, "/", "-") + "-" + mode + ".json")
	if err != nil {
		return nil, false, err
	}
	return outcome(dir, named)
}

// outcome counts the errors and fatal issues of a reference outcome: an
// OperationOutcome file under dir/outcomes, or an inline errorCount. served
// is true when there are errors and every one of them came from the
// reference's terminology server.
func outcome(dir string, java json.RawMessage) (want *Expectation, served bool, err error) {
	var file string
	if err := json.Unmarshal(java, &file); err != nil {
		var inline Expectation
		if err := json.Unmarshal(java, &inline); err != nil || inline.ErrorCount == nil {
			return nil, false, fmt.Errorf("reference outcome %s: neither a file nor an errorCount", java)
		}
		return &inline, false, nil
	}
	path := filepath.Join(dir, "outcomes", file)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	var oo struct {
		Issue []struct {
			Severity  string `json:"severity"`
			Extension []struct {
				URL string `json:"url"`
			} `json:"extension"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(raw, &oo); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	errs, fatals, fromServer := 0, 0, 0
	for _, i := range oo.Issue {
		switch i.Severity {
		case "error":
			errs++
		case "fatal":
			fatals++
		default:
			continue
		}
		for _, e := range i.Extension {
			if e.URL == issueServer {
				fromServer++
				break
			}
		}
	}
	served = errs+fatals > 0 && fromServer == errs+fatals
	return &Expectation{ErrorCount: &errs, FatalCount: &fatals}, served, nil
}

// CaseNames returns the names of the cases of a shared-format manifest, to
// leave them out of an upstream run.
func CaseNames(manifest string) (map[string]bool, error) {
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return nil, err
	}
	var m struct {
		Cases []struct {
			Name string `json:"name"`
		} `json:"test-cases"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifest, err)
	}
	names := map[string]bool{}
	for _, c := range m.Cases {
		names[c.Name] = true
	}
	return names, nil
}

// needsPackages is why a case is out of scope when a package it loads is not
// at hand: without a folder of fetched packages, any package the case folder
// does not ship; with one, a package the registry did not give either.
func needsPackages(packs string) string {
	if packs == "" {
		return "needs packages downloaded"
	}
	return "needs packages the npm registry does not hold (nor the case folder)"
}

// leftOutDependencies are dependencies never loaded as a case's packages:
// the R4 core, which carecert embeds, and R4's examples, which hold R4's own
// definitions again and no profile of a guide.
var leftOutDependencies = []string{"hl7.fhir.r4.core", "hl7.fhir.r4.examples"}

// casePackages returns the package files a case loads, with every package
// they depend on (but leftOutDependencies), and whether all of them are at
// hand. A package is at hand as a file of the case folder (fhir-test-cases
// ships some test packages beside the cases), or, named by id and version,
// as a tarball in packs. A dependency is at hand beside the package that
// needs it as name#version.tgz, or in packs at that version, or in packs at
// the one other version the registry holds, as the reference validator
// loads it (its outcomes name the version it loaded). Files in the case
// folder are relative to it; those in packs are absolute.
func casePackages(dir, packs string, packages []string) (files []string, ok bool) {
	for _, p := range packages {
		f, ok := packageFile(dir, packs, p)
		if !ok {
			return nil, false
		}
		files = append(files, f)
	}
	for next := 0; next < len(files); next++ {
		defs, err := definitions.New(definitions.Options{NoCore: true, IGs: within(dir, files[next:next+1])})
		if err != nil {
			return nil, false
		}
		for _, p := range defs.Packages() {
			for name, version := range p.Dependencies {
				if slices.Contains(leftOutDependencies, name) {
					continue
				}
				dep, ok := dependencyFile(dir, packs, filepath.Dir(files[next]), name, version)
				if !ok {
					return nil, false
				}
				if !slices.Contains(files, dep) {
					files = append(files, dep)
				}
			}
		}
	}
	return files, true
}

// packageFile finds a package a case names: a file of the case folder, or
// name#version fetched into packs.
func packageFile(dir, packs, p string) (string, bool) {
	if exists(filepath.Join(dir, p)) {
		return p, true
	}
	name, version, ok := strings.Cut(p, "#")
	if packs == "" || !ok {
		return "", false
	}
	f := filepath.Join(packs, name+"-"+version+".tgz")
	return f, exists(f)
}

// dependencyFile finds a dependency of a package in folder beside: there as
// name#version.tgz, or in packs at that version or at the only version of
// the name packs holds.
func dependencyFile(dir, packs, beside, name, version string) (string, bool) {
	if f := filepath.Join(beside, name+"#"+version+".tgz"); exists(within(dir, []string{f})[0]) {
		return f, true
	}
	if packs == "" {
		return "", false
	}
	if f := filepath.Join(packs, name+"-"+version+".tgz"); exists(f) {
		return f, true
	}
	other, _ := filepath.Glob(filepath.Join(packs, name+"-[0-9]*.tgz"))
	if len(other) == 1 {
		return other[0], true
	}
	return "", false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
