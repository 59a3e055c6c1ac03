package profile

import (
	"context"
	"fmt"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

// codeChecker is a CodeValidator that also judges a code against its code
// system — its form, existence and display (the run's terminology engine,
// where the display rule has its one home).
type codeChecker interface {
	CheckCode(ctx context.Context, system, code, display string) ([]terminology.Issue, string, error)
}

// answerDisplay judges the display of a Coding answer that is in its item's
// answerValueSet. The reference validator asks its terminology service to
// validate the answer against the value set as a whole Coding, so a display
// that is not the code's makes the answer fail the value set (an error of
// the response, beside the display's own finding from the terminology
// checks). Judged only where the terminology engine holds the code system;
// a code system it does not hold leaves the display unjudged, as it leaves
// the code. The terminology checks' display-issues-are-warnings does not
// reach this rule: the profile engine has no such option.
func (r *responseCheck) answerDisplay(coding map[string]any, qi *qItem, path string) {
	display, _ := coding["display"].(string)
	if display == "" {
		return
	}
	cc, ok := r.w.e.codes.(codeChecker)
	if !ok {
		return
	}
	system, _ := coding["system"].(string)
	code, _ := coding["code"].(string)
	issues, _, err := cc.CheckCode(context.Background(), system, code, display)
	if err != nil {
		return // the engine could not be read: carecert's limit, said by the terminology checks
	}
	for _, is := range issues {
		if is.Code == terminology.IssueDisplay && is.Severity == model.Error {
			r.w.add(model.Error, CodeQuestionnaire, path, fmt.Sprintf("answer %s to item '%s' is not a valid member of its answerValueSet %s in Questionnaire %s: %s", code, qi.linkID, qi.answerValueSet, r.q.name, is.Message), "")
			return
		}
	}
}
