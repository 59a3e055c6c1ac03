// Package portal is carecert's assurance portal (carecert serve): a web
// application over the run history where suppliers, buyers and assessors read
// runs, a vendor's releases, comparisons of vendors, one requirement across
// vendors, and a run's report with its manifest and signature. Pages are
// rendered on the server from embedded templates; a little embedded script
// improves them but nothing needs it, and nothing is loaded from elsewhere.
// Every page has its JSON twin under /api/. Nobody sees anything without
// signing in (users file, passwords and tokens kept as bcrypt hashes), a
// supplier sees its own vendor only, and every state-changing request from a
// browser carries the session's CSRF token and this site's origin.
package portal

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/reports/html"
	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/submission"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options tune the portal.
type Options struct {
	// SecureCookies marks cookies Secure: set it when the portal is reached
	// over HTTPS (behind a TLS-terminating proxy).
	SecureCookies bool
	// FullEvidence shows findings' evidence as the reports hold it; by
	// default identifying values are redacted again, whatever the report keeps.
	FullEvidence bool
	// Keys are the vendors' registered public keys: a run signed by its
	// vendor's key is trusted, by any other key proves integrity only. They
	// are also the keys uploads are checked against.
	Keys *submission.Keys
	// Upload is what an upload may be: its size limit and whether reports
	// with full evidence are accepted (the vendor is the caller's).
	Upload submission.Options
	// Policies are the policies runs may have been graded under, besides
	// the default: an attestation re-grades its run under the run's own.
	Policies []policy.Policy
	// Now is the clock (default time.Now); specs move it to expire sessions.
	Now func() time.Time
	// Log receives server errors (default: the standard logger).
	Log *log.Logger
}

// Server is the portal.
type Server struct {
	store    *history.Store
	users    *Users
	opt      Options
	sessions *sessions
	pages    map[string]*template.Template
	reports  *reportCache
	mux      *http.ServeMux
}

// New returns the portal over a history, for the users of a users file.
func New(store *history.Store, users *Users, opt Options) (*Server, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = log.Default()
	}
	p := &Server{
		store: store, users: users, opt: opt,
		sessions: &sessions{limits: users.Sessions, now: opt.Now, byID: map[string]*session{}},
		reports:  newReportCache(8),
	}
	var err error
	if p.pages, err = parsePages(); err != nil {
		return nil, err
	}
	p.routes()
	return p, nil
}

// ServeHTTP serves the portal with its security headers on every answer.
func (p *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	p.mux.ServeHTTP(w, r)
}

func (p *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /static/page.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		fmt.Fprint(w, html.Style())
	})
	m.HandleFunc("GET /login", p.loginPage)
	m.HandleFunc("POST /login", p.login)
	m.HandleFunc("POST /logout", p.requireUser(p.logout))
	m.HandleFunc("GET /{$}", p.requireUser(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/runs", http.StatusSeeOther)
	}))
	// Each page and its JSON twin come from one view builder.
	for _, v := range []struct {
		path, page string
		build      func(*http.Request) (any, error)
	}{
		{"/runs", "runs", p.runsView},
		{"/runs/{id}", "run", p.runView},
		{"/runs/{id}/findings", "findings", p.findingsView},
		{"/runs/{id}/findings/{n}", "finding", p.findingView},
		{"/vendors", "vendors", p.vendorsView},
		{"/vendors/{vendor}", "vendor", p.vendorView},
		{"/compare", "compare", p.compareView},
		{"/requirements", "requirements", p.requirementsView},
		{"/requirements/{suite}/{requirement}", "requirement", p.requirementView},
	} {
		m.HandleFunc("GET "+v.path, p.requireUser(p.page(v.page, v.build)))
		m.HandleFunc("GET /api"+v.path, p.requireUser(p.page(v.page, v.build)))
	}
	m.HandleFunc("POST "+submission.Route, p.requireUser(p.upload))
	m.HandleFunc("POST /runs/{id}/attest", limitBody(maxEvidence+1<<20, p.requireUser(p.attest)))
	m.HandleFunc("POST /api/runs/{id}/attest", limitBody(maxEvidence+1<<20, p.requireUser(p.attest)))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.fail(w, r, http.StatusNotFound, "no such page")
	})
	p.mux = m
}

// httpError is an error with the status to answer it with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func notFound(format string, args ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// page serves a view as HTML, or as JSON under /api/.
func (p *Server) page(name string, build func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := build(r)
		if err != nil {
			var he *httpError
			if errors.As(err, &he) {
				p.fail(w, r, he.status, he.msg)
				return
			}
			p.opt.Log.Printf("portal: %s %s: %v", r.Method, r.URL.Path, err)
			p.fail(w, r, http.StatusInternalServerError, "the portal could not answer: "+err.Error())
			return
		}
		if isAPI(r) {
			writeJSON(w, http.StatusOK, v)
			return
		}
		p.render(w, r, http.StatusOK, name, v)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) // the status is sent: a failed write has nobody to tell
}

// fail answers an error: JSON under /api/, else a page.
func (p *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isAPI(r) || strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html") {
		writeJSON(w, status, map[string]any{"error": msg, "status": status})
		return
	}
	p.render(w, r, status, "error", map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": msg})
}
