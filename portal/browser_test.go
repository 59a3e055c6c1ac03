package portal_test

import (
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/browsertest"
)

var _ = Describe("the portal in a real browser", func() {
	It("signs in, filters runs, opens a vendor, compares two releases, follows a link into a finding, attests a manual step and sees the verdict change", func() {
		w := newWorld(sqliteStore())
		ctx := browsertest.Browser()
		var shot []byte
		DeferCleanup(func() {
			if len(shot) > 0 {
				Expect(os.WriteFile(filepath.Join(browsertest.Artifacts(), "portal-finding.png"), shot, 0o644)).To(Succeed())
			}
		})

		// Nothing is shown before signing in: the run list sends to the form.
		var url, problem string
		Expect(chromedp.Run(ctx,
			chromedp.Navigate(w.server.URL+"/runs"),
			chromedp.WaitVisible("#signin", chromedp.ByID),
			chromedp.Location(&url),
			chromedp.SendKeys("#name", "ana", chromedp.ByID),
			chromedp.SendKeys("#password", "wrong", chromedp.ByID),
			navigates(chromedp.Click("#signin", chromedp.ByID)),
			chromedp.WaitVisible("#problem", chromedp.ByID),
			chromedp.Text("#problem", &problem, chromedp.ByID),
		)).To(Succeed())
		Expect(url).To(Equal(w.server.URL + "/login?next=%2Fruns"))
		Expect(problem).To(Equal("Unknown name or wrong password."))

		var rows int
		Expect(chromedp.Run(ctx,
			chromedp.SendKeys("#name", "ana", chromedp.ByID),
			chromedp.SendKeys("#password", "pw-ana", chromedp.ByID),
			navigates(chromedp.Click("#signin", chromedp.ByID)),
			chromedp.WaitVisible("#runs", chromedp.ByID),
			chromedp.Evaluate(`document.querySelectorAll('#runs tbody tr').length`, &rows),
		)).To(Succeed())
		Expect(rows).To(Equal(len(fixtureReleases)))

		// Choosing a vendor applies the filter at once (the page's script,
		// allowed by the content security policy as a file of this site).
		var vendors []string
		Expect(chromedp.Run(ctx,
			navigates(chromedp.Evaluate(`(() => { const s = document.getElementById('f-vendor'); s.value = 'Oakfield Health Software'; s.dispatchEvent(new Event('change')); })()`, nil)),
			// The reloaded page marks the chosen vendor; the first never does.
			chromedp.WaitReady(`#f-vendor option[selected]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#runs`, chromedp.ByID),
			chromedp.Evaluate(`[...document.querySelectorAll('#runs tbody tr td:nth-child(3)')].map(td => td.textContent)`, &vendors),
		)).To(Succeed())
		Expect(vendors).To(Equal([]string{"Oakfield Health Software", "Oakfield Health Software", "Oakfield Health Software"}))

		// Open the vendor; the Compare button waits for two releases.
		var heading, button string
		var disabled bool
		Expect(chromedp.Run(ctx,
			follow(`#runs tbody tr td:nth-child(3) a`),
			chromedp.WaitVisible("#vendor", chromedp.ByID),
			chromedp.Text("#vendor", &heading, chromedp.ByID),
			chromedp.Click(fmt.Sprintf("#pick-%d", w.ids[0]), chromedp.ByID),
			chromedp.Evaluate(`document.getElementById('compare').disabled`, &disabled),
		)).To(Succeed())
		Expect(heading).To(Equal("Oakfield Health Software"))
		Expect(disabled).To(BeTrue(), "one release chosen")
		Expect(chromedp.Run(ctx,
			chromedp.Click(fmt.Sprintf("#pick-%d", w.ids[4]), chromedp.ByID),
			chromedp.Text("#compare", &button, chromedp.ByID),
			navigates(chromedp.Click("#compare", chromedp.ByID)),
			chromedp.WaitVisible("#requirements", chromedp.ByID),
		)).To(Succeed())
		Expect(button).To(Equal("Compare 2 chosen"))
		var columns []string
		Expect(chromedp.Run(ctx,
			chromedp.Evaluate(`[...document.querySelectorAll('#verdicts thead th a')].map(a => a.textContent)`, &columns),
		)).To(Succeed())
		Expect(columns).To(Equal([]string{"Oakfield Health Software 11.0", "Oakfield Health Software 11.2"}))

		// The 11.0 cell of STRUCT-02 leads to its findings, and one finding opens.
		cell := fmt.Sprintf(`#requirements a[href="/runs/%d/findings?requirement=fhir-r4-structure%%2FSTRUCT-02"]`, w.ids[0])
		var message, requirement, location string
		Expect(chromedp.Run(ctx,
			follow(cell),
			chromedp.WaitVisible("#findings", chromedp.ByID),
			follow("#findings a.finding"),
			chromedp.WaitVisible("#finding", chromedp.ByID),
			chromedp.Text("#message", &message, chromedp.ByID),
			chromedp.Text(`#finding tr:nth-child(3) td`, &requirement, chromedp.ByQuery),
			chromedp.Location(&location),
			chromedp.FullScreenshot(&shot, 100),
		)).To(Succeed())
		Expect(location).To(MatchRegexp(fmt.Sprintf(`/runs/%d/findings/\d+$`, w.ids[0])))
		Expect(requirement).To(HavePrefix("fhir-r4-structure/STRUCT-02"))
		Expect(strings.TrimSpace(message)).NotTo(BeEmpty())

		// An assessor attests Riverside's witnessed demonstration as failed.
		evidence := filepath.Join(GinkgoT().TempDir(), "witness-notes.pdf")
		Expect(os.WriteFile(evidence, []byte("%PDF-1.4 witnessed demonstration notes"), 0o644)).To(Succeed())
		var before, after, attested string
		Expect(chromedp.Run(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/runs/%d", w.server.URL, w.ids[1])),
			chromedp.WaitVisible("#manual", chromedp.ByID),
			chromedp.Text("#verdict h2", &before, chromedp.ByQuery),
			chromedp.SetValue(`#manual form.attest select[name=outcome]`, "fail", chromedp.ByQuery),
			chromedp.SendKeys(`#manual form.attest input[name=note]`, "allergies on a second screen only", chromedp.ByQuery),
			chromedp.SetUploadFiles(`#manual form.attest input[type=file]`, []string{evidence}, chromedp.ByQuery),
			navigates(chromedp.Submit(`#manual form.attest`, chromedp.ByQuery)),
			chromedp.WaitReady(`#manual td.attested`, chromedp.ByQuery),
			chromedp.Text("#verdict h2", &after, chromedp.ByQuery),
			chromedp.Text(`#manual td.attested`, &attested, chromedp.ByQuery),
		)).To(Succeed())
		Expect(before).To(Equal("Certified"))
		Expect(after).To(Equal("Not certified"))
		Expect(attested).To(And(ContainSubstring("by ana"), ContainSubstring("witness-notes.pdf"), ContainSubstring("allergies on a second screen only")))

		var inline int
		Expect(chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll('script:not([src]), [style]').length`, &inline))).To(Succeed())
		Expect(inline).To(BeZero(), "no inline script or style: the policy forbids them")
	})
})

// navigates runs actions that lead the browser to another page (a click on
// a submit button, a form's submit, a script that sets the location) and
// returns once that page has loaded, so the next query is asked of it and
// never of the page being left, however slowly the machine runs.
func navigates(actions ...chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := chromedp.RunResponse(ctx, actions...)
		return err
	})
}

// follow goes where a link on the page points, as a click on it would, but
// waits for the new page to load: a click returns while the old page's nodes
// are still being asked about, which fails now and then.
func follow(selector string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var href string
		if err := chromedp.Run(ctx, chromedp.AttributeValue(selector, "href", &href, nil, chromedp.ByQuery)); err != nil {
			return err
		}
		if href == "" {
			return fmt.Errorf("%s has no href", selector)
		}
		var base string
		if err := chromedp.Run(ctx, chromedp.Location(&base)); err != nil {
			return err
		}
		u, err := neturl.Parse(base)
		if err != nil {
			return err
		}
		ref, err := u.Parse(href)
		if err != nil {
			return err
		}
		return chromedp.Run(ctx, chromedp.Navigate(ref.String()))
	})
}
