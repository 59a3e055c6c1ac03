package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// Codes of the findings on a QuestionnaireResponse checked against the
// Questionnaire it answers.
const (
	// CodeQuestionnaire is a response that does not fit its Questionnaire:
	// an unknown linkId, an answer of the wrong type or not among the
	// options, too many answers, a missing required item.
	CodeQuestionnaire = "profile.questionnaire"
	// CodeQuestionnaireUnknown is a response whose Questionnaire is not
	// loaded, so its answers could not be checked.
	CodeQuestionnaireUnknown = "profile.unknown-questionnaire"
	// CodeAnswerUnchecked is an answer carecert could not check against
	// its item's answerValueSet offline: its own limit, said as such.
	CodeAnswerUnchecked = "profile.answer-unchecked"
)

// questionnaire is a Questionnaire compiled for checking responses: its item
// tree indexed by linkId. It is built once per Engine and read-only after.
type questionnaire struct {
	// name is how findings name it: its url, and version when it has one.
	name string
	top  *qItem // a pseudo item whose kids are the top-level items
	// byLinkID holds every item of the tree (the first, if a linkId repeats).
	byLinkID      map[string]*qItem
	hasEnableWhen bool
	// effective is the Questionnaire's effectivePeriod: when responses to
	// it may be authored (questionnaire_answer_text.go).
	effective period
}

// qItem is one Questionnaire.item.
type qItem struct {
	linkID, typ          string
	text                 string // the item's text, which a response item's text repeats
	index                int    // its place among its parent's kids
	required, repeats    bool
	parent               *qItem
	kids                 map[string]*qItem
	order                []*qItem // kids in Questionnaire order
	enableWhen           []enableWhen
	behavior             string // enableBehavior: "all", "any" or ""
	options              []qValue
	inlineOptions, known bool     // known: the item type is one of R4's
	limits               *qLimits // questionnaire_limits.go
	// enableExpr is a FHIRPath expression that decides whether the item is
	// enabled, in place of its enableWhen conditions.
	enableExpr string
	// enableInv is enableExpr compiled (nil when there is none).
	enableInv *invariant
	// referenceTypes are the resource types a reference answer may point
	// to (questionnaire-referenceResource); empty means any.
	referenceTypes []string
	// answerValueSet holds the item's permitted answers by reference.
	answerValueSet string
}

// qValue is a typed answer value: the value[x] suffix ("Coding") and the
// value in the JSON model.
type qValue struct {
	typ string
	v   any
}

type enableWhen struct {
	question, op string
	answer       qValue
}

// tri is a three-valued truth: a condition that cannot be decided (a
// question answered in several places, an unsupported comparison) never
// leads to a finding.
type tri int8

const (
	unknown tri = iota
	no
	yes
)

// compileQuestionnaire reads a Questionnaire, compiling its items' enabling
// expressions with fx (nil: none is evaluated).
func compileQuestionnaire(res map[string]any, fx Invariants) *questionnaire {
	q := &questionnaire{byLinkID: map[string]*qItem{}}
	q.name, _ = res["url"].(string)
	if v, ok := res["version"].(string); ok && v != "" {
		q.name += "|" + v
	}
	if q.name == "" {
		id, _ := res["id"].(string)
		q.name = "#" + id
	}
	q.top = &qItem{typ: "group", known: true}
	q.effective = periodOf(res["effectivePeriod"])
	q.addKids(q.top, res["item"], fx)
	return q
}

func (q *questionnaire) addKids(parent *qItem, items any, fx Invariants) {
	list, _ := items.([]any)
	for _, raw := range list {
		m, _ := raw.(map[string]any)
		id, _ := m["linkId"].(string)
		if id == "" {
			continue
		}
		it := &qItem{linkID: id, parent: parent}
		it.typ, _ = m["type"].(string)
		it.text, _ = m["text"].(string)
		it.known = answerTypes(it.typ) != nil || it.typ == "group" || it.typ == "display"
		it.required, _ = m["required"].(bool)
		it.repeats, _ = m["repeats"].(bool)
		it.behavior, _ = m["enableBehavior"].(string)
		ews, _ := m["enableWhen"].([]any)
		for _, ew := range ews {
			em, _ := ew.(map[string]any)
			c := enableWhen{}
			c.question, _ = em["question"].(string)
			c.op, _ = em["operator"].(string)
			c.answer, _ = typedValue(em, "answer")
			it.enableWhen = append(it.enableWhen, c)
		}
		it.answerValueSet, _ = m["answerValueSet"].(string)
		it.enableExpr = enableExpression(m)
		it.enableInv = enableInvariant(fx, id, it.enableExpr)
		it.referenceTypes = extensionCodes(m, extReferenceResource)
		if len(it.enableWhen) > 0 || it.enableExpr != "" {
			q.hasEnableWhen = true
		}
		opts, _ := m["answerOption"].([]any)
		for _, o := range opts {
			om, _ := o.(map[string]any)
			if v, ok := typedValue(om, "value"); ok {
				it.options = append(it.options, v)
			}
		}
		it.inlineOptions = len(it.options) > 0
		it.limits = compileLimits(m)
		if parent.kids == nil {
			parent.kids = map[string]*qItem{}
		}
		if _, dup := parent.kids[id]; !dup {
			it.index = len(parent.order)
			parent.kids[id] = it
			parent.order = append(parent.order, it)
		}
		if _, dup := q.byLinkID[id]; !dup {
			q.byLinkID[id] = it
		}
		q.addKids(it, m["item"], fx)
	}
}

// answerTypes lists the value[x] types an answer to an item of a type may
// have (nil for groups, display items and unknown types). Choice items take
// the types answerOption.value[x] allows; date and integer are accepted where
// a dateTime or decimal is asked, as the reference validator does.
func answerTypes(itemType string) []string {
	switch itemType {
	case "boolean":
		return []string{"Boolean"}
	case "decimal":
		return []string{"Decimal", "Integer"}
	case "integer":
		return []string{"Integer"}
	case "date":
		return []string{"Date"}
	case "dateTime":
		return []string{"DateTime", "Date"}
	case "time":
		return []string{"Time"}
	case "string", "text":
		return []string{"String"}
	case "url":
		return []string{"Uri"}
	case "choice", "open-choice":
		return []string{"Coding", "String", "Integer", "Date", "Time", "Reference"}
	case "attachment":
		return []string{"Attachment"}
	case "reference":
		return []string{"Reference"}
	case "quantity":
		return []string{"Quantity"}
	}
	return nil
}

// typedValue finds the prefix[x] element of m ("valueCoding", or only its
// "_valueString" extension object).
func typedValue(m map[string]any, prefix string) (qValue, bool) {
	best := ""
	for k := range m {
		name := strings.TrimPrefix(k, "_")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" || rest[0] < 'A' || rest[0] > 'Z' {
			continue
		}
		if best == "" || rest < best { // deterministic when several are present
			best = rest
		}
	}
	if best == "" {
		return qValue{}, false
	}
	return qValue{typ: best, v: m[prefix+best]}, true
}

// questionnaireResponseRules checks a QuestionnaireResponse against the
// Questionnaire it names: every item's linkId where the Questionnaire has it,
// answers only to questions, of the question's type, one unless it repeats,
// among the listed options of a choice, no answers to disabled items, and,
// in a completed response, every enabled required item present.
func (w *walker) questionnaireResponseRules(m map[string]any, path string) {
	q, ok := companionOf(w, m, "questionnaire", "Questionnaire", CodeQuestionnaireUnknown, path, "the answers", func(res map[string]any) *questionnaire {
		return compileQuestionnaire(res, w.e.fhirpath)
	})
	if !ok {
		return
	}
	status, _ := m["status"].(string)
	r := &responseCheck{w: w, q: q, completed: status == "completed"}
	r.authored(m, path)
	r.items(m["item"], q.top, path, []map[string]any{m})
}

// responseCheck is the state of checking one response.
type responseCheck struct {
	w         *walker
	q         *questionnaire
	completed bool
}

// items checks the response items of one level against the kids of parent;
// scope is the chain of response objects enclosing them (the response first).
// The items follow the Questionnaire's order, as the reference validator
// requires: an item the Questionnaire puts before one already given is out
// of place (repeats of one item side by side are not).
func (r *responseCheck) items(raw any, parent *qItem, path string, scope []map[string]any) {
	list, _ := raw.([]any)
	present := map[string]bool{}
	var last *qItem
	for i, it := range list {
		im, _ := it.(map[string]any)
		if im == nil {
			continue
		}
		ip := path + ".item[" + strconv.Itoa(i) + "]"
		id, _ := im["linkId"].(string)
		if id == "" {
			continue // linkId is 1..1: the base definition reports it
		}
		qi := parent.kids[id]
		if qi == nil {
			r.unknownLinkID(id, parent, ip)
			continue
		}
		if last != nil && qi.index < last.index {
			r.w.add(model.Error, CodeQuestionnaire, ip, fmt.Sprintf("item '%s' comes after item '%s' here, but Questionnaire %s puts it before: response items follow the Questionnaire's order", id, last.linkID, r.q.name), "")
		}
		last = qi
		if present[id] && !qi.repeats {
			r.w.add(model.Error, CodeQuestionnaire, ip, fmt.Sprintf("item '%s' occurs more than once here, but it does not repeat in Questionnaire %s, so it may occur only once", id, r.q.name), "")
		}
		present[id] = true
		r.item(im, qi, ip, append(scope[:len(scope):len(scope)], im))
	}
	if !r.completed {
		return
	}
	for _, k := range parent.order {
		if !k.required || present[k.linkID] {
			continue
		}
		if r.enabled(k, scope, nil) != yes {
			continue // disabled, or cannot tell: the item may rightly be absent
		}
		where := "at the top level of the response"
		if parent != r.q.top {
			where = "under item '" + parent.linkID + "'"
		}
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("required item '%s' of Questionnaire %s is missing %s; a completed response must answer every enabled required item", k.linkID, r.q.name, where), "")
	}
}

func (r *responseCheck) unknownLinkID(id string, parent *qItem, path string) {
	if elsewhere := r.q.byLinkID[id]; elsewhere != nil {
		where := "at the top level"
		if elsewhere.parent != r.q.top {
			where = "under item '" + elsewhere.parent.linkID + "'"
		}
		r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("linkId '%s' is not allowed here: Questionnaire %s has it %s; nest the response items as the Questionnaire nests its items", id, r.q.name, where), "")
		return
	}
	expected := make([]string, 0, len(parent.order))
	for _, k := range parent.order {
		expected = append(expected, "'"+k.linkID+"'")
	}
	hint := "no items are expected here"
	if len(expected) > 0 {
		hint = "expected here: " + listSome(expected, 10)
	}
	r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("linkId '%s' is not found in Questionnaire %s (%s)", id, r.q.name, hint), "")
}

// item checks one response item against its Questionnaire item. A text it
// gives is the item's text, word for word (it repeats the question asked, so
// a different one means the answer was given to another question).
func (r *responseCheck) item(im map[string]any, qi *qItem, path string, scope []map[string]any) {
	answers, _ := im["answer"].([]any)
	if t, _ := im["text"].(string); t != "" && t != qi.text {
		r.w.add(model.Error, CodeQuestionnaire, path+".text", fmt.Sprintf("item '%s' has the text %q, but Questionnaire %s gives it the text %q; a response item's text, if given, is the Questionnaire's", qi.linkID, clipText(t, 60), r.q.name, clipText(qi.text, 60)), "")
	}
	if qi.typ != "group" && qi.typ != "display" {
		r.occurs(qi, len(answers), path)
	}
	if qi.typ == "group" && qi.required {
		if kids, _ := im["item"].([]any); len(kids) == 0 {
			r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("group '%s' is required in Questionnaire %s, but has no items", qi.linkID, r.q.name), "")
		}
	}
	switch {
	case len(answers) == 0:
		if r.completed && qi.required && qi.typ != "group" && qi.typ != "display" && r.enabled(qi, scope[:len(scope)-1], nil) == yes {
			r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("required item '%s' of Questionnaire %s has no answer; a completed response must answer every enabled required item", qi.linkID, r.q.name), "")
		}
	case qi.typ == "group" || qi.typ == "display" || qi.typ == "question":
		hint := "; answer its question items instead"
		switch qi.typ {
		case "display":
			hint = ": it only shows its text"
		case "question":
			hint = ": question is an abstract type, and the Questionnaire must give the item a concrete one (boolean, string, choice...)"
		}
		r.w.add(model.Error, CodeQuestionnaire, path+".answer", fmt.Sprintf("item '%s' is a %s item in Questionnaire %s, so it cannot have answers%s", qi.linkID, qi.typ, r.q.name, hint), "")
	default:
		if len(answers) > 1 && !qi.repeats {
			r.w.add(model.Error, CodeQuestionnaire, path+".answer", fmt.Sprintf("item '%s' does not repeat in Questionnaire %s, so it may have only one answer, but it has %d", qi.linkID, r.q.name, len(answers)), "")
		}
		if r.q.hasEnableWhen && r.enabled(qi, scope[:len(scope)-1], nil) == no {
			r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("item '%s' has an answer, but its enableWhen conditions in Questionnaire %s are not met, so it is disabled and must not be answered", qi.linkID, r.q.name), "")
		}
		for j, a := range answers {
			am, _ := a.(map[string]any)
			if am == nil {
				continue
			}
			ap := path + ".answer[" + strconv.Itoa(j) + "]"
			r.answer(am, qi, len(answers), ap)
			if _, ok := am["item"]; ok {
				r.items(am["item"], qi, ap, append(scope[:len(scope):len(scope)], am))
			}
		}
	}
	// Only a group holds items directly: a question's child items answer
	// follow-up questions of one answer, so they sit under that answer
	// (answer.item), and a display item has none.
	if kids, _ := im["item"].([]any); len(kids) > 0 && qi.typ != "group" {
		where := "under its answer (answer.item), not under the item itself"
		if qi.typ == "display" {
			where = "nowhere: a display item only shows its text"
		}
		r.w.add(model.Error, CodeQuestionnaire, path+".item", fmt.Sprintf("item '%s' is a %s item in Questionnaire %s, so its child items belong %s", qi.linkID, qi.typ, r.q.name, where), "")
	}
	if _, ok := im["item"]; ok || (r.completed && len(qi.order) > 0 && qi.typ == "group") {
		r.items(im["item"], qi, path, scope)
	}
}

// answer checks the type of one answer and, for an item whose options are
// listed (a choice, or a string, integer, date, time or reference question
// limited to answerOption values), that it is one of them; an open choice
// also takes free text.
func (r *responseCheck) answer(am map[string]any, qi *qItem, n int, path string) {
	v, ok := typedValue(am, "value")
	if !ok || !qi.known {
		return
	}
	allowed := answerTypes(qi.typ)
	if !slices.Contains(allowed, v.typ) {
		want := make([]string, len(allowed))
		for i, t := range allowed {
			want[i] = "value" + t
		}
		r.w.add(model.Error, CodeQuestionnaire, path+".value"+v.typ, fmt.Sprintf("item '%s' is a question of type %s in Questionnaire %s, so its answer must be %s, not value%s", qi.linkID, qi.typ, r.q.name, strings.Join(want, " or "), v.typ), "")
		return
	}
	r.limits(v, qi, n, path)
	if v.typ == "Reference" {
		r.referenceAnswer(v, qi, path+".valueReference")
	}
	if qi.answerValueSet != "" && !qi.inlineOptions {
		r.valueSetAnswer(v, qi, path+".value"+v.typ)
	}
	if v.typ == "String" {
		r.stringAnswer(v, qi, path+".valueString")
	}
	if !qi.inlineOptions || v.v == nil || (qi.typ == "open-choice" && v.typ == "String") {
		return // free text of an open choice; a value set needs terminology
	}
	for _, o := range qi.options {
		if sameValue(o, v) != no {
			return // a match, or cannot compare (a coding without a code)
		}
	}
	opts := make([]string, len(qi.options))
	for i, o := range qi.options {
		opts[i] = describeValue(o)
	}
	r.w.add(model.Error, CodeQuestionnaire, path+".value"+v.typ, fmt.Sprintf("answer %s to item '%s' is not one of its options in Questionnaire %s (allowed: %s)", describeValue(v), qi.linkID, r.q.name, listSome(opts, 10)), "")
}

// sameValue compares two typed values as answers. A Coding matches on code
// and, when both give one, system.
func sameValue(a, b qValue) tri {
	if a.typ != b.typ {
		return no
	}
	switch a.typ {
	case "Coding":
		am, _ := a.v.(map[string]any)
		bm, _ := b.v.(map[string]any)
		ac, _ := am["code"].(string)
		bc, _ := bm["code"].(string)
		if ac == "" || bc == "" {
			return unknown
		}
		as, _ := am["system"].(string)
		bs, _ := bm["system"].(string)
		if ac == bc && (as == "" || bs == "" || as == bs) {
			return yes
		}
		return no
	case "Reference":
		am, _ := a.v.(map[string]any)
		bm, _ := b.v.(map[string]any)
		ar, _ := am["reference"].(string)
		br, _ := bm["reference"].(string)
		if ar == "" || br == "" {
			return unknown
		}
		return truth(ar == br)
	case "Quantity":
		am, _ := a.v.(map[string]any)
		bm, _ := b.v.(map[string]any)
		av, aok := model.Number(am["value"])
		bv, bok := model.Number(bm["value"])
		if !aok || !bok || unitOf(am) != unitOf(bm) {
			return unknown
		}
		return truth(av == bv)
	case "Integer", "Decimal":
		av, aok := model.Number(a.v)
		bv, bok := model.Number(b.v)
		if !aok || !bok {
			return unknown
		}
		return truth(av == bv)
	}
	as, aok := a.v.(string)
	bs, bok := b.v.(string)
	if !aok || !bok {
		if ab, ok := a.v.(bool); ok {
			bb, ok := b.v.(bool)
			if !ok {
				return unknown
			}
			return truth(ab == bb)
		}
		return unknown
	}
	if (a.typ == "DateTime" || a.typ == "Date" || a.typ == "Time") && len(as) != len(bs) {
		return unknown // different precisions
	}
	return truth(as == bs)
}

func unitOf(q map[string]any) string {
	if c, ok := q["code"].(string); ok {
		s, _ := q["system"].(string)
		return s + "|" + c
	}
	u, _ := q["unit"].(string)
	return u
}

func truth(b bool) tri {
	if b {
		return yes
	}
	return no
}

// describeValue renders a value for a message: "system|code" for a Coding.
func describeValue(v qValue) string {
	switch x := v.v.(type) {
	case map[string]any:
		if v.typ == "Coding" {
			s, _ := x["system"].(string)
			c, _ := x["code"].(string)
			if s == "" {
				return "code '" + c + "'"
			}
			return "'" + s + "|" + c + "'"
		}
		if ref, ok := x["reference"].(string); ok {
			return "'" + ref + "'"
		}
		return v.typ
	default:
		return fmt.Sprintf("'%v'", x)
	}
}

// listSome joins up to max items, saying how many more there are.
func listSome(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}

// enabled decides whether an item is enabled: its ancestors are, and its
// enableWhen conditions hold (per enableBehavior). scope is the chain of
// response objects the item would sit in; visiting guards against conditions
// that depend on each other.
func (r *responseCheck) enabled(qi *qItem, scope []map[string]any, visiting []*qItem) tri {
	result := yes
	for it := qi; it != nil && it != r.q.top; it = it.parent {
		if it.enableExpr != "" {
			switch r.enabledByExpression(it, scope[0]) {
			case no:
				return no
			case unknown:
				result = unknown
			}
			continue
		}
		if len(it.enableWhen) == 0 {
			continue
		}
		if slices.Contains(visiting, it) {
			return unknown
		}
		switch r.conditions(it, scope, append(visiting, it)) {
		case no:
			return no
		case unknown:
			result = unknown
		}
	}
	return result
}

// conditions combines the enableWhen conditions of one item.
func (r *responseCheck) conditions(qi *qItem, scope []map[string]any, visiting []*qItem) tri {
	behavior := qi.behavior
	if len(qi.enableWhen) == 1 {
		behavior = "all"
	}
	if behavior != "all" && behavior != "any" {
		return unknown // several conditions and no enableBehavior (que-12)
	}
	sawUnknown := false
	for _, c := range qi.enableWhen {
		t := r.condition(c, scope, visiting)
		switch {
		case t == yes && behavior == "any":
			return yes
		case t == no && behavior == "all":
			return no
		case t == unknown:
			sawUnknown = true
		}
	}
	if sawUnknown {
		return unknown
	}
	return truth(behavior == "all")
}

// condition evaluates one enableWhen against the answers of its question.
// When the question is answered in several places, the nearest enclosing
// scope that holds exactly one occurrence decides.
func (r *responseCheck) condition(c enableWhen, scope []map[string]any, visiting []*qItem) tri {
	target := r.q.byLinkID[c.question]
	if target == nil || c.answer.typ == "" && c.op != "exists" {
		return unknown
	}
	var occurrence map[string]any
	found := 0
	for i := len(scope) - 1; i >= 0 && found == 0; i-- {
		var hits []map[string]any
		collectLinkID(scope[i], c.question, &hits, 2)
		found = len(hits)
		if found == 1 {
			occurrence = hits[0]
		}
	}
	if found > 1 {
		return unknown
	}
	var answers []any
	if occurrence != nil {
		answers, _ = occurrence["answer"].([]any)
		// An answer to a disabled question counts as no answer.
		switch r.enabled(target, scope, visiting) {
		case no:
			answers = nil
		case unknown:
			return unknown
		}
	}
	if c.op == "exists" {
		want, ok := c.answer.v.(bool)
		if !ok {
			return unknown
		}
		return truth((len(answers) > 0) == want)
	}
	if len(answers) == 0 {
		if c.op == "!=" {
			return unknown // the R4 text leaves this open
		}
		return no
	}
	result := no
	for _, a := range answers {
		am, _ := a.(map[string]any)
		v, ok := typedValue(am, "value")
		if !ok {
			continue
		}
		if allowed := answerTypes(target.typ); allowed != nil && !slices.Contains(allowed, v.typ) {
			result = unknown // an answer of the wrong type, reported on its own
			continue
		}
		switch compareAnswer(v, c.op, c.answer) {
		case yes:
			return yes
		case unknown:
			result = unknown
		}
	}
	return result
}

// compareAnswer applies an enableWhen operator to an answer.
func compareAnswer(v qValue, op string, want qValue) tri {
	switch op {
	case "=":
		return sameValue(v, want)
	case "!=":
		switch sameValue(v, want) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	case ">", "<", ">=", "<=":
	default:
		return unknown
	}
	var cmp int
	switch {
	case v.typ != want.typ && !(isNumber(v.typ) && isNumber(want.typ)):
		return unknown
	case isNumber(v.typ):
		a, aok := model.Number(v.v)
		b, bok := model.Number(want.v)
		if !aok || !bok {
			return unknown
		}
		cmp = compareFloat(a, b)
	case v.typ == "Quantity":
		am, _ := v.v.(map[string]any)
		bm, _ := want.v.(map[string]any)
		a, aok := model.Number(am["value"])
		b, bok := model.Number(bm["value"])
		if !aok || !bok || unitOf(am) != unitOf(bm) {
			return unknown
		}
		cmp = compareFloat(a, b)
	case v.typ == "Date" || v.typ == "Time" || v.typ == "String":
		a, aok := v.v.(string)
		b, bok := want.v.(string)
		if !aok || !bok || v.typ != "String" && len(a) != len(b) {
			return unknown
		}
		cmp = strings.Compare(a, b)
	default:
		return unknown // dateTime with zones, codings: no order to trust
	}
	switch op {
	case ">":
		return truth(cmp > 0)
	case "<":
		return truth(cmp < 0)
	case ">=":
		return truth(cmp >= 0)
	}
	return truth(cmp <= 0)
}

func isNumber(typ string) bool { return typ == "Integer" || typ == "Decimal" }

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// collectLinkID gathers the response items with a linkId under m (items and
// answers' items), stopping at limit.
func collectLinkID(m map[string]any, id string, into *[]map[string]any, limit int) {
	list, _ := m["item"].([]any)
	for _, it := range list {
		if len(*into) >= limit {
			return
		}
		im, _ := it.(map[string]any)
		if im == nil {
			continue
		}
		if im["linkId"] == id {
			*into = append(*into, im)
		}
		collectLinkID(im, id, into, limit)
		answers, _ := im["answer"].([]any)
		for _, a := range answers {
			if am, ok := a.(map[string]any); ok {
				collectLinkID(am, id, into, limit)
			}
		}
	}
}

// questionnaireInvariant returns a corrected implementation of a Questionnaire
// invariant whose R4 4.0.1 expression contradicts its own text (later FHIR
// versions fix both), or nil:
//   - que-7 "If the operator is 'exists', the value must be a boolean" reads
//     "answer is Boolean", the System type, which a FHIR boolean is not
//     (FHIRPath's testType12), so it fails on every correct answerBoolean;
//   - que-12 "If there are more than one enableWhen, enableBehavior must be
//     specified" counts more than two.
func questionnaireInvariant(key, expr string) func(any, *walker) bool {
	switch {
	case key == "que-7" && expr == "operator = 'exists' implies (answer is Boolean)":
		return que7
	case key == "que-12" && expr == "enableWhen.count() > 2 implies enableBehavior.exists()":
		return que12
	}
	return nil
}

// que7 holds when an enableWhen with operator exists has a boolean answer.
func que7(focus any, _ *walker) bool {
	m, _ := focus.(map[string]any)
	if m["operator"] != "exists" {
		return true
	}
	v, ok := typedValue(m, "answer")
	return !ok || v.typ == "Boolean" // (answer[x] is 1..1: its absence is a cardinality finding)
}

// que12 holds when an item with more than one enableWhen says whether all or
// any of them must hold.
func que12(focus any, _ *walker) bool {
	m, _ := focus.(map[string]any)
	ews, _ := m["enableWhen"].([]any)
	if len(ews) <= 1 {
		return true
	}
	_, hasValue := m["enableBehavior"]
	_, hasExt := m["_enableBehavior"]
	return hasValue || hasExt
}
