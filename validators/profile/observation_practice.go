package profile

// CodeBestPractice marks a best-practice guideline a resource does not
// follow, reported only at the severity the best-practice option asks.
const CodeBestPractice = "profile.best-practice"

// observationPractice reports an Observation that does not say whom it is
// about, who made it or when it holds: R4 leaves subject, performer and
// effective[x] optional (an observation may be recorded before all is
// known), but one without them can hardly be interpreted, so the reference
// validator reports each as best practice. Off by default, as the option is.
func (w *walker) observationPractice(m map[string]any, path string) {
	if w.e.bestPractice == BestPracticeIgnore {
		return
	}
	sev := w.e.bestPractice.severity()
	if m["subject"] == nil {
		w.add(sev, CodeBestPractice, path, "best practice: an Observation says whom it is about (subject)", "")
	}
	if performers, _ := m["performer"].([]any); len(performers) == 0 {
		w.add(sev, CodeBestPractice, path, "best practice: an Observation says who made it (performer)", "")
	}
	if m["effectiveDateTime"] == nil && m["effectivePeriod"] == nil && m["effectiveTiming"] == nil && m["effectiveInstant"] == nil {
		w.add(sev, CodeBestPractice, path, "best practice: an Observation says when it holds (effective[x])", "")
	}
}
