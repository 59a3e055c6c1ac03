package snomed

import (
	"fmt"
	"path/filepath"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/terminology"
)

// Releases are the run's SNOMED CT releases, one open store per file, shared
// by every requirement that names the file.
var Releases = check.NewServiceFamily(func(_ *check.Env, db string) (*Store, error) { return Open(db) })

// engines are the run's engines that answer SNOMED CT from a release, one
// per file: the run's content (terminology.ForRun) with the release added,
// kept apart from the engine every other check shares.
var engines = check.NewServiceFamily(func(env *check.Env, db string) (*terminology.Engine, error) {
	st, err := Releases.Get(env, db)
	if err != nil {
		return nil, err
	}
	eng := terminology.ForRun(env)
	eng.AddProvider(terminology.SNOMED, st)
	return eng, nil
})

// Engine is the run's terminology engine for a requirement that names a
// SNOMED CT release file (relative to the plan's folder), or the run's
// shared engine (terminology.Run) when it names none.
func Engine(env *check.Env, db string) (*terminology.Engine, error) {
	if db == "" {
		return terminology.Run.Get(env)
	}
	if !filepath.IsAbs(db) && env.PlanDir != "" {
		db = filepath.Join(env.PlanDir, db)
	}
	eng, err := engines.Get(env, db)
	if err != nil {
		return nil, fmt.Errorf("SNOMED CT release %s: %w", db, err)
	}
	return eng, nil
}
