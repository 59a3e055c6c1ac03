// Package yamlfile decodes carecert's YAML files (suites, plans) strictly and
// turns every problem into an error that names the file, line, column and field,
// because a suite author fixing a typo needs to know exactly where it is.
package yamlfile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Error is a problem at a place in a YAML file.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// File is a parsed YAML document that can still answer "which line is field X on".
type File struct {
	Name string
	ast  *ast.File
}

// Decode parses data into v, rejecting unknown fields, and returns the parsed file
// for locating fields later.
func Decode(name string, data []byte, v any) (*File, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &Error{File: name, Line: 1, Msg: "empty file"}
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, wrap(name, err)
	}
	if err := checkAliases(name, f); err != nil {
		return nil, err
	}
	if err := unmarshal(name, f, data, v); err != nil {
		return nil, err
	}
	return &File{Name: name, ast: f}, nil
}

// unmarshal decodes data into v strictly. goccy/go-yaml panics on some
// tagged values where a list is expected (`targets: !!null`, `targets: !x 0`:
// found by fuzzing the plan loader), so a panic of the decoder becomes an
// error, located at the file's first tag (the one construct known to cause
// it) or else at its start, instead of stopping carecert.
func unmarshal(name string, f *ast.File, data []byte, v any) (err error) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		e := &Error{File: name, Line: 1, Msg: fmt.Sprintf("the YAML decoder could not read this file (%v)", p)}
		if tag := firstTag(f); tag != nil && tag.Start != nil && tag.Start.Position != nil {
			e.Line, e.Column = tag.Start.Position.Line, tag.Start.Position.Column
			e.Msg = fmt.Sprintf("the tagged value %s cannot be read here: write the value without its tag", tag.Start.Value)
		}
		err = e
	}()
	if err := yaml.UnmarshalWithOptions(data, v, yaml.Strict()); err != nil {
		return wrap(name, err)
	}
	return nil
}

// firstTag returns the first tagged node of f in document order, or nil.
func firstTag(f *ast.File) *ast.TagNode {
	var found *ast.TagNode
	for _, doc := range f.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if t, ok := n.(*ast.TagNode); ok && found == nil {
				found = t
			}
			return found == nil
		}), doc)
	}
	return found
}

// Parse parses data for locating fields, without decoding it: for files
// checked by hand before they are decoded.
func Parse(name string, data []byte) (*File, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, wrap(name, err)
	}
	return &File{Name: name, ast: f}, nil
}

// tokenError is what goccy/go-yaml's errors have in common.
type tokenError interface {
	error
	GetToken() *token.Token
	GetMessage() string
}

func wrap(name string, err error) error {
	var te tokenError
	if errors.As(err, &te) {
		e := &Error{File: name, Msg: te.GetMessage()}
		if tk := te.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return &Error{File: name, Msg: err.Error()}
}

// Errorf returns an error located at the field path ("$.requirements[2].level").
func (f *File) Errorf(path, format string, args ...any) error {
	line, col := f.Position(path)
	field := strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	return &Error{File: f.Name, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Position returns the line and column of the field at path, or of its nearest
// parent that exists, or 0, 0.
func (f *File) Position(path string) (int, int) {
	if f == nil || f.ast == nil {
		return 0, 0
	}
	for p := path; p != "" && p != "$"; p = parent(p) {
		yp, err := pathString(p)
		if err != nil {
			continue
		}
		node, err := yp.FilterFile(f.ast)
		if err != nil || node == nil {
			continue
		}
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line, tk.Position.Column
		}
	}
	return 0, 0
}

// pathString is yaml.PathString for a path that may hold a key the file's
// author wrote (a misspelt policy key "0000e[0"): goccy/go-yaml panics on
// some malformed paths (an index without its "]", found by fuzzing the plan
// loader), so a panic is an error like any other unreadable path, and
// Position moves on to the parent.
func pathString(p string) (yp *yaml.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			yp, err = nil, fmt.Errorf("path %q cannot be read: %v", p, r)
		}
	}()
	return yaml.PathString(p)
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}
