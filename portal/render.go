package portal

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/html"
)

// pageNames are the templates in templates/, each a page in layout.tmpl.
var pageNames = []string{"login", "error", "runs", "run", "findings", "finding", "vendors", "vendor", "compare", "requirements", "requirement"}

func parsePages() (map[string]*template.Template, error) {
	funcs := html.Funcs()
	funcs["when"] = func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
	funcs["runURL"] = func(id int64) string { return fmt.Sprintf("/runs/%d", id) }
	funcs["vendorURL"] = func(v string) string { return "/vendors/" + url.PathEscape(v) }
	funcs["requirementURL"] = requirementURL
	funcs["evidenceURL"] = evidenceURL
	funcs["outcomeClass"] = func(o model.Outcome) string { return "o-" + string(o) }
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.tmpl").Funcs(funcs).ParseFS(templateFiles, "templates/layout.tmpl", "templates/"+name+".tmpl")
		if err != nil {
			return nil, fmt.Errorf("portal template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// requirementURL is the page of one requirement across vendors; key is
// "suite/REQ".
func requirementURL(key string) string {
	suite, req, _ := strings.Cut(key, "/")
	return "/requirements/" + url.PathEscape(suite) + "/" + url.PathEscape(req)
}

// evidenceURL is a run's findings for one requirement ("suite/REQ").
func evidenceURL(runID int64, key string) string {
	return fmt.Sprintf("/runs/%d/findings?requirement=%s", runID, url.QueryEscape(key))
}

// layout is what every page's frame reads.
type layout struct {
	User  *User
	CSRF  string
	Title string
	V     any
}

// titled is a view that names its page.
type titled interface{ PageTitle() string }

func (p *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v any) {
	l := layout{V: v, Title: "carecert"}
	if c := callerOf(r); c != nil {
		l.User = c.user
		if c.sess != nil {
			l.CSRF = c.sess.csrf
		}
	}
	if t, ok := v.(titled); ok {
		l.Title = t.PageTitle() + " · carecert"
	}
	var buf bytes.Buffer
	if err := p.pages[name].Execute(&buf, l); err != nil {
		p.opt.Log.Printf("portal: page %s: %v", name, err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
