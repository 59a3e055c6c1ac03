package tables

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/carecert/carecert/check"
)

// spillPrefix names the folders key sets spill into: carecert-spill-<pid>-*.
const spillPrefix = "carecert-spill-"

// spillArea is a run's folder for spilled key sets, made on the first spill:
// most runs never spill. A run removes its spilled files as it finishes; a
// process that is killed cannot, so every run with key-set checks first
// removes the folders of processes no longer running (an emptied folder of a
// finished run goes the same way).
type spillArea struct {
	root string
	once sync.Once
	dir  string
	err  error
}

// runSpillArea is the run's spill area, shared by every key-set check.
var runSpillArea = check.NewService(func(*check.Env) (*spillArea, error) {
	sweepSpills(os.TempDir())
	return &spillArea{root: os.TempDir()}, nil
})

// spillAreaOf returns the run's spill area (its build cannot fail).
func spillAreaOf(env *check.Env) *spillArea {
	a, _ := runSpillArea.Get(env)
	return a
}

// folder returns the area's folder, making it once.
func (a *spillArea) folder() (string, error) {
	if a == nil {
		return "", nil // the system's temp folder: key sets built without a run
	}
	a.once.Do(func() {
		a.dir, a.err = os.MkdirTemp(a.root, spillPrefix+strconv.Itoa(os.Getpid())+"-")
		if a.err != nil {
			a.err = fmt.Errorf("key set: cannot make a folder to spill to: %w", a.err)
		}
	})
	return a.dir, a.err
}

// sweepSpills removes the spill folders in root whose process has ended.
// Folders of running processes, and anything it cannot read, are left.
func sweepSpills(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), spillPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err != nil || pid <= 0 || processRunning(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(root, e.Name()))
	}
}

// processRunning reports whether a process with this id exists (signal 0
// checks without signalling; EPERM means it exists but is another user's).
func processRunning(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || err == syscall.EPERM
}
