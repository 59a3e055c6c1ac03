package check_test

import (
	"errors"
	"fmt"
	"runtime"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

var _ = Describe("the check registry", func() {
	It("compiles registered types and names the requirement when it cannot", func() {
		reg := check.NewRegistry()
		reg.Register("always", "passes", func(check.Spec, *check.Env) (check.Check, error) {
			return check.PerRecord(check.KindIs(model.KindFHIR), func(*model.Record) []model.Finding { return nil }), nil
		})
		reg.Register("broken", "fails to compile", func(check.Spec, *check.Env) (check.Check, error) {
			return nil, errors.New("no value set")
		})
		Expect(reg.Types()).To(Equal([]string{"always", "broken"}))
		c, err := reg.Compile(check.Spec{Requirement: "R1", Type: "always"}, &check.Env{})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Applies(&model.Record{Kind: model.KindFHIR})).To(BeTrue())
		Expect(c.Applies(&model.Record{Kind: model.KindCSV})).To(BeFalse())
		_, err = reg.Compile(check.Spec{Requirement: "R2", Type: "broken", Source: "s.yaml:9"}, &check.Env{})
		Expect(err).To(MatchError("s.yaml:9: requirement R2: check broken: no value set"))
		_, err = reg.Compile(check.Spec{Requirement: "R3", Type: "nope", Source: "s.yaml:12"}, &check.Env{})
		Expect(err).To(MatchError(`s.yaml:12: requirement R3: unknown check type "nope" (known: always, broken)`))
		Expect(func() { reg.Register("always", "again", nil) }).To(PanicWith("check: type registered twice: always"))
	})

	It("says where each type was registered, whether with Register or Define", func() {
		reg := check.NewRegistry()
		_, _, line, _ := runtime.Caller(0)
		reg.Register("plain", "registered", func(check.Spec, *check.Env) (check.Check, error) { return nil, nil })
		check.Define(reg, "typed", "defined", struct{}{}, func(check.Spec, struct{}, *check.Env) (check.Check, error) { return nil, nil })
		Expect(reg.DefinedAt("plain")).To(Equal(fmt.Sprintf("check/check_test.go:%d", line+1)))
		Expect(reg.DefinedAt("typed")).To(Equal(fmt.Sprintf("check/check_test.go:%d", line+2)))
		Expect(reg.DefinedAt("unknown")).To(BeEmpty())
	})

	It("builds a run's service once, from the run's settings, and keeps no failed build", func() {
		builds := 0
		schema := check.NewService(func(env *check.Env) (string, error) { builds++; return "schema of " + env.PlanDir, nil })
		env := &check.Env{PlanDir: "p"}
		for i := 0; i < 3; i++ {
			v, err := schema.Get(env)
			Expect(err).NotTo(HaveOccurred())
			Expect(v).To(Equal("schema of p"))
		}
		Expect(builds).To(Equal(1))

		shared := &check.Env{PlanDir: "q", Services: check.NewServices()}
		vendor := *shared // a vendor's copy of the run's env
		vendor.Baseline = "b"
		a, _ := schema.Get(shared)
		b, _ := schema.Get(&vendor)
		Expect(a).To(Equal("schema of q"))
		Expect(b).To(Equal(a))
		Expect(builds).To(Equal(2), "one build per run, shared by the copies of its env")

		fails := true
		flaky := check.NewService(func(*check.Env) (int, error) {
			if fails {
				return 0, errors.New("cannot load")
			}
			return 7, nil
		})
		_, err := flaky.Get(env)
		Expect(err).To(MatchError("cannot load"))
		_, built := flaky.Built(env)
		Expect(built).To(BeFalse())
		fails = false
		Expect(flaky.Get(env)).To(Equal(7))
	})

	It("builds one member of a family per key, whoever asks first", func() {
		type settings struct {
			url     string
			timeout int
		}
		clients := check.NewServiceFamily(func(_ *check.Env, s settings) (string, error) {
			return fmt.Sprintf("%s within %d", s.url, s.timeout), nil
		})
		other := check.NewServiceFamily(func(_ *check.Env, s settings) (string, error) { return "other", nil })
		env := &check.Env{}
		a, _ := clients.Get(env, settings{"http://tx", 5})
		b, _ := clients.Get(env, settings{"http://tx", 30})
		Expect(a).To(Equal("http://tx within 5"))
		Expect(b).To(Equal("http://tx within 30"), "a second caller's settings are its own")
		Expect(other.Get(env, settings{"http://tx", 5})).To(Equal("other"), "families with one key type stay apart")
		clients.Provide(env, settings{"http://given", 1}, "given")
		Expect(clients.Get(env, settings{"http://given", 1})).To(Equal("given"))
	})
})
