package yamlfile

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxExpandedNodes bounds the nodes a YAML file may have once its aliases
// are expanded. A plan, suite or policy of real size has a few thousand; a
// "billion laughs" file of a few hundred bytes has billions, and decoding it
// takes gigabytes before any check can run.
const MaxExpandedNodes = 200_000

// CheckAliases refuses a YAML file whose aliases would expand it beyond
// MaxExpandedNodes. It works on the parsed tree, where an alias is one node,
// so it costs no more than parsing.
func CheckAliases(name string, data []byte) error {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return wrap(name, err)
	}
	return checkAliases(name, f)
}

func checkAliases(name string, f *ast.File) error {
	c := &aliasCounter{anchors: map[string]int64{}}
	for _, doc := range f.Docs {
		if c.size(doc) > MaxExpandedNodes {
			e := &Error{File: name, Msg: fmt.Sprintf("its aliases expand it to more than %d nodes (a YAML alias bomb?): refused", MaxExpandedNodes)}
			if c.where != nil && c.where.GetToken() != nil && c.where.GetToken().Position != nil {
				e.Line, e.Column = c.where.GetToken().Position.Line, c.where.GetToken().Position.Column
			}
			return e
		}
	}
	return nil
}

// aliasCounter counts nodes with every alias counted as the anchor's value
// it stands for. Counts saturate just past the limit.
type aliasCounter struct {
	anchors map[string]int64
	// where is the alias at which the count passed the limit.
	where ast.Node
}

func (c *aliasCounter) size(n ast.Node) int64 {
	var count int64
	ast.Walk(visitFunc(func(n ast.Node) bool {
		if count > MaxExpandedNodes {
			return false
		}
		count++
		switch x := n.(type) {
		case *ast.AnchorNode:
			if x.Name != nil && x.Value != nil {
				c.anchors[x.Name.String()] = c.size(x.Value)
			}
		case *ast.AliasNode:
			if x.Value != nil {
				count += c.anchors[x.Value.String()]
				if count > MaxExpandedNodes && c.where == nil {
					c.where = x
				}
			}
			return false
		}
		return true
	}), n)
	return count
}

// visitFunc adapts a function to ast.Visitor; false stops descending.
type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if n == nil || !f(n) {
		return nil
	}
	return f
}
