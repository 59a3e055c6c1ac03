package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// resourceIDExtensions reports extensions on a resource's id (JSON "_id", an
// <extension> inside XML's <id>). Resource.id is the resource's logical id on
// its server, a string the server assigns, not an element of the content:
// R4 types it as a plain FHIRPath string, and the reference validator
// refuses extensions on it. An extension about the resource belongs in its
// own extension element.
func (w *walker) resourceIDExtensions(m map[string]any, path string) {
	c, _ := m["_id"].(map[string]any)
	if exts, _ := c["extension"].([]any); len(exts) > 0 {
		w.add(model.Error, CodeExtension, path+".id", "the resource id takes no extensions: it is the logical id a server assigns, not content; put an extension about the resource in the resource's own extension element", "")
	}
}

// ResourceIDRule is whether a resource validated on its own must have an
// id, may, or must not, named as the reference validator's resourceIdRule
// (a setting of its validation service): a server validating a create
// refuses an id the client chose, one validating an update requires it. It
// applies to each record's resource, never to a resource inside another (a
// Bundle's entry is a record of its own, which the reference leaves free;
// a contained resource always needs an id, contained resources have ids).
type ResourceIDRule int

// Values of ResourceIDRule.
const (
	IDOptional ResourceIDRule = iota
	IDRequired
	IDProhibited
)

// ParseResourceIDRule reads optional, required or prohibited (in any case,
// as the reference's service writes them in capitals).
func ParseResourceIDRule(s string) (ResourceIDRule, error) {
	switch strings.ToLower(s) {
	case "optional", "":
		return IDOptional, nil
	case "required":
		return IDRequired, nil
	case "prohibited":
		return IDProhibited, nil
	}
	return 0, fmt.Errorf("resource-id-rule %q: want optional, required or prohibited", s)
}

func (r ResourceIDRule) String() string {
	return [...]string{"optional", "required", "prohibited"}[r]
}

// resourceID holds a record's resource to the run's resource-id-rule.
// An entry read from inside another record (a Bundle's) is not held to it.
// A record the stream path proved (proven) is judged on the id its scan
// read (Record.ID), undecoded: the scan proves an id it meets a string that
// is not empty, so the record has one exactly when ID is set.
func (e *Engine) resourceID(rec *model.Record, proven bool) []model.Finding {
	if e.resourceIDRule == IDOptional || rec.Container != nil {
		return nil
	}
	has := rec.ID != ""
	if !proven {
		_, has = rec.Resource()["id"]
	}
	switch {
	case e.resourceIDRule == IDRequired && !has:
		return []model.Finding{rec.Finding(model.Error, CodeCardinality, rec.Type, "the resource has no id, and this run requires one of each resource (resource-id-rule required)")}
	case e.resourceIDRule == IDProhibited && has:
		return []model.Finding{rec.Finding(model.Error, CodeCardinality, rec.Type+".id", "the resource has an id, and this run allows none (resource-id-rule prohibited): a server assigns the id of a resource it creates")}
	}
	return nil
}
