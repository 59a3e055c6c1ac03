// Package dbtest gives specs the real databases the history runs on: a
// PostgreSQL server (the one test.sh started, CARECERT_TEST_PG_DSN, or a
// throw-away one started for the spec) with a schema of its own per spec, so
// that specs and concurrent CI jobs sharing the server do not see each
// other's rows; and a raw look at a history's tables, to check what a failed
// write left behind.
package dbtest

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// PostgresDSN returns the DSN of the test server: CARECERT_TEST_PG_DSN (test.sh sets
// it to a throw-away server of its own), or else a throw-away server started
// with .ci/postgres-server.sh in a temporary folder and removed when the
// calling spec is done. Without PostgreSQL's programs the spec fails: the
// PostgreSQL path is never skipped.
func PostgresDSN() string {
	if dsn := os.Getenv("CARECERT_TEST_PG_DSN"); dsn != "" {
		return dsn
	}
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "..", "..", ".ci", "postgres-server.sh")
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
		Fail(fmt.Sprintf("no PostgreSQL for the spec (%v: %s): run ./test.sh, which installs it, or set CARECERT_TEST_PG_DSN", err, strings.TrimSpace(stderr.String())))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// PostgresSchema creates an empty schema on the server at dsn, dropped when the
// calling spec is done, and returns a DSN whose search_path is that schema.
func PostgresSchema(dsn string) string {
	admin, err := sql.Open("pgx", dsn)
	Expect(err).NotTo(HaveOccurred())
	defer admin.Close()
	schema := fmt.Sprintf("carecert_spec_%d_%d", os.Getpid(), time.Now().UnixNano())
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
	return dsn + sep + "search_path=" + schema
}

// Open opens a history's database directly: a SQLite file or a postgres://
// DSN, as history.Open takes them.
func Open(location string) *sql.DB {
	driver := "sqlite"
	if strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, location)
	Expect(err).NotTo(HaveOccurred())
	return db
}

// CountRows counts the rows of a table of the history at location.
func CountRows(location, table string) int {
	db := Open(location)
	defer db.Close()
	var n int
	Expect(db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)).To(Succeed())
	return n
}
