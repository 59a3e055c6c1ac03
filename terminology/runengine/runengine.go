// Package runengine gives a run's checks their terminology engines. The run's
// engine carries the plan's terminology settings (a SNOMED CT release, a
// terminology server): profile bindings, searches with :in and every
// terminology requirement that names no setting of its own judge codes with
// it, so they agree. A requirement naming its own gets the engine of those
// settings over the run's, one per distinct setting. Every engine of a run
// is derived from one holding the R4 core and the run's guides, so that
// content is loaded once and shared (terminology.Engine.Derive).
package runengine

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/fhirsearch"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/remote"
	"github.com/carecert/carecert/terminology/snomed"
)

// Run returns the run's engine: the plan's terminology settings over the
// run's content.
func Run(env *check.Env) (*terminology.Engine, error) { return For(env, check.Terminology{}) }

// For returns the engine of a requirement's own settings over the run's
// (see check.Terminology.Over); a requirement naming none gets Run's.
func For(env *check.Env, own check.Terminology) (*terminology.Engine, error) {
	eng, err := engines.Get(env, keyOf(own.Over(env.Terminology), env.PlanDir))
	var se settingError
	if errors.As(err, &se) {
		// Say which level's setting failed: the requirement's parameters,
		// the vendor's terminology or the run's (the plan's terminology or
		// --terminology). Only the caller knows where that was written.
		level := RunLevel
		switch {
		case own.Names(se.name):
			level = RequirementLevel
		case env.VendorTerminology.Names(se.name):
			level = VendorLevel
		}
		return nil, &SettingError{Level: level, Setting: se.name, Err: se.err}
	}
	return eng, err
}

// Level is where a terminology setting was given.
type Level int

const (
	// RunLevel is the run's: the plan's terminology: or --terminology.
	RunLevel Level = iota
	// VendorLevel is a vendor's own terminology: in the plan.
	VendorLevel
	// RequirementLevel is a requirement's own parameters.
	RequirementLevel
)

// SettingError is a terminology setting that cannot work (a release that
// does not open, a server that cannot be asked), with the level it was given
// at, so a caller knowing where that level was written can say so.
type SettingError struct {
	Level   Level
	Setting string // "snomed", "server"
	Err     error
}

func (e *SettingError) Error() string {
	switch e.Level {
	case RequirementLevel:
		return fmt.Sprintf("parameter %q: %v", e.Setting, e.Err)
	case VendorLevel:
		return fmt.Sprintf("the vendor's terminology %q: %v", e.Setting, e.Err)
	}
	return fmt.Sprintf("the run's terminology %q: %v", e.Setting, e.Err)
}

func (e *SettingError) Unwrap() error { return e.Err }

// Search is For as the search checks ask for it (restapi.Terminologies):
// value-set membership and subsumption, nothing more.
func Search(env *check.Env, own check.Terminology) (fhirsearch.Terminology, error) {
	eng, err := For(env, own)
	if err != nil {
		return nil, err
	}
	return eng, nil
}

// settingError is a setting that cannot work: a release that does not
// open, a server that cannot be asked.
type settingError struct {
	name string
	err  error
}

func (e settingError) Error() string { return e.name + ": " + e.err.Error() }

// defaultTimeout bounds each terminology server request when no setting does.
const defaultTimeout = 10 * time.Second

// key is what an engine adds to the run's content: the SNOMED CT release
// file and the terminology server, resolved against the plan's folder. The
// zero key adds nothing.
type key struct {
	snomed string
	server remote.Options
}

func keyOf(t check.Terminology, dir string) key {
	k := key{snomed: resolve(t.Snomed, dir)}
	if t.Server == "" {
		return k
	}
	timeout := t.ServerTimeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	k.server = remote.Options{BaseURL: t.Server, Timeout: timeout, CacheDir: resolve(t.ServerCache, dir)}
	return k
}

func resolve(path, dir string) string {
	if path != "" && !filepath.IsAbs(path) && dir != "" {
		return filepath.Join(dir, path)
	}
	return path
}

// content is the run's content, the R4 core and the run's implementation
// guides (JSON or XML), loaded on first use; it looks nothing up.
var content = check.NewService(func(env *check.Env) (*terminology.Engine, error) {
	igs := env.Guides()
	eng := terminology.NewCore(func(e *terminology.Engine) error {
		for _, ig := range igs {
			if err := e.LoadIG(ig); err != nil {
				return err
			}
		}
		return nil
	})
	eng.SetXMLDecoder(fhirxml.Decode)
	return eng, nil
})

// clients are the run's terminology server clients, one per server and
// settings, so a requirement's timeout or cache folder is its own.
var clients = check.NewServiceFamily(func(_ *check.Env, o remote.Options) (*remote.Client, error) { return remote.New(o) })

// engines are the run's engines, one per key: two requirements naming
// different releases or servers each judge with their own, never with
// whichever was compiled last, and two naming the same share one.
var engines = check.NewServiceFamily(func(env *check.Env, k key) (*terminology.Engine, error) {
	base, err := content.Get(env)
	if err != nil || k == (key{}) {
		return base, err
	}
	eng, err := base.Derive()
	if err != nil {
		return nil, err
	}
	if k.snomed != "" {
		st, err := snomed.Releases.Get(env, k.snomed)
		if err != nil {
			return nil, settingError{"snomed", err}
		}
		eng.AddProvider(terminology.SNOMED, st)
	}
	if k.server.BaseURL != "" {
		c, err := clients.Get(env, k.server)
		if err != nil {
			return nil, settingError{"server", err}
		}
		eng.SetRemote(c)
	}
	return eng, nil
})
