package livefhir

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirclient"
)

// loadProfile is a target's optional load: concurrency clients sending
// reads and searches for duration, each on a connection of its own.
type loadProfile struct {
	concurrency int
	duration    time.Duration
}

// Bounds that keep a load profile light: carecert certifies, it does not
// stress-test.
const (
	maxConcurrency = 32
	maxLoadTime    = 5 * time.Minute
)

// loadOptions are a fhir-server target's load profile.
type loadOptions struct {
	Concurrency *int           `param:"concurrency" default:"4" doc:"clients sending at once"`
	Duration    *time.Duration `param:"duration" default:"10s" doc:"how long the load runs"`
}

// readLoad reads the load option: {concurrency: N, duration: 10s}.
func readLoad(o *loadOptions) (*loadProfile, error) {
	if o == nil {
		return nil, nil
	}
	l := &loadProfile{concurrency: 4, duration: 10 * time.Second}
	if o.Concurrency != nil {
		l.concurrency = *o.Concurrency
	}
	if o.Duration != nil {
		l.duration = *o.Duration
	}
	if l.concurrency < 1 || l.concurrency > maxConcurrency || l.duration <= 0 || l.duration > maxLoadTime {
		return nil, fmt.Errorf("load: concurrency must be 1 to %d and duration positive and at most %s", maxConcurrency, maxLoadTime)
	}
	return l, nil
}

// load runs the load profile after every other request: concurrency
// clients, each on its own connection, send in turn the reads of the
// resources sampled earlier and a search of each type, until the duration
// is over or the target's request budget (counted apart from the probe's)
// is spent. Every request is recorded as a load exchange, judged for its
// latency and errors only.
func (p *probe) load(ctx context.Context, types []string, sample map[string]map[string]any) {
	l := p.t.load
	if l == nil || p.stop || p.err != nil {
		return
	}
	var reqs []fhirclient.Request
	for _, typ := range types {
		if res := sample[typ]; res != nil && p.caps.declares(typ, "read") {
			path := typ + "/" + fhir.ID(res)
			reqs = append(reqs, fhirclient.Request{Interaction: fhirclient.Load, Label: path, Path: path})
		}
		if p.caps.declares(typ, "search-type") {
			q := url.Values{"_count": {strconv.Itoa(p.t.count)}}
			reqs = append(reqs, fhirclient.Request{Interaction: fhirclient.Load, Label: typ + "?" + q.Encode(), Path: typ, Query: q})
		}
	}
	if len(reqs) == 0 {
		p.notSent(fhirclient.Load, "load", "", "nothing the server declares was found to read or search under load")
		return
	}
	cfg := p.t.cfg
	cfg.Connections = l.concurrency
	if smart, ok := cfg.Auth.(*fhirclient.SMARTBackend); ok {
		// The load's clients share the target's registration but get a
		// token of their own, scrubbed like the probe's.
		own := smart.WithScope(smart.Scope)
		p.t.narrowed = append(p.t.narrowed, own)
		cfg.Auth = own
	}
	c, err := fhirclient.New(cfg)
	if err != nil {
		p.err = err
		return
	}
	defer c.Close()
	lctx, cancel := context.WithTimeout(ctx, l.duration)
	defer cancel()
	var mu sync.Mutex
	var done []*fhirclient.Exchange
	var wg sync.WaitGroup
	for w := range l.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; lctx.Err() == nil; i++ {
				ex := c.Do(lctx, reqs[i%len(reqs)])
				if ex.ErrCode == fhirclient.ErrCancelled || lctx.Err() != nil && ex.Failed() {
					return // the profile's time was up mid-request
				}
				ex.P50Limit, ex.P95Limit = p.t.latency.P50, p.t.latency.P95
				mu.Lock()
				done = append(done, ex)
				mu.Unlock()
				if ex.ErrCode == fhirclient.ErrBudget {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, ex := range done {
		p.emitted[fhirclient.Load] = true
		p.send(exchangeRecord(ex, p.index))
		p.index++
	}
}
