package profile

import (
	"fmt"
	"os"
	"sort"
	"sync"
)

var tmpMu sync.Mutex
var tmpCounts = map[string]int{}

func tmpCount(s string) { tmpMu.Lock(); tmpCounts[s]++; tmpMu.Unlock() }

func TmpDump() {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range tmpCounts {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
	for _, x := range l[:min(len(l), 25)] {
		fmt.Fprintln(os.Stderr, x.v, x.k)
	}
}
