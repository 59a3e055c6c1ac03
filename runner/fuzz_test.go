package runner_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/carecert/carecert/reports/policy"
	"github.com/carecert/carecert/runner"
)

// FuzzLoadPlan feeds any bytes through the plan loader and the policy it
// holds: a broken plan is an error naming where, never a panic.
func FuzzLoadPlan(f *testing.F) {
	for _, seed := range []string{
		fixturePlan,
		"vendor: {name: A}\ntargets: [{path: x.ndjson}]\npolicy: {min_records: 2, rules: [{require: pass-rate, min: 90}]}\n",
		"vendors: [{name: A, targets: [{type: fhir-bulk, url: 'http://u:p@h/fhir', file_hosts: ['*']}]}]\n",
		"policy:\n  waivers: [{requirement: S/R, justification: j, expires: 2026-13-01}]\n",
		"a: &a [x, x]\nvendors: *a\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "plan.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := runner.LoadPlan(path)
		if err != nil {
			return
		}
		_, _ = policy.FromPlan(p.Policy)
		_, _ = policy.Load(path)
	})
}
