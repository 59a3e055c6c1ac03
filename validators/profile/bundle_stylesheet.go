package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// documentStylesheets checks a document's stylesheet links (R4 §3.3
// "Documents": a document may name the stylesheet its narrative is shown
// with): one given by a relative URL is a resource carried in the document,
// named Type/id, as the reference validator's BundleValidator requires; an
// absolute one is warned of (externalStylesheet).
func (w *walker) documentStylesheets(x *localIndex, links []any, path string) {
	for i, l := range objects(links) {
		url, _ := l["url"].(string)
		if l["relation"] != "stylesheet" || url == "" || x.namedTypeID(url) != nil {
			continue
		}
		up := path + ".link[" + strconv.Itoa(i) + "].url"
		if absoluteURI(url) {
			w.externalStylesheet(url, up)
			continue
		}
		w.add(model.Error, CodeBundle, up, fmt.Sprintf("the stylesheet %s is not in this document: a relative stylesheet link names a resource the document carries", url), url)
	}
}

// externalStylesheet warns of a document stylesheet from outside the
// document (FHIR's own excepted): a reader must fetch it to show the
// document as its author meant, which a document is supposed to make
// unnecessary; fetched over plain http it can be altered on the way; and a
// URL no browser can fetch (urn:, a custom scheme) shows nothing. The
// reference validator warns of each.
func (w *walker) externalStylesheet(url, path string) {
	if url == "https://hl7.org/fhir/fhir.css" {
		return
	}
	w.add(model.Warning, CodeBundle, path, fmt.Sprintf("the stylesheet %s is outside the document: readers must fetch it to show the document as written", url), url)
	if strings.HasPrefix(url, "http://") {
		w.add(model.Warning, CodeBundle, path, fmt.Sprintf("the stylesheet %s is fetched over plain http, where it can be altered on the way: use https", url), url)
	}
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		w.add(model.Warning, CodeBundle, path, fmt.Sprintf("the stylesheet %s is not a web address a reader can fetch", url), url)
	}
}
