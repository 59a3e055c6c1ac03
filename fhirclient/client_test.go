package fhirclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirclient"
	"github.com/carecert/carecert/model"
)

func server(h http.HandlerFunc) string {
	s := httptest.NewServer(h)
	DeferCleanup(s.Close)
	return s.URL
}

func client(cfg fhirclient.Config) *fhirclient.Client {
	c, err := fhirclient.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(c.Close)
	return c
}

var _ = Describe("client", func() {
	ctx := context.Background()

	It("records a FHIR response: status, kept headers, latency, excerpt, decoded resource and its records", func() {
		url := server(func(w http.ResponseWriter, r *http.Request) {
			Expect(r.Header.Get("Accept")).To(Equal("application/fhir+json"))
			Expect(r.Header.Get("X-Org")).To(Equal("RX1"))
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Header().Set("ETag", `W/"3"`)
			w.Header().Set("Set-Cookie", "session=abc")
			fmt.Fprint(w, `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p1"}}]}`)
		})
		var recs []*model.Record
		ex := client(fhirclient.Config{BaseURL: url + "/fhir/", Headers: map[string]string{"X-Org": "RX1"}}).Do(ctx, fhirclient.Request{
			Interaction: fhirclient.Search, Label: "Patient", Path: "Patient", Query: map[string][]string{"gender": {"female"}},
			Resources: func(r *model.Record) { recs = append(recs, r) },
		})
		Expect(ex.Err).To(BeEmpty())
		Expect(ex.URL).To(Equal(url + "/fhir/Patient?gender=female"))
		Expect(ex.Status).To(Equal(200))
		Expect(ex.Headers).To(Equal(map[string]string{"content-type": "application/fhir+json", "etag": `W/"3"`}))
		Expect(ex.ResourceType()).To(Equal("Bundle"))
		Expect(ex.Excerpt).To(HavePrefix(`{"resourceType":"Bundle"`))
		Expect(recs).To(HaveLen(2))
		Expect(recs[1].Name()).To(Equal("Patient/p1"))
		Expect(recs[1].Container).To(BeIdenticalTo(recs[0]))
		Expect(recs[1].Source).To(Equal(ex.URL))
	})

	It("redacts secrets in URLs and scrubs known secrets from excerpts and errors", func() {
		const token = "tok-0123456789abcdef"
		url := server(func(w http.ResponseWriter, r *http.Request) {
			Expect(r.Header.Get("Authorization")).To(Equal("Bearer " + token))
			w.Header().Set("Content-Type", "application/fhir+json")
			w.Header().Set("Location", "http://elsewhere/x?access_token="+token)
			fmt.Fprintf(w, `{"resourceType":"OperationOutcome","issue":[{"diagnostics":"bad token %s"}]}`, token)
		})
		c := client(fhirclient.Config{BaseURL: "http://user:pw@" + strings.TrimPrefix(url, "http://"), Auth: fhirclient.Bearer{Token: token}})
		ex := c.Do(ctx, fhirclient.Request{Path: "Patient", Query: map[string][]string{"api_key": {"k-secret"}, "name": {"x"}}})
		data, err := json.Marshal(ex)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).NotTo(ContainSubstring(token))
		Expect(string(data)).NotTo(ContainSubstring("k-secret"))
		Expect(string(data)).NotTo(ContainSubstring("pw@"))
		Expect(ex.URL).To(ContainSubstring("api_key=REDACTED"))
		Expect(ex.Excerpt).To(ContainSubstring("bad token [REDACTED]"))
		Expect(ex.Header("location")).To(Equal("http://elsewhere/x?access_token=REDACTED"))
		Expect(ex.RawHeader("location")).To(HaveSuffix(token), "kept whole, unserialised, for following")
	})

	It("cuts excerpts at a character boundary", func() {
		url := server(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, strings.Repeat("é", 400))
		})
		ex := client(fhirclient.Config{BaseURL: url}).Do(ctx, fhirclient.Request{Path: "x"})
		Expect(ex.Excerpt).To(HaveSuffix("é …"))
		Expect(len(ex.Excerpt)).To(BeNumerically("<=", 310))
	})

	It("says when a JSON body cannot be decoded", func() {
		url := server(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/fhir+json")
			fmt.Fprint(w, `{"resourceType":"Patient",`)
		})
		ex := client(fhirclient.Config{BaseURL: url}).Do(ctx, fhirclient.Request{Path: "Patient/1"})
		Expect(ex.Resource).To(BeNil())
		Expect(ex.BodyProblem).To(HavePrefix("body is not valid JSON"))
	})

	It("refuses a base URL that is not http(s), without echoing credentials", func() {
		_, err := fhirclient.New(fhirclient.Config{BaseURL: "ftp://u:secret@host/fhir"})
		Expect(err).To(MatchError(ContainSubstring("want http:// or https://")))
		Expect(err.Error()).NotTo(ContainSubstring("secret"))
	})

	It("classifies a request cancelled by the run as cancelled, not as a server fault", func() {
		url := server(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		ex := client(fhirclient.Config{BaseURL: url, Timeout: 5 * time.Second}).Do(cctx, fhirclient.Request{Path: "x"})
		Expect(ex.ErrCode).To(Equal(fhirclient.ErrCancelled))
	})

	It("streams a 200 body to the consumer and reads other bodies as evidence", func() {
		var n atomic.Int32
		url := server(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				fmt.Fprint(w, "{\"a\":1}\n{\"a\":2}\n")
				return
			}
			w.Header().Set("Content-Type", "application/fhir+json")
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, `{"resourceType":"OperationOutcome"}`)
		})
		c := client(fhirclient.Config{BaseURL: url})
		var got []byte
		ex := c.Stream(ctx, fhirclient.Request{Path: "f.ndjson"}, func(r io.Reader) error {
			var err error
			got, err = io.ReadAll(r)
			return err
		})
		Expect(ex.Status).To(Equal(200))
		Expect(string(got)).To(ContainSubstring(`{"a":2}`))
		ex = c.Stream(ctx, fhirclient.Request{Path: "f.ndjson"}, func(r io.Reader) error {
			Fail("a 410 body is not streamed")
			return nil
		})
		Expect(ex.Status).To(Equal(410))
		Expect(ex.ResourceType()).To(Equal("OperationOutcome"))
	})
})

var _ = Describe("credentials", func() {
	It("go only to the server under test, never to a URL on another origin", func() {
		var got []string
		record := func(w http.ResponseWriter, r *http.Request) {
			got = append(got, r.Host+" auth="+r.Header.Get("Authorization")+" org="+r.Header.Get("X-Org"))
		}
		base := server(record)
		other := server(record)
		c := client(fhirclient.Config{BaseURL: base, Auth: fhirclient.Bearer{Token: "t0k3n-value"}, Headers: map[string]string{"X-Org": "RX1"}})
		c.Do(context.Background(), fhirclient.Request{Path: "Patient"})
		c.Do(context.Background(), fhirclient.Request{URL: other + "/Patient?page=2"})
		Expect(got).To(Equal([]string{
			strings.TrimPrefix(base, "http://") + " auth=Bearer t0k3n-value org=RX1",
			strings.TrimPrefix(other, "http://") + " auth= org=",
		}))
	})
})
