package tables_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/suites"
	"github.com/carecert/carecert/validators/tables"
)

const frictionless = `{
  "fields": [
    {"name": "id", "type": "integer", "constraints": {"required": true}},
    {"name": "born", "type": "date", "format": "%d/%m/%Y"},
    {"name": "sex", "type": "string", "constraints": {"enum": ["M", "F"], "maxLength": 1}},
    {"name": "code", "type": "string", "constraints": {"unique": true, "pattern": "[A-Z]{2}"}},
    {"name": "parent", "type": "integer"},
    {"name": "seen", "type": "datetime"}
  ],
  "primaryKey": "id",
  "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}],
  "missingValues": ["", "NA"]
}`

var _ = Describe("ImportFrictionless", func() {
	It("makes a suite that loads, compiles and checks rows as the schema says", func() {
		out, err := tables.ImportFrictionless("people.json", []byte(frictionless), tables.ImportOptions{ID: "people"})
		Expect(err).NotTo(HaveOccurred())
		reg := check.NewRegistry()
		tables.Register(reg)
		s, err := suites.Parse("people.yaml", out, reg)
		Expect(err).NotTo(HaveOccurred())
		var ids []string
		for _, r := range s.Requirements {
			ids = append(ids, r.ID)
		}
		Expect(ids).To(Equal([]string{"FIELDS", "PRIMARY-KEY", "UNIQUE-code", "REFERENCE-1"}))
		Expect(s.Description).To(ContainSubstring("seen has type datetime, checked as a string"))

		csv := "id,born,sex,code,parent,seen\n1,01/02/1990,M,AB,,x\n1,1990-02-01,X,AB,7,NA\n2,NA,F,CD,1,\n"
		recs := rows("people.csv", csv, false)
		got := map[string][]string{}
		for _, r := range s.Requirements {
			c, err := reg.Compile(r.Spec(), &check.Env{})
			Expect(err).NotTo(HaveOccurred())
			got[r.ID] = codes(run(c, recs))
		}
		Expect(got["FIELDS"]).To(ConsistOf("tabular.date@3", "tabular.code@3"))
		Expect(got["PRIMARY-KEY"]).To(ConsistOf("tabular.duplicate@3"))
		Expect(got["UNIQUE-code"]).To(ConsistOf("tabular.duplicate@3"))
		Expect(got["REFERENCE-1"]).To(ConsistOf("tabular.reference@3"))
	})

	It("says what is wrong with a schema it cannot import", func() {
		_, err := tables.ImportFrictionless("x.json", []byte("{"), tables.ImportOptions{})
		Expect(err).To(MatchError(ContainSubstring("x.json: not a Frictionless Table Schema")))
		_, err = tables.ImportFrictionless("x.json", []byte(`{"fields": []}`), tables.ImportOptions{})
		Expect(err).To(MatchError(ContainSubstring("no fields")))
		_, err = tables.ImportFrictionless("x.json", []byte(`{"fields": [{"name": "d", "type": "date", "format": "%j"}]}`), tables.ImportOptions{})
		Expect(err).To(MatchError(ContainSubstring(`field d: date format "%j"`)))
	})
})
