// Package testreport writes a run as a FHIR R4 TestReport resource, so that a
// certification can be filed in, or exchanged with, FHIR-based systems: one
// test per requirement and target, each with one assert carrying the outcome.
package testreport

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/url"
	"regexp"
	"strings"

	"github.com/carecert/carecert/model"
)

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// ID is a FHIR id for the run: vendor, release and start time, within the 64
// characters FHIR allows.
func ID(rep *model.Report) string {
	id := strings.Trim(idUnsafe.ReplaceAllString(rep.Vendor.Name+"-"+rep.Vendor.Release, "-"), "-.")
	stamp := rep.StartedAt.UTC().Format("20060102T150405")
	if len(id) > 64-len(stamp)-1 {
		id = id[:64-len(stamp)-1]
	}
	if id == "" {
		return stamp
	}
	return id + "-" + stamp
}

// assertResult maps an outcome to TestReport's action result codes.
func assertResult(o model.Outcome) string {
	switch o {
	case model.Pass:
		return "pass"
	case model.Warn:
		return "warning"
	case model.Fail:
		return "fail"
	case model.Skip:
		return "skip"
	}
	return "error"
}

// TestReport is the FHIR R4 resource, with the elements carecert fills, in
// the order FHIR's own examples use (resourceType first).
type TestReport struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id"`
	Text         Narrative     `json:"text"`
	Identifier   Identifier    `json:"identifier"`
	Name         string        `json:"name"`
	Status       string        `json:"status"`
	TestScript   Reference     `json:"testScript"`
	Result       string        `json:"result"`
	Score        *json.Number  `json:"score,omitempty"`
	Tester       string        `json:"tester"`
	Issued       string        `json:"issued"`
	Participant  []Participant `json:"participant"`
	Test         []Test        `json:"test,omitempty"`
}

// Narrative is the human-readable summary.
type Narrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}

// Identifier names the run.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// Reference points at the suites run, by display only: carecert suites are
// not FHIR TestScripts.
type Reference struct {
	Display string `json:"display"`
}

// Participant is the test engine or a target.
type Participant struct {
	Type    string `json:"type"`
	URI     string `json:"uri"`
	Display string `json:"display,omitempty"`
}

// Test is one requirement on one target.
type Test struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Action      []Action `json:"action"`
}

// Action holds the test's one assert.
type Action struct {
	Assert Assert `json:"assert"`
}

// Assert is the requirement's outcome.
type Assert struct {
	Result  string `json:"result"`
	Message string `json:"message,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Build returns the TestReport of a run.
func Build(rep *model.Report) *TestReport {
	title := rep.Vendor.Name
	if rep.Vendor.Product != "" {
		title += " " + rep.Vendor.Product
	}
	if rep.Vendor.Release != "" {
		title += " " + rep.Vendor.Release
	}
	var suiteNames []string
	for _, s := range rep.Suites {
		suiteNames = append(suiteNames, s.ID+" "+s.Version)
	}
	tr := &TestReport{
		ResourceType: "TestReport",
		ID:           ID(rep),
		Text:         Narrative{Status: "generated", Div: narrative(rep, title)},
		Identifier:   Identifier{System: "urn:carecert:run", Value: ID(rep)},
		Name:         "carecert certification of " + title,
		Status:       "completed",
		TestScript:   Reference{Display: "carecert suites: " + strings.Join(suiteNames, ", ")},
		Result:       "fail",
		Tester:       strings.TrimSpace(rep.Tool.Name + " " + rep.Tool.Version),
		Issued:       rep.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"),
	}
	if tr.Tester == "" {
		tr.Tester = "carecert" // FHIR strings may not be empty
	}
	if len(suiteNames) == 0 {
		tr.TestScript.Display = "carecert (no suite was run)"
	}
	if !rep.Complete {
		tr.Status = "stopped"
	}
	if rep.Verdict.Decision == model.Certified || rep.Verdict.Decision == model.ConditionallyCertified {
		tr.Result = "pass"
	}
	tr.Participant = []Participant{{Type: "test-engine", URI: "urn:carecert:" + url.PathEscape(strings.ReplaceAll(tr.Tester, " ", ":")), Display: tr.Tester}}
	var passed, counted int
	for _, t := range rep.Targets {
		tr.Participant = append(tr.Participant, Participant{Type: "server", URI: targetURI(t), Display: t.Name})
		for _, res := range t.Results {
			if res.Outcome != model.Skip {
				counted++
				if res.Outcome == model.Pass || res.Outcome == model.Warn {
					passed++
				}
			}
			detail := fmt.Sprintf("%s; %d record(s) evaluated, %d failing; %d error(s), %d warning(s)", res.Level, res.Evaluated, res.Failing, res.Errors, res.Warnings)
			for _, m := range res.Measures {
				detail += fmt.Sprintf("; %s %d/%d", m.Name, m.Numerator, m.Denominator)
			}
			tr.Test = append(tr.Test, Test{
				Name:        fmt.Sprintf("%s/%s on %s", res.Suite, res.Requirement, t.Name),
				Description: fmt.Sprintf("%s %s", res.Level, res.Title),
				Action:      []Action{{Assert: Assert{Result: assertResult(res.Outcome), Message: res.Message, Detail: detail}}},
			})
		}
	}
	if counted > 0 {
		score := json.Number(fmt.Sprintf("%g", math.Round(1000*float64(passed)/float64(counted))/10))
		tr.Score = &score
	}
	return tr
}

// targetURI names a target as a URI: its URL, or a URN for files and feeds.
func targetURI(t model.TargetRun) string {
	if u, err := url.Parse(t.Location); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return t.Location
	}
	name := t.Location
	if name == "" {
		name = t.Name
	}
	return "urn:carecert:target:" + url.PathEscape(name)
}

func narrative(rep *model.Report, title string) string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml"><p><b>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</b>: `)
	b.WriteString(html.EscapeString(string(rep.Verdict.Decision)))
	b.WriteString(`</p><ul>`)
	for _, r := range append(append([]string{}, rep.Verdict.Conditions...), rep.Verdict.Reasons...) {
		b.WriteString("<li>" + html.EscapeString(r) + "</li>")
	}
	b.WriteString(`</ul></div>`)
	return b.String()
}

// Marshal returns the TestReport as indented FHIR JSON.
func Marshal(rep *model.Report) ([]byte, error) {
	data, err := json.MarshalIndent(Build(rep), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
