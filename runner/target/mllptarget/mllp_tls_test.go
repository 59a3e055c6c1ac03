package mllptarget_test

import (
	"errors"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp/mllptest"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/mllptarget"
)

var _ = Describe("mllp targets over TLS", func() {
	var dir, feed string
	var pki *mllptest.PKI
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		feed = filepath.Join(dir, "feed.hl7")
		Expect(os.WriteFile(feed, []byte(adtMessage), 0o644)).To(Succeed())
		var err error
		pki, err = mllptest.NewPKI(dir)
		Expect(err).NotTo(HaveOccurred())
	})
	open := func(url string, opts params.Params) error {
		opts["feed"] = feed
		_, err := mllptarget.Open(target.Spec{Name: "t", URL: url, Options: opts, BaseDir: dir})
		return err
	}
	listen := func(url string, opts params.Params) error {
		_, err := mllptarget.OpenListen(mllptarget.ListenOptions{})(target.Spec{Name: "l", URL: url, Options: opts, BaseDir: dir})
		return err
	}

	It("accepts mllps:// alone, tls: true, and TLS files relative to the plan", func() {
		Expect(open("mllps://127.0.0.1:2575", params.Params{})).To(Succeed())
		Expect(open("mllp://127.0.0.1:2575", params.Params{"tls": true})).To(Succeed())
		Expect(open("mllp://127.0.0.1:2575", params.Params{"tls": map[string]any{"ca_file": "ca.pem", "cert_file": "client.pem",
			"key_file": "client.key", "server_name": "localhost"}})).To(Succeed())
		Expect(listen("mllps://127.0.0.1:0", params.Params{"tls": map[string]any{"cert_file": "server.pem", "key_file": "server.key", "client_ca_file": "ca.pem"}})).To(Succeed())
	})

	DescribeTable("refuses TLS options that will not do, as a configuration error naming the option",
		func(url string, opts func() params.Params, want func() string, listener bool) {
			var err error
			if listener {
				err = listen(url, opts())
			} else {
				err = open(url, opts())
			}
			var ce *target.ConfigError
			Expect(errors.As(err, &ce)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(want()))
		},
		Entry("tls not a bool or a map", "mllp://127.0.0.1:1", func() params.Params { return params.Params{"tls": "yes"} },
			func() string { return "want true, false or a map" }, false),
		Entry("a missing certificate", "mllp://127.0.0.1:1", func() params.Params {
			return params.Params{"tls": map[string]any{"cert_file": "nope.pem", "key_file": "client.key"}}
		}, func() string { return "tls.cert_file " + filepath.Join(dir, "nope.pem") + ": cannot read it" }, false),
		Entry("a key without a certificate", "mllp://127.0.0.1:1", func() params.Params {
			return params.Params{"tls": map[string]any{"key_file": "client.key"}}
		}, func() string { return "tls.key_file is given without tls.cert_file" }, false),
		Entry("a listener key that does not match", "mllps://127.0.0.1:0", func() params.Params {
			return params.Params{"tls": map[string]any{"cert_file": "server.pem", "key_file": "other.key"}}
		}, func() string {
			return "tls.key_file " + pki.OtherKey + " does not match the certificate in tls.cert_file " + pki.ServerCert
		}, true),
		Entry("an mllps:// listener without tls", "mllps://127.0.0.1:0", func() params.Params { return params.Params{} },
			func() string { return "an mllps:// listener needs tls: {cert_file, key_file}" }, true),
		Entry("a misspelt listener option", "mllps://127.0.0.1:0", func() params.Params {
			return params.Params{"tls": map[string]any{"cert": "server.pem"}}
		}, func() string {
			return `"tls": unknown option(s) cert (known: cert_file, key_file, client_ca_file)`
		}, true),
	)
})
