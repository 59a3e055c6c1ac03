package restapi

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/model"
)

// newGroup judges a Group-level export against the Group it names, as
// Inferno's Bulk Data kit does: every exported Patient is a member, and so
// is the patient every other exported resource is about (subject,
// patient); and, when the export asked for Patients without _since, every
// member is exported. The members come from the Group's read, which the
// fhir-bulk target makes before the kick-off and puts on each output
// file's record.
func newGroup(check.Spec, check.NoParams, *check.Env) (check.Check, error) {
	return groupCheck{}, nil
}

type groupCheck struct{}

func (groupCheck) Applies(rec *model.Record) bool {
	if ex := exchangeOf(rec); ex != nil {
		return ex.Interaction == fhirclient.BulkGroup
	}
	ex := exportOf(rec)
	return ex != nil && ex.Bulk != nil && ex.Bulk.Members != nil
}

func (groupCheck) NewState() check.State { return &groupState{Exported: map[string]bool{}} }

// groupState keeps the members once and which of them were exported, so it
// stays the Group's size whatever the export's; outsiders are findings of
// their own records.
type groupState struct {
	Members  []string        `json:"members,omitempty"`
	Exported map[string]bool `json:"exported,omitempty"`
	// Recall says the export asked for Patients without _since, so that
	// every member must be in it.
	Recall bool  `json:"recall,omitempty"`
	Judged int64 `json:"judged"`
	// Read is where the Group was read (its URL and request), for the
	// findings about the export as a whole; Unread says why it gave no
	// members.
	Read   *model.Location `json:"read,omitempty"`
	Unread string          `json:"unread,omitempty"`

	// ids are the Patient ids among the members of idsOf, the output
	// file being read: built once per file, so that each exported line
	// costs a lookup rather than a scan of the whole Group.
	idsOf *fhirclient.Bulk
	ids   map[string]bool
}

func (s *groupState) Observe(rec *model.Record) []model.Finding {
	if ex := exchangeOf(rec); ex != nil {
		loc := model.Location{File: ex.URL, Record: ex.Method + " " + ex.Label}
		s.Read = &loc
		if ex.Failed() || ex.Status != http.StatusOK || ex.ResourceType() != "Group" {
			s.Unread = fmt.Sprintf("the Group the export names could not be read (%s gave %s), so its members are not known", ex.Label, brief(ex))
			return notJudged(ex, s.Unread)
		}
		return nil
	}
	b := exportOf(rec).Bulk
	if s.Members == nil {
		s.Members = slices.Clone(b.Members)
		s.Recall = b.Since == "" && (len(b.Asked) == 0 || slices.Contains(b.Asked, "Patient"))
	}
	s.Judged++
	ids := s.memberIDs(b)
	member := func(ref string) bool {
		_, id, ok := fhirsearch.ReferenceTarget(ref)
		return ok && ids[id]
	}
	res := rec.Resource()
	if rec.Type == "Patient" {
		if member("Patient/" + rec.ID) {
			s.Exported[rec.ID] = true
			return nil
		}
		return []model.Finding{rec.Finding(model.Error, "bulk.group-outsider", "Patient",
			fmt.Sprintf("%s is not a member of the Group the export named: a Group export holds its members' data only", rec.Name()))}
	}
	for _, field := range []string{"subject", "patient"} {
		m, _ := res[field].(map[string]any)
		ref, _ := m["reference"].(string)
		if strings.HasPrefix(ref, "Patient/") && !member(ref) {
			return []model.Finding{rec.Finding(model.Error, "bulk.group-outsider", rec.Type+"."+field,
				fmt.Sprintf("%s is about %s, who is not a member of the Group the export named", rec.Name(), ref))}
		}
	}
	return nil
}

// memberIDs is the set of the Patient ids among b's members.
func (s *groupState) memberIDs(b *fhirclient.Bulk) map[string]bool {
	if s.idsOf != b {
		s.idsOf, s.ids = b, map[string]bool{}
		for _, m := range b.Members {
			if typ, id, _ := fhirsearch.ReferenceTarget(m); typ == "Patient" {
				s.ids[id] = true
			}
		}
	}
	return s.ids
}

func (s *groupState) Merge(other check.State) error {
	o, ok := other.(*groupState)
	if !ok {
		return fmt.Errorf("group: cannot merge %T", other)
	}
	if s.Members == nil {
		s.Members, s.Recall = o.Members, o.Recall
	}
	for id := range o.Exported {
		s.Exported[id] = true
	}
	s.Judged += o.Judged
	if s.Read == nil {
		s.Read, s.Unread = o.Read, o.Unread
	}
	return nil
}

func (s *groupState) Finish(t *model.Tally) {
	unjudged := int64(0)
	if s.Unread != "" {
		unjudged = 1
	}
	countJudged(t, s.Judged, unjudged, 0)
	if !s.Recall || s.Judged == 0 {
		return
	}
	var missing []string
	for _, m := range s.Members {
		if _, id, ok := fhirsearch.ReferenceTarget(m); ok && !s.Exported[id] {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	shown := missing[:min(len(missing), 5)]
	loc := model.Location{}
	if s.Read != nil {
		loc = *s.Read
	}
	t.Add(model.Finding{Severity: model.Error, Code: "bulk.group-missing", Location: loc,
		Message: fmt.Sprintf("%d member(s) of the Group are not in its export, which asked for Patients without _since (%s)", len(missing), strings.Join(shown, ", "))})
}

func (groupCheck) Grade(t *model.Tally) (model.Outcome, string) { return gradeJudged(t) }

// bulkCapabilityStatement is the Bulk Data IG's CapabilityStatement, which a
// server's statement may instantiate.
const bulkCapabilityStatement = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"

// bulkDeclared judges the statement of a server that started an export
// (Step is the operation: export, patient-export or group-export): it
// should instantiate the IG's statement or declare the operation, at the
// rest level or on the type the level names (the IG's own statement names
// each "export", told apart by its definition).
func bulkDeclared(ex *fhirclient.Exchange) []model.Finding {
	if f := status(ex, "bulk.capabilities", "GET /metadata", http.StatusOK); f != nil {
		return f
	}
	if ex.ResourceType() != "CapabilityStatement" {
		return fail(ex, "bulk.capabilities", "GET /metadata returned %s, want a CapabilityStatement declaring the export", describe(ex))
	}
	for _, i := range fhir.Strings(ex.Resource["instantiates"]) {
		if base, _, _ := strings.Cut(i, "|"); base == bulkCapabilityStatement {
			return nil
		}
	}
	op := ex.Step
	onType := map[string]string{"patient-export": "Patient", "group-export": "Group"}[op]
	declares := func(list any, export bool) bool {
		ops, _ := list.([]any)
		for _, o := range ops {
			m, _ := o.(map[string]any)
			name := strings.TrimPrefix(str(m, "name"), "$")
			def, _, _ := strings.Cut(str(m, "definition"), "|")
			if name == op || export && name == "export" || strings.HasSuffix(def, "/OperationDefinition/"+op) {
				return true
			}
		}
		return false
	}
	rests, _ := ex.Resource["rest"].([]any)
	for _, r := range rests {
		rm, _ := r.(map[string]any)
		if declares(rm["operation"], false) {
			return nil
		}
		resources, _ := rm["resource"].([]any)
		for _, res := range resources {
			m, _ := res.(map[string]any)
			if onType != "" && str(m, "type") == onType && declares(m["operation"], true) {
				return nil
			}
		}
	}
	return fail(ex, "bulk.undeclared", "the server answered a Bulk export, but its CapabilityStatement neither instantiates %s nor declares the %s operation", bulkCapabilityStatement, op)
}
