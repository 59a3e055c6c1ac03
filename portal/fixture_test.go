package portal_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/internal/dbtest"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/portal"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/reports/formats"
	"github.com/carecert/carecert/reports/reporttest"
	"github.com/carecert/carecert/submission"
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

// manualSuite has a requirement an assessor decides: Riverside's runs carry
// it, awaiting attestation.
const manualSuite = `id: demo-assurance
version: "1"
title: Demonstrated assurance
requirements:
  - id: DEMO-01
    level: SHALL
    kind: manual
    evidence: witnessed-demonstration
    title: A clinician sees the patient's allergies on one screen
`

func makeReport(rel release) *model.Report {
	key := rel.vendor + "\x00" + rel.release + "\x00" + rel.defects
	generatedMu.Lock()
	defer generatedMu.Unlock()
	if _, ok := generated[key]; !ok {
		var policy map[string]any
		if strings.HasPrefix(rel.vendor, "Oakfield") {
			policy = waiverPolicy
		}
		var suites map[string]string
		if strings.HasPrefix(rel.vendor, "Riverside") {
			suites = map[string]string{"./demo-assurance.yaml": manualSuite}
		}
		rep, err := feeds.Run(reporttest.Feed{Vendor: rel.vendor, Release: rel.release, Seed: 7, Records: 60, Defects: rel.defects, Policy: policy, Suites: suites})
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
	keys   *submission.Keys
	// privs are the vendors' signing keys.
	privs map[string]ed25519.PrivateKey
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

// uploadLimit is the portal's upload limit in the specs: a run folder of the
// fixture is well under it.
const uploadLimit = 4 << 20

// write writes a vendor's report folder as carecert run does: every format,
// and a manifest signed with priv (unsigned when nil).
func (w *world) write(rel release, priv ed25519.PrivateKey) string {
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
	return dir
}

// tarOf is a run folder as carecert submit sends it.
func tarOf(dir string) []byte {
	var b bytes.Buffer
	names := append(formats.Files(), manifest.FileName)
	if _, err := os.Stat(filepath.Join(dir, manifest.FileName+manifest.SignatureSuffix)); err == nil {
		names = append(names, manifest.FileName+manifest.SignatureSuffix)
	}
	Expect(submission.WriteTar(&b, dir, names)).To(Succeed())
	return b.Bytes()
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
	w := &world{store: store, keys: submission.NewKeys(), privs: map[string]ed25519.PrivateKey{},
		clock: &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	for _, rel := range fixtureReleases {
		if w.privs[rel.vendor] == nil {
			pub, priv, err := ed25519.GenerateKey(nil)
			Expect(err).NotTo(HaveOccurred())
			w.privs[rel.vendor] = priv
			if rel.vendor != "Moorside Digital" {
				Expect(w.keys.Add(rel.vendor, pub)).To(Succeed())
			}
		}
		dir := w.write(rel, w.privs[rel.vendor])
		path := filepath.Join(dir, model.ReportFile)
		sum, _, err := manifest.HashFile(path)
		Expect(err).NotTo(HaveOccurred())
		id, err := w.store.Record(context.Background(), makeReport(rel), sum, path)
		Expect(err).NotTo(HaveOccurred())
		w.ids = append(w.ids, id)
		w.dirs = append(w.dirs, dir)
	}
	users, err := portal.ParseUsers("users.yaml", []byte(usersYAML("30m", "12h")))
	Expect(err).NotTo(HaveOccurred())
	p, err := portal.New(store, users, portal.Options{Now: w.clock.Now, Keys: w.keys, Upload: submission.Options{MaxBytes: uploadLimit}})
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

// postgresStore is a history in a schema of its own on the test server.
func postgresStore(dsn string) *history.Store {
	s, err := history.Open(context.Background(), dbtest.PostgresSchema(dsn))
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

// tarWith is a tar of one file, named as given (even outside its folder).
func tarWith(name, content string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	Expect(tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})).To(Succeed())
	_, err := tw.Write([]byte(content))
	Expect(err).NotTo(HaveOccurred())
	Expect(tw.Close()).To(Succeed())
	return b.Bytes()
}
