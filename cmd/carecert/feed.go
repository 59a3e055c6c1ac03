package main

import (
	"path/filepath"
	"strings"

	"github.com/carecert/carecert/runner"
)

// setFeed gives every MLLP target without a feed of its own the --feed file.
// The path is made absolute, since plan targets resolve relative paths
// against the plan's folder, not the working directory.
func setFeed(p *runner.Plan, feed string) {
	if abs, err := filepath.Abs(feed); err == nil {
		feed = abs
	}
	for _, v := range p.Vendors {
		for _, t := range v.Targets {
			typ, _ := t["type"].(string)
			url, _ := t["url"].(string)
			if (typ == "mllp" || (typ == "" && (strings.HasPrefix(strings.ToLower(url), "mllp://") || strings.HasPrefix(strings.ToLower(url), "mllps://")))) && t["feed"] == nil {
				t["feed"] = feed
			}
		}
	}
}
