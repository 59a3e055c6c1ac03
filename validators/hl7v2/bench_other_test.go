//go:build !unix

package hl7v2_test

import "time"

func sleepBriefly() { time.Sleep(50 * time.Millisecond) }

func cpuTime() time.Duration { return 0 }
