package hl7v2

import "time"

// The exchange record lives here, beside the message, rather than in the
// transport package: validators judge what was sent and what came back
// without importing the MLLP client that produced it.

// Outcome says how an exchange ended.
type Outcome string

const (
	// Answered: every response owed arrived (in enhanced mode, possibly
	// none: NE/NE asks for none).
	Answered Outcome = "answered"
	// Timeout: nothing framed came back in time.
	Timeout Outcome = "timeout"
	// Unframed: bytes came back, but not in an MLLP frame.
	Unframed Outcome = "unframed"
	// Closed: the peer closed or reset the connection instead of answering.
	Closed Outcome = "closed"
	// ConnectFailed: no connection could be made.
	ConnectFailed Outcome = "connect-failed"
	// Oversize: the response frame exceeded the limit.
	Oversize Outcome = "oversize"
)

// Commit acknowledgements of MLLP release 2: a frame holding one byte
// instead of an HL7 acknowledgement.
const (
	CommitACK = 0x06
	CommitNAK = 0x15
)

// Response is one frame the peer sent back.
type Response struct {
	Raw     []byte        `json:"-"`
	Message *Message      `json:"-"`
	Latency time.Duration `json:"latency"`
	BadEnd  bool          `json:"badEnd,omitempty"`
	// PrevBadEnd: the frame before this one (maybe another exchange's)
	// ended 0x1C without 0x0D, learnt only when this one began.
	PrevBadEnd bool `json:"prevBadEnd,omitempty"`
	// Commit is CommitACK or CommitNAK for a commit frame, else 0.
	Commit byte `json:"commit,omitempty"`
}

// Exchange is one message sent and what came back: the Value of a record of
// kind exchange.
type Exchange struct {
	// Index is the message's position in its feed, from 0.
	Index   int
	Request *Message
	// Responses holds the frames received in answer, in order: one ACK in
	// original mode; an accept ACK and then an application ACK in enhanced mode.
	Responses []Response
	Outcome   Outcome
	// Detail says what went wrong, when something did.
	Detail string
	// Skipped counts bytes received outside frames; SkippedSample shows some.
	Skipped       int
	SkippedSample []byte
	// Elapsed is from sending to the last response (or giving up).
	Elapsed time.Duration
	// Thresholds are latency limits the plan set on the target ("p95" →
	// 500ms); latency checks prefer them to their suite's defaults.
	Thresholds map[string]time.Duration
}
