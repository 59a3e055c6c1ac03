// Package command holds how carecert's generators and bench commands stop
// when they are called wrongly or fail, so that each main says only what it
// reads and does.
package command

import (
	"fmt"
	"os"
)

// Usage stops a command called wrongly: it prints line on standard error
// and exits 2.
func Usage(line string) {
	fmt.Fprintln(os.Stderr, line)
	os.Exit(2)
}

// Stop stops a command that failed: it prints "name: err" on standard error
// and exits with status.
func Stop(status int, name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(status)
}
