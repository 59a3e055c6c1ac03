package reporttest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// junitElement is one element of the strict Ant JUnit schema: its required
// and optional attributes (with the pattern each value must match) and the
// children it may hold, in order ("name" once, "name*" any number, "name?"
// at most once; "a|b|c?" at most one of them).
type junitElement struct {
	required, optional map[string]*regexp.Regexp
	children           []string
	text               bool
}

var (
	token     = regexp.MustCompile(`^\S(.*\S)?$`)
	anyString = regexp.MustCompile(`(?s)^.*$`)
	count     = regexp.MustCompile(`^[0-9]+$`)
	decimal   = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	timestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
)

var junitSchema = map[string]junitElement{
	"testsuites": {children: []string{"testsuite*"}},
	"testsuite": {
		required: map[string]*regexp.Regexp{"package": token, "id": count, "name": token, "timestamp": timestamp,
			"hostname": token, "tests": count, "failures": count, "errors": count, "time": decimal},
		optional: map[string]*regexp.Regexp{"skipped": count},
		children: []string{"properties", "testcase*", "system-out", "system-err"},
	},
	"properties": {children: []string{"property*"}},
	"property":   {required: map[string]*regexp.Regexp{"name": token, "value": anyString}},
	"testcase": {
		required: map[string]*regexp.Regexp{"name": token, "classname": token, "time": decimal},
		children: []string{"skipped|error|failure?"},
	},
	"failure":    {required: map[string]*regexp.Regexp{"message": anyString, "type": anyString}, text: true},
	"error":      {required: map[string]*regexp.Regexp{"message": anyString, "type": anyString}, text: true},
	"skipped":    {optional: map[string]*regexp.Regexp{"message": anyString}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// JUnitProblems checks JUnit XML against the strict Ant JUnit schema (the
// one CI tools validate against) and returns every departure, each naming
// the element: an empty list means valid.
func JUnitProblems(data []byte) []string {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var problems []string
	type open struct {
		name     string
		children []string
	}
	var stack []*open
	root := true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(problems, fmt.Sprintf("not XML: %v", err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			el, known := junitSchema[name]
			switch {
			case root && name != "testsuites":
				problems = append(problems, fmt.Sprintf("root element <%s>, want <testsuites>", name))
			case !known:
				problems = append(problems, fmt.Sprintf("unknown element <%s>", name))
			}
			root = false
			if len(stack) > 0 {
				stack[len(stack)-1].children = append(stack[len(stack)-1].children, name)
			}
			seen := map[string]bool{}
			for _, a := range t.Attr {
				seen[a.Name.Local] = true
				pattern, ok := el.required[a.Name.Local]
				if !ok {
					pattern, ok = el.optional[a.Name.Local]
				}
				switch {
				case !ok:
					problems = append(problems, fmt.Sprintf("<%s> has attribute %s, which the schema does not allow", name, a.Name.Local))
				case !pattern.MatchString(a.Value):
					problems = append(problems, fmt.Sprintf("<%s %s=%q>: not a valid value", name, a.Name.Local, a.Value))
				}
			}
			for attr := range el.required {
				if !seen[attr] {
					problems = append(problems, fmt.Sprintf("<%s> lacks required attribute %s", name, attr))
				}
			}
			stack = append(stack, &open{name: name})
		case xml.CharData:
			if len(stack) > 0 && !junitSchema[stack[len(stack)-1].name].text && strings.TrimSpace(string(t)) != "" {
				problems = append(problems, fmt.Sprintf("<%s> holds text", stack[len(stack)-1].name))
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if msg := sequence(junitSchema[top.name].children, top.children); msg != "" {
				problems = append(problems, fmt.Sprintf("<%s>: %s", top.name, msg))
			}
		}
	}
	return problems
}

// sequence checks children against a content model ("a", "b*", "c?",
// "x|y|z?"), in order.
func sequence(model, got []string) string {
	i := 0
	for _, m := range model {
		names := strings.Split(strings.TrimRight(m, "*?"), "|")
		switch {
		case strings.HasSuffix(m, "*"):
			for i < len(got) && slices.Contains(names, got[i]) {
				i++
			}
		case strings.HasSuffix(m, "?"):
			if i < len(got) && slices.Contains(names, got[i]) {
				i++
			}
		default:
			if i >= len(got) || !slices.Contains(names, got[i]) {
				return fmt.Sprintf("want <%s> here, got %v", m, got[i:])
			}
			i++
		}
	}
	if i < len(got) {
		return fmt.Sprintf("unexpected <%s>", got[i])
	}
	return ""
}
