// Package submission accepts a supplier's signed run: the folder that
// `carecert run --sign-key` wrote for one vendor (report files, manifest.json
// and manifest.json.sig), sent as a tar or tar.gz. Ingest checks the upload
// against the vendor's registered keys and stores it in the history with its
// files in one transaction; anything wrong is a *Refusal that says why, and
// nothing is stored.
//
// The portal (carecert serve) mounts it at Route:
//
//	POST /api/submissions
//	Authorization: Bearer <token>
//	Content-Type: application/x-tar or application/gzip
//	body: the tar (or tar.gz) of the run folder, paths relative to it
//
// and answers with Respond: 201 and a Receipt as JSON on success; on refusal
// 413 (too large), 403 (another vendor's run) or 422 (anything else wrong with
// the upload) and {"refused": code, "reason": sentence}. Submit is the client
// side (carecert submit).
package submission

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/carecert/carecert/history"
	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
)

// Route is where the portal accepts submissions (POST).
const Route = "/api/submissions"

// DefaultMaxBytes bounds an upload when Options.MaxBytes is 0.
const DefaultMaxBytes = 512 << 20

// Options are what the server allows the caller.
type Options struct {
	// Vendor is the only vendor the caller may submit for (a supplier's
	// login); empty means any registered vendor (an assessor).
	Vendor string
	// AcceptFullEvidence lets reports that keep unredacted evidence (names,
	// NHS numbers) in; by default they are refused.
	AcceptFullEvidence bool
	// MaxBytes bounds the upload as sent and as unpacked (a small gzip can
	// unpack to a huge tar); 0 means DefaultMaxBytes.
	MaxBytes int64
}

// Code names a kind of refusal, for programs; Refusal.Reason is for people.
type Code string

const (
	TooLarge       Code = "too-large"
	BadArchive     Code = "bad-archive"
	UnsafePath     Code = "unsafe-path"
	Link           Code = "link"
	SpecialFile    Code = "special-file"
	Duplicate      Code = "duplicate"
	NoManifest     Code = "no-manifest"
	Unsigned       Code = "unsigned"
	UnknownVendor  Code = "unknown-vendor"
	VendorMismatch Code = "vendor-mismatch"
	UnknownKey     Code = "unknown-key"
	WrongKey       Code = "wrong-key"
	BadSignature   Code = "bad-signature"
	Tampered       Code = "tampered"
	UnlistedFile   Code = "unlisted-file"
	InvalidReport  Code = "invalid-report"
	FullEvidence   Code = "full-evidence"
)

// Refusal is why an upload was not stored.
type Refusal struct {
	Code   Code   `json:"refused"`
	Reason string `json:"reason"`
}

func (r *Refusal) Error() string { return "submission refused (" + string(r.Code) + "): " + r.Reason }

func refuse(code Code, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Receipt says what was stored.
type Receipt struct {
	RunID    int64          `json:"run_id"`
	Vendor   string         `json:"vendor"`
	Product  string         `json:"product,omitempty"`
	Release  string         `json:"release,omitempty"`
	Decision model.Decision `json:"decision"`
	// KeyID is the fingerprint of the key that signed the manifest.
	KeyID string `json:"key_id"`
	Files int    `json:"files"`
}

// Ingest reads an upload (a tar or tar.gz of a run folder), checks it and
// records it in store with its files. It returns a *Refusal when the upload
// is not acceptable and another error when the server failed; in both cases
// nothing was stored.
func Ingest(ctx context.Context, store *history.Store, keys *Keys, r io.Reader, opt Options) (*Receipt, error) {
	var upload bytes.Buffer
	files, err := unpack(io.TeeReader(&limited{r: r, n: opt.maxBytes()}, &upload), opt.maxBytes())
	if err != nil {
		return nil, err
	}
	rep, m, sig, err := check(files, keys, opt)
	if err != nil {
		return nil, err
	}
	stored := make([]history.StoredFile, 0, len(files))
	for _, f := range files {
		f.Data = nil
		stored = append(stored, f)
	}
	sort.Slice(stored, func(i, j int) bool { return stored[i].Path < stored[j].Path })
	id, err := store.RecordArchive(ctx, rep, files[model.ReportFile].SHA256, model.ReportFile, upload.Bytes(), stored)
	if err != nil {
		return nil, fmt.Errorf("submission: %w", err)
	}
	return &Receipt{RunID: id, Vendor: rep.Vendor.Name, Product: rep.Vendor.Product, Release: rep.Vendor.Release,
		Decision: rep.Verdict.Decision, KeyID: sig.KeyID, Files: len(m.Files)}, nil
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

// errTooLarge is what limited returns past its limit.
var errTooLarge = errors.New("too large")

// limited reads at most n bytes and then fails, so that an oversize upload is
// refused rather than cut short and misread.
type limited struct {
	r io.Reader
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// unpack reads the upload's regular files into memory, by path relative to
// the run folder, refusing anything a run folder does not hold. r is the
// upload as sent, already limited to max bytes.
func unpack(r io.Reader, max int64) (map[string]history.StoredFile, error) {
	tooLarge := func() error {
		return refuse(TooLarge, "the upload is larger than this server accepts (%d bytes, as sent or unpacked)", max)
	}
	br := bufio.NewReader(r)
	var stream io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if errors.Is(err, errTooLarge) {
			return nil, tooLarge()
		}
		if err != nil {
			return nil, refuse(BadArchive, "not a readable gzip stream: %v", err)
		}
		stream = &limited{r: zr, n: max}
	}
	tr := tar.NewReader(stream)
	files := map[string]history.StoredFile{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errTooLarge) {
			return nil, tooLarge()
		}
		if err != nil {
			return nil, refuse(BadArchive, "not a readable tar archive: %v", err)
		}
		name, ok := localName(h.Name)
		if !ok {
			return nil, refuse(UnsafePath, "the archive entry %q is not a path inside the run folder", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			// Folders hold nothing by themselves; a global header (git
			// archive writes one) is metadata for the entries after it.
			continue
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return nil, refuse(Link, "the archive entry %q is a link (to %q): a run folder holds regular files only", h.Name, h.Linkname)
		default:
			return nil, refuse(SpecialFile, "the archive entry %q is not a regular file (tar type %q): a run folder holds regular files only", h.Name, string(h.Typeflag))
		}
		if _, dup := files[name]; dup {
			return nil, refuse(Duplicate, "the archive holds %s twice: which one was signed cannot be told", name)
		}
		if h.Size > max {
			return nil, tooLarge()
		}
		data := make([]byte, h.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			if errors.Is(err, errTooLarge) {
				return nil, tooLarge()
			}
			return nil, refuse(BadArchive, "%s: %v", name, err)
		}
		sum := sha256.Sum256(data)
		files[name] = history.StoredFile{Path: name, SHA256: hex.EncodeToString(sum[:]), Size: h.Size, Data: data}
	}
	// Whatever follows the archive's end is read too, so that a gzip stream
	// with a bad checksum or an oversize tail is not accepted.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, tooLarge()
		}
		return nil, refuse(BadArchive, "after the archive: %v", err)
	}
	return files, nil
}

// localName returns an entry's path relative to the run folder ("./x" is
// "x"), or false when it is absolute, climbs out with "..", or uses a
// backslash (which some systems read as a separator).
func localName(name string) (string, bool) {
	if name == "" || strings.Contains(name, `\`) || strings.HasPrefix(name, "/") {
		return "", false
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", false
		}
	}
	clean := path.Clean(name)
	if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return clean, clean == "."
	}
	return clean, true
}

// check verifies the unpacked files: signed by a key registered to the
// vendor the caller may submit for, every file as the manifest hashed it and
// no other, and a report the server accepts.
func check(files map[string]history.StoredFile, keys *Keys, opt Options) (*model.Report, *manifest.Manifest, *manifest.Signature, error) {
	mf, ok := files[manifest.FileName]
	if !ok {
		return nil, nil, nil, refuse(NoManifest, "the upload has no %s: send the folder carecert run wrote for one vendor", manifest.FileName)
	}
	m, err := manifest.Parse(manifest.FileName, mf.Data)
	if err != nil {
		return nil, nil, nil, refuse(NoManifest, "%v", err)
	}
	vendor := m.Vendor.Name
	if opt.Vendor != "" && fold(opt.Vendor) != fold(vendor) {
		return nil, nil, nil, refuse(VendorMismatch, "the run is %s's; this login may submit only %s's runs", vendor, opt.Vendor)
	}
	registered, ok := keys.Vendor(vendor)
	if !ok {
		return nil, nil, nil, refuse(UnknownVendor, "vendor %s has no key registered with this server (registered: %s)", vendor, strings.Join(keys.Vendors(), ", "))
	}
	sigName := manifest.FileName + manifest.SignatureSuffix
	sf, ok := files[sigName]
	if !ok {
		return nil, nil, nil, refuse(Unsigned, "the manifest is not signed (no %s): sign it with carecert sign --key, using a key registered for %s", sigName, registered)
	}
	sig, _, err := manifest.ParseSignature(sigName, sf.Data)
	if err != nil {
		return nil, nil, nil, refuse(BadSignature, "%v", err)
	}
	owner, ok := keys.Owner(sig.KeyID)
	switch {
	case !ok:
		return nil, nil, nil, refuse(UnknownKey, "the manifest is signed by key %s, which is not registered for %s (or any vendor)", sig.KeyID, registered)
	case !keys.Owns(vendor, sig.KeyID):
		return nil, nil, nil, refuse(WrongKey, "the manifest of %s's run is signed by key %s, which is registered to %s, not to %s", vendor, sig.KeyID, owner, registered)
	}
	if _, err := manifest.VerifyBytes(sigName, mf.Data, sf.Data, keys.keys[sig.KeyID]); err != nil {
		return nil, nil, nil, refuse(BadSignature, "%v", err)
	}
	sums := make(map[string]string, len(files))
	for name, f := range files {
		sums[name] = f.SHA256
	}
	if problems := m.CheckHashes(sums); len(problems) > 0 {
		var lines []string
		for _, p := range problems {
			lines = append(lines, p.String())
		}
		return nil, nil, nil, refuse(Tampered, "the files do not match the signed manifest: %s", strings.Join(lines, "; "))
	}
	listed := map[string]bool{manifest.FileName: true, sigName: true}
	for _, f := range m.Files {
		listed[f.Path] = true
	}
	for name := range files {
		if !listed[name] {
			return nil, nil, nil, refuse(UnlistedFile, "%s is not in the signed manifest: only the files the run wrote may be submitted", name)
		}
	}
	rf, ok := files[model.ReportFile]
	if !ok {
		return nil, nil, nil, refuse(InvalidReport, "the manifest lists no %s: it is what the run is recorded from", model.ReportFile)
	}
	rep, err := reports.DecodeJSON(model.ReportFile, rf.Data)
	if err != nil {
		return nil, nil, nil, refuse(InvalidReport, "%v", err)
	}
	if rep.Vendor != m.Vendor {
		return nil, nil, nil, refuse(InvalidReport, "%s is %s %s's, the manifest %s %s's", model.ReportFile, rep.Vendor.Name, rep.Vendor.Release, m.Vendor.Name, m.Vendor.Release)
	}
	if rep.Evidence == "full" && !opt.AcceptFullEvidence {
		return nil, nil, nil, refuse(FullEvidence, "the report keeps full (unredacted) evidence, which can identify patients; this server accepts redacted reports only: run again without --full-evidence")
	}
	return rep, m, sig, nil
}
