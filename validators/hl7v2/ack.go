package hl7v2

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
)

func exchange(rec *model.Record) *hl7v2.Exchange {
	ex, _ := rec.Value.(*hl7v2.Exchange)
	return ex
}

func isExchange(rec *model.Record) bool {
	return rec.Kind == model.KindExchange && exchange(rec) != nil
}

// newAckCheck checks each acknowledgement. Params: mode auto (default: from
// the message's MSH-15/16), original or enhanced; accept-negative (default
// false: an AE or AR to a message the suite sent is an error).
func newAckCheck(_ check.Spec, p ackParams, _ *check.Env) (check.Check, error) {
	mode, acceptNeg := p.Mode, p.AcceptNegative
	if mode != "auto" && mode != "original" && mode != "enhanced" {
		return nil, fmt.Errorf("parameter \"mode\": %q: want auto, original or enhanced", mode)
	}
	return check.PerRecord(isExchange, func(rec *model.Record) []model.Finding {
		return CheckACK(rec, exchange(rec), mode, acceptNeg)
	}), nil
}

// CheckACK returns the findings about one exchange's acknowledgement(s).
func CheckACK(rec *model.Record, ex *hl7v2.Exchange, mode string, acceptNegative bool) []model.Finding {
	var out []model.Finding
	add := func(code, path, msg string) {
		out = append(out, finding(rec, model.Error, code, path, msg))
	}
	switch ex.Outcome {
	case hl7v2.ConnectFailed:
		add("ack.connect", "", ex.Detail)
		return out
	case hl7v2.Timeout, hl7v2.Closed:
		add("ack.missing", "", ex.Detail)
		return out
	case hl7v2.Unframed, hl7v2.Oversize:
		add("ack.framing", "", ex.Detail)
		return out
	}
	if ex.Skipped > 0 {
		out = append(out, finding(rec, model.Warning, "ack.framing", "", fmt.Sprintf("%d byte(s) arrived outside MLLP frames", ex.Skipped)))
	}
	req := ex.Request
	am := hl7v2.AckModeOf(req)
	switch mode {
	case "original":
		am = hl7v2.AckMode{}
	case "enhanced":
		// The suite expects enhanced mode: an empty condition means always.
		am.Enhanced = true
		am.Accept, am.Application = orAL(am.Accept), orAL(am.Application)
	}
	var accept, application *hl7v2.Response
	for i := range ex.Responses {
		r := &ex.Responses[i]
		which := "acknowledgement"
		if len(ex.Responses) > 1 {
			which = fmt.Sprintf("acknowledgement %d", i+1)
		}
		if r.BadEnd {
			add("ack.framing", "", which+": the frame's 0x1C end block is not followed by 0x0D")
		}
		if r.PrevBadEnd {
			add("ack.framing", "", which+": the frame before it ended 0x1C without 0x0D")
		}
		if r.Commit != 0 {
			kind := "ACK (0x06)"
			if r.Commit == hl7v2.CommitNAK {
				kind = "NAK (0x15)"
			}
			add("ack.commit", "", which+": an MLLP release 2 commit "+kind+" came back instead of an HL7 acknowledgement")
			continue
		}
		a := r.Message
		if a == nil || a.Header() == nil {
			add("ack.not-hl7", "", which+": the response is not an HL7 v2 message (no MSH)")
			continue
		}
		if a.Count("MSA") == 0 {
			add("ack.not-ack", "MSH[1].9", fmt.Sprintf("%s: the response (%s) has no MSA segment: it is not an acknowledgement", which, a.TypeName()))
			continue
		}
		if a.Type() != "ACK" {
			out = append(out, finding(rec, model.Warning, "ack.not-ack", "MSH[1].9", fmt.Sprintf("%s: the response's MSH-9 is %s, not ACK", which, a.TypeName())))
		}
		code := a.Get("MSA-1")
		switch {
		case !am.Enhanced:
			if !contains([]string{"AA", "AE", "AR"}, code) || i > 0 {
				add("ack.msa-1", "MSA[1].1", fmt.Sprintf("%s: MSA-1 is %q; in original mode (MSH-15 and MSH-16 empty) the one acknowledgement is AA, AE or AR", which, code))
			}
		case contains([]string{"CA", "CE", "CR"}, code):
			if accept != nil || application != nil {
				add("ack.order", "MSA[1].1", fmt.Sprintf("%s: an accept acknowledgement (%s) after another acknowledgement", which, code))
			}
			accept = r
			out = append(out, unasked(rec, which, "MSH-15", am.Accept, code, code == "CA")...)
		case contains([]string{"AA", "AE", "AR"}, code):
			if application != nil {
				add("ack.order", "MSA[1].1", fmt.Sprintf("%s: a second application acknowledgement (%s)", which, code))
			}
			application = r
			out = append(out, unasked(rec, which, "MSH-16", am.Application, code, code == "AA")...)
		default:
			add("ack.msa-1", "MSA[1].1", fmt.Sprintf("%s: MSA-1 is %q; in enhanced mode it is CA, CE or CR (accept) or AA, AE or AR (application)", which, code))
		}
		if code != "AA" && code != "CA" && contains([]string{"AE", "AR", "CE", "CR"}, code) {
			if a.Count("ERR") == 0 {
				add("ack.err-missing", "ERR", fmt.Sprintf("%s: MSA-1 is %s but there is no ERR segment saying why", which, code))
			}
			if !acceptNegative {
				text := a.Get("MSA-3")
				if e := a.Get("ERR-8"); e != "" {
					text = e
				}
				add("ack.negative", "MSA[1].1", fmt.Sprintf("%s: the message was not accepted (%s)%s", which, code, quoteIf(a.Delims.Unescape(text))))
			}
		}
		if got, want := a.Get("MSA-2"), req.ControlID(); got != want {
			add("ack.msa-2", "MSA[1].2", fmt.Sprintf("%s: MSA-2 is %q; it must be the message's MSH-10 %q", which, got, want))
		}
		var swaps []string
		for _, pair := range [][2]int{{3, 5}, {4, 6}, {5, 3}, {6, 4}} {
			if a.Get(fmt.Sprintf("MSH-%d", pair[0])) != req.Get(fmt.Sprintf("MSH-%d", pair[1])) {
				swaps = append(swaps, fmt.Sprintf("MSH-%d ≠ original MSH-%d", pair[0], pair[1]))
			}
		}
		if len(swaps) > 0 {
			add("ack.msh-swap", "MSH[1].3", which+": sending and receiving application/facility are not swapped: "+strings.Join(swaps, ", "))
		}
		if a.Get("MSH-12.1") != req.Get("MSH-12.1") {
			add("ack.echo", "MSH[1].12", fmt.Sprintf("%s: MSH-12 is %q; it must echo the message's %q", which, a.Get("MSH-12.1"), req.Get("MSH-12.1")))
		}
		// The standard leaves an acknowledgement's processing id to its
		// sender; echoing the message's is carecert's policy (a production
		// feed answered as training is worth a look), so it only warns.
		if a.Get("MSH-11.1") != req.Get("MSH-11.1") {
			out = append(out, finding(rec, model.Warning, "ack.echo", "MSH[1].11", fmt.Sprintf("%s: MSH-11 is %q, not the message's %q (carecert policy, not an HL7 rule)", which, a.Get("MSH-11.1"), req.Get("MSH-11.1"))))
		}
		// A sender that writes UTF-16 or UTF-32 reads its answers so; one
		// answered in another encoding (or byte order) reads garbage and
		// sends again. HL7 states no rule for it, so this too only warns
		// (carecert answers in the message's encoding, as an MLLP receiver
		// that honours MSH-18 does).
		if got, sent := a.Encoding, req.Encoding; (got.Decoded() || sent.Decoded()) && (got.Form != sent.Form || got.BigEndian != sent.BigEndian) {
			out = append(out, finding(rec, model.Warning, "ack.encoding", "", fmt.Sprintf("%s: the acknowledgement is in %s, the message was sent in %s: a sender reads its answers in the encoding it writes (carecert policy, not an HL7 rule)", which, got, sent)))
		}
	}
	switch {
	case !am.Enhanced:
		if len(ex.Responses) == 0 {
			add("ack.missing", "", "no acknowledgement came back")
		}
	default:
		if accept == nil && am.Accept == "AL" {
			add("ack.missing", "", "MSH-15 is AL but no accept acknowledgement (CA, CE, CR) came back"+quoteIf(ex.Detail))
		}
		if application == nil && am.Application == "AL" && (accept == nil || accept.Message.Get("MSA-1") == "CA") {
			add("ack.missing", "", "MSH-16 is AL but no application acknowledgement (AA, AE, AR) came back"+quoteIf(ex.Detail))
		}
	}
	return out
}

// unasked reports an acknowledgement the message's condition (MSH-15 or
// MSH-16, table 0155) did not ask for: an error for NE, a warning for ER or
// SU (the wrong kind of outcome was acknowledged).
func unasked(rec *model.Record, which, field, cond, code string, positive bool) []model.Finding {
	owed, known := hl7v2.Due(cond, positive)
	if !known || owed {
		return nil
	}
	sev := model.Warning
	if cond == "NE" {
		sev = model.Error
	}
	return []model.Finding{finding(rec, sev, "ack.unexpected", "MSA[1].1",
		fmt.Sprintf("%s: %s came back although %s is %s (%s)", which, code, field, cond, condText[cond]))}
}

var condText = map[string]string{"NE": "never", "ER": "only on error or rejection", "SU": "only on success"}

func orAL(cond string) string {
	if cond == "" {
		return "AL"
	}
	return cond
}

func quoteIf(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// latencyBuckets is the number of histogram buckets: geometric bounds from
// 0.1 ms growing by 10%, so a percentile is known to within 10%.
const latencyBuckets = 150

// latencyBound is the upper bound of bucket i (the last one is unbounded).
func latencyBound(i int) time.Duration {
	if i >= latencyBuckets-1 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(float64(100*time.Microsecond) * math.Pow(1.1, float64(i)))
}

func latencyBucket(l time.Duration) int {
	return sort.Search(latencyBuckets, func(i int) bool { return l <= latencyBound(i) })
}

func bucketName(i int) string {
	if i >= latencyBuckets-1 {
		return "ack-latency.le_inf"
	}
	return fmt.Sprintf("ack-latency.b%03d_le_%.1fms", i, float64(latencyBound(i).Microseconds())/1000)
}

// latencyCheck grades acknowledgement latency percentiles from a histogram
// kept as measures, so a stored report can be graded again. Thresholds the
// plan set on the target (carried by the exchanges) replace the suite's.
type latencyCheck struct {
	thresholds map[float64]time.Duration
}

var percentiles = map[string]float64{"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "max": 1}

// LatencyState is a worker's histogram of first-response latencies, and the
// thresholds the plan set (in milliseconds by name), if any.
type LatencyState struct {
	Counts     []int64          `json:"counts"`
	Thresholds map[string]int64 `json:"thresholds,omitempty"`
}

const thresholdMeasure = "ack-latency.threshold."

func newLatencyCheck(_ check.Spec, p ackLatencyParams, _ *check.Env) (check.Check, error) {
	c := &latencyCheck{thresholds: map[float64]time.Duration{}}
	for key, d := range map[string]time.Duration{"p50": p.P50, "p90": p.P90, "p95": p.P95, "p99": p.P99, "max": p.Max} {
		if d > 0 {
			c.thresholds[percentiles[key]] = d
		}
	}
	if len(c.thresholds) == 0 {
		return nil, fmt.Errorf("give at least one threshold: p50, p90, p95, p99 or max (durations such as 200ms)")
	}
	return c, nil
}

func (c *latencyCheck) Applies(rec *model.Record) bool { return isExchange(rec) }
func (c *latencyCheck) NewState() check.State {
	return &LatencyState{Counts: make([]int64, latencyBuckets)}
}

func (s *LatencyState) Observe(rec *model.Record) []model.Finding {
	ex := exchange(rec)
	for k, d := range ex.Thresholds {
		if s.Thresholds == nil {
			s.Thresholds = map[string]int64{}
		}
		s.Thresholds[k] = d.Milliseconds()
	}
	if len(ex.Responses) == 0 {
		return nil
	}
	s.Counts[min(latencyBucket(ex.Responses[0].Latency), len(s.Counts)-1)]++
	return nil
}

func (s *LatencyState) Merge(other check.State) error {
	o, ok := other.(*LatencyState)
	if !ok {
		return fmt.Errorf("latency: cannot merge %T", other)
	}
	for i := range s.Counts {
		if i < len(o.Counts) {
			s.Counts[i] += o.Counts[i]
		}
	}
	for k, v := range o.Thresholds {
		if s.Thresholds == nil {
			s.Thresholds = map[string]int64{}
		}
		s.Thresholds[k] = v
	}
	return nil
}

func (s *LatencyState) Finish(t *model.Tally) {
	var total int64
	for _, n := range s.Counts {
		total += n
	}
	for i, n := range s.Counts {
		if n > 0 {
			t.Measure(bucketName(i), n, total)
		}
	}
	// The plan's thresholds travel in the tally, so that grading (now or of
	// a stored report) needs nothing else.
	for k, ms := range s.Thresholds {
		t.Measure(thresholdMeasure+k, ms, 1)
	}
}

// Grade compares each percentile's bucket bound with its threshold.
func (c *latencyCheck) Grade(t *model.Tally) (model.Outcome, string) {
	counts := make([]int64, latencyBuckets)
	var total int64
	for i := range counts {
		if m, ok := t.Lookup(bucketName(i)); ok {
			counts[i] = m.Numerator
			total += m.Numerator
		}
	}
	if total == 0 {
		return model.Skip, "no acknowledgement was received to time"
	}
	// The plan's thresholds, when it set any, replace the suite's.
	thresholds := c.thresholds
	fromPlan := false
	for name, q := range percentiles {
		if m, ok := t.Lookup(thresholdMeasure + name); ok && m.Denominator > 0 {
			if !fromPlan {
				thresholds, fromPlan = map[float64]time.Duration{}, true
			}
			thresholds[q] = time.Duration(m.Numerator/m.Denominator) * time.Millisecond
		}
	}
	qs := make([]float64, 0, len(thresholds))
	for q := range thresholds {
		qs = append(qs, q)
	}
	sort.Float64s(qs)
	var failed, parts []string
	for _, q := range qs {
		need := int64(math.Ceil(q * float64(total)))
		var cum int64
		b := 0
		for i, n := range counts {
			cum += n
			if cum >= need {
				b = i
				break
			}
		}
		name := fmt.Sprintf("p%g", q*100)
		if q == 1 {
			name = "max"
		}
		bound := "over " + latencyBound(latencyBuckets-2).Round(time.Second).String()
		if b < latencyBuckets-1 {
			bound = "≈ " + latencyBound(b).Round(100*time.Microsecond).String()
		}
		parts = append(parts, fmt.Sprintf("%s %s (threshold %s)", name, bound, thresholds[q]))
		// The bucket's lower bound decides: a percentile fails only when it is
		// surely over the threshold, within the histogram's 10% resolution.
		if b > 0 && latencyBound(b-1) >= thresholds[q] {
			failed = append(failed, name)
		}
	}
	msg := fmt.Sprintf("%d acknowledgement(s): %s", total, strings.Join(parts, ", "))
	if len(failed) > 0 {
		return model.Fail, msg + "; over threshold: " + strings.Join(failed, ", ")
	}
	return model.Pass, msg
}
