package reports

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// junitFindings is how many findings a failing testcase quotes.
const junitFindings = 20

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit renders a report as JUnit XML: one testsuite per target, one testcase per
// requirement, failures quoting the first findings. Warnings pass, with the
// warnings in system-out, so that CI gates on errors only.
func JUnit(rep *model.Report) ([]byte, error) {
	out := junitSuites{Name: fmt.Sprintf("carecert %s: %s", rep.Vendor.Name, rep.Verdict.Decision)}
	for _, t := range rep.Targets {
		s := junitSuite{Name: fmt.Sprintf("%s / %s", rep.Vendor.Name, t.Name)}
		for _, res := range t.Results {
			c := junitCase{
				Name:      fmt.Sprintf("%s %s [%s] %s", res.Suite, res.Requirement, res.Level, res.Title),
				Classname: res.Suite,
			}
			switch res.Outcome {
			case model.Fail:
				c.Failure = &junitProblem{Message: res.Message, Type: string(res.Level), Text: findingsText(res)}
				s.Failures++
			case model.Errored:
				c.Error = &junitProblem{Message: res.Message, Type: "error", Text: res.Message}
				s.Errors++
			case model.Skip:
				c.Skipped = &junitSkipped{Message: res.Message}
				s.Skipped++
			case model.Warn:
				c.SystemOut = findingsText(res)
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	body, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), body...), '\n'), nil
}

func findingsText(res model.Result) string {
	var b strings.Builder
	for i, f := range res.Findings {
		if i == junitFindings {
			fmt.Fprintf(&b, "... and %d more finding(s)\n", res.Total()-int64(i))
			break
		}
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}
