package portal_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/portal"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/reports/reporttest"
)

// feeds makes every report of the specs with one compiled schema.
var feeds = reporttest.New()

// generated caches reports by feed: runs are deterministic.
var (
	generatedMu sync.Mutex
	generated   = map[string][]byte{}
)

// release is one run a fixture records.
type release struct {
	vendor, release, defects string
	day                      int
}

// fixtureReleases: Oakfield improves over three releases, Riverside is clean,
// Moorside fails the structure rules in its one release.
var fixtureReleases = []release{
	{"Oakfield Health Software", "11.0", "wrong-type=4,bad-date-format=2", 1},
	{"Riverside Clinical Systems", "3.1", "none", 2},
	{"Oakfield Health Software", "11.1", "wrong-type=3", 3},
	{"Moorside Digital", "1.0", "wrong-type=2,unknown-resource-type=2", 4},
	{"Oakfield Health Software", "11.2", "wrong-type=1", 5},
}

// waiverPolicy waives STRUCT-02 until a fixed day, so that vendor pages have
// a waiver to show.
var waiverPolicy = map[string]any{"waivers": []any{map[string]any{
	"requirement": "fhir-r4-structure/STRUCT-02", "justification": "type fix scheduled for 11.3", "expires": "2026-03-31",
}}}

func makeReport(rel release) *model.Report {
	key := rel.vendor + "\x00" + rel.release + "\x00" + rel.defects
	generatedMu.Lock()
	defer generatedMu.Unlock()
	if _, ok := generated[key]; !ok {
		var policy map[string]any
		if strings.HasPrefix(rel.vendor, "Oakfield") {
			policy = waiverPolicy
		}
		rep, err := feeds.Run(reporttest.Feed{Vendor: rel.vendor, Release: rel.release, Seed: 7, Records: 60, Defects: rel.defects, Policy: policy})
		Expect(err).NotTo(HaveOccurred())
		generated[key], err = json.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
	}
	var rep model.Report
	Expect(json.Unmarshal(generated[key], &rep)).To(Succeed())
	rep.StartedAt = time.Date(2026, 1, rel.day, 9, 0, 0, 0, time.UTC)
	rep.FinishedAt = rep.StartedAt.Add(time.Minute)
	return &rep
}

// world is a history with report folders, the portal over it, and its clock.
type world struct {
	store  *history.Store
	server *httptest.Server
	keys   map[string]ed25519.PublicKey
	// ids are the recorded runs, in fixtureReleases' order.
	ids   []int64
	dirs  []string
	clock *clock
}

// clock is the portal's time, moved by specs to expire sessions.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// record writes a vendor's report folder as carecert run does (every format,
// a manifest signed with the vendor's key) and records it in the history.
func (w *world) record(rel release, priv ed25519.PrivateKey) {
	rep := makeReport(rel)
	dir := filepath.Join(GinkgoT().TempDir(), "out", strings.ReplaceAll(strings.ToLower(rel.vendor), " ", "-"))
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	Expect(formats.WriteAll(dir, rep, reports.RenderOptions{})).To(Succeed())
	m, err := manifest.Build(dir, formats.Files(), rep)
	Expect(err).NotTo(HaveOccurred())
	data, err := m.Marshal()
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(filepath.Join(dir, manifest.FileName), data, 0o644)).To(Succeed())
	if priv != nil {
		_, err = manifest.Sign(filepath.Join(dir, manifest.FileName), priv)
		Expect(err).NotTo(HaveOccurred())
	}
	path := filepath.Join(dir, formats.ReportFile)
	sum, _, err := manifest.HashFile(path)
	Expect(err).NotTo(HaveOccurred())
	id, err := w.store.Record(context.Background(), rep, sum, path)
	Expect(err).NotTo(HaveOccurred())
	w.ids = append(w.ids, id)
	w.dirs = append(w.dirs, dir)
}

// usersYAML signs in ana (assessor), bo (buyer), oak (Oakfield's supplier)
// and river (Riverside's supplier), every one with password "pw-" + name;
// ci-oak is Oakfield's API token.
func usersYAML(idle, absolute string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sessions:\n  idle: %s\n  absolute: %s\nusers:\n", idle, absolute)
	for _, u := range []struct{ name, role, vendor string }{
		{"ana", "assessor", ""}, {"bo", "buyer", ""}, {"oak", "supplier", "Oakfield Health Software"}, {"river", "supplier", "Riverside Clinical Systems"},
	} {
		fmt.Fprintf(&b, "  - name: %s\n    role: %s\n    password: %q\n", u.name, u.role, hash("pw-"+u.name))
		if u.vendor != "" {
			fmt.Fprintf(&b, "    vendor: %s\n", u.vendor)
		}
		if u.name == "oak" {
			fmt.Fprintf(&b, "    tokens:\n      - id: ci-oak\n        hash: %q\n", hash("s3cret"))
		}
	}
	return b.String()
}

var (
	hashesMu sync.Mutex
	hashes   = map[string]string{}
)

// hash caches bcrypt hashes: each costs tens of milliseconds.
func hash(secret string) string {
	hashesMu.Lock()
	defer hashesMu.Unlock()
	if h, ok := hashes[secret]; ok {
		return h
	}
	h, err := portal.HashSecret(secret)
	Expect(err).NotTo(HaveOccurred())
	hashes[secret] = h
	return h
}

// newWorld records the fixture's runs into store, Oakfield's and Riverside's
// signed with their registered keys and Moorside's with a key nobody
// registered, and serves the portal on 127.0.0.1.
func newWorld(store *history.Store) *world {
	w := &world{store: store, keys: map[string]ed25519.PublicKey{}, clock: &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	privs := map[string]ed25519.PrivateKey{}
	for _, rel := range fixtureReleases {
		if privs[rel.vendor] == nil {
			pub, priv, err := ed25519.GenerateKey(nil)
			Expect(err).NotTo(HaveOccurred())
			privs[rel.vendor] = priv
			if rel.vendor != "Moorside Digital" {
				w.keys[rel.vendor] = pub
			}
		}
		w.record(rel, privs[rel.vendor])
	}
	users, err := portal.ParseUsers("users.yaml", []byte(usersYAML("30m", "12h")))
	Expect(err).NotTo(HaveOccurred())
	p, err := portal.New(store, users, portal.Options{
		Now: w.clock.Now,
		VendorKeys: func(_ context.Context, vendor string) ([]ed25519.PublicKey, error) {
			if k, ok := w.keys[vendor]; ok {
				return []ed25519.PublicKey{k}, nil
			}
			return nil, nil
		},
	})
	Expect(err).NotTo(HaveOccurred())
	w.server = httptest.NewServer(p)
	DeferCleanup(w.server.Close)
	Expect(w.server.URL).To(HavePrefix("http://127.0.0.1:"))
	return w
}

// sqliteStore is a fresh history file.
func sqliteStore() *history.Store {
	s, err := history.Open(context.Background(), filepath.Join(GinkgoT().TempDir(), "history.db"))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(s.Close)
	return s
}

// postgresDSN is CARECERT_TEST_PG_DSN (test.sh starts a throw-away server),
// or else a throw-away server started here with .ci/postgres-server.sh.
// Without PostgreSQL the specs fail: they never skip.
func postgresDSN() string {
	if dsn := os.Getenv("CARECERT_TEST_PG_DSN"); dsn != "" {
		return dsn
	}
	script, err := filepath.Abs(filepath.Join("..", ".ci", "postgres-server.sh"))
	Expect(err).NotTo(HaveOccurred())
	dir, err := os.MkdirTemp("", "carecert-pg-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		out, err := exec.Command("sh", script, "stop", dir).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "stopping the throw-away PostgreSQL: %s", out)
	})
	var stderr strings.Builder
	start := exec.Command("sh", script, "start", dir)
	start.Stderr = &stderr
	out, err := start.Output()
	if err != nil {
		Fail(fmt.Sprintf("no PostgreSQL for the portal spec (%v: %s): run ./test.sh, which installs it, or set CARECERT_TEST_PG_DSN", err, strings.TrimSpace(stderr.String())))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// postgresStore is a history in a schema of its own on the test server,
// dropped afterwards.
func postgresStore(dsn string) *history.Store {
	admin, err := sql.Open("pgx", dsn)
	Expect(err).NotTo(HaveOccurred())
	defer admin.Close()
	schema := fmt.Sprintf("carecert_portal_%d_%d", os.Getpid(), time.Now().UnixNano())
	_, err = admin.Exec(`CREATE SCHEMA ` + schema)
	Expect(err).NotTo(HaveOccurred(), "PostgreSQL at %s", dsn)
	DeferCleanup(func() {
		db, err := sql.Open("pgx", dsn)
		Expect(err).NotTo(HaveOccurred())
		defer db.Close()
		_, err = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		Expect(err).NotTo(HaveOccurred())
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := history.Open(context.Background(), dsn+sep+"search_path="+schema)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(s.Close)
	return s
}

// client is a browser-like HTTP client: it keeps cookies and does not follow
// redirects, so that specs see them.
type client struct {
	base string
	http *http.Client
	csrf string
}

func (w *world) client() *client {
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	return &client{base: w.server.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the status, headers and body.
func (c *client) do(method, path string, body url.Values, header map[string]string) (int, http.Header, string) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	Expect(err).NotTo(HaveOccurred())
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, resp.Header, string(data)
}

func (c *client) get(path string) (int, string) {
	status, _, body := c.do(http.MethodGet, path, nil, nil)
	return status, body
}

// getJSON reads an API answer into v and returns the status.
func (c *client) getJSON(path string, v any) int {
	status, body := c.get(path)
	if status == http.StatusOK {
		Expect(json.Unmarshal([]byte(body), v)).To(Succeed(), body)
	}
	return status
}

// login signs in through the form, as a browser does, and keeps the
// session's CSRF token from the first page.
func (c *client) login(name, password string) int {
	status, body := c.get("/login")
	Expect(status).To(Equal(http.StatusOK))
	m := csrfField.FindStringSubmatch(body)
	Expect(m).NotTo(BeNil(), "the sign-in form has a CSRF token")
	status, hdr, _ := c.do(http.MethodPost, "/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}, "next": {"/runs"}},
		map[string]string{"Origin": c.base})
	if status != http.StatusSeeOther {
		return status
	}
	Expect(hdr.Get("Location")).To(Equal("/runs"))
	status, body = c.get("/runs")
	Expect(status).To(Equal(http.StatusOK))
	m = csrfField.FindStringSubmatch(body)
	Expect(m).NotTo(BeNil(), "a signed-in page has the session's CSRF token")
	c.csrf = m[1]
	return http.StatusSeeOther
}

func stringsReplace(s, old, new string) string { return strings.ReplaceAll(s, old, new) }
