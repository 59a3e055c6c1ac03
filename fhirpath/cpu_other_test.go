//go:build !unix

package fhirpath_test

import "time"

func cpuTime() time.Duration { return 0 }
