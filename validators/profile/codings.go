package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/model"
)

// coding checks what a Coding's system must be beyond the uri format: an
// absolute URI that names a code system. A relative system ("Location1") has
// no meaning outside the sender, and the canonical URL of a value set is a
// common mistake for the code system it draws on.
func (w *walker) coding(m map[string]any, at pathAt) {
	system, ok := m["system"].(string)
	if !ok || system == "" {
		return
	}
	w.codingSystem(system, at)
}

// codingSystem is coding for a Coding's system, given as text (a
// stream-path scan has it without the Coding's map form).
func (w *walker) codingSystem(system string, at pathAt) {
	if !absoluteURI(system) {
		w.add(model.Error, CodeCoding, w.pathText(at)+".system", fmt.Sprintf("Coding.system %q must be an absolute URI naming a code system (such as http://snomed.info/sct), not a local name", system), "")
		return
	}
	if kind := w.e.canonicalKind(system); kind == "ValueSet" {
		w.add(model.Error, CodeCoding, w.pathText(at)+".system", fmt.Sprintf("Coding.system %s is the URL of a value set, not of a code system: use the system of the code itself", system), "")
		return
	}
	w.systemNearMiss(system, at)
}

// wellKnownSystems are the code systems whose URLs feeds most often get
// nearly right; a system that starts with one of them but goes on is not it.
var wellKnownSystems = []string{"http://snomed.info/sct", "http://loinc.org", "http://unitsofmeasure.org", "http://www.nlm.nih.gov/research/umls/rxnorm"}

// systemNearMiss reports a Coding.system that is a known code system's URL
// written wrongly, as the reference validator does (nearMiss). A
// well-known system itself is none of those (held by a spec), and is most
// Codings' system: it is not asked.
func (w *walker) systemNearMiss(system string, at pathAt) {
	if slices.Contains(wellKnownSystems, system) {
		return
	}
	if level, msg := w.e.nearMiss(system); msg != "" {
		w.add(level, CodeCoding, w.pathText(at)+".system", msg, "")
	}
}

// nearMiss says what is wrong with a Coding.system that is a known code
// system's URL written wrongly: an https: variant of an http: system (code
// system URLs are identifiers, not locations), a page of the FHIR build or
// specification rather than the system's URL, or a well-known system with
// more after it (errors); and one or two characters away from a
// well-known system, which the reference validator leaves to a terminology
// server to find unknown (a warning). "" when nothing is.
func (e *Engine) nearMiss(system string) (model.Severity, string) {
	for _, known := range wellKnownSystems {
		if system != known && strings.HasPrefix(system, known) {
			return model.Error, fmt.Sprintf("Coding.system %s is not a code system: the system is %s, with nothing after it", system, known)
		}
	}
	switch {
	case strings.HasPrefix(system, "http://build.fhir.org") || strings.HasPrefix(system, "https://build.fhir.org"):
		return model.Error, fmt.Sprintf("Coding.system %s points at the FHIR build, not at a code system's canonical URL", system)
	case strings.HasSuffix(system, ".html") && (strings.Contains(system, "://hl7.org/fhir") || strings.Contains(system, "://www.hl7.org/fhir")):
		return model.Error, fmt.Sprintf("Coding.system %s is a page of the FHIR specification, not a code system's canonical URL", system)
	}
	if rest, ok := strings.CutPrefix(system, "https://"); ok && rest != "" {
		// the http: system it may stand for, written out only when asked
		// about: a well-known system, or an HL7 one the engine holds
		known := slices.ContainsFunc(wellKnownSystems, func(k string) bool {
			plain, ok := strings.CutPrefix(k, "http://")
			return ok && plain == rest
		})
		hl7 := strings.HasPrefix(rest, "hl7.org/fhir/") || strings.HasPrefix(rest, "terminology.hl7.org/")
		if known || hl7 && e.codeSystemKnown("http://"+rest) {
			return model.Error, fmt.Sprintf("Coding.system %s starts https:, but the code system is %s: a system URL is an identifier and must be written exactly", system, "http://"+rest)
		}
	}
	for _, known := range wellKnownSystems {
		if system != known && editDistanceAtMost(system, known, 2) {
			return model.Warning, fmt.Sprintf("Coding.system %s is unknown, and nearly %s: check it is not a misspelling", system, known)
		}
	}
	return model.Information, ""
}

// codeSystemKnown reports whether a code system with this canonical URL is
// loaded. It is asked only of https: variants of HL7 systems, which are rare,
// so looking up the terminology index is affordable.
func (e *Engine) codeSystemKnown(url string) bool {
	return e.definitionKind(url) == "CodeSystem"
}

// editDistanceAtMost reports whether a and b differ by at most max single
// character insertions, deletions or substitutions.
func editDistanceAtMost(a, b string, max int) bool {
	if d := len(a) - len(b); d > max || -d > max {
		return false
	}
	// rows on the stack for the well-known systems' lengths: the distance
	// is asked of most Codings' systems
	var prevRow, curRow [64]int
	prev, cur := prevRow[:0], curRow[:0]
	if len(b) >= len(prevRow) {
		prev, cur = make([]int, 0, len(b)+1), make([]int, 0, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)] <= max
}

// canonicalKind returns the resource type of the loaded definition a canonical
// URL names ("ValueSet"), or "" when none is loaded (definitionKind, which
// keeps answers: feeds repeat a handful of systems millions of times). Only
// URLs shaped like a value set's are looked up (and kept): looking up every
// system would load the core terminology index (about 70 MB) for feeds that
// never need it.
func (e *Engine) canonicalKind(url string) string {
	if !strings.Contains(url, "/ValueSet/") && !strings.Contains(url, "/vs/") {
		return ""
	}
	return e.definitionKind(url)
}
