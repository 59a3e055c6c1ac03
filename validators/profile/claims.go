package profile

import (
	"fmt"
	"slices"
)

// claims says which profiles beyond the one it is walked against a resource
// is held to. A record is held to those its check asks (profileCheck); a
// nested resource (contained, a parameter's, an entry of a nested Bundle)
// to all of them, as the reference validator holds any resource it
// validates, wherever it is placed.
type claims struct {
	// global: the profiles the loaded guides declare global for its type.
	global bool
	// implied: the vital-sign profiles its code implies (R4 §8.1.1).
	implied bool
	// meta: the profiles its meta.profile claims.
	meta bool
	// ruled, when set, gives the profiles the run's Bundle rules name for it.
	ruled func() []*Compiled
}

// allClaims are what a nested resource is held to.
var allClaims = claims{global: true, implied: true, meta: true}

// warnFunc reports, at a path, that a profile could not be used.
type warnFunc func(path, msg string)

// heldTo appends to held the profiles a resource of type typ (res, at path
// in its record) must also meet, each once: those from says, then every
// profile these impose (structuredefinition-imposeProfile). A profile that
// cannot be loaded is reported by warn where it is named, never failed
// (carecert's limit); an implied one is not reported, as R4 itself defines
// them.
func (e *Engine) heldTo(held []*Compiled, typ string, res map[string]any, path string, from claims, warn warnFunc) []*Compiled {
	add := func(p *Compiled) {
		if !slices.Contains(held, p) {
			held = append(held, p)
		}
	}
	if from.global {
		for _, url := range e.defs.GlobalProfiles(typ) {
			p, err := e.Compiled(url)
			if err != nil {
				warn(path, fmt.Sprintf("global profile %s cannot be used: %v", url, err))
				continue
			}
			add(p)
		}
	}
	if from.implied {
		for _, url := range e.impliedProfiles(typ, res) {
			if p, err := e.Compiled(url); err == nil {
				add(p)
			}
		}
	}
	if from.meta {
		for i, url := range metaProfiles(res) {
			p, err := e.Compiled(url)
			if err != nil {
				warn(fmt.Sprintf("%s.meta.profile[%d]", path, i), notLoaded(url, err))
				continue
			}
			add(p)
		}
	}
	if from.ruled != nil {
		for _, p := range from.ruled() {
			add(p)
		}
	}
	return e.withImposed(held, path, warn)
}
