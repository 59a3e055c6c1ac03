package params_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
)

// file locates every path at line 3, column 7, as a plan or suite file would.
type file struct{}

func (file) Errorf(path, format string, args ...any) error {
	return fmt.Errorf("plan p.yaml:3:7: %s: %s", path, fmt.Sprintf(format, args...))
}

type options struct {
	Timeout time.Duration `param:"timeout" doc:"how long"`
	Hosts   []string      `param:"hosts,required" doc:"where"`
}

var _ = Describe("decoding settings", func() {
	defaults := options{Timeout: time.Minute}

	It("keeps the defaults of keys not written and types the rest", func() {
		o := defaults
		Expect(params.Decoder{}.Decode(params.Params{"hosts": "a"}, &o, "$")).To(Succeed())
		Expect(o).To(Equal(options{Timeout: time.Minute, Hosts: []string{"a"}}))
	})

	DescribeTable("names a target's option, or a check's parameter, and locates it when it knows the file",
		func(d params.Decoder, in params.Params, want string) {
			o := defaults
			err := d.Decode(in, &o, "$.targets[0]")
			Expect(err).To(MatchError(want))
			Expect(params.Located(err)).To(Equal(d.Where != nil))
		},
		Entry("an option, unlocated", params.Decoder{Options: true}, params.Params{"hosts": "a", "timeout": 5},
			`option "timeout": want a duration (e.g. 90s, 36h, 7d), got a number`),
		Entry("a parameter, unlocated", params.Decoder{}, params.Params{"hosts": []any{}},
			`parameter "hosts" is required, and is empty: where`),
		Entry("an option, located", params.Decoder{Where: file{}, Label: "target t", Options: true}, params.Params{"hosts": "a", "timout": "1s"},
			"plan p.yaml:3:7: $.targets[0].timout: target t: unknown option(s) timout (did you mean timeout? known: timeout, hosts)"),
	)

	It("says a target takes no options", func() {
		var none struct{}
		err := params.Decoder{Options: true}.Decode(params.Params{"delimiter": ";"}, &none, "$")
		Expect(err).To(MatchError("unknown option(s) delimiter (the target takes no options)"))
	})

	It("reads a nested mapping", func() {
		p := params.Params{"headers": map[string]any{"X-Key": "k"}, "bad": "x"}
		Expect(p.Map("headers")).To(Equal(params.Params{"X-Key": "k"}))
		Expect(p.Map("absent")).To(BeNil())
		_, err := p.Map("bad")
		Expect(err).To(MatchError(`parameter "bad": want a mapping, got string`))
	})
})
