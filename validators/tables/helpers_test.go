package tables_test

import (
	"encoding/json"
	"strings"

	. "github.com/onsi/gomega"

	"github.com/goccy/go-yaml"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
	"github.com/carecert/carecert/validators/tables"
)

// compile builds a check of typ from parameters written in YAML, as a suite would.
func compile(typ, yamlParams string) (check.Check, error) {
	var p map[string]any
	Expect(yaml.Unmarshal([]byte(yamlParams), &p)).To(Succeed())
	reg := check.NewRegistry()
	tables.Register(reg)
	return reg.Compile(check.Spec{Requirement: "REQ", Type: typ, Params: params.Params(p), Source: "test"}, &check.Env{})
}

func mustCompile(typ, params string) check.Check {
	c, err := compile(typ, params)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// rows reads CSV text with the real reader; baseline marks the rows as the
// previous submission.
func rows(name, csv string, baseline bool) []*model.Record {
	var out []*model.Record
	Expect(tabular.Read(name, strings.NewReader(csv), tabular.Options{Table: "cld", Baseline: baseline, HasBaseline: !baseline}, func(r *model.Record) error {
		out = append(out, r)
		return nil
	})).To(Succeed())
	return out
}

// run observes records with one state and finishes into a tally.
func run(c check.Check, recs []*model.Record) *model.Tally {
	t := model.NewTally(1000)
	s := c.NewState()
	for _, r := range recs {
		if r.Problem == nil && c.Applies(r) {
			fs := s.Observe(r)
			for i := range fs {
				fs[i].Requirement = "REQ"
			}
			t.Observe(fs)
		}
	}
	s.Finish(t)
	t.Sample()
	return t
}

// runSharded spreads records over n states round-robin, sends each through
// JSON (as a sharded run would), merges them and finishes.
func runSharded(c check.Check, recs []*model.Record, n int) *model.Tally {
	states := make([]check.State, n)
	tallies := make([]*model.Tally, n)
	for i := range states {
		states[i] = c.NewState()
		tallies[i] = model.NewTally(1000)
	}
	k := 0
	for _, r := range recs {
		if r.Problem == nil && c.Applies(r) {
			fs := states[k%n].Observe(r)
			for i := range fs {
				fs[i].Requirement = "REQ"
			}
			tallies[k%n].Observe(fs)
			k++
		}
	}
	first := roundTrip(c, states[0])
	for i := 1; i < n; i++ {
		Expect(first.Merge(roundTrip(c, states[i]))).To(Succeed())
		tallies[0].Merge(tallies[i])
	}
	first.Finish(tallies[0])
	tallies[0].Sample()
	return tallies[0]
}

func roundTrip(c check.Check, s check.State) check.State {
	data, err := json.Marshal(s)
	Expect(err).NotTo(HaveOccurred())
	fresh := c.NewState()
	Expect(json.Unmarshal(data, fresh)).To(Succeed())
	return fresh
}

// codes lists "code@line" of a tally's findings.
func codes(t *model.Tally) []string {
	var out []string
	for _, f := range t.Findings {
		out = append(out, f.Code+"@"+itoa(f.Line))
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func measure(t *model.Tally, name string) [2]int64 {
	m, ok := t.Lookup(name)
	Expect(ok).To(BeTrue(), "measure %s", name)
	return [2]int64{m.Numerator, m.Denominator}
}

// rowsOf reads CSV text as the rows of a named table.
func rowsOf(table, csv string) []*model.Record {
	var out []*model.Record
	Expect(tabular.Read(table+".csv", strings.NewReader(csv), tabular.Options{Table: table}, func(r *model.Record) error {
		out = append(out, r)
		return nil
	})).To(Succeed())
	return out
}
