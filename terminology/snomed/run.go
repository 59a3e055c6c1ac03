package snomed

import "github.com/carecert/carecert/check"

// Releases are the run's SNOMED CT releases, one open store per file, shared
// by every requirement and engine that names the file (see package
// terminology/runengine).
var Releases = check.NewServiceFamily(func(_ *check.Env, db string) (*Store, error) { return Open(db) })
