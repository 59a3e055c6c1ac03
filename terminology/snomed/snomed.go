// Package snomed loads a SNOMED CT release (an RF2 snapshot, which users
// bring under their own licence) into an embedded SQLite file, and answers
// the terminology engine's questions from it: does a concept exist, is it
// active, what are its displays, is it subsumed by another. SQLite is the
// pure-Go modernc.org/sqlite, so the binary stays static.
package snomed

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/carecert/carecert/terminology"
)

// SNOMED CT concept ids the loader relies on.
const (
	isA          = 116680003
	fsnType      = 900000000000003001
	preferredAcc = 900000000000548007
)

const schema = `
CREATE TABLE release (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE concept (id INTEGER PRIMARY KEY, active INTEGER NOT NULL, effective TEXT NOT NULL);
CREATE TABLE description (id INTEGER PRIMARY KEY, concept INTEGER NOT NULL, active INTEGER NOT NULL,
  type INTEGER NOT NULL, term TEXT NOT NULL, preferred INTEGER NOT NULL DEFAULT 0);
CREATE TABLE isa (child INTEGER NOT NULL, parent INTEGER NOT NULL, PRIMARY KEY (child, parent)) WITHOUT ROWID;
`

const indexes = `
CREATE INDEX description_concept ON description (concept);
CREATE INDEX isa_parent ON isa (parent);
`

// Summary says what a load read.
type Summary struct {
	Concepts      int64  `json:"concepts"`
	Descriptions  int64  `json:"descriptions"`
	Relationships int64  `json:"is_a_relationships"`
	Preferred     int64  `json:"preferred_terms"`
	Effective     string `json:"effective_time"`
}

// Load reads the RF2 snapshot files under dir (concepts, descriptions,
// relationships and, when present, language reference sets) into a new SQLite
// file at db, which must not exist yet. Errors name the file and line.
func Load(ctx context.Context, dir, db string) (Summary, error) {
	var sum Summary
	files, err := findFiles(dir)
	if err != nil {
		return sum, err
	}
	if _, err := os.Stat(db); err == nil {
		return sum, fmt.Errorf("snomed: %s already exists: choose a new file", db)
	}
	conn, err := sql.Open("sqlite", "file:"+db+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return sum, fmt.Errorf("snomed: %s: %w", db, err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	ok := false
	defer func() {
		if !ok {
			conn.Close()
			os.Remove(db)
		}
	}()
	if _, err := conn.ExecContext(ctx, schema); err != nil {
		return sum, fmt.Errorf("snomed: %s: %w", db, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback()

	ins, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO concept (id, active, effective) VALUES (?, ?, ?)")
	if err != nil {
		return sum, err
	}
	err = readRF2(ctx, files.concepts, 5, func(f []string) error {
		id, err := sctid(f[0])
		if err != nil {
			return err
		}
		if f[1] > sum.Effective {
			sum.Effective = f[1]
		}
		sum.Concepts++
		_, err = ins.ExecContext(ctx, id, f[2] == "1", f[1])
		return err
	})
	if err != nil {
		return sum, err
	}
	ins, err = tx.PrepareContext(ctx, "INSERT OR REPLACE INTO description (id, concept, active, type, term) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return sum, err
	}
	for _, file := range files.descriptions {
		err = readRF2(ctx, file, 9, func(f []string) error {
			id, err := sctid(f[0])
			if err != nil {
				return err
			}
			concept, err := sctid(f[4])
			if err != nil {
				return err
			}
			typ, err := sctid(f[6])
			if err != nil {
				return err
			}
			sum.Descriptions++
			_, err = ins.ExecContext(ctx, id, concept, f[2] == "1", typ, f[7])
			return err
		})
		if err != nil {
			return sum, err
		}
	}
	ins, err = tx.PrepareContext(ctx, "INSERT OR IGNORE INTO isa (child, parent) VALUES (?, ?)")
	if err != nil {
		return sum, err
	}
	err = readRF2(ctx, files.relationships, 10, func(f []string) error {
		if f[2] != "1" || f[7] != strconv.Itoa(isA) {
			return nil
		}
		child, err := sctid(f[4])
		if err != nil {
			return err
		}
		parent, err := sctid(f[5])
		if err != nil {
			return err
		}
		sum.Relationships++
		_, err = ins.ExecContext(ctx, child, parent)
		return err
	})
	if err != nil {
		return sum, err
	}
	upd, err := tx.PrepareContext(ctx, "UPDATE description SET preferred = 1 WHERE id = ?")
	if err != nil {
		return sum, err
	}
	for _, file := range files.language {
		err = readRF2(ctx, file, 7, func(f []string) error {
			if f[2] != "1" || f[6] != strconv.Itoa(preferredAcc) {
				return nil
			}
			id, err := sctid(f[5])
			if err != nil {
				return err
			}
			sum.Preferred++
			_, err = upd.ExecContext(ctx, id)
			return err
		})
		if err != nil {
			return sum, err
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO release (key, value) VALUES ('effective', ?), ('source', ?)", sum.Effective, dir); err != nil {
		return sum, err
	}
	if _, err := tx.ExecContext(ctx, indexes); err != nil {
		return sum, err
	}
	if err := tx.Commit(); err != nil {
		return sum, fmt.Errorf("snomed: %s: %w", db, err)
	}
	if sum.Concepts == 0 {
		return sum, fmt.Errorf("snomed: %s: the concept file has no concepts", files.concepts)
	}
	ok = true
	return sum, nil
}

type rf2Files struct {
	concepts, relationships string
	descriptions, language  []string
}

// findFiles locates the snapshot files by the RF2 naming convention.
func findFiles(dir string) (rf2Files, error) {
	var f rf2Files
	info, err := os.Stat(dir)
	if err != nil {
		return f, fmt.Errorf("snomed: release folder: %w", err)
	}
	if !info.IsDir() {
		return f, fmt.Errorf("snomed: %s is not a folder: unpack the RF2 release first", dir)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() || !strings.HasSuffix(name, ".txt") || !strings.Contains(name, "Snapshot") {
			return nil
		}
		switch {
		case strings.HasPrefix(name, "sct2_Concept_"):
			f.concepts = p
		case strings.HasPrefix(name, "sct2_Description_"):
			f.descriptions = append(f.descriptions, p)
		case strings.HasPrefix(name, "sct2_Relationship_"):
			f.relationships = p
		case strings.HasPrefix(name, "der2_cRefset_Language"):
			f.language = append(f.language, p)
		}
		return nil
	})
	if err != nil {
		return f, fmt.Errorf("snomed: %w", err)
	}
	var missing []string
	if f.concepts == "" {
		missing = append(missing, "sct2_Concept_Snapshot*.txt")
	}
	if len(f.descriptions) == 0 {
		missing = append(missing, "sct2_Description_Snapshot*.txt")
	}
	if f.relationships == "" {
		missing = append(missing, "sct2_Relationship_Snapshot*.txt")
	}
	if len(missing) > 0 {
		return f, fmt.Errorf("snomed: %s is not an RF2 snapshot: no %s", dir, strings.Join(missing, ", "))
	}
	return f, nil
}

// readRF2 streams a tab-separated RF2 file, skipping its header, and calls row
// for each line with exactly columns fields.
func readRF2(ctx context.Context, path string, columns int, row func([]string) error) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("snomed: %w", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			if !strings.HasPrefix(text, "id\t") {
				return fmt.Errorf("snomed: %s:1: not an RF2 file (the header must start with id)", path)
			}
			continue
		}
		if text == "" {
			continue
		}
		if line%10000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		f := strings.Split(text, "\t")
		if len(f) != columns {
			return fmt.Errorf("snomed: %s:%d: want %d tab-separated columns, got %d", path, line, columns, len(f))
		}
		if err := row(f); err != nil {
			return fmt.Errorf("snomed: %s:%d: %w", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("snomed: %s:%d: %w", path, line, err)
	}
	return nil
}

func sctid(s string) (int64, error) {
	if err := terminology.SNOMEDID(s); err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// Store answers from a loaded SNOMED CT SQLite file. It implements
// terminology.Provider and is safe for concurrent use.
type Store struct {
	db        *sql.DB
	effective string
	cache     sync.Map // code -> *lookup
}

type lookup struct {
	c  *terminology.Concept
	ok bool
}

// Open opens a file made by Load, read-only.
func Open(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("snomed: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("snomed: %s: %w", path, err)
	}
	db.SetMaxOpenConns(runtime.GOMAXPROCS(0))
	s := &Store{db: db}
	if err := db.QueryRow("SELECT value FROM release WHERE key = 'effective'").Scan(&s.effective); err != nil {
		db.Close()
		return nil, fmt.Errorf("snomed: %s is not a carecert SNOMED CT file: %w", path, err)
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Effective is the release's latest effective time (YYYYMMDD).
func (s *Store) Effective() string { return s.effective }

// Lookup returns the concept with id code: its preferred term as display
// (the fully specified name without its semantic tag when no language
// reference set was loaded), every active description as a designation, and
// whether it is inactive.
func (s *Store) Lookup(ctx context.Context, code string) (*terminology.Concept, bool, error) {
	if v, ok := s.cache.Load(code); ok {
		l := v.(*lookup)
		return l.c, l.ok, nil
	}
	id, err := strconv.ParseInt(code, 10, 64)
	if err != nil {
		return nil, false, nil
	}
	var active bool
	err = s.db.QueryRowContext(ctx, "SELECT active FROM concept WHERE id = ?", id).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		s.cache.Store(code, &lookup{})
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("snomed: %w", err)
	}
	c := &terminology.Concept{Code: code, Inactive: !active}
	if !active {
		c.Status = "inactive"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT type, term, preferred FROM description WHERE concept = ? AND active = 1 ORDER BY preferred DESC, id", id)
	if err != nil {
		return nil, false, fmt.Errorf("snomed: %w", err)
	}
	defer rows.Close()
	var fsn string
	for rows.Next() {
		var typ int64
		var term string
		var preferred bool
		if err := rows.Scan(&typ, &term, &preferred); err != nil {
			return nil, false, fmt.Errorf("snomed: %w", err)
		}
		if typ == fsnType {
			fsn = term
		} else if preferred && c.Display == "" {
			c.Display = term
		}
		c.Designations = append(c.Designations, term)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("snomed: %w", err)
	}
	if c.Display == "" {
		c.Display = withoutTag(fsn)
	}
	s.cache.Store(code, &lookup{c: c, ok: true})
	return c, true, nil
}

// withoutTag strips the semantic tag from a fully specified name:
// "Asthma (disorder)" becomes "Asthma".
func withoutTag(fsn string) string {
	if i := strings.LastIndex(fsn, " ("); i > 0 && strings.HasSuffix(fsn, ")") {
		return fsn[:i]
	}
	return fsn
}

// Subsumes reports whether code is ancestor or a descendant of it, following
// active is-a relationships.
func (s *Store) Subsumes(ctx context.Context, ancestor, code string) (bool, error) {
	if ancestor == code {
		return true, nil
	}
	a, err1 := strconv.ParseInt(ancestor, 10, 64)
	c, err2 := strconv.ParseInt(code, 10, 64)
	if err1 != nil || err2 != nil {
		return false, nil
	}
	var one int
	err := s.db.QueryRowContext(ctx, `
WITH RECURSIVE up(id) AS (
  SELECT parent FROM isa WHERE child = ?
  UNION
  SELECT isa.parent FROM isa JOIN up ON isa.child = up.id
)
SELECT 1 FROM up WHERE id = ? LIMIT 1`, c, a).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("snomed: %w", err)
	}
	return true, nil
}
