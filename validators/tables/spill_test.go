package tables

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/tabular"
)

var _ = Describe("key sets", func() {
	It("replay every entry in order from memory and spilled runs, and remove the runs", func() {
		rng := rand.New(rand.NewPCG(1, 2))
		a, b := newKeySet(2, nil), newKeySet(2, nil)
		a.limit, b.limit = 3, 4
		var want [][2]uint64
		for i := 0; i < 40; i++ {
			e := [2]uint64{rng.Uint64N(10), rng.Uint64()}
			want = append(want, e)
			if i%3 == 0 {
				b.add(e[:]...)
			} else {
				a.add(e[:]...)
			}
		}
		Expect(a.runs).NotTo(BeEmpty())
		Expect(b.runs).NotTo(BeEmpty())
		a.merge(b)
		runs := slices.Clone(a.runs)
		var got [][2]uint64
		Expect(a.each(func(e []uint64) { got = append(got, [2]uint64{e[0], e[1]}) })).To(Succeed())
		slices.SortFunc(want, func(x, y [2]uint64) int { return compareWords(x[:], y[:]) })
		Expect(got).To(Equal(want))
		for _, r := range runs {
			_, err := os.Stat(r)
			Expect(os.IsNotExist(err)).To(BeTrue(), r)
		}
	})

	It("give table-unique, table-consistent and table-reference the same findings whether they spill or not", func() {
		var csv strings.Builder
		csv.WriteString("person,start,psr\n")
		for i := 0; i < 300; i++ {
			csv.WriteString([]string{"P1", "P2", "P3", "P4", "P5", "P6", "P7"}[i%7] + ",2025-05-0" + string(rune('1'+i%5)) + "," + []string{"A", "A", "B"}[i%3] + "\n")
		}
		var recs []*model.Record
		Expect(tabular.Read("s.csv", strings.NewReader(csv.String()), tabular.Options{}, func(r *model.Record) error {
			recs = append(recs, r)
			return nil
		})).To(Succeed())
		u, err := compileInternal("table-unique", params.Params{"key": []any{"person", "start"}})
		Expect(err).NotTo(HaveOccurred())
		c, err := compileInternal("table-consistent", params.Params{"key": []any{"person"}, "field": "psr"})
		Expect(err).NotTo(HaveOccurred())
		ref, err := compileInternal("table-reference", params.Params{"field": "psr", "references": map[string]any{"field": "person"}})
		Expect(err).NotTo(HaveOccurred())
		for _, chk := range []check.Check{u, c, ref} {
			finish := func(limit int) *model.Tally {
				states := []check.State{chk.NewState(), chk.NewState()}
				for _, s := range states {
					setLimit(s, limit)
				}
				for i, r := range recs {
					states[i%2].Observe(r)
				}
				// through JSON, as a sharded run would
				data, err := json.Marshal(states[1])
				Expect(err).NotTo(HaveOccurred())
				back := chk.NewState()
				setLimit(back, limit)
				Expect(json.Unmarshal(data, back)).To(Succeed())
				Expect(states[0].Merge(back)).To(Succeed())
				t := model.NewTally(1000)
				states[0].Finish(t)
				t.Sample()
				return t
			}
			spilled, inMemory := finish(7), finish(0)
			Expect(spilled.Findings).NotTo(BeEmpty())
			Expect(spilled.Findings).To(Equal(inMemory.Findings))
			Expect(spilled.Measures).To(Equal(inMemory.Measures))
		}
	})
})

var _ = Describe("cld-continuity", func() {
	It("gives the same findings whether its key sets spill or not", func() {
		header := "LA_Person_Unique_Identifier,Event_Type,Event_Reference,Event_Start_Date,Event_End_Date,Service_Type,Service_Component\n"
		var prev, now strings.Builder
		prev.WriteString(header)
		now.WriteString(header)
		for i := 0; i < 120; i++ {
			p := "P" + string(rune('A'+i%26)) + string(rune('a'+i/26))
			ref := "R" + p
			fmt := func(b *strings.Builder, ref, start string) {
				b.WriteString(p + ",Service," + ref + "," + start + ",,Long Term Support: Community,Home Care\n")
			}
			fmt(&prev, ref, "2025-02-03")
			switch i % 4 {
			case 0: // continues
				fmt(&now, ref, "2025-02-03")
			case 1: // reference changed
				fmt(&now, ref+"x", "2025-02-03")
			case 2: // restarted on 1 April
				fmt(&now, ref+"y", "2025-04-01")
			case 3: // vanished
			}
		}
		read := func(name, text string, baseline bool) []*model.Record {
			var out []*model.Record
			Expect(tabular.Read(name, strings.NewReader(text), tabular.Options{Table: "cld", Baseline: baseline, HasBaseline: !baseline}, func(r *model.Record) error {
				out = append(out, r)
				return nil
			})).To(Succeed())
			return out
		}
		recs := append(read("prev.csv", prev.String(), true), read("now.csv", now.String(), false)...)
		chk, err := compileInternal("cld-continuity", params.Params{})
		Expect(err).NotTo(HaveOccurred())
		finish := func(limit int) *model.Tally {
			states := []check.State{chk.NewState(), chk.NewState()}
			for _, s := range states {
				setLimit(s, limit)
			}
			for i, r := range recs {
				states[i%2].Observe(r)
			}
			data, err := json.Marshal(states[1])
			Expect(err).NotTo(HaveOccurred())
			back := chk.NewState()
			setLimit(back, limit)
			Expect(json.Unmarshal(data, back)).To(Succeed())
			Expect(states[0].Merge(back)).To(Succeed())
			t := model.NewTally(1000)
			states[0].Finish(t)
			t.Sample()
			return t
		}
		spilled, inMemory := finish(5), finish(0)
		Expect(spilled.Findings).To(HaveLen(90))
		Expect(spilled.Findings).To(Equal(inMemory.Findings))
		Expect(spilled.Measures).To(Equal(inMemory.Measures))
		count := map[string]int{}
		for _, f := range spilled.Findings {
			count[f.Code]++
		}
		Expect(count).To(Equal(map[string]int{"cld.reference-changed": 30, "cld.start-reset": 30, "cld.service-vanished": 30}))
	})
})

func setLimit(s check.State, limit int) {
	switch s := s.(type) {
	case *referenceState:
		s.seen.limit = limit
	case *continuityState:
		s.Events.limit, s.Restarts.limit, s.Refs.limit = limit, limit, limit
	case *uniqueState:
		s.seen.limit = limit
	case *consistentState:
		s.seen.limit = limit
	}
}

var _ = Describe("spill folders", func() {
	It("spill a run's key sets into a folder named after the process, and remove the files as they finish", func() {
		area := &spillArea{root: GinkgoT().TempDir()}
		k := newKeySet(1, area)
		k.limit = 2
		for i := uint64(0); i < 7; i++ {
			k.add(7 - i)
		}
		Expect(k.runs).To(HaveLen(3))
		dir, err := area.folder()
		Expect(err).NotTo(HaveOccurred())
		Expect(filepath.Base(dir)).To(HavePrefix(fmt.Sprintf("carecert-spill-%d-", os.Getpid())))
		for _, r := range k.runs {
			Expect(filepath.Dir(r)).To(Equal(dir))
		}
		var got []uint64
		Expect(k.each(func(e []uint64) { got = append(got, e[0]) })).To(Succeed())
		Expect(got).To(Equal([]uint64{1, 2, 3, 4, 5, 6, 7}))
		left, err := os.ReadDir(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(left).To(BeEmpty())
	})

	It("remove the folders a killed process left, and nothing else", func() {
		root := GinkgoT().TempDir()
		gone := exec.Command("true")
		Expect(gone.Run()).To(Succeed()) // its pid belongs to no running process now
		stale := filepath.Join(root, fmt.Sprintf("carecert-spill-%d-123", gone.Process.Pid))
		live := filepath.Join(root, fmt.Sprintf("carecert-spill-%d-456", os.Getpid()))
		other := filepath.Join(root, "carecert-spill-notapid-1")
		mine := filepath.Join(root, "someone-elses")
		for _, d := range []string{stale, live, other, mine} {
			Expect(os.MkdirAll(d, 0o755)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(d, "carecert-keys-1.bin"), []byte("x"), 0o644)).To(Succeed())
		}
		sweepSpills(root)
		for _, d := range []string{live, other, mine} {
			Expect(d).To(BeADirectory())
		}
		Expect(stale).NotTo(BeAnExistingFile())
	})

	It("report a folder that cannot be made as the key set's error, not a crash", func() {
		root := filepath.Join(GinkgoT().TempDir(), "missing", "deeper")
		k := newKeySet(1, &spillArea{root: root})
		k.limit = 1
		k.add(1)
		Expect(k.each(func([]uint64) {})).To(MatchError(ContainSubstring("cannot make a folder to spill to")))
	})
})

// compileInternal compiles a check of typ through the registry, as a suite's
// requirement is, for specs that then reach into the check's state.
func compileInternal(typ string, params params.Params) (check.Check, error) {
	reg := check.NewRegistry()
	Register(reg)
	return reg.Compile(check.Spec{Requirement: "REQ", Type: typ, Params: params, Source: "test"}, &check.Env{})
}
