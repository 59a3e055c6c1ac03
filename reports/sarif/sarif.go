// Package sarif writes a report as SARIF 2.1.0, the format code-scanning tools
// (GitHub, GitLab, Azure DevOps, IDEs) read to annotate the exact file and line
// of each finding. Each requirement is a rule; each kept finding is a result.
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/reports"
)

// Version and SchemaURI identify the SARIF version written.
const (
	Version   = "2.1.0"
	SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
)

// Log is a SARIF log file.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one run of one tool.
type Run struct {
	Tool        Tool           `json:"tool"`
	Invocations []Invocation   `json:"invocations"`
	Results     []Result       `json:"results"`
	Properties  map[string]any `json:"properties,omitempty"`
}

// Tool is the analysis tool.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver describes carecert and the rules (requirements) it checked.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules"`
}

// Rule is one requirement.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     Message        `json:"shortDescription"`
	FullDescription      Message        `json:"fullDescription"`
	Help                 Message        `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration Configuration  `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

// Configuration is a rule's default level.
type Configuration struct {
	Level string `json:"level"`
}

// Message is plain text.
type Message struct {
	Text string `json:"text"`
}

// Invocation says whether the run completed.
type Invocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	StartTimeUTC        string `json:"startTimeUtc,omitempty"`
	EndTimeUTC          string `json:"endTimeUtc,omitempty"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Message           `json:"message"`
	Locations           []Location        `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

// Location is where a finding is.
type Location struct {
	PhysicalLocation *PhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []LogicalLocation `json:"logicalLocations,omitempty"`
}

// PhysicalLocation is a file and region.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation is a file by URI.
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a line.
type Region struct {
	StartLine int `json:"startLine"`
}

// LogicalLocation is the record and element path.
type LogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// srcRoot is the base relative file names are resolved against: the folder the
// run was started in, usually the repository checkout.
const srcRoot = "SRCROOT"

// Build converts a report. Only the findings the report kept are results;
// the run's properties say how many were counted in all.
func Build(rep *model.Report) *Log {
	run := Run{
		Tool: Tool{Driver: Driver{Name: rep.Tool.Name, Version: rep.Tool.Version, InformationURI: "https://github.com/carecert/carecert", Rules: []Rule{}}},
		Invocations: []Invocation{{
			ExecutionSuccessful: rep.Complete,
			StartTimeUTC:        rep.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			EndTimeUTC:          rep.FinishedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		}},
		Results: []Result{},
		Properties: map[string]any{
			"vendor": rep.Vendor.Name, "product": rep.Vendor.Product, "release": rep.Vendor.Release,
			"verdict": string(rep.Verdict.Decision), "asOf": rep.AsOf,
		},
	}
	if run.Tool.Driver.Name == "" {
		run.Tool.Driver.Name = "carecert"
	}
	sources := map[string]string{}
	for _, s := range rep.Suites {
		sources[s.ID] = s.Source
	}
	rules := map[string]int{}
	var counted, kept int64
	for _, t := range rep.Targets {
		for _, res := range t.Results {
			id := res.Suite + "/" + res.Requirement
			idx, ok := rules[id]
			if !ok {
				idx = len(run.Tool.Driver.Rules)
				rules[id] = idx
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, Rule{
					ID: id, Name: res.Requirement, ShortDescription: Message{Text: res.Title},
					FullDescription: Message{Text: fullDescription(res)}, Help: Message{Text: help(res, sources[res.Suite])},
					HelpURI:              helpURI(sources[res.Suite]),
					DefaultConfiguration: Configuration{Level: ruleLevel(res.Level)},
					Properties:           map[string]any{"suite": res.Suite, "requirementLevel": string(res.Level), "check": res.Check},
				})
			}
			counted += res.Total()
			for _, f := range res.Findings {
				kept++
				r := Result{
					RuleID: id, RuleIndex: idx, Level: level(f.Severity),
					Message:             Message{Text: message(f, rep.Evidence == "full")},
					PartialFingerprints: map[string]string{"carecertFinding/v1": fingerprint(t.Name, f)},
					Properties:          map[string]any{"code": f.Code, "target": t.Name},
				}
				if len(f.AlsoReportedBy) > 0 {
					// One defect, several requirements: say so, so that a
					// reader counts it once.
					r.Properties["alsoReportedBy"] = f.AlsoReportedBy
					r.Message.Text += " (" + f.AlsoReported() + ")"
				}
				var loc Location
				// Feed-level findings name no file: they are about the target,
				// and code-scanning tools want a file to hang them on.
				file := f.File
				if file == "" {
					file = t.Location
				}
				if file != "" {
					pl := &PhysicalLocation{ArtifactLocation: artifact(file)}
					if f.Line > 0 {
						pl.Region = &Region{StartLine: f.Line}
					}
					loc.PhysicalLocation = pl
				}
				if name := logicalName(f); name != "" {
					loc.LogicalLocations = []LogicalLocation{{FullyQualifiedName: name, Kind: "element"}}
				}
				if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
					r.Locations = []Location{loc}
				}
				run.Results = append(run.Results, r)
			}
		}
	}
	run.Properties["findingsCounted"] = counted
	run.Properties["findingsKept"] = kept
	return &Log{Schema: SchemaURI, Version: Version, Runs: []Run{run}}
}

// Marshal returns the SARIF log as indented JSON.
func Marshal(rep *model.Report) ([]byte, error) {
	data, err := json.MarshalIndent(Build(rep), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// fullDescription is the requirement's text in its suite, else its title:
// code-scanning tools show a rule's full description and reject none.
func fullDescription(res model.Result) string {
	if res.Description != "" {
		return res.Description
	}
	return res.Title
}

// help says what the rule asks, how strongly and where it is written.
func help(res model.Result, source string) string {
	text := fmt.Sprintf("%s (%s, suite %s, check %s).", fullDescription(res), res.Level, res.Suite, res.Check)
	if source != "" {
		text += " Defined in " + source + "."
	}
	if r := res.Source; r != nil && r.Section != "" {
		text += " Rule: " + r.Section + ", " + r.URL + "."
	} else if r != nil {
		text += " Rule: " + r.URL + "."
	}
	return text
}

// builtinSuites is where carecert's own suites are published, so that a
// reader of a code-scanning alert can read the requirement in full.
const builtinSuites = "https://github.com/carecert/carecert/blob/main/suites/builtin/"

// helpURI links a rule to its suite when the suite is one of carecert's own;
// a suite file of the user's has no address anyone else can open.
func helpURI(source string) string {
	id, ok := strings.CutPrefix(source, "builtin:")
	if !ok || id == "" {
		return ""
	}
	return builtinSuites + id + ".yaml"
}

func ruleLevel(l model.Level) string {
	switch l {
	case model.Shall:
		return "error"
	case model.Should:
		return "warning"
	}
	return "note"
}

func level(s model.Severity) string {
	switch s {
	case model.Error:
		return "error"
	case model.Warning:
		return "warning"
	}
	return "note"
}

// artifact turns a finding's file into a SARIF location: URLs stay as they
// are, absolute paths become file URIs, relative paths are relative to SRCROOT.
// SRCROOT is left undefined in the log: code-scanning tools bind it to the
// checkout.
func artifact(file string) ArtifactLocation {
	switch {
	case strings.Contains(file, "://"):
		return ArtifactLocation{URI: file}
	case filepath.IsAbs(file):
		return ArtifactLocation{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(file)}).String()}
	}
	return ArtifactLocation{URI: (&url.URL{Path: filepath.ToSlash(filepath.Clean(file))}).String(), URIBaseID: srcRoot}
}

func logicalName(f model.Finding) string {
	switch {
	case f.Record != "" && f.Path != "":
		return f.Record + " " + f.Path
	case f.Record != "":
		return f.Record
	}
	return f.Path
}

func message(f model.Finding, fullEvidence bool) string {
	f = reports.Redact(f, fullEvidence)
	m := f.Message
	if f.Record != "" {
		m = f.Record + ": " + m
	}
	if f.Evidence != "" && f.Evidence != personal.Redacted {
		m += " (found " + f.Evidence + ")"
	}
	return m
}

// fingerprint identifies a finding across runs, so that code-scanning tools
// track it rather than open a new alert each time; the line is left out
// because unrelated edits move it.
func fingerprint(target string, f model.Finding) string {
	h := sha256.Sum256([]byte(strings.Join([]string{target, f.File, f.Record, f.Path, f.Requirement, f.Code}, "\x00")))
	return hex.EncodeToString(h[:16])
}
