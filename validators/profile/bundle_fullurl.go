package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// entryFullURL returns the fullUrl of the Bundle entry the walked resource
// is (or is contained in) and whether the walk knows that entry: a resource
// reached otherwise (a Bundle nested in an entry) has no entry of its own in
// the record's Bundle.
func (w *walker) entryFullURL() (string, bool) {
	if w.bundle == nil {
		return "", false
	}
	if e := w.bundle.entryOf(w.res, w.rec); e != nil {
		return e.fullURL, true
	}
	return "", false
}

// referenceWithoutFullURL judges a literal reference (anything but a
// local #id) made from inside a Bundle entry that has no fullUrl. R4
// §2.36.4.1 resolves the references of an entry's resource against the
// entry's fullUrl, so the reference validator holds an entry whose resource
// refers to anything to need one, in every Bundle but the answers to a
// transaction or batch (whose entries never need one): said once per entry
// (at its first reference), even where the fullUrl is otherwise optional (a
// transaction or batch); in other Bundles the missing fullUrl is also
// reported at the entry (bundle_entries.go). A relative reference (Type/id,
// a conditional Type?query) has then nothing to be resolved against, which
// is an error of its own; an absolute one still resolves by its URL.
func (w *walker) referenceWithoutFullURL(ref string, rp func() string) {
	if strings.HasPrefix(ref, "#") || w.bundle == nil {
		return
	}
	switch w.bundle.bundleType {
	case "batch-response", "transaction-response":
		return
	}
	if full, known := w.entryFullURL(); !known || full != "" {
		return
	}
	if !w.noFullURLSaid {
		w.noFullURLSaid = true
		msg := fmt.Sprintf("this resource's Bundle entry has no fullUrl, yet it refers to %s: the references of an entry's resource are resolved against its fullUrl, so an entry whose resource refers to anything needs one", ref)
		if t := w.bundle.bundleType; t == "transaction" || t == "batch" {
			msg += fmt.Sprintf(" (a %s entry may leave it out only when its resource refers to nothing)", t)
		}
		w.add(model.Error, CodeBundle, rp(), msg, "")
	}
	if !absoluteURI(ref) {
		w.add(model.Error, CodeReference, rp(), fmt.Sprintf("relative reference %s cannot be resolved: the Bundle entry it is made from has no fullUrl to resolve it against", ref), "")
	}
}
