package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// sessionCookie names the browser session; loginCookie carries the login
// form's CSRF token before there is a session.
const (
	sessionCookie = "carecert_session"
	loginCookie   = "carecert_login"
)

// session is a signed-in browser. Sessions live in the server's memory only:
// restarting the portal signs everyone out.
type session struct {
	user     *User
	csrf     string
	created  time.Time
	lastSeen time.Time
}

// sessions holds the live sessions.
type sessions struct {
	mu     sync.Mutex
	limits Sessions
	now    func() time.Time
	byID   map[string]*session
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("portal: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *sessions) start(u *User) (string, *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	// Forget expired sessions as new ones start, so the map stays bounded.
	for id, old := range s.byID {
		if s.expired(old, now) {
			delete(s.byID, id)
		}
	}
	id := randomToken()
	sess := &session{user: u, csrf: randomToken(), created: now, lastSeen: now}
	s.byID[id] = sess
	return id, sess
}

func (s *sessions) expired(sess *session, now time.Time) bool {
	return now.Sub(sess.lastSeen) > s.limits.Idle || now.Sub(sess.created) > s.limits.Absolute
}

// get returns the live session with this id, marking it used.
func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.byID[id]
	if sess == nil {
		return nil
	}
	now := s.now()
	if s.expired(sess, now) {
		delete(s.byID, id)
		return nil
	}
	sess.lastSeen = now
	return sess
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// caller is who made a request and how.
type caller struct {
	user *User
	// sess is nil for a bearer token.
	sess *session
	id   string
}

type callerKey struct{}

func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey{}).(*caller)
	return c
}

// authenticate finds the caller: a bearer token, else a session cookie.
func (p *Server) authenticate(r *http.Request) *caller {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil
		}
		if u, ok := p.users.Bearer(strings.TrimSpace(token)); ok {
			return &caller{user: u}
		}
		return nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	if sess := p.sessions.get(c.Value); sess != nil {
		return &caller{user: sess.user, sess: sess, id: c.Value}
	}
	return nil
}

// requireUser refuses a request without a signed-in caller: pages go to the
// login form, the API answers 401. A state-changing request from a browser
// session must carry the session's CSRF token and come from this origin.
func (p *Server) requireUser(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := p.authenticate(r)
		if c == nil {
			if isAPI(r) || r.Method != http.MethodGet {
				w.Header().Set("WWW-Authenticate", `Bearer realm="carecert"`)
				p.fail(w, r, http.StatusUnauthorized, "sign in first: a session or a bearer token is required")
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if c.sess != nil && !safeMethod(r.Method) {
			if why := p.forged(r, c.sess.csrf); why != "" {
				p.fail(w, r, http.StatusForbidden, why)
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	}
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// forged says why a state-changing browser request may be forged, or "".
// The token is read from the X-CSRF-Token header or the form's csrf field.
func (p *Server) forged(r *http.Request, want string) string {
	if why := crossOrigin(r); why != "" {
		return why
	}
	got := r.Header.Get("X-CSRF-Token")
	switch ct := r.Header.Get("Content-Type"); {
	case got != "":
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		got = r.PostFormValue("csrf")
	case strings.HasPrefix(ct, "multipart/form-data"):
		// The attest form sends a file; its body is bounded by the route.
		if err := r.ParseMultipartForm(1 << 20); err == nil {
			got = r.FormValue("csrf")
		}
	}
	if got == "" {
		return "missing CSRF token: reload the page and try again"
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return "wrong CSRF token: reload the page and try again"
	}
	return ""
}

// crossOrigin refuses a request another site's page sent: its Origin (or,
// without one, Sec-Fetch-Site) must say this site.
func crossOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return "request from another origin (" + o + ") refused"
		}
		return ""
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return "request from another site refused"
	}
	return ""
}

func (p *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.opt.SecureCookies})
}

// loginPage shows the sign-in form, with a CSRF token bound to a cookie.
func (p *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	p.showLogin(w, r, http.StatusOK, "")
}

func (p *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomToken()
	p.setCookie(w, loginCookie, token, 600)
	p.render(w, r, status, "login", map[string]any{"CSRF": token, "Next": safeNext(r.FormValue("next")), "Problem": problem})
}

// safeNext keeps a redirect after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/runs"
	}
	return next
}

func (p *Server) login(w http.ResponseWriter, r *http.Request) {
	if why := crossOrigin(r); why != "" {
		p.fail(w, r, http.StatusForbidden, why)
		return
	}
	c, err := r.Cookie(loginCookie)
	form := r.PostFormValue("csrf")
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
		p.fail(w, r, http.StatusForbidden, "missing or wrong CSRF token on the sign-in form: reload it and try again")
		return
	}
	u, ok := p.users.Login(r.PostFormValue("name"), r.PostFormValue("password"))
	if !ok {
		p.showLogin(w, r, http.StatusUnauthorized, "Unknown name or wrong password.")
		return
	}
	id, _ := p.sessions.start(u)
	p.setCookie(w, loginCookie, "", -1)
	p.setCookie(w, sessionCookie, id, 0)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (p *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c := callerOf(r); c != nil && c.sess != nil {
		p.sessions.end(c.id)
	}
	p.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
