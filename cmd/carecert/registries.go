package main

import (
	"github.com/spf13/cobra"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
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
	terminology.Register(r.checks)
	return r
}

// extraCommands are the commands that capabilities beyond the core add.
func (r *registries) extraCommands(a *app) []*cobra.Command {
	return []*cobra.Command{a.terminologyCommand()}
}

func (a *app) newRunner() *runner.Runner {
	return &runner.Runner{
		Checks:  a.env.checks,
		Targets: a.env.targets,
		Tool:    model.Tool{Name: "carecert", Version: version, Definitions: "FHIR R4 4.0.1"},
	}
}
