package submission

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/manifest"
)

// Respond writes Ingest's answer (a receipt, or the error it returned) as
// the portal's upload route gives it: 201 with the Receipt; 413, 403 or 422
// with the Refusal; 500 with {"error": ...} when the server failed.
func Respond(w http.ResponseWriter, rec *Receipt, err error) {
	w.Header().Set("Content-Type", "application/json")
	var ref *Refusal
	switch {
	case err == nil:
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(rec)
	case errors.As(err, &ref):
		w.WriteHeader(ref.Status())
		json.NewEncoder(w).Encode(ref)
	default:
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	}
}

// Status is the HTTP status a refusal is answered with.
func (r *Refusal) Status() int {
	switch r.Code {
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case VendorMismatch:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// Submit sends the run folder dir (what carecert run wrote for one vendor) to
// the portal at server, as a tar.gz streamed while it is read, with token as
// its bearer token. It returns the receipt, a *Refusal when the server
// refused the run, or an error saying what else went wrong.
func Submit(ctx context.Context, client *http.Client, server, token, dir string) (*Receipt, error) {
	names, err := runFiles(dir)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(WriteTar(pw, dir, names)) }()
	url := strings.TrimSuffix(server, "/") + Route
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		pr.Close()
		return nil, fmt.Errorf("submit: %w", err)
	}
	req.Header.Set("Content-Type", "application/gzip")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("submit to %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("submit to %s: reading the answer: %w", url, err)
	}
	if resp.StatusCode == http.StatusCreated {
		var rec Receipt
		if err := json.Unmarshal(body, &rec); err != nil {
			return nil, fmt.Errorf("submit to %s: the server's receipt is not JSON: %w", url, err)
		}
		return &rec, nil
	}
	var ref Refusal
	if json.Unmarshal(body, &ref) == nil && ref.Code != "" {
		return nil, &ref
	}
	var other struct {
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &other) == nil && other.Error != "" {
		msg = other.Error
	}
	return nil, fmt.Errorf("submit to %s: %s: %s", url, resp.Status, msg)
}

// runFiles lists what a submission sends: the manifest, its signature and
// the files the manifest lists, so that nothing else in the folder leaves
// the supplier's machine.
func runFiles(dir string) ([]string, error) {
	m, _, err := manifest.Read(filepath.Join(dir, manifest.FileName))
	if err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	names := []string{manifest.FileName}
	sig := manifest.FileName + manifest.SignatureSuffix
	if _, err := os.Lstat(filepath.Join(dir, sig)); err == nil {
		names = append(names, sig)
	}
	for _, f := range m.Files {
		names = append(names, f.Path)
	}
	return names, nil
}

// WriteTar writes the named files of dir (paths relative to it, forward
// slashes) as a tar.gz to w. Only regular files are sent: a link in the run
// folder is an error here, as the server would refuse it.
func WriteTar(w io.Writer, dir string, names []string) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, name := range names {
		if err := addFile(tw, dir, name); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func addFile(tw *tar.Writer, dir, name string) error {
	path := filepath.Join(dir, filepath.FromSlash(name))
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	defer f.Close()
	lst, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	if !lst.Mode().IsRegular() {
		return fmt.Errorf("submit: %s is not a regular file (%s): a run folder holds regular files only", path, lst.Mode().Type())
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("submit: %s: %w", path, err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("submit: %s: %w", path, err)
	}
	return nil
}
