package target_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/livefhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/fhirfiles"
	"github.com/carecert/carecert/runner/target/fixturefeed"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	"github.com/carecert/carecert/runner/target/mllptarget"
	"github.com/carecert/carecert/tabular/csvtarget"
)

// everyTargetType is a registry with every target family of the build.
func everyTargetType() *target.Registry {
	reg := target.NewRegistry()
	fhirfiles.Register(reg)
	fixturefeed.Register(reg)
	hl7v2files.Register(reg)
	mllptarget.Register(reg, mllptarget.ListenOptions{})
	csvtarget.Register(reg)
	livefhir.Register(reg)
	return reg
}

// writePlan writes a plan file into dir and returns its path.
func writePlan(dir, content string) string {
	p := filepath.Join(dir, "plan.yaml")
	ExpectWithOffset(1, os.WriteFile(p, []byte(content), 0o644)).To(Succeed())
	return p
}

// option reads a decoded option by its field path ("Latency.P95"), through
// pointers and embedded structs.
func option(o any, path string) any {
	v := reflect.ValueOf(o)
	for _, name := range strings.Split(path, ".") {
		for v.Kind() == reflect.Pointer {
			ExpectWithOffset(1, v.IsNil()).To(BeFalse(), "%s is not set", path)
			v = v.Elem()
		}
		v = v.FieldByName(name)
		ExpectWithOffset(1, v.IsValid()).To(BeTrue(), "no option field %s", path)
	}
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return v.Interface()
}

// targetFiles writes the inputs the plans' local targets name.
func targetFiles(dir string) {
	for name, content := range map[string]string{
		"feed.ndjson": `{"resourceType":"Patient","id":"p"}` + "\n",
		"msgs.hl7":    "MSH|^~\\&|A|B|C|D|20250101120000||ADT^A01|1|P|2.4\rPID|1||123\r",
		"data.csv":    "9434765919;Ann\n",
	} {
		ExpectWithOffset(1, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)).To(Succeed())
	}
}

var _ = Describe("target options in a plan", func() {
	It("decodes every target family's options into its typed options, and keeps the rest of the plan", func() {
		dir := GinkgoT().TempDir()
		targetFiles(dir)
		path := writePlan(dir, `name: every target family
suites: [fhir-r4-structure]
fhir_options: {best-practice: warning}
vendors:
  - name: Acme
    product: Acme EPR
    release: "2.1"
    targets:
      - {name: files, type: fhir, path: feed.ndjson}
      - name: gen
        type: fixture
        seed: 7
        records: 40
        defects: malformed-json=2
      - {name: v2, path: msgs.hl7}
      - name: v2gen
        type: hl7v2-fixture
        seed: 3
        messages: 20
        oru-every: 4
      - name: send
        url: mllp://127.0.0.1:2575
        feed: msgs.hl7
        timeout: 3s
        rate: 12.5
        latency: {p95: 500ms, max: 2s}
        tls: false
      - name: listen
        type: mllp-listen
        url: mllp://127.0.0.1:0
        duration: 90s
        count: 5
        ack: aa
      - name: extract
        path: data.csv
        delimiter: ";"
        header: false
        columns: [nhs, name]
        rename: {nhs: NHS_Number}
        key: nhs
        max_record_lines: 3
      - name: api
        url: http://127.0.0.1:1/fhir
        resources: [Patient, Observation]
        count: 25
        headers: {X-Trace: demo}
        latency: {p95: 800ms}
        load: {concurrency: 2}
      - name: export
        type: fhir-bulk
        url: http://127.0.0.1:1/fhir
        level: group
        group: g1
        types: Patient
        poll_interval: 1s
`)
		p, err := runner.LoadPlan(path)
		Expect(err).NotTo(HaveOccurred())
		reg := everyTargetType()
		r := &runner.Runner{Checks: check.NewRegistry(), Targets: reg, Workers: 1, Tool: model.Tool{Name: "carecert", Version: "test"}}
		Expect(r.Preflight(p)).To(Succeed())

		// Nothing beside the targets is lost.
		Expect(p.Name).To(Equal("every target family"))
		Expect(p.Suites).To(Equal([]string{"fhir-r4-structure"}))
		Expect(p.FHIROptions).To(Equal(map[string]string{"best-practice": "warning"}))
		Expect(p.Vendors).To(HaveLen(1))
		Expect(p.Vendors[0].Product).To(Equal("Acme EPR"))
		Expect(p.Vendors[0].Release).To(Equal("2.1"))

		want := []struct {
			name, typ, path, url string
			options              map[string]any
		}{
			{"files", "fhir", "feed.ndjson", "", nil},
			{"gen", "fixture", "", "", map[string]any{"Seed": 7, "Records": 40, "Defects": "malformed-json=2"}},
			{"v2", "hl7v2", "msgs.hl7", "", nil},
			{"v2gen", "hl7v2-fixture", "", "", map[string]any{"Seed": 3, "Messages": 20, "ORUEvery": 4, "Defects": "none"}},
			{"send", "mllp", "", "mllp://127.0.0.1:2575", map[string]any{"Feed": "msgs.hl7", "Timeout": 3 * time.Second,
				"ConnectTimeout": 5 * time.Second, "Rate": 12.5, "MaxMessages": 10000,
				"Latency.P95": 500 * time.Millisecond, "Latency.Max": 2 * time.Second}},
			{"listen", "mllp-listen", "", "mllp://127.0.0.1:0", map[string]any{"Duration": 90 * time.Second, "Count": 5, "Ack": "aa"}},
			{"extract", "csv", "data.csv", "", map[string]any{"Delimiter": ";", "Header": false, "Columns": []string{"nhs", "name"},
				"Rename": map[string]string{"nhs": "NHS_Number"}, "Key": "nhs", "MaxRecordLines": 3, "Encoding": "auto"}},
			{"api", "fhir-server", "", "http://127.0.0.1:1/fhir", map[string]any{"Resources": []string{"Patient", "Observation"},
				"Count": 25, "MaxPages": 20, "Headers": map[string]string{"X-Trace": "demo"}, "Latency.P95": 800 * time.Millisecond,
				"Load.Concurrency": 2, "Timeout": 30 * time.Second}},
			{"export", "fhir-bulk", "", "http://127.0.0.1:1/fhir", map[string]any{"Level": "group", "Group": "g1",
				"Types": []string{"Patient"}, "PollInterval": time.Second, "MaxWait": 10 * time.Minute}},
		}
		Expect(p.Vendors[0].Targets).To(HaveLen(len(want)))
		for j, w := range want {
			spec, err := p.TargetSpec(0, j)
			Expect(err).NotTo(HaveOccurred())
			typ := spec.Type
			if typ == "" {
				typ = target.Infer(spec) // as the registry opens it
			}
			Expect([]string{spec.Name, typ, spec.Path, spec.URL}).To(Equal([]string{w.name, w.typ, w.path, w.url}))
			o, declared, err := target.DecodeOptions(reg, spec)
			Expect(err).NotTo(HaveOccurred(), w.name)
			Expect(declared).To(BeTrue(), w.name)
			for field, value := range w.options {
				Expect(option(o, field)).To(Equal(value), "%s: %s", w.name, field)
			}
		}
	})

	// Each family's plan has the target's own lines, then the bad one, last;
	// the error is at the line and column of the value written there.
	DescribeTable("refuses a misspelt or mistyped option at its line and column, naming the target",
		func(typ string, own []string, bad, at string, column int, want string) {
			dir := GinkgoT().TempDir()
			targetFiles(dir)
			lines := append([]string{"suites: [fhir-r4-structure]", "vendors:", "  - name: Acme", "    targets:",
				"      - name: t", "        type: " + typ}, own...)
			for i := range lines[6:] {
				lines[6+i] = "        " + lines[6+i]
			}
			lines = append(lines, "        "+bad)
			path := writePlan(dir, strings.Join(lines, "\n")+"\n")
			p, err := runner.LoadPlan(path)
			Expect(err).NotTo(HaveOccurred())
			r := &runner.Runner{Checks: check.NewRegistry(), Targets: everyTargetType(), Workers: 1, Tool: model.Tool{Name: "carecert", Version: "test"}}
			err = r.Preflight(p)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(HavePrefix(fmt.Sprintf("plan %s:%d:%d: vendors[0].targets[0].%s: target t: %s", path, len(lines), column, at, want)))
		},
		Entry("fhir: it takes no options", "fhir", []string{"path: feed.ndjson"}, `delimiter: ";"`, "delimiter", 20,
			"unknown option(s) delimiter (the target takes no options)"),
		Entry("hl7v2: it takes no options", "hl7v2", []string{"path: msgs.hl7"}, "feed: msgs.hl7", "feed", 15,
			"unknown option(s) feed (the target takes no options)"),
		Entry("fixture: misspelt", "fixture", nil, "recods: 5", "recods", 17,
			"unknown option(s) recods (did you mean records? known: seed, records, defects)"),
		Entry("fixture: mistyped", "fixture", nil, "seed: seven", "seed", 15, `"seven" is not a number`),
		Entry("fixture: a defect kind nobody has", "fixture", nil, "defects: gremlins=1", "defects", 18, `unknown kind "gremlins"`),
		Entry("hl7v2-fixture: misspelt", "hl7v2-fixture", nil, "mesages: 3", "mesages", 18,
			"unknown option(s) mesages (did you mean messages? known: seed, messages, oru-every, defects)"),
		Entry("hl7v2-fixture: mistyped", "hl7v2-fixture", nil, "oru-every: [4]", "oru-every", 20, "want a number, got a list"),
		Entry("mllp: misspelt", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"}, "timout: 3s", "timout", 17,
			"unknown option(s) timout (did you mean timeout? known: feed, timeout, connect-timeout, max-messages, rate, max-frame, latency, tls)"),
		Entry("mllp: mistyped", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"}, "timeout: 5", "timeout", 18,
			"want a duration (e.g. 90s, 36h, 7d), got a number"),
		Entry("mllp: misspelt inside a mapping", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"}, "latency: {p96: 1s}", "latency.p96", 24,
			"unknown option(s) p96 (did you mean p90? known: p50, p90, p95, p99, max)"),
		Entry("mllp: tls neither true, false nor a mapping", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"}, "tls: yes please", "tls", 14,
			"want true, false or a mapping of ca_file, cert_file, key_file, server_name, insecure_skip_verify, got string"),
		Entry("mllp: a rate that is not positive", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"}, "rate: 0", "rate", 15,
			"must be positive, got 0"),
		Entry("mllp: a CA trusted and verification skipped", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"},
			"tls: {insecure_skip_verify: true, ca_file: ca.pem}", "tls.ca_file", 52,
			"tls.ca_file and insecure_skip_verify are both given: trust a CA or skip verification, not both"),
		Entry("mllp: a client certificate without its key", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"},
			"tls: {cert_file: client.pem}", "tls.cert_file", 26, "tls.cert_file is given without tls.key_file: give both, the certificate and its key"),
		Entry("mllp: tls off for an mllps:// URL", "mllp", []string{"url: mllps://127.0.0.1:2575", "feed: msgs.hl7"},
			"tls: false", "tls", 14, "tls: false contradicts the mllps:// URL"),
		Entry("mllp: a CA file that cannot be read", "mllp", []string{"url: mllp://127.0.0.1:2575", "feed: msgs.hl7"},
			"tls: {ca_file: nope.pem}", "tls.ca_file", 24, "tls.ca_file "),
		Entry("mllp-listen: client certificates asked for without the listener's own", "mllp-listen", []string{"url: mllps://127.0.0.1:0"},
			"tls: {client_ca_file: ca.pem}", "tls.client_ca_file", 31,
			"tls.client_ca_file needs tls.cert_file and tls.key_file: client certificates are asked for over TLS"),
		Entry("mllp-listen: a read-timeout that is not positive", "mllp-listen", []string{"url: mllp://127.0.0.1:0"}, "read-timeout: 0s", "read-timeout", 23,
			"must be positive, got 0s"),
		Entry("mllp-listen: an addr without a port", "mllp-listen", []string{"url: mllp://127.0.0.1:0"}, "addr: localhost", "addr", 15,
			`"localhost": want host:port`),
		Entry("mllp-listen: misspelt", "mllp-listen", []string{"url: mllp://127.0.0.1:0"}, "duraton: 1m", "duraton", 18,
			"unknown option(s) duraton (did you mean duration? known: addr, duration, count, ack, max-frame, max-connections, read-timeout, tls)"),
		Entry("mllp-listen: mistyped", "mllp-listen", []string{"url: mllp://127.0.0.1:0"}, "count: many", "count", 16, `"many" is not a number`),
		Entry("mllp-listen: a value it does not know", "mllp-listen", []string{"url: mllp://127.0.0.1:0"}, "ack: ae", "ack", 14, `"ae": want aa or validate`),
		Entry("csv: misspelt", "csv", []string{"path: data.csv"}, `delimeter: ";"`, "delimeter", 20,
			"unknown option(s) delimeter (did you mean delimiter? known: table, delimiter, header, columns, rename, encoding, key, baseline, max_record_lines, tables)"),
		Entry("csv: mistyped", "csv", []string{"path: data.csv"}, `header: "false"`, "header", 17, "want true or false, got a string"),
		Entry("fhir-server: misspelt", "fhir-server", []string{"url: http://127.0.0.1:1/fhir"}, "resorces: [Patient]", "resorces", 19,
			"unknown option(s) resorces (did you mean resources? known: auth, headers, tls, timeout, max_requests_per_second, max_requests, max_body_bytes, latency, resources, max_types, searches, count, max_pages, interactions, allow_writes, load)"),
		Entry("fhir-server: mistyped", "fhir-server", []string{"url: http://127.0.0.1:1/fhir"}, "count: ten", "count", 16, `"ten" is not a number`),
		Entry("fhir-server: misspelt auth setting", "fhir-server", []string{"url: http://127.0.0.1:1/fhir"}, "auth: {type: bearer, token_evn: T}", "auth.token_evn", 41,
			"unknown option(s) token_evn (did you mean token_env? known: type, token_env, token_file, expired_token_env, expired_token_file, client_id, key_file, alg, kid, scope, token_url)"),
		Entry("fhir-server: an auth setting of another type", "fhir-server", []string{"url: http://127.0.0.1:1/fhir"}, "auth: {type: bearer, token_env: T, client_id: c}", "auth.client_id", 55,
			`not a setting of auth type "bearer"`),
		Entry("fhir-bulk: misspelt", "fhir-bulk", []string{"url: http://127.0.0.1:1/fhir"}, "levle: group", "levle", 16,
			"unknown option(s) levle (did you mean level? known: auth, headers, tls, timeout, max_requests_per_second, max_requests, max_body_bytes, latency, level, group, types, since, poll_interval, max_wait, download_timeout, file_hosts)"),
		Entry("fhir-bulk: mistyped", "fhir-bulk", []string{"url: http://127.0.0.1:1/fhir"}, "types: {Patient: true}", "types", 16, "want a list of strings, got a mapping"),
		Entry("fhir-bulk: a max_wait that is not positive", "fhir-bulk", []string{"url: http://127.0.0.1:1/fhir"}, "max_wait: 0s", "max_wait", 19,
			"must be positive, got 0s"),
		Entry("fhir-server: a max_requests that is not positive", "fhir-server", []string{"url: http://127.0.0.1:1/fhir"}, "max_requests: 0", "max_requests", 23,
			"must be positive, got 0"),
		Entry("fhir-server: a negative max_requests_per_second", "fhir-server", []string{"url: http://127.0.0.1:1/fhir"}, "max_requests_per_second: -1", "max_requests_per_second", 34,
			"must not be negative, got -1"),
	)
})

// The file families judge their path alike: none at all is the plan's
// mistake, stopped before the run at the target's line; a path that cannot be
// read when the target is opened (a plan's missing file is refused when the
// plan is loaded; a command line's, or one gone since, is not) is the
// target's problem, left for its results.
var _ = Describe("a file family's path", func() {
	preflight := func(typ, where string) (string, error) {
		dir := GinkgoT().TempDir()
		path := writePlan(dir, "suites: [fhir-r4-structure]\nvendors:\n  - name: Acme\n    targets:\n      - name: t\n        type: "+typ+"\n        "+where+"\n")
		p, err := runner.LoadPlan(path)
		Expect(err).NotTo(HaveOccurred())
		r := &runner.Runner{Checks: check.NewRegistry(), Targets: everyTargetType(), Workers: 1, Tool: model.Tool{Name: "carecert", Version: "test"}}
		return path, r.Preflight(p)
	}

	DescribeTable("is a located plan mistake when the target names none",
		func(typ string) {
			path, err := preflight(typ, "url: http://127.0.0.1:1/fhir")
			Expect(err).To(MatchError(fmt.Sprintf("plan %s:5:13: vendors[0].targets[0]: vendor Acme: target t: type %s reads a file or folder: give the target a path", path, typ)))
			_, _, err = everyTargetType().Open(target.Spec{Name: "t", Type: typ, URL: "http://127.0.0.1:1/fhir"})
			var ce *target.ConfigError
			Expect(errors.As(err, &ce)).To(BeTrue(), "%v", err)
		},
		Entry("fhir", "fhir"), Entry("hl7v2", "hl7v2"), Entry("csv", "csv"))

	DescribeTable("is the target's problem, not the plan's, when it cannot be read",
		func(typ string) {
			dir := GinkgoT().TempDir()
			_, _, err := everyTargetType().Open(target.Spec{Name: "t", Type: typ, Path: "absent", BaseDir: dir})
			Expect(err).To(MatchError("target t: cannot read " + filepath.Join(dir, "absent") + ": no such file or directory"))
			var ce *target.ConfigError
			Expect(errors.As(err, &ce)).To(BeFalse())
		},
		Entry("fhir", "fhir"), Entry("hl7v2", "hl7v2"), Entry("csv", "csv"))
})

// Every family with TLS options maps their mistakes through one place
// (Spec.OptionMistake): the same mistake reads the same whatever the target,
// at the option's line and column in a plan, and as the option names it when
// the target comes from elsewhere.
var _ = Describe("a TLS option's mistake", func() {
	families := []TableEntry{
		Entry("mllp", "mllp", "mllps://127.0.0.1:2575", "feed: msgs.hl7"),
		Entry("mllp-listen", "mllp-listen", "mllps://127.0.0.1:0", "tls: {cert_file: absent.pem, key_file: absent.pem}"),
		Entry("fhir-server", "fhir-server", "https://127.0.0.1:1/fhir", ""),
		Entry("fhir-bulk", "fhir-bulk", "https://127.0.0.1:1/fhir", ""),
	}
	// tls is the family's own bad tls option: a file that is not there.
	tls := func(typ string) (option string, value map[string]any, line string) {
		if typ == "mllp-listen" {
			return "tls.cert_file", map[string]any{"cert_file": "absent.pem", "key_file": "absent.pem"}, "tls: {cert_file: absent.pem, key_file: absent.pem}"
		}
		return "tls.ca_file", map[string]any{"ca_file": "absent.pem"}, "tls: {ca_file: absent.pem}"
	}

	DescribeTable("is located at the option in a plan",
		func(typ, url, own string) {
			dir := GinkgoT().TempDir()
			targetFiles(dir)
			option, _, line := tls(typ)
			lines := []string{"suites: [fhir-r4-structure]", "vendors:", "  - name: Acme", "    targets:", "      - name: t", "        type: " + typ, "        url: " + url}
			if own != "" && own != line {
				lines = append(lines, "        "+own)
			}
			lines = append(lines, "        "+line)
			path := writePlan(dir, strings.Join(lines, "\n")+"\n")
			p, err := runner.LoadPlan(path)
			Expect(err).NotTo(HaveOccurred())
			r := &runner.Runner{Checks: check.NewRegistry(), Targets: everyTargetType(), Workers: 1, Tool: model.Tool{Name: "carecert", Version: "test"}}
			column := strings.Index(line, option[len("tls."):]) + len(option[len("tls."):]) + 2 + 9
			Expect(r.Preflight(p)).To(MatchError(fmt.Sprintf("plan %s:%d:%d: vendors[0].targets[0].%s: target t: %s %s: cannot read it: no such file or directory",
				path, len(lines), column, option, option, filepath.Join(dir, "absent.pem"))))
		}, families)

	DescribeTable("is a configuration error naming the option when no plan file locates it",
		func(typ, url, own string) {
			dir := GinkgoT().TempDir()
			targetFiles(dir)
			option, value, _ := tls(typ)
			opts := params.Params{"tls": value}
			if own == "feed: msgs.hl7" {
				opts["feed"] = "msgs.hl7"
			}
			_, _, err := everyTargetType().Open(target.Spec{Name: "t", Type: typ, URL: url, Options: opts, BaseDir: dir})
			Expect(err).To(MatchError(fmt.Sprintf("target t: %s %s: cannot read it: no such file or directory", option, filepath.Join(dir, "absent.pem"))))
			var ce *target.ConfigError
			Expect(errors.As(err, &ce)).To(BeTrue())
		}, families)
})
