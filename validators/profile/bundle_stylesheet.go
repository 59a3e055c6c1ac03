package profile

import (
	"fmt"
	"strconv"

	"github.com/carecert/carecert/model"
)

// documentStylesheets checks a document's stylesheet links (R4 §3.3
// "Documents": a document may name the stylesheet its narrative is shown
// with): one given by a relative URL is a resource carried in the document,
// named Type/id, as the reference validator's BundleValidator requires; an
// absolute one is outside carecert's reach and left alone.
func (w *walker) documentStylesheets(entries, links []any, path string) {
	carried := map[string]bool{}
	for _, e := range objects(entries) {
		if r, ok := e["resource"].(map[string]any); ok {
			carried[fmt.Sprint(r["resourceType"], "/", r["id"])] = true
		}
	}
	for i, l := range objects(links) {
		url, _ := l["url"].(string)
		if l["relation"] != "stylesheet" || url == "" || absoluteURI(url) || carried[url] {
			continue
		}
		w.add(model.Error, CodeBundle, path+".link["+strconv.Itoa(i)+"].url", fmt.Sprintf("the stylesheet %s is not in this document: a relative stylesheet link names a resource the document carries", url), url)
	}
}
