package hl7v2_test

import (
	"context"
	"testing"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/suites"
	v2 "github.com/carecert/carecert/validators/hl7v2"
)

// FuzzValidate: whatever the bytes, every check of hl7v2-structure and
// nhs-adt-v2 returns without panicking, and every finding has a location.
//
//	go test ./validators/hl7v2 -run '^$' -fuzz FuzzValidate -fuzztime 60s
func FuzzValidate(f *testing.F) {
	f.Add([]byte(segs(msh24, "EVN|A01|20240101", "PID|1||4010232137^^^NHS^NH~1^^^RX1^MR||SMITH^ANN||19800101|F", "PV1|1|I|W1", "ZU1|x")))
	f.Add([]byte(segs(`MSH|^~\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C2|P|2.5.1|||AL|AL||UNICODE UTF-8`, "PID|1", "ORC|RE", "OBR|1", "OBX|1|NM|x||1|||||||F|20241301")))
	f.Add([]byte("MSH|^~\\&|||||||ADT^A99^ZZZ_Z|||9.9\rPID|||^^^^NH01~\\X4\\\rQQQ\r"))
	f.Add([]byte("MSH#$*@%#A#B#C#D#2024##ACK#1#P#2.3\rMSA#AE#1\r"))
	// UTF-16 after a mark, declared so, with a lone surrogate; and UTF-16BE
	// without one under a set carecert does not decode.
	f.Add(hl7v2test.Encode(segs(`MSH|^~\&|A|B|C|D|2024||ADT^A01|1|P|2.5||||||UNICODE UTF-16`, "PID|1||||ZO\u00cb"), hl7v2.Encoding{Form: "UTF-16", BOM: true}))
	f.Add(append(hl7v2test.Encode(segs(`MSH|^~\&|A|B|C|D|2024||ADT^A01|1|P|2.5||||||ISO IR87`, "PID|1"), hl7v2.Encoding{Form: "UTF-16", BigEndian: true}), 0xD8, 0x00))
	reg := check.NewRegistry()
	v2.Register(reg)
	env := &check.Env{Context: context.Background()}
	var checks []check.Check
	for _, id := range []string{"hl7v2-structure", "nhs-adt-v2"} {
		s, err := suites.Builtin(id, reg)
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range s.Requirements {
			c, err := reg.Compile(r.Spec(), env)
			if err != nil {
				f.Fatal(err)
			}
			checks = append(checks, c)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := hl7v2.ParseAll(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			rec := m.Record("fuzz.hl7")
			if rec.Problem != nil {
				continue
			}
			for _, c := range checks {
				if !c.Applies(rec) {
					continue
				}
				for _, fd := range c.NewState().Observe(rec) {
					if fd.File == "" || fd.Line < 1 || fd.Record == "" || fd.Code == "" {
						t.Fatalf("finding without a location: %+v", fd)
					}
				}
			}
		}
	})
}
