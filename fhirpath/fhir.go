package fhirpath

import (
	"strings"

	"github.com/carecert/carecert/fhir/narrative"
)

// The functions FHIR adds to FHIRPath (the FHIRPath page of the FHIR
// specification).

func fnExtension(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	url, ok, err := n.stringArg(c, s, 0)
	if err != nil || !ok {
		return nil, err
	}
	var out []item
	for _, it := range in {
		for _, e := range c.children(nil, it, "extension") {
			if m, ok := e.v.(map[string]any); ok && m["url"] == url {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func fnHasValue(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(in) != 1 || !in[0].fhir {
		return falseItems, nil
	}
	switch in[0].v.(type) {
	case nil, map[string]any, []any:
		return falseItems, nil
	}
	return trueItems, nil
}

func fnGetValue(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	if len(in) != 1 || !in[0].fhir {
		return nil, nil
	}
	switch in[0].v.(type) {
	case nil, map[string]any, []any:
		return nil, nil
	}
	return []item{{v: sysVal(in[0])}}, nil
}

func fnResolve(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	var out []item
	for _, it := range in {
		ref := ""
		switch v := it.v.(type) {
		case string:
			ref = v
		case map[string]any:
			ref, _ = v["reference"].(string)
		}
		if ref == "" {
			continue
		}
		if res := c.resolve(ref); res != nil {
			rt, _ := res["resourceType"].(string)
			out = append(out, item{v: res, t: rt, p: rt, fhir: true})
		}
	}
	return out, nil
}

// resolve finds the resource a reference points to: a contained resource,
// else what the Resolve hook answers, the host's one resolution of
// references (the profile engine's, by fullUrl, Type/id against the
// referring entry's fullUrl and version, of a Bundle read whole or apart);
// without a hook, a Bundle entry of the root resource by fullUrl or Type/id.
func (c *evalCtx) resolve(ref string) map[string]any {
	if id, ok := strings.CutPrefix(ref, "#"); ok {
		for _, holder := range []item{c.resource, c.root} {
			m, _ := holder.v.(map[string]any)
			contained, _ := m["contained"].([]any)
			for _, x := range contained {
				if r, ok := x.(map[string]any); ok && r["id"] == id {
					return r
				}
			}
		}
		return nil
	}
	if c.env.Resolve != nil {
		return c.env.Resolve(ref)
	}
	if root, ok := c.root.v.(map[string]any); ok && root["resourceType"] == "Bundle" {
		entries, _ := root["entry"].([]any)
		for _, e := range entries {
			entry, _ := e.(map[string]any)
			res, _ := entry["resource"].(map[string]any)
			if res == nil {
				continue
			}
			if full, _ := entry["fullUrl"].(string); full == ref {
				return res
			}
			rt, _ := res["resourceType"].(string)
			id, _ := res["id"].(string)
			if rt != "" && id != "" && (ref == rt+"/"+id || strings.HasSuffix(ref, "/"+rt+"/"+id)) {
				return res
			}
		}
	}
	return nil
}

func fnMemberOf(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	it, ok, err := single(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	vs, ok, err := n.stringArg(c, s, 0)
	if err != nil || !ok {
		return nil, err
	}
	if c.env.MemberOf == nil {
		return nil, errf("memberOf(%q) needs terminology: no MemberOf hook in the environment", vs)
	}
	member, known, err := c.env.MemberOf(it.v, vs)
	if err != nil || !known {
		return nil, err
	}
	return boolItems(member), nil
}

func fnConformsTo(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	it, ok, err := single(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	profile, ok, err := n.stringArg(c, s, 0)
	if err != nil || !ok {
		return nil, err
	}
	if c.env.ConformsTo == nil {
		return nil, errf("conformsTo(%q) needs profiles: no ConformsTo hook in the environment", profile)
	}
	b, err := c.env.ConformsTo(it.v, profile)
	if err != nil {
		return nil, err
	}
	return boolItems(b), nil
}

// fnHtmlChecks is the rule of txt-1: the narrative uses only the elements and
// attributes FHIR allows; fnHtmlChecks2 the rule of txt-2: it has some
// content. R4 writes both invariants as htmlChecks(); the reference
// implementation splits them this way. A narrative that is not well-formed
// XHTML passes neither.
func fnHtmlChecks(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return htmlCheck(in, n, narrative.Result.NamesOK)
}

func fnHtmlChecks2(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return htmlCheck(in, n, func(r narrative.Result) bool { return r.Content })
}

// htmlCheck evaluates a narrative rule on a single xhtml string.
func htmlCheck(in []item, n *funcNode, rule func(narrative.Result) bool) ([]item, error) {
	it, ok, err := single(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	div, ok := it.v.(string)
	if !ok {
		return nil, errf("%s() needs the XHTML of a narrative (a string), got %T", n.name, it.v)
	}
	r := narrative.Check(div)
	return boolItems(r.WellFormed && rule(r)), nil
}
