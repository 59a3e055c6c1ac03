// Package buildinfo names the carecert release that wrote a report, from what
// the Go toolchain stamped into the binary: the module version when it was
// installed as a module (go install ...@v1.2.0), else the commit it was built
// from and whether the tree had uncommitted changes. A buyer filing a report
// can then tell which release judged the vendor.
package buildinfo

import "runtime/debug"

// Version is override when the build set one (-ldflags -X), else the version
// the binary's build information gives, else "dev".
func Version(override string) string {
	if override != "" && override != "dev" {
		return override
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo is the version in bi: the main module's version, or
// "dev+REVISION" (12 hex digits) with ".dirty" when the tree was modified,
// or "dev" when the build recorded neither.
func FromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "dev+" + rev
	if dirty {
		v += ".dirty"
	}
	return v
}
