package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// includeSystemForm checks how one compose clause (part is "include" or
// "exclude", p its path) names its code system, as the reference validator's
// ValueSetValidator does: by URL, not by the OID a code system carecert
// holds is identified by (the OID names the same system, but
// ValueSet.compose.include.system is its canonical URL); and without the
// canonical's |version suffix, since a version belongs in include.version (a
// suffix is an error even where include.version says the same; an empty one
// a warning).
func (w *walker) includeSystemForm(clause map[string]any, part, p string) {
	p += ".system"
	system, _ := clause["system"].(string)
	version, hasVersion := clause["version"].(string)
	if url, v, ok := strings.Cut(system, "|"); ok {
		switch {
		case v == "":
			w.add(model.Warning, CodeValueSet, p, fmt.Sprintf("%s ends in an empty |version: name the code system by its URL %s alone", system, url), system)
		case !hasVersion:
			w.add(model.Error, CodeValueSet, p, fmt.Sprintf("%s carries a version: the system is %s, and the version %s goes in %s.version", system, url, v, part), system)
		case v != version:
			w.add(model.Error, CodeValueSet, p, fmt.Sprintf("%s carries the version %s, but %s.version says %s: give the version once, in %s.version", system, v, part, version, part), system)
		default:
			w.add(model.Error, CodeValueSet, p, fmt.Sprintf("%s carries the version %s, which %s.version already gives: name the system by its URL %s alone", system, v, part, url), system)
		}
		return
	}
	if !strings.HasPrefix(system, "urn:oid:") {
		return
	}
	if urls := w.e.defs.CodeSystemsByOID(system); len(urls) > 0 {
		w.add(model.Error, CodeValueSet, p, fmt.Sprintf("%s identifies the code system %s: name it by that URL, not its OID", system, strings.Join(urls, " or ")), system)
	}
}
