package target

import (
	"fmt"
	"os"
	"strings"
)

// Shard is one part of a deterministic partition of the work: shard Index
// (1-based) of Count.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n" (1-based, e.g. "2/8"). "auto/n" takes i from the
// environment through getenv: CARECERT_SHARD_INDEX (1-based), or
// JOB_COMPLETION_INDEX (0-based), which Kubernetes sets in each pod of an
// Indexed Job.
func ParseShard(s string, getenv func(string) string) (Shard, error) {
	if rest, ok := strings.CutPrefix(strings.TrimSpace(s), "auto/"); ok {
		var k int
		switch {
		case getenv("CARECERT_SHARD_INDEX") != "":
			if _, err := fmt.Sscanf(getenv("CARECERT_SHARD_INDEX"), "%d", &k); err != nil {
				return Shard{}, fmt.Errorf("shard %q: CARECERT_SHARD_INDEX=%q is not a number", s, getenv("CARECERT_SHARD_INDEX"))
			}
		case getenv("JOB_COMPLETION_INDEX") != "":
			if _, err := fmt.Sscanf(getenv("JOB_COMPLETION_INDEX"), "%d", &k); err != nil {
				return Shard{}, fmt.Errorf("shard %q: JOB_COMPLETION_INDEX=%q is not a number", s, getenv("JOB_COMPLETION_INDEX"))
			}
			k++
		default:
			return Shard{}, fmt.Errorf("shard %q: auto needs CARECERT_SHARD_INDEX (1-based) or JOB_COMPLETION_INDEX (0-based, set by Kubernetes Indexed Jobs)", s)
		}
		s = fmt.Sprintf("%d/%s", k, rest)
	}
	var sh Shard
	if _, err := fmt.Sscanf(s, "%d/%d", &sh.Index, &sh.Count); err != nil || fmt.Sprintf("%d/%d", sh.Index, sh.Count) != strings.TrimSpace(s) {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 2/8", s)
	}
	if sh.Count < 1 || sh.Index < 1 || sh.Index > sh.Count {
		return Shard{}, fmt.Errorf("shard %q: want 1 <= i <= n", s)
	}
	return sh, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Whole reports whether the shard is the whole work (1/1 or unset).
func (s Shard) Whole() bool { return s.Count <= 1 }

// Sharder is implemented by targets that can read only one shard's share of
// their records. Shards of one target read disjoint sets of records that
// together are every record, each with the file, line and index a whole read
// gives. A target that is not a Sharder is read whole by one shard.
type Sharder interface {
	Shard(s Shard) Target
}

// Owns reports whether shard s reads unit k of a target that splits into whole
// units (files, targets) rather than byte ranges.
func (s Shard) Owns(k int) bool { return s.Whole() || k%s.Count == s.Index-1 }

// Range is the share [start, end) of size units (the bytes of a file, the
// records of a generated feed) that shard s reads: shard i of n gets
// [size·(i−1)/n, size·i/n), so the ranges of all shards are consecutive and
// cover the whole.
func (s Shard) Range(size int64) (start, end int64) {
	if s.Whole() {
		return 0, size
	}
	i, n := int64(s.Index-1), int64(s.Count)
	return size * i / n, size * (i + 1) / n
}

// ReadFiles reads shard s's share of a file target's listed files: every
// regular file that split accepts (one whose records can be found from any
// byte) through readRange, over the shard's byte range of it; the other files
// whole through readWhole, dealt out by their position among themselves. A
// named pipe or device is dealt out whole before split sees it: it has no
// size to range over and gives its bytes to the first reader only. A file
// that cannot be opened is dealt out whole too, so that exactly one shard
// reports it.
func (s Shard) ReadFiles(listed []string, split func(string) bool, readRange func(f string, start, end int64) error, readWhole func(f string) error) error {
	whole := 0
	for _, f := range listed {
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() && openable(f) && split(f) {
			start, end := s.Range(info.Size())
			if err := readRange(f, start, end); err != nil {
				return err
			}
			continue
		}
		if s.Owns(whole) {
			if err := readWhole(f); err != nil {
				return err
			}
		}
		whole++
	}
	return nil
}
