package profile

// DifferentialChecks counts the distinct profiles (canonical URL and
// content) whose differential the engine has checked: specs use it to see
// that copies of one profile cost one snapshot generation.
func DifferentialChecks(e *Engine) int64 { return e.sdChecks.n.Load() }
