package reports

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// junitFindings is how many findings a failing testcase quotes.
const junitFindings = 20

// The shape follows the strict Ant JUnit schema (the one CI tools validate
// against): a bare <testsuites>; each <testsuite> with package, id, name,
// timestamp (no zone), hostname, counts and time, then <properties>, the
// testcases, <system-out> and <system-err>; each <testcase> with name,
// classname and time, and at most one of skipped, error or failure.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Name       string          `xml:"name,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
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
// warnings in the testsuite's system-out, so that CI gates on errors only.
// A testsuite's time is the target's wall time. Every requirement of a
// target is judged in the same pass over its records, so no requirement has
// a time of its own: testcases say 0.
func JUnit(rep *model.Report) ([]byte, error) {
	var out junitSuites
	props := []junitProperty{
		{"vendor", rep.Vendor.Name}, {"product", rep.Vendor.Product}, {"release", rep.Vendor.Release},
		{"verdict", string(rep.Verdict.Decision)}, {"plan", rep.Plan}, {"as_of", rep.AsOf},
		{"carecert", rep.Tool.Version}, {"complete", fmt.Sprint(rep.Complete)},
	}
	for i, t := range rep.Targets {
		s := junitSuite{
			Package: "carecert", ID: i, Name: fmt.Sprintf("%s / %s", rep.Vendor.Name, t.Name),
			Timestamp: rep.StartedAt.UTC().Format("2006-01-02T15:04:05"), Hostname: "localhost",
			Time: strconv.FormatFloat(t.Seconds, 'f', 3, 64), Properties: props,
		}
		var warnings strings.Builder
		for _, res := range t.Results {
			c := junitCase{
				Name:      fmt.Sprintf("%s %s [%s] %s", res.Suite, res.Requirement, res.Level, res.Title),
				Classname: res.Suite,
				Time:      "0",
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
				fmt.Fprintf(&warnings, "%s/%s warns:\n%s", res.Suite, res.Requirement, findingsText(res))
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		s.SystemOut = warnings.String()
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
		if also := f.AlsoReported(); also != "" {
			b.WriteString(" (" + also + ")")
		}
		b.WriteByte('\n')
	}
	return b.String()
}
