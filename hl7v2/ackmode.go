package hl7v2

// AckMode is what a message asks of its receiver's acknowledgements (HL7
// v2 chapter 2): original mode when MSH-15 and MSH-16 are both empty (one
// application acknowledgement, AA, AE or AR); enhanced mode otherwise, where
// MSH-15 governs the accept acknowledgement (CA, CE, CR) and MSH-16 the
// application acknowledgement, each with a condition from HL7 table 0155:
// AL always, NE never, ER only on an error or rejection, SU only on success.
type AckMode struct {
	Enhanced bool
	// Accept and Application are MSH-15 and MSH-16 as sent.
	Accept, Application string
}

// AckModeOf reads a message's acknowledgement mode from MSH-15 and MSH-16.
func AckModeOf(m *Message) AckMode {
	a := AckMode{Accept: m.Get("MSH-15"), Application: m.Get("MSH-16")}
	a.Enhanced = a.Accept != "" || a.Application != ""
	return a
}

// Due says whether an acknowledgement under condition cond is owed for an
// outcome (positive: accepted, or applied without error). known is false
// when cond is empty or not in table 0155: the standard then leaves it to
// the receiver.
func Due(cond string, positive bool) (owed, known bool) {
	switch cond {
	case "AL":
		return true, true
	case "NE":
		return false, true
	case "ER":
		return !positive, true
	case "SU":
		return positive, true
	}
	return false, false
}

// Replies returns the MSA-1 codes of the acknowledgements a receiver sends,
// in order, for a message it accepts with accept (CA, CE or CR) and whose
// processing ends with application (AA, AE or AR). Where the message leaves
// a choice open (an empty MSH-15 or MSH-16 in enhanced mode), the receiver
// sends the acknowledgement: an answer nobody asked for is harmless, one
// that was expected and never came is not.
func (a AckMode) Replies(accept, application string) []string {
	if !a.Enhanced {
		return []string{application}
	}
	var out []string
	owed, known := Due(a.Accept, accept == "CA")
	sentAccept := owed || !known
	if sentAccept {
		out = append(out, accept)
	}
	// After a CE or CR the message is not processed; when no accept
	// acknowledgement was sent, the application one is the only answer.
	if accept == "CA" || !sentAccept {
		if owed, known := Due(a.Application, application == "AA"); owed || !known {
			out = append(out, application)
		}
	}
	return out
}
