package profile

import (
	"fmt"

	"github.com/carecert/carecert/model"
)

// CodeCodesUnchecked marks codes a terminology resource lists that carecert
// could not judge because it does not hold all the codes of their code
// system: the system is not loaded, or is loaded only as a fragment, an
// example or without its concepts. A code carecert cannot see may still
// exist, so this is carecert's limit, said as information — never a pass
// that looks judged, and never the supplier's error.
const CodeCodesUnchecked = "profile.codes-unchecked"

// codesUnjudged says that the codes at path, which name codes of system,
// were not judged. what names them ("the group's source codes").
func (w *walker) codesUnjudged(path, what, system string) {
	w.add(model.Information, CodeCodesUnchecked, path,
		fmt.Sprintf("%s: not judged, as carecert does not hold every code of %s (not loaded, or loaded only in part), so a code it lacks may still exist", what, system), system)
}
