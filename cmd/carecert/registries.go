package main

import (
	"github.com/spf13/cobra"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/restapi"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// registries holds every check type and target type this build knows.
type registries struct {
	checks  *check.Registry
	targets *target.Registry
}

func newRegistries() *registries {
	r := &registries{checks: check.NewRegistry(), targets: target.NewRegistry()}
	structure.Register(r.checks)
	profile.Register(r.checks)
	terminology.Register(r.checks)
	restapi.Register(r.checks)
	livefhir.Register(r.targets)
	return r
}

// extraCommands are the commands that capabilities beyond the core add.
func (r *registries) extraCommands(a *app) []*cobra.Command {
	return []*cobra.Command{a.simulateCommand()}
}

// newRunner returns a runner with this build's registries, checking workers
// records at once (0: every core), with a progress bar unless quiet.
func (a *app) newRunner(workers int, quiet bool) *runner.Runner {
	r := &runner.Runner{
		Checks:  a.env.checks,
		Targets: a.env.targets,
		Tool:    model.Tool{Name: "carecert", Version: version, Definitions: "FHIR R4 4.0.1"},
		Workers: workers,
	}
	if showProgress(a.stderr, quiet) {
		r.Progress = &barProgress{w: a.stderr}
	}
	return r
}
