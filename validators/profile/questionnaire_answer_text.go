package profile

import (
	"fmt"
	"strings"
	"time"

	"github.com/carecert/carecert/model"
)

// period is a Period's start and end as written ("" where absent).
type period struct{ start, end string }

func periodOf(v any) period {
	m, _ := v.(map[string]any)
	var p period
	p.start, _ = m["start"].(string)
	p.end, _ = m["end"].(string)
	return p
}

// authored warns about a response authored outside its Questionnaire's
// effectivePeriod (R4 Questionnaire.effectivePeriod: "the period during
// which the questionnaire content was or is planned to be in active use"),
// as the reference validator does. A date that cannot be read, and an
// authored time the period's precision cannot place, are not judged.
func (r *responseCheck) authored(m map[string]any, path string) {
	authored, _ := m["authored"].(string)
	if authored == "" {
		return
	}
	first, ok1 := parseInstantPrefix(authored)
	last, ok2 := lastMoment(authored)
	if !ok1 || !ok2 {
		return
	}
	if end, ok := lastMoment(r.q.effective.end); ok && first.After(end) {
		r.w.add(model.Warning, CodeQuestionnaire, path+".authored", fmt.Sprintf("the response was authored %s, after the end of Questionnaire %s's effective period (%s)", authored, r.q.name, r.q.effective.end), "")
	}
	if start, ok := parseInstantPrefix(r.q.effective.start); ok && r.q.effective.start != "" && last.Before(start) {
		r.w.add(model.Warning, CodeQuestionnaire, path+".authored", fmt.Sprintf("the response was authored %s, before the start of Questionnaire %s's effective period (%s)", authored, r.q.name, r.q.effective.start), "")
	}
}

// lastMoment is the last moment a FHIR date, dateTime or instant can mean
// ("2030" ends at 2030-12-31T23:59:59.999999999Z).
func lastMoment(s string) (time.Time, bool) {
	t, ok := parseInstantPrefix(s)
	if !ok || s == "" {
		return time.Time{}, false
	}
	switch len(s) {
	case 4:
		return t.AddDate(1, 0, 0).Add(-time.Nanosecond), true
	case 7:
		return t.AddDate(0, 1, 0).Add(-time.Nanosecond), true
	case 10:
		return t.AddDate(0, 0, 1).Add(-time.Nanosecond), true
	}
	return t, true
}

// stringAnswer warns about free text that a string question cannot hold or
// that was probably meant as a coded answer, as the reference validator
// does: a string item's answer is one line (R4 Questionnaire.item.type:
// string is "a short (few words to short sentence) free-text entry", text
// the multi-line one), and an open-choice answer given as text that is the
// code or display of one of its Coding options (ignoring case) should have
// been that Coding.
func (r *responseCheck) stringAnswer(v qValue, qi *qItem, path string) {
	s, ok := v.v.(string)
	if !ok {
		return
	}
	if qi.typ == "string" && strings.ContainsAny(s, "\r\n") {
		r.w.add(model.Warning, CodeQuestionnaire, path, fmt.Sprintf("item '%s' is a string question in Questionnaire %s, a one-line answer, but the answer holds a line break (a text item takes several lines)", qi.linkID, r.q.name), "")
	}
	if qi.typ != "open-choice" {
		return
	}
	for _, o := range qi.options {
		c, _ := o.v.(map[string]any)
		if o.typ != "Coding" || c == nil {
			continue
		}
		code, _ := c["code"].(string)
		display, _ := c["display"].(string)
		if code != "" && strings.EqualFold(code, s) || display != "" && strings.EqualFold(display, s) {
			r.w.add(model.Warning, CodeQuestionnaire, path, fmt.Sprintf("the free-text answer %q to item '%s' is one of its coded options in Questionnaire %s (%s): give it as that Coding", clipText(s, 60), qi.linkID, r.q.name, describeValue(o)), "")
			return
		}
	}
}
