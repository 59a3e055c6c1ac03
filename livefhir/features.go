package livefhir

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/personal"
)

// featureTypes bounds the types whose sampled resource seeds the searches
// of declared features.
const featureTypes = 2

// features searches with what the statement declares beyond simple
// parameters, each built from a resource read earlier so that the answer is
// known: _id with two values (multiple-or: both come back), a date
// parameter with ge and le (the resource comes back) and gt (it does not), a
// quantity parameter with ge and le (back) and gt and lt (not),
// _include of what the resource references and _revinclude from what it
// references. Each search is narrowed by _id, so one page answers it.
func (p *probe) features(ctx context.Context, caps *capabilities, types []string, sample map[string]map[string]any) {
	for _, typ := range seeded(caps, types, sample) {
		res := sample[typ]
		id := fhir.ID(res)
		// Multiple-or: two ids in one value.
		if other := p.second[typ]; other != nil {
			ids := id + "," + fhir.ID(other)
			p.featureSearch(ctx, typ, "recall", typ+"/"+id, url.Values{"_id": {ids}}, typ+"?_id="+ids+" (multiple-or, first)")
			p.featureSearch(ctx, typ, "recall", typ+"/"+fhir.ID(other), url.Values{"_id": {ids}}, typ+"?_id="+ids+" (multiple-or, second)")
		}
		// Comparators on the first declared date parameter with a value.
		if name, v := dateValue(caps, typ, res); name != "" {
			for _, c := range []struct{ prefix, step string }{{"ge", "recall"}, {"le", "recall"}, {"gt", "exclude"}} {
				q := url.Values{"_id": {id}, name: {c.prefix + v}}
				p.featureSearch(ctx, typ, c.step, typ+"/"+id, q, typ+"?_id="+id+"&"+name+"="+c.prefix+v)
			}
		}
		// Comparators on the first declared quantity parameter with a
		// value: ge and le keep the resource, gt and lt leave it out.
		if name, v, system, code := quantityValue(caps, typ, res); name != "" {
			searches := []struct{ value, step string }{{"ge" + v, "recall"}, {"le" + v, "recall"}, {"gt" + v, "exclude"}, {"lt" + v, "exclude"}}
			// With units, as FHIR writes them: number|system|code and
			// number||code find it; a unit it is not in leaves it out.
			if code != "" {
				if system != "" {
					searches = append(searches, struct{ value, step string }{v + "|" + system + "|" + code, "recall"})
				}
				searches = append(searches, struct{ value, step string }{v + "||" + code, "recall"}, struct{ value, step string }{v + "||" + unknownUnit, "exclude"})
			}
			for _, c := range searches {
				q := url.Values{"_id": {id}, name: {c.value}}
				p.featureSearch(ctx, typ, c.step, typ+"/"+id, q, typ+"?_id="+id+"&"+name+"="+c.value)
			}
		}
		// _include of each declared reference the resource holds, and
		// _revinclude of it from the resource it references.
		for _, prm := range fhirsearch.Params(typ) {
			if prm.Kind != fhirsearch.Reference {
				continue
			}
			ref := firstReference(prm.Values(res))
			target, _, ok := strings.Cut(ref, "/")
			if !ok {
				continue
			}
			inc := typ + ":" + prm.Name
			if caps.declaresInclude(typ, inc, false) {
				p.featureSearch(ctx, typ, "include", ref, url.Values{"_id": {id}, "_include": {inc}}, typ+"?_id="+id+"&_include="+inc)
			}
			if caps.declaresInclude(target, inc, true) && caps.declares(target, "search-type") {
				targetID := strings.TrimPrefix(ref, target+"/")
				p.featureSearch(ctx, target, "include", typ+"/"+id, url.Values{"_id": {targetID}, "_revinclude": {inc}}, target+"?_id="+targetID+"&_revinclude="+inc)
			}
		}
		p.modifiers(ctx, caps, typ, res)
		p.valueSets(ctx, caps, typ, res)
		p.chain(ctx, caps, typ, res, sample)
	}
	if !p.emitted[fhirclient.SearchFeatures] {
		p.notSent(fhirclient.SearchFeatures, "search features", "", "no resource read earlier has a second resource of its type, a declared date or quantity parameter with a value, a declared _include or _revinclude, a reference to chain through, or a token or string value that identifies no one to search with modifiers (or a code bound to a value set carecert expands offline)")
	}
}

// chain searches typ through the first reference res holds whose target
// declares a string or token parameter with a value that identifies no one
// (personal data never goes into a URL carecert records): the target is
// read (a read, judged as one), then Type?_id=<res>&ref:Target.param=<its
// value> must return res, and the same with a value nobody has must not,
// so that a server ignoring the chain is told from one honouring it.
// Matches are judged against the chain through _include of the reference
// where the statement declares it. The same is then done one step further
// (longChain).
func (p *probe) chain(ctx context.Context, caps *capabilities, typ string, res map[string]any, sample map[string]map[string]any) {
	id := fhir.ID(res)
	for _, link := range chainLinks(caps, typ, res) {
		referent, tp, value := p.chainEnd(ctx, caps, link, sample)
		if referent == nil {
			continue
		}
		name := link.name + "." + tp
		base := url.Values{"_id": {id}}
		if inc := typ + ":" + link.prm; caps.declaresInclude(typ, inc, false) {
			base.Set("_include", inc)
		}
		p.chainSearches(ctx, typ, id, name, value, tp, base)
		p.longChain(ctx, caps, typ, id, link, referent, sample)
		return
	}
}

// longChain searches typ through two references: from the resource the
// first step reached, through the first of its references whose target has
// a tail as chain takes (Type?_id=<res>&ref:A.ref2:B.param=<B's value>),
// each target read first. The answer must return res, and not with a
// value nobody has. _include of the first reference and _include:iterate
// of the second are added where declared, so that matches are judged
// against the whole chain. An R4 statement cannot declare chains: each
// step's parameter must be declared on its type, and a refusal with an
// OperationOutcome is not judged.
func (p *probe) longChain(ctx context.Context, caps *capabilities, typ, id string, first chainLink, referent map[string]any, sample map[string]map[string]any) {
	for _, link := range chainLinks(caps, first.target, referent) {
		next, tp, value := p.chainEnd(ctx, caps, link, sample)
		if next == nil {
			continue
		}
		name := first.name + "." + link.name + "." + tp
		base := url.Values{"_id": {id}}
		if inc := typ + ":" + first.prm; caps.declaresInclude(typ, inc, false) {
			base.Set("_include", inc)
			if inc := first.target + ":" + link.prm; caps.declaresInclude(first.target, inc, false) {
				base.Set("_include:iterate", inc)
			}
		}
		p.chainSearches(ctx, typ, id, name, value, tp, base)
		return
	}
}

// chainSearches sends a chained search with the referent's own value
// (recall) and with a value nobody has (exclude).
func (p *probe) chainSearches(ctx context.Context, typ, id, name, value, tail string, base url.Values) {
	for _, c := range []struct{ step, value string }{{"recall", value}, {"exclude", "carecert-no-such-" + tail}} {
		q := url.Values{name: {c.value}}
		for k, v := range base {
			q[k] = v
		}
		p.featureSearch(ctx, typ, c.step, typ+"/"+id, q, typ+"?_id="+id+"&"+name+"="+c.value)
	}
}

// chainLink is one step of a chain: a declared reference parameter of the
// source type, the reference res holds for it, and its target type; name
// is the step as a chain writes it (subject:Patient).
type chainLink struct {
	prm, ref, target, name string
}

// chainLinks are the steps a chain can take from res: its declared
// reference parameters, in name order, each with the first literal
// reference res holds for it to a type the statement declares read for.
func chainLinks(caps *capabilities, typ string, res map[string]any) []chainLink {
	var out []chainLink
	for _, prm := range fhirsearch.Params(typ) {
		if prm.Kind != fhirsearch.Reference || caps.undeclaredSearch(typ, url.Values{prm.Name: {""}}) != "" {
			continue
		}
		ref := firstReference(prm.Values(res))
		target, targetID, ok := strings.Cut(ref, "/")
		if !ok || strings.Contains(targetID, "/") || !caps.declares(target, "read") {
			continue
		}
		out = append(out, chainLink{prm: prm.Name, ref: ref, target: target, name: prm.Name + ":" + target})
	}
	return out
}

// referent is the resource ref names: the sample's when it is that one,
// otherwise read (a read, judged as one); nil when the read fails.
func (p *probe) referent(ctx context.Context, caps *capabilities, ref string, sample map[string]map[string]any) map[string]any {
	target, targetID, _ := strings.Cut(ref, "/")
	if res := sample[target]; fhir.ID(res) == targetID {
		return res
	}
	read := p.do(ctx, fhirclient.Request{Interaction: fhirclient.Read, Label: ref, Path: ref}, func(ex *fhirclient.Exchange) {
		ex.Type, ex.ID, ex.Declared = target, targetID, p.caps != nil
	})
	if read == nil || read.Status != 200 || fhir.ID(read.Resource) != targetID {
		return nil // the read's own requirement says what went wrong
	}
	return read.Resource
}

// chainEnd is where one step of a chain leads: the resource the link's
// reference names (see referent), the first of its chainTails with a plain
// value, and that value; nil when it cannot be read or has no such tail.
func (p *probe) chainEnd(ctx context.Context, caps *capabilities, link chainLink, sample map[string]map[string]any) (map[string]any, string, string) {
	tails := chainTails(caps, link.target)
	if len(tails) == 0 {
		return nil, "", "" // nothing to chain to: no read sent to be judged for nothing
	}
	res := p.referent(ctx, caps, link.ref, sample)
	if res == nil {
		return nil, "", ""
	}
	for _, tp := range tails {
		if value := plainValue(tp.Values(res)); value != "" {
			return res, tp.Name, value
		}
	}
	return nil, "", ""
}

// chainTails are the string and token parameters of target a chain may
// end in: declared, and searching no element that identifies a person.
func chainTails(caps *capabilities, target string) []fhirsearch.Param {
	var out []fhirsearch.Param
	for _, kind := range []fhirsearch.Kind{fhirsearch.String, fhirsearch.Token} {
		for _, tp := range fhirsearch.Params(target) {
			if tp.Kind != kind || tp.Name == "_id" || caps.undeclaredSearch(target, url.Values{tp.Name: {""}}) != "" {
				continue
			}
			identifying := false
			for _, path := range tp.Paths {
				identifying = identifying || personal.FHIRPath(target+"."+path)
			}
			if !identifying {
				out = append(out, tp)
			}
		}
	}
	return out
}

// plainValue is the first value that is a plain code, boolean or string a
// search can carry as it is.
func plainValue(vals []any) string {
	for _, v := range vals {
		s := ""
		switch x := v.(type) {
		case string:
			s = x
		case bool:
			s = strconv.FormatBool(x)
		}
		if strings.TrimSpace(s) != "" && !strings.ContainsAny(s, ",|$\\") {
			return s
		}
	}
	return ""
}

// seeded are the first featureTypes types that declare search-type and
// have a resource read earlier to build searches from.
func seeded(caps *capabilities, types []string, sample map[string]map[string]any) []string {
	var out []string
	for _, typ := range types {
		if sample[typ] != nil && caps.declares(typ, "search-type") && len(out) < featureTypes {
			out = append(out, typ)
		}
	}
	return out
}

// featureSearch searches typ for a declared feature: step says what the
// answer must show of expect (see fhirclient.SearchFeatures); the filters
// of q, its parameters less the control ones, are what matches must satisfy.
func (p *probe) featureSearch(ctx context.Context, typ, step, expect string, q url.Values, label string) {
	filters := url.Values{}
	for k, v := range q {
		if !fhirsearch.Control(k) {
			filters[k] = v
		}
	}
	p.do(ctx, fhirclient.Request{Interaction: fhirclient.SearchFeatures, Label: label, Path: typ, Query: q}, func(ex *fhirclient.Exchange) {
		ex.Type, ex.Step, ex.Expect, ex.Declared = typ, step, expect, p.caps != nil
		ex.Query = map[string][]string(filters)
	})
}

// dateValue returns a date parameter the type declares (when it lists
// parameters) and the resource's value for it, to the day or finer; a
// Period is left alone (its ends are not one value).
func dateValue(caps *capabilities, typ string, res map[string]any) (string, string) {
	params := fhirsearch.Params(typ)
	sort.SliceStable(params, func(i, j int) bool { return params[i].Name > params[j].Name })
	for _, prm := range params {
		if prm.Kind != fhirsearch.Date || prm.Name == "_lastUpdated" || caps.undeclaredSearch(typ, url.Values{prm.Name: {""}}) != "" {
			continue
		}
		for _, v := range prm.Values(res) {
			if s, ok := v.(string); ok && len(s) >= len("2006-01-02") {
				return prm.Name, s
			}
		}
	}
	return "", ""
}

// unknownUnit is a unit code no quantity carries.
const unknownUnit = "carecert-no-such-unit"

// quantityValue returns a quantity parameter the type declares (when it
// lists parameters), from the core definitions, and the number, system and
// code of the resource's value for it. Parameters of fewer paths come
// first (value-quantity before combo-value-quantity), so that the value
// searched for is the one the parameter most plainly means.
func quantityValue(caps *capabilities, typ string, res map[string]any) (name, number, system, code string) {
	params := fhirsearch.Params(typ)
	sort.SliceStable(params, func(i, j int) bool { return len(params[i].Paths) < len(params[j].Paths) })
	for _, prm := range params {
		if prm.Kind != fhirsearch.Quantity || caps.undeclaredSearch(typ, url.Values{prm.Name: {""}}) != "" {
			continue
		}
		for _, v := range prm.Values(res) {
			m, _ := v.(map[string]any)
			if n, ok := m["value"].(json.Number); ok && n != "" {
				system, _ := m["system"].(string)
				code, _ := m["code"].(string)
				return prm.Name, n.String(), system, code
			}
		}
	}
	return "", "", "", ""
}

func firstReference(vals []any) string {
	for _, v := range vals {
		m, _ := v.(map[string]any)
		if ref, _ := m["reference"].(string); ref != "" && !strings.HasPrefix(ref, "#") && !strings.Contains(ref, "://") {
			return ref
		}
	}
	return ""
}

// operations exercises the declared operations carecert knows how to
// judge, Patient/[id]/$everything (the patient's record must hold the
// patient and a resource read earlier that refers to them), and records
// every other declared operation as not exercised, with the reason. The
// Bulk Data operations are the fhir-bulk target's.
func (p *probe) operations(ctx context.Context, caps *capabilities, types []string, sample map[string]map[string]any) {
	for _, op := range caps.allOperations() {
		name := op[strings.Index(op, "$")+1:]
		switch name {
		case "everything":
			if strings.HasPrefix(op, "Patient/") || op == "$everything" {
				continue
			}
		case "export", "patient-export", "group-export":
			continue
		}
		p.notSent(fhirclient.Operation, op, "", "carecert does not exercise the declared operation "+op)
	}
	if !caps.declaresOperation("Patient", "everything") {
		if !p.emitted[fhirclient.Operation] {
			p.notSent(fhirclient.Operation, "operations", "", "the server declares no operation carecert exercises ($everything on Patient)")
		}
		return
	}
	pid, expect := "", ""
	for _, typ := range types {
		res := sample[typ]
		if res == nil {
			continue
		}
		if typ == "Patient" && pid == "" {
			pid = fhir.ID(res)
			continue
		}
		for _, prm := range fhirsearch.Params(typ) {
			if prm.Name != "patient" && prm.Name != "subject" {
				continue
			}
			if ref := firstReference(prm.Values(res)); strings.HasPrefix(ref, "Patient/") {
				pid, expect = strings.TrimPrefix(ref, "Patient/"), typ+"/"+fhir.ID(res)
				break
			}
		}
		if expect != "" {
			break
		}
	}
	if pid == "" {
		p.notSent(fhirclient.Operation, "Patient/$everything", "Patient", "no Patient, and no resource referring to one, was read to ask for its record")
		return
	}
	path := "Patient/" + pid + "/$everything"
	p.do(ctx, fhirclient.Request{Interaction: fhirclient.Operation, Label: path, Path: path}, func(ex *fhirclient.Exchange) {
		ex.Type, ex.ID, ex.Expect, ex.Declared = "Patient", pid, expect, p.caps != nil
	})
}

// unknownValue is a token code or text no resource holds.
const unknownValue = "carecert-no-such-value"

// modifiers searches with FHIR's modifiers on the resource's own values,
// narrowed by _id: :missing=false of a declared parameter it holds a value
// for returns it and :missing=true does not; :not of a token's own code
// does not return it and :not of a code nobody has does; :contains of the
// middle of a string parameter's value returns it and of a text nobody has
// does not; :text of the first word of a token's text or display returns
// it and of a text nobody has does not. Only parameters that identify no
// one are used (personal), so
// that no name goes into a URL. An R4 statement cannot declare modifiers:
// a refusal with 4xx and an OperationOutcome is not judged.
func (p *probe) modifiers(ctx context.Context, caps *capabilities, typ string, res map[string]any) {
	id := fhir.ID(res)
	search := func(name, value, step string) {
		p.featureSearch(ctx, typ, step, typ+"/"+id, url.Values{"_id": {id}, name: {value}}, typ+"?_id="+id+"&"+name+"="+value)
	}
	token, str, text := false, false, false
	for _, prm := range chainTails(caps, typ) {
		if word := textWord(prm.Values(res)); prm.Kind == fhirsearch.Token && !text && word != "" {
			text = true
			search(prm.Name+":text", word, "recall")
			search(prm.Name+":text", unknownValue, "exclude")
		}
		value := plainValue(prm.Values(res))
		switch {
		case value == "":
		case prm.Kind == fhirsearch.Token && !token:
			token = true
			search(prm.Name+":missing", "false", "recall")
			search(prm.Name+":missing", "true", "exclude")
			search(prm.Name+":not", value, "exclude")
			search(prm.Name+":not", unknownValue, "recall")
		case prm.Kind == fhirsearch.String && !str && len([]rune(value)) >= 3:
			str = true
			r := []rune(value)
			search(prm.Name+":contains", string(r[1:len(r)-1]), "recall")
			search(prm.Name+":contains", unknownValue, "exclude")
		}
	}
}

// valueSets searches with :in and :not-in on the first declared token
// parameter (identifying no one) whose element the core definitions bind
// to a value set the terminology engine decides the resource's codes for,
// with fhirsearch's own rule: narrowed by _id, :in returns the resource and
// :not-in does not when one of its codes is in the value set, the other way
// round when none is (recall and exclusion); and :in alone, unnarrowed,
// whose first page must hold no resource without a code in the value set
// (precision, judged with the run's engine). An R4 statement cannot declare
// modifiers: a refusal with 4xx and an OperationOutcome is not judged.
func (p *probe) valueSets(ctx context.Context, caps *capabilities, typ string, res map[string]any) {
	id := fhir.ID(res)
	for _, prm := range chainTails(caps, typ) {
		vs := boundValueSet(typ, prm)
		if prm.Kind != fhirsearch.Token || vs == "" {
			continue
		}
		in := url.Values{prm.Name + ":in": {vs}}
		criteria, err := fhirsearch.Parse(typ, in)
		if err != nil {
			continue
		}
		member, known := fhirsearch.MatchWith(res, fhirsearch.WithTerminology(criteria, p.t.terms), nil)
		if !known {
			continue // a value set or code the engine cannot decide offline
		}
		steps := map[string]string{"in": "recall", "not-in": "exclude"}
		if !member {
			steps = map[string]string{"in": "exclude", "not-in": "recall"}
		}
		for _, m := range []string{"in", "not-in"} {
			name := prm.Name + ":" + m
			p.featureSearch(ctx, typ, steps[m], typ+"/"+id, url.Values{"_id": {id}, name: {vs}}, typ+"?_id="+id+"&"+name+"="+vs)
		}
		in.Set("_count", strconv.Itoa(p.t.count))
		p.featureSearch(ctx, typ, "precision", "", in, typ+"?"+prm.Name+":in="+vs)
		return
	}
}

// boundValueSet is the value set the core definitions bind a parameter's
// first element to, without its version; "" when it is bound to none.
func boundValueSet(typ string, prm fhirsearch.Param) string {
	if len(prm.Paths) == 0 {
		return ""
	}
	el := elements.MustR4().Element(typ + "." + prm.Paths[0])
	if el == nil || el.Binding == nil {
		return ""
	}
	vs, _, _ := strings.Cut(el.Binding.ValueSet, "|")
	return vs
}

// textWord is the first word of a token value's text or display (see
// fhirsearch.TokenTexts), of three letters or more and nothing a search
// value would have to escape, for a :text search that must find it; ""
// when there is none.
func textWord(vals []any) string {
	for _, v := range vals {
		for _, text := range fhirsearch.TokenTexts(v) {
			// Untrimmed: :text matches from the text's first character, so a
			// text starting with a space has no word a match can start with.
			word, _, _ := strings.Cut(text, " ")
			if len([]rune(word)) >= 3 && !strings.ContainsAny(word, ",|$\\") {
				return word
			}
		}
	}
	return ""
}
