package agreement

import (
	"encoding/json"
	"fmt"
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
// without a reference outcome.
func Upstream(dir string, exclude map[string]bool) ([]Case, map[string]string, error) {
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
		packages, local := localPackages(dir, u.Packages)
		why := ""
		switch {
		case u.UseTest != nil && !*u.UseTest:
			why = "turned off upstream (use-test false)"
		case len(u.Packages) > 0 && !local:
			why = "needs packages downloaded"
		case len(u.Logical) > 0 || u.Module == "logical":
			why = "an instance of a logical model (not a FHIR resource)"
		case u.Module == "shc":
			why = "a SMART Health Card (a signed credential wrapping FHIR), which carecert does not read"
		case strings.HasPrefix(u.Module, "tx"):
			why = "needs a terminology server"
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
		want, served, err := outcome(dir, u.Java)
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
			profilePackages, local = localPackages(dir, u.Profile.Packages)
		}
		if u.Profile != nil && !local {
			skipped[u.Name+" [profile]"] = "needs packages downloaded"
		} else if u.Profile != nil && len(u.Profile.Java) > 0 {
			if pw, served, err := outcome(dir, u.Profile.Java); err == nil && served {
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

// localPackages returns the package files a case loads when every package
// it names is a file of the case folder (fhir-test-cases ships some test
// packages beside the cases) and every package they depend on, the R4 core
// aside, is among them or beside them as name#version.tgz, which is then
// loaded too; ok is false when a package or a dependency is not there (one
// named by id and version needs the registry).
func localPackages(dir string, packages []string) (files []string, ok bool) {
	files = slices.Clone(packages)
	for next := 0; next < len(files); next++ {
		defs, err := definitions.New(definitions.Options{NoCore: true, IGs: within(dir, files[next:next+1])})
		if err != nil {
			return nil, false
		}
		for _, p := range defs.Packages() {
			for name, version := range p.Dependencies {
				dep := filepath.Join(filepath.Dir(files[next]), name+"#"+version+".tgz")
				if name != "hl7.fhir.r4.core" && !slices.Contains(files, dep) {
					files = append(files, dep)
				}
			}
		}
	}
	return files, true
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
