package history

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/model"
)

// VendorNames returns the recorded vendor names equal to name without regard
// to case. Names are matched in Go, not with the database's LOWER: SQLite
// folds ASCII only, PostgreSQL all of Unicode, and one history must answer
// the same on either.
func (s *Store) VendorNames(ctx context.Context, name string) ([]string, error) {
	names, err := s.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if strings.EqualFold(n, name) {
			out = append(out, n)
		}
	}
	return out, nil
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Filter selects a page of runs, newest first. Empty fields select anything.
type Filter struct {
	// Scope, when not nil, limits the runs to these vendors (exact names):
	// what a reader may see. An empty, non-nil Scope selects nothing.
	Scope []string
	// Vendor is matched without regard to case, as Query.Vendor is; Product,
	// Release and Suite exactly.
	Vendor, Product, Release, Suite string
	Decision                        model.Decision
	// From and To bound the start of the run (To exclusive); zero is open.
	From, To time.Time
	// Offset skips runs; Limit keeps at most that many (0: 50).
	Offset, Limit int
}

// FindRuns returns the runs the filter selects, newest first, and whether
// more follow the page. It does not count them all: on a long history the
// count would cost more than the page.
func (s *Store) FindRuns(ctx context.Context, f Filter) ([]Run, bool, error) {
	var where []string
	var args []any
	in := func(column string, values []string) {
		where = append(where, column+` IN (`+marks(len(values))+`)`)
		for _, v := range values {
			args = append(args, v)
		}
	}
	if f.Scope != nil {
		if len(f.Scope) == 0 {
			return nil, false, nil
		}
		in("vendor", f.Scope)
	}
	if f.Vendor != "" {
		names, err := s.VendorNames(ctx, f.Vendor)
		if err != nil {
			return nil, false, err
		}
		if len(names) == 0 {
			return nil, false, nil
		}
		in("vendor", names)
	}
	for _, c := range []struct{ column, value string }{{"product", f.Product}, {"release", f.Release}, {"decision", string(f.Decision)}} {
		if c.value != "" {
			where = append(where, c.column+` = ?`)
			args = append(args, c.value)
		}
	}
	if f.Suite != "" {
		where = append(where, `EXISTS (SELECT 1 FROM results WHERE results.run_id = runs.id AND results.suite = ?)`)
		args = append(args, f.Suite)
	}
	if !f.From.IsZero() {
		where = append(where, `started_at >= ?`)
		args = append(args, f.From.UTC().Format(timeFormat))
	}
	if !f.To.IsZero() {
		where = append(where, `started_at < ?`)
		args = append(args, f.To.UTC().Format(timeFormat))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	query := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// One more than the page tells whether another page follows.
	query += ` ORDER BY started_at DESC, id DESC LIMIT ` + strconv.Itoa(limit+1) + ` OFFSET ` + strconv.Itoa(max(f.Offset, 0))
	runs, err := s.scanRuns(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	if len(runs) > limit {
		return runs[:limit], true, nil
	}
	return runs, false, nil
}

// Facets are the values recorded runs have, for choosing filters.
type Facets struct {
	Vendors, Products, Releases, Suites []string
}

// Facets returns the distinct vendors, products, releases and suites recorded.
// With scope not nil, only those vendors' runs count.
func (s *Store) Facets(ctx context.Context, scope []string) (Facets, error) {
	var f Facets
	var where string
	var args []any
	if scope != nil {
		if len(scope) == 0 {
			return f, nil
		}
		where = ` WHERE vendor IN (` + marks(len(scope)) + `)`
		for _, v := range scope {
			args = append(args, v)
		}
	}
	for _, c := range []struct {
		column string
		out    *[]string
	}{{"vendor", &f.Vendors}, {"product", &f.Products}, {"release", &f.Releases}} {
		values, err := s.strings(ctx, `SELECT DISTINCT `+c.column+` FROM runs`+where+` ORDER BY `+c.column, args...)
		if err != nil {
			return f, err
		}
		*c.out = values
	}
	var err error
	if scope == nil {
		// Each suite found by one index probe, not by reading every result.
		f.Suites, err = s.strings(ctx, `WITH RECURSIVE s(suite) AS (
			SELECT MIN(suite) FROM results
			UNION ALL SELECT (SELECT MIN(suite) FROM results WHERE suite > s.suite) FROM s WHERE s.suite IS NOT NULL)
			SELECT suite FROM s WHERE suite IS NOT NULL`)
	} else {
		f.Suites, err = s.strings(ctx, `SELECT DISTINCT suite FROM results WHERE run_id IN (SELECT id FROM runs`+where+`) ORDER BY suite`, args...)
	}
	return f, err
}

// Requirements returns the "suite/REQ" ids recorded in a suite, sorted.
func (s *Store) Requirements(ctx context.Context, suite string) ([]string, error) {
	reqs, err := s.strings(ctx, `WITH RECURSIVE r(requirement) AS (
		SELECT MIN(requirement) FROM results WHERE suite = ?
		UNION ALL SELECT (SELECT MIN(requirement) FROM results WHERE suite = ? AND requirement > r.requirement) FROM r WHERE r.requirement IS NOT NULL)
		SELECT requirement FROM r WHERE requirement IS NOT NULL`, suite, suite)
	if err != nil {
		return nil, err
	}
	for i, r := range reqs {
		reqs[i] = suite + "/" + r
	}
	return reqs, nil
}

func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		if v.Valid {
			out = append(out, v.String)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	return out, nil
}

// LatestRuns returns each vendor's latest run (by start), in vendor order.
// With scope not nil, only those vendors.
func (s *Store) LatestRuns(ctx context.Context, scope []string) ([]Run, error) {
	vendors := scope
	if vendors == nil {
		var err error
		if vendors, err = s.Vendors(ctx); err != nil {
			return nil, err
		}
	}
	var out []Run
	for _, v := range vendors {
		// One index probe per vendor (runs_by_vendor).
		runs, err := s.scanRuns(ctx, `SELECT `+runColumns+` FROM runs WHERE vendor = ? ORDER BY started_at DESC, id DESC LIMIT 1`, v)
		if err != nil {
			return nil, err
		}
		out = append(out, runs...)
	}
	return out, nil
}

// OutcomesOf returns one requirement's outcomes in the given runs, ordered
// by run and target.
func (s *Store) OutcomesOf(ctx context.Context, runIDs []int64, suite, requirement string) ([]Outcome, error) {
	if len(runIDs) == 0 {
		return nil, nil
	}
	args := []any{suite, requirement}
	for _, id := range runIDs {
		args = append(args, id)
	}
	// "|| ''" keeps SQLite's planner on the primary key (a few rows per run)
	// rather than results_by_requirement (a row per run ever recorded): it
	// has no statistics to tell them apart. PostgreSQL reads it the same.
	return s.scanOutcomes(ctx, `WHERE suite || '' = ? AND requirement || '' = ? AND run_id IN (`+marks(len(runIDs))+`) ORDER BY run_id, target`, args...)
}

// RunMeasure is one measure of a run, summed over its targets.
type RunMeasure struct {
	RunID int64
	// Requirement is "suite/REQ".
	Requirement string
	model.Measure
}

// MeasuresOf returns the measures of the given runs, each summed over the
// run's targets, ordered by run, requirement and name.
func (s *Store) MeasuresOf(ctx context.Context, runIDs []int64) ([]RunMeasure, error) {
	if len(runIDs) == 0 {
		return nil, nil
	}
	var args []any
	for _, id := range runIDs {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT run_id, suite, requirement, name, CAST(SUM(numerator) AS BIGINT), CAST(SUM(denominator) AS BIGINT)
		FROM measures WHERE run_id IN (`+marks(len(runIDs))+`)
		GROUP BY run_id, suite, requirement, name ORDER BY run_id, suite, requirement, name`), args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", s.Where, err)
	}
	defer rows.Close()
	var out []RunMeasure
	for rows.Next() {
		var m RunMeasure
		var suite, req string
		if err := rows.Scan(&m.RunID, &suite, &req, &m.Name, &m.Numerator, &m.Denominator); err != nil {
			return nil, fmt.Errorf("history %s: %w", s.Where, err)
		}
		m.Requirement = suite + "/" + req
		out = append(out, m)
	}
	return out, rows.Err()
}
