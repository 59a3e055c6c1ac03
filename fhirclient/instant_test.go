package fhirclient_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirclient"
)

var _ = Describe("ParseInstant", func() {
	DescribeTable("reads a FHIR instant as the moment it names",
		func(s string, want time.Time) {
			t, err := fhirclient.ParseInstant(s)
			Expect(err).NotTo(HaveOccurred())
			Expect(t.Equal(want)).To(BeTrue(), t.String())
		},
		Entry("UTC", "2025-07-01T00:00:00Z", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)),
		Entry("an offset", "2025-07-01T01:00:00+02:00", time.Date(2025, 6, 30, 23, 0, 0, 0, time.UTC)),
		Entry("fractions of a second", "2025-07-01T00:00:00.25-01:30", time.Date(2025, 7, 1, 1, 30, 0, 250e6, time.UTC)),
	)

	DescribeTable("refuses what is not an instant, quoting it",
		func(s, why string) {
			_, err := fhirclient.ParseInstant(s)
			Expect(err).To(MatchError(`"` + s + `" is not a FHIR instant` + why))
		},
		Entry("a date", "2025-07-01", " (date, time to the second and time zone, as 2025-01-01T00:00:00Z)"),
		Entry("no zone", "2025-07-01T00:00:00", " (date, time to the second and time zone, as 2025-01-01T00:00:00Z)"),
		Entry("no seconds", "2025-07-01T00:00Z", " (date, time to the second and time zone, as 2025-01-01T00:00:00Z)"),
		Entry("a lower-case z", "2025-07-01T00:00:00z", " (date, time to the second and time zone, as 2025-01-01T00:00:00Z)"),
		Entry("empty", "", " (date, time to the second and time zone, as 2025-01-01T00:00:00Z)"),
		Entry("February 30", "2025-02-30T00:00:00Z", ": no such moment"),
	)
})
