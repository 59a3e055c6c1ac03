package check

import "time"

// Terminology says where codes that offline content cannot decide are
// looked up: a SNOMED CT release and a terminology server. A plan's
// terminology: gives the run's, which profile bindings and every check
// judging codes use; a requirement's parameters of the same names override
// them for that requirement. The zero value looks nothing up.
type Terminology struct {
	Snomed        string        `param:"snomed" doc:"SQLite file of a SNOMED CT release (carecert terminology load-snomed), which then answers for SNOMED CT codes"`
	Server        string        `param:"server" doc:"base URL of a FHIR terminology server asked what offline content cannot decide"`
	ServerTimeout time.Duration `param:"server-timeout" doc:"time limit of each terminology server request (default 10s)"`
	ServerCache   string        `param:"server-cache" doc:"folder caching the terminology server's answers"`
}

// Names reports whether t gives the setting named (snomed, server), so
// that a setting that cannot work is named where it was written.
func (t Terminology) Names(setting string) bool {
	switch setting {
	case "snomed":
		return t.Snomed != ""
	case "server":
		return t.Server != ""
	}
	return false
}

// Over returns t with what it leaves out taken from run: the SNOMED CT
// release, and the server with its timeout and cache, which go together
// (a requirement naming its own server takes none of the run's server's
// settings).
func (t Terminology) Over(run Terminology) Terminology {
	if t.Snomed == "" {
		t.Snomed = run.Snomed
	}
	if t.Server == "" {
		t.Server, t.ServerTimeout, t.ServerCache = run.Server, run.ServerTimeout, run.ServerCache
	}
	return t
}
