package main

import (
	"github.com/spf13/cobra"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/fhirfiles"
	"github.com/carecert/carecert/runner/target/fixturefeed"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	"github.com/carecert/carecert/runner/target/mllptarget"
	"github.com/carecert/carecert/tabular/csvtarget"
	"github.com/carecert/carecert/terminology/runengine"
	v2checks "github.com/carecert/carecert/validators/hl7v2"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/quality"
	"github.com/carecert/carecert/validators/restapi"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/tables"
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
	quality.Register(r.checks, v2checks.QualityLanguage())
	v2checks.Register(r.checks)
	tables.Register(r.checks)
	restapi.Register(r.checks, runengine.Search)
	// The target families, one package each, so that nothing linking the
	// target contract links them all.
	fhirfiles.Register(r.targets)
	fixturefeed.Register(r.targets)
	hl7v2files.Register(r.targets)
	mllptarget.Register(r.targets, mllptarget.ListenOptions{Judge: v2checks.NewJudge()})
	csvtarget.Register(r.targets)
	livefhir.Register(r.targets)
	return r
}

// extraCommands are the commands that capabilities beyond the core add.
// One append a line: each capability adds its own.
func (r *registries) extraCommands(a *app) []*cobra.Command {
	var cmds []*cobra.Command
	cmds = append(cmds, a.certificationCommands()...)
	cmds = append(cmds, a.listenCommand(), a.simulateCommand())
	cmds = append(cmds, a.serveCommand())
	cmds = append(cmds, a.fhirpathCommand())
	cmds = append(cmds, a.terminologyCommand())
	cmds = append(cmds, a.submitCommand(), a.attestCommand())
	return cmds
}

// newRunner returns a runner with this build's registries, checking workers
// records at once (0: every core), with a progress bar unless quiet.
func (a *app) newRunner(workers int, quiet bool) *runner.Runner {
	r := &runner.Runner{
		Checks:  a.env.checks,
		Targets: a.env.targets,
		Tool:    model.Tool{Name: "carecert", Version: toolVersion(), Definitions: "FHIR R4 4.0.1"},
		Workers: workers,
	}
	if showProgress(a.stderr, quiet) {
		r.Progress = &barProgress{w: a.stderr}
	}
	return r
}
