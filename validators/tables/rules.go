package tables

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/vm"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/tabular"
)

// rule is one row rule: when When holds (or always), Assert must hold.
type rule struct {
	id        string
	when      *Condition
	assert    *Condition
	column    string
	message   string
	code      string
	severity  model.Severity
	sensitive bool
}

type rulesCheck struct {
	table string
	nulls nullTokens
	env   envSpec
	rules []*rule
}

func newRulesCheck(_ check.Spec, p rulesParams, env *check.Env) (check.Check, error) {
	c := &rulesCheck{table: p.Table, nulls: newNullTokens(p.NullTokens)}
	if len(p.Rules) == 0 {
		return nil, errors.New("parameter \"rules\": give at least one rule")
	}
	for i, rp := range p.Rules {
		r, err := parseRule(rp)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		c.rules = append(c.rules, r)
	}
	cols := sharedColumns(env)
	for _, r := range c.rules {
		cols.add(r.when, r.assert)
	}
	c.env = newEnvSpec(c.nulls, cols)
	return c, nil
}

func parseRule(p ruleParams) (*rule, error) {
	r := &rule{id: p.ID, column: p.Column, message: p.Message, code: p.Code, severity: model.Error, sensitive: personal.Column(p.Column)}
	if r.id == "" {
		return nil, errors.New("every rule needs an id")
	}
	wrap := func(err error) error { return fmt.Errorf("rule %s: %w", r.id, err) }
	var err error
	if p.When != "" {
		if r.when, err = CompileCondition(p.When); err != nil {
			return nil, wrap(err)
		}
	}
	if p.Assert == "" {
		return nil, wrap(errors.New("assert: give the expression every row must satisfy"))
	}
	if r.assert, err = CompileCondition(p.Assert); err != nil {
		return nil, wrap(err)
	}
	if r.message == "" {
		r.message = "row breaks rule " + r.id + ": " + p.Assert
	}
	if r.code == "" {
		r.code = "tabular.rule." + r.id
	}
	if p.Severity != nil {
		r.severity = *p.Severity
	}
	if p.Sensitive != nil {
		r.sensitive = *p.Sensitive
	}
	return r, nil
}

func (c *rulesCheck) Applies(rec *model.Record) bool { return applies(rec, c.table) }
func (c *rulesCheck) NewState() check.State          { return &rulesState{c: c} }

// rulesState has nothing to merge: rules look at one row.
type rulesState struct {
	c       *rulesCheck
	machine vm.VM
}

func (s *rulesState) Observe(rec *model.Record) []model.Finding {
	row := tabular.RowOf(rec)
	env := rowEnv(row, s.c.env)
	var out []model.Finding
	for _, r := range s.c.rules {
		if r.when != nil {
			ok, err := r.when.Eval(&s.machine, env)
			if err != nil {
				out = append(out, rowFinding(rec, row, model.Error, "tabular.expression", r.column, err.Error()))
				continue
			}
			if !ok {
				continue
			}
		}
		ok, err := r.assert.Eval(&s.machine, env)
		if err != nil {
			out = append(out, rowFinding(rec, row, model.Error, "tabular.expression", r.column, err.Error()))
			continue
		}
		if ok {
			continue
		}
		f := rowFinding(rec, row, r.severity, r.code, r.column, r.message)
		f.Evidence = evidence(env, r.assert.Columns)
		f.Sensitive = r.sensitive
		out = append(out, f)
	}
	return out
}

func (s *rulesState) Merge(other check.State) error {
	if _, ok := other.(*rulesState); !ok {
		return fmt.Errorf("table-rules: cannot merge %T", other)
	}
	return nil
}

func (s *rulesState) Finish(*model.Tally) {}

// evidence shows the columns a rule read: "Event_Start_Date=2024-05-01; Event_End_Date=2024-04-01".
func evidence(env map[string]any, columns []string) string {
	var b strings.Builder
	for _, c := range columns {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s=%v", c, env[c])
	}
	return b.String()
}
