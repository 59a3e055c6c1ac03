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

// Build returns the TestReport as a FHIR JSON object.
func Build(rep *model.Report) map[string]any {
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
	status := "completed"
	if !rep.Complete {
		status = "stopped"
	}
	result := "fail"
	if rep.Verdict.Decision == model.Certified || rep.Verdict.Decision == model.ConditionallyCertified {
		result = "pass"
	}
	tool := strings.TrimSpace(rep.Tool.Name + " " + rep.Tool.Version)
	participants := []any{map[string]any{"type": "test-engine", "uri": "urn:carecert:" + url.PathEscape(strings.ReplaceAll(tool, " ", ":")), "display": tool}}
	var tests []any
	var passed, counted int
	for _, t := range rep.Targets {
		participants = append(participants, map[string]any{"type": "server", "uri": targetURI(t), "display": t.Name})
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
			assert := map[string]any{"result": assertResult(res.Outcome), "detail": detail}
			if res.Message != "" {
				assert["message"] = res.Message
			}
			tests = append(tests, map[string]any{
				"name":        fmt.Sprintf("%s/%s on %s", res.Suite, res.Requirement, t.Name),
				"description": fmt.Sprintf("%s %s", res.Level, res.Title),
				"action":      []any{map[string]any{"assert": assert}},
			})
		}
	}
	tr := map[string]any{
		"resourceType": "TestReport",
		"id":           ID(rep),
		"text": map[string]any{
			"status": "generated",
			"div":    narrative(rep, title),
		},
		"identifier":  map[string]any{"system": "urn:carecert:run", "value": ID(rep)},
		"name":        "carecert certification of " + title,
		"status":      status,
		"testScript":  map[string]any{"display": "carecert suites: " + strings.Join(suiteNames, ", ")},
		"result":      result,
		"tester":      tool,
		"issued":      rep.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"),
		"participant": participants,
	}
	if counted > 0 {
		tr["score"] = json.Number(fmt.Sprintf("%g", math.Round(1000*float64(passed)/float64(counted))/10))
	}
	if len(tests) > 0 {
		tr["test"] = tests
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
