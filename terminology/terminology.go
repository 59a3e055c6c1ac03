// Package terminology is carecert's offline terminology engine: it holds FHIR
// CodeSystems, ValueSets and ConceptMaps (from the embedded R4 core and any
// loaded implementation guide), compiles value sets for membership tests and
// expansion, and answers validate-code questions without a network. Where
// offline content cannot decide a question it says so (Unknown, with the
// reason); it never passes a code silently. An Engine is safe for concurrent
// use once loaded.
package terminology

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/terminology/ucum"
)

// Well-known code system URIs.
const (
	SNOMED = "http://snomed.info/sct"
	LOINC  = "http://loinc.org"
	UCUM   = "http://unitsofmeasure.org"
	ICD10  = "http://hl7.org/fhir/sid/icd-10"
	// ICD10UK is the UK edition, as UK Core names it.
	ICD10UK = "http://hl7.org/fhir/sid/icd-10-uk"
	DMD     = "https://dmd.nhs.uk"
)

// Provider answers for a code system whose content lives outside the engine,
// such as a SNOMED CT release loaded into SQLite.
type Provider interface {
	// Lookup returns the concept with code, or false when the release has none.
	Lookup(ctx context.Context, code string) (*Concept, bool, error)
	// Subsumes reports whether code is ancestor or one of its descendants.
	Subsumes(ctx context.Context, ancestor, code string) (bool, error)
}

// Remote answers validate-code questions offline content cannot, such as a
// FHIR terminology server (see package remote).
type Remote interface {
	ValidateCode(ctx context.Context, system, code, display, valueSet string) (Result, error)
}

// Grammar validates codes of a code system defined by a syntax rather than a
// list (UCUM, BCP-47 language tags, MIME types): nil means the code is valid.
type Grammar func(code string) error

// Engine holds terminology content and compiled value sets.
type Engine struct {
	// content is the definitions the engine reads, shared with the engines
	// derived from it (see Derive); the rest is the engine's own.
	*content

	providers  map[string]Provider
	grammars   map[string]Grammar
	expansions map[string]*Expansion
	remote     Remote

	// members and codes remember Member's and CheckCode's answers, expanded
	// Expand's (asked per observation by the unit rules of value sets).
	members  memo[memberQuestion, memberAnswer]
	codes    memo[codeQuestion, codeAnswer]
	expanded memo[string, []Coding]
}

// changed empties the memos and compiled value sets after the content
// changed. The caller holds e.mu.
func (e *Engine) changed() {
	e.expansions = map[string]*Expansion{}
	e.members.forget()
	e.codes.forget()
	e.expanded.forget()
}

// content is what an engine knows from definitions: code systems, value
// sets and concept maps. Engines derived from one another share it, so the
// R4 core and a run's guides are loaded once for every SNOMED CT release or
// terminology server a run's requirements name. Its mutex also guards the
// fields of every engine over it.
type content struct {
	// load, when set, fills the content on first use (the embedded R4 core is
	// only decompressed when a run first needs a code checked).
	load     func(e *Engine) error
	loadOnce sync.Once
	loadErr  error

	mu          sync.RWMutex
	codeSystems map[string]*CodeSystem
	valueSets   map[string]*ValueSet
	// pendingCS and pendingVS hold embedded definitions not decoded yet: a
	// run decodes only the code systems and value sets it uses.
	pendingCS   map[string]*pending
	pendingVS   map[string]*pending
	conceptMaps []*ConceptMap
	// translations indexes conceptMaps by source code, built on first use.
	translations map[[2]string][]Mapping
	xml          XMLDecoder
	// slim holds the core code systems as the engine reads them (core.zip).
	slim    *r4core.Derived
	skipped []string

	// coreLoads counts LoadCore's loads of the R4 core into this content;
	// engines counts the engines over it. Once an engine is derived the
	// content is sealed: nothing is added to it, so no engine's compiled
	// value sets or memos go stale.
	coreLoads int
	engines   int
	sealed    bool
}

// errSealed refuses definitions added to content engines share.
var errSealed = errors.New("terminology: the engine's content is shared with derived engines and takes no more definitions")

// consults reports whether answers may come from outside the engine (a
// SNOMED CT release, a terminology server), where "cannot tell" may be a
// passing failure and is not remembered.
func (e *Engine) consults() bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.remote != nil || len(e.providers) > 0
}

// New returns an empty engine that knows the code systems defined by a
// grammar rather than content: UCUM, BCP-47 language tags, MIME types and
// ISO 4217 currency codes.
func New() *Engine {
	e := &Engine{
		content: &content{
			codeSystems: map[string]*CodeSystem{},
			valueSets:   map[string]*ValueSet{},
			pendingCS:   map[string]*pending{},
			pendingVS:   map[string]*pending{},
			slim:        r4core.NewDerived(coreArchive),
			engines:     1,
		},
		providers:  map[string]Provider{},
		grammars:   map[string]Grammar{},
		expansions: map[string]*Expansion{},
	}
	e.grammars[LanguageSystem] = LanguageTag
	e.grammars[MIMESystem] = MIMEType
	e.grammars[UCUM] = ucum.Validate
	e.grammars[CurrencySystem] = CurrencyCode
	return e
}

// NewCore returns an engine that loads the embedded FHIR R4 core code systems
// and value sets, and then runs extra (loading IGs, mappings), on first use.
func NewCore(extra func(e *Engine) error) *Engine {
	e := New()
	e.load = func(e *Engine) error {
		if err := e.LoadCore(); err != nil {
			return err
		}
		if extra != nil {
			return extra(e)
		}
		return nil
	}
	return e
}

// Ready loads the engine's content if it has not been loaded yet, and returns
// the load error, if any. Every query calls it.
func (e *Engine) Ready() error {
	e.loadOnce.Do(func() {
		if e.load != nil {
			e.loadErr = e.load(e)
		}
	})
	return e.loadErr
}

// Derive returns an engine over e's content, loaded first if it was not,
// with e's providers, grammars and server, to which the caller adds its own
// (a SNOMED CT release, a terminology server) without changing e. The
// content is then shared and sealed: neither engine takes definitions after.
func (e *Engine) Derive() (*Engine, error) {
	if err := e.Ready(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sealed = true
	e.engines++
	return &Engine{content: e.content, providers: maps.Clone(e.providers), grammars: maps.Clone(e.grammars),
		expansions: map[string]*Expansion{}, remote: e.remote}, nil
}

// Sharing reports how many times the R4 core was loaded into e's content
// and how many engines share that content (e and those derived from it).
func (e *Engine) Sharing() (coreLoads, engines int) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.coreLoads, e.engines
}

// LoadCore adds the code systems and value sets of the embedded R4 core,
// indexed from the archives' indexes: each is decompressed on first use.
func (e *Engine) LoadCore() error {
	for _, name := range []string{r4core.ValueSets, r4core.V3CodeSystems, r4core.V2Tables, r4core.ConceptMaps} {
		resources, err := r4core.Resources(name)
		if err != nil {
			return err
		}
		entries := make([]entryHeader, len(resources))
		for i := range resources {
			r := &resources[i]
			entries[i] = entryHeader{resourceType: r.ResourceType, url: r.URL, content: r.Content, core: r}
		}
		if err := e.addEntries(entries, "r4core:"+name); err != nil {
			return err
		}
	}
	e.mu.Lock()
	e.coreLoads++
	e.mu.Unlock()
	return nil
}

// pending is a definition kept undecoded until first use: a guide's bytes as
// read, or a core resource still compressed.
type pending struct {
	raw      json.RawMessage
	core     *r4core.Resource
	source   string
	complete bool
}

// decode decodes the definition into the JSON model.
func (p *pending) decode() (map[string]any, error) {
	if p.core != nil {
		raw, err := p.core.Bytes()
		if err != nil {
			return nil, err
		}
		return decodeMap(raw)
	}
	return decodeMap(p.raw)
}

// addLazy indexes the code systems and value sets of a Bundle by URL without
// decoding them; concept maps are decoded at once.
func (e *Engine) addLazy(data []byte, source string) error {
	entries, err := scanBundle(data)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	return e.addEntries(entries, source)
}

func (e *Engine) addEntries(entries []entryHeader, source string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sealed {
		return errSealed
	}
	for i, h := range entries {
		src := fmt.Sprintf("%s entry %d", source, i)
		switch h.resourceType {
		case "CodeSystem":
			if h.url == "" {
				continue
			}
			complete := h.content == "" || h.content == "complete"
			if old, ok := e.codeSystems[h.url]; ok && old.Complete() && !complete {
				continue
			}
			if old, ok := e.pendingCS[h.url]; ok && old.complete && !complete {
				continue
			}
			delete(e.codeSystems, h.url)
			e.pendingCS[h.url] = &pending{raw: h.raw, core: h.core, source: src, complete: complete}
		case "ValueSet":
			if h.url == "" {
				continue
			}
			delete(e.valueSets, h.url)
			e.pendingVS[h.url] = &pending{raw: h.raw, core: h.core, source: src}
		case "ConceptMap":
			res, err := (&pending{raw: h.raw, core: h.core}).decode()
			if err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
			if err := e.addLocked(res, src); err != nil {
				return err
			}
		}
	}
	e.changed()
	return nil
}

// decodeMap decodes a definition with the one-pass decoder, which gives
// what encoding/json gives at a fraction of the cost; anything it refuses
// (trailing data after the object, say) is read by encoding/json as before.
func decodeMap(raw []byte) (map[string]any, error) {
	if res, err := fhir.Decode(raw); err == nil {
		return res, nil
	}
	var res map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	return res, nil
}

// codeSystem returns the code system with url, decoding it on first use. The
// caller must not hold e.mu.
func (e *Engine) codeSystem(url string) *CodeSystem {
	e.mu.RLock()
	cs := e.codeSystems[url]
	p := e.pendingCS[url]
	e.mu.RUnlock()
	if cs != nil || p == nil {
		return cs
	}
	res, err := e.decodeCodeSystem(p)
	if err == nil {
		cs, err = parseCodeSystem(res, p.source)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pendingCS[url] == p {
		delete(e.pendingCS, url)
		if err != nil {
			e.skipped = append(e.skipped, p.source+": "+err.Error())
			return nil
		}
		e.codeSystems[url] = cs
	}
	return e.codeSystems[url]
}

// decodeCodeSystem decodes a code system: a core one from its slim form
// (core.zip) when there is one.
func (e *Engine) decodeCodeSystem(p *pending) (map[string]any, error) {
	if p.core != nil {
		if raw, ok, err := e.slim.Bytes(p.core); err != nil || ok {
			if err != nil {
				return nil, err
			}
			return decodeMap(raw)
		}
	}
	return p.decode()
}

// valueSet returns the value set with url, decoding it on first use. The
// caller must not hold e.mu.
func (e *Engine) valueSet(url string) *ValueSet {
	e.mu.RLock()
	vs := e.valueSets[url]
	p := e.pendingVS[url]
	e.mu.RUnlock()
	if vs != nil || p == nil {
		return vs
	}
	res, err := p.decode()
	if err == nil {
		vs, err = parseValueSet(res, p.source)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pendingVS[url] == p {
		delete(e.pendingVS, url)
		if err != nil {
			e.skipped = append(e.skipped, p.source+": "+err.Error())
			return nil
		}
		e.valueSets[url] = vs
	}
	return e.valueSets[url]
}

// materialize decodes a value set, the code systems it draws from and the
// value sets it imports, so that compiling it needs no decoding under lock.
func (e *Engine) materialize(url string, seen map[string]bool) {
	if seen[url] || len(seen) > 64 {
		return
	}
	seen[url] = true
	vs := e.valueSet(url)
	if vs == nil {
		return
	}
	for _, parts := range [][]*part{vs.include, vs.exclude} {
		for _, p := range parts {
			if p.system != "" {
				e.codeSystem(p.system)
			}
			for _, u := range p.valueSets {
				e.materialize(canonical(u), seen)
			}
		}
	}
}

// AddJSON adds a resource or Bundle given as JSON.
func (e *Engine) AddJSON(raw []byte, source string) error {
	var res map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	return e.AddResource(res, source)
}

// AddResource adds a CodeSystem, ValueSet, ConceptMap or each of those in a
// Bundle; other resources are ignored. A code system already present is
// replaced only by one with more complete content.
func (e *Engine) AddResource(res map[string]any, source string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sealed {
		return errSealed
	}
	return e.addLocked(res, source)
}

func (e *Engine) addLocked(res map[string]any, source string) error {
	switch str(res["resourceType"]) {
	case "Bundle":
		for i, ent := range list0(res["entry"]) {
			em, _ := ent.(map[string]any)
			if r, ok := em["resource"].(map[string]any); ok {
				if err := e.addLocked(r, fmt.Sprintf("%s entry %d", source, i)); err != nil {
					return err
				}
			}
		}
	case "CodeSystem":
		cs, err := parseCodeSystem(res, source)
		if err != nil {
			return err
		}
		if old, ok := e.codeSystems[cs.URL]; ok && old.Complete() && !cs.Complete() {
			return nil
		}
		if old, ok := e.pendingCS[cs.URL]; ok && old.complete && !cs.Complete() {
			return nil
		}
		delete(e.pendingCS, cs.URL)
		e.codeSystems[cs.URL] = cs
		e.changed()
	case "ValueSet":
		vs, err := parseValueSet(res, source)
		if err != nil {
			return err
		}
		delete(e.pendingVS, vs.URL)
		e.valueSets[vs.URL] = vs
		e.changed()
	case "ConceptMap":
		cm, err := parseConceptMap(res, source)
		if err != nil {
			return err
		}
		e.conceptMaps = append(e.conceptMaps, cm)
		e.translations = nil
	}
	return nil
}

// AddProvider makes p answer for system, for codes and filters the engine
// has no content for.
func (e *Engine) AddProvider(system string, p Provider) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.providers[system] = p
	e.changed()
}

// SetRemote makes r answer membership questions the engine's content
// cannot decide. Its answers are its own to cache; when it fails the answer
// stays Unknown and the reason says what the server did.
func (e *Engine) SetRemote(r Remote) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.remote = r
	e.changed()
}

// AddGrammar makes g decide codes of system.
func (e *Engine) AddGrammar(system string, g Grammar) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.grammars[system] = g
	e.changed()
}

// CodeSystem returns the code system with url (a |version suffix is ignored).
func (e *Engine) CodeSystem(url string) (*CodeSystem, bool) {
	if e.Ready() != nil {
		return nil, false
	}
	cs := e.codeSystem(canonical(url))
	return cs, cs != nil
}

// ValueSet returns the value set with url.
func (e *Engine) ValueSet(url string) (*ValueSet, bool) {
	if e.Ready() != nil {
		return nil, false
	}
	vs := e.valueSet(canonical(url))
	return vs, vs != nil
}

// KnowsSystem reports whether the engine can say anything about codes of
// system: content, a provider or a grammar.
func (e *Engine) KnowsSystem(system string) bool {
	if e.Ready() != nil {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.codeSystems[system] != nil || e.pendingCS[system] != nil || e.providers[system] != nil || e.grammars[system] != nil
}

// Counts reports how many code systems, value sets and concept maps are loaded.
func (e *Engine) Counts() (codeSystems, valueSets, conceptMaps int) {
	_ = e.Ready()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.codeSystems) + len(e.pendingCS), len(e.valueSets) + len(e.pendingVS), len(e.conceptMaps)
}

// Expansion returns the compiled value set url, compiling it on first use;
// compiled value sets are cached for the engine's life.
func (e *Engine) Expansion(url string) (*Expansion, error) {
	if err := e.Ready(); err != nil {
		return nil, err
	}
	key := canonical(url)
	e.mu.RLock()
	x, ok := e.expansions[key]
	e.mu.RUnlock()
	if ok {
		return x, nil
	}
	e.materialize(key, map[string]bool{})
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok = e.expansionLocked(key, map[string]bool{})
	if !ok {
		return nil, fmt.Errorf("value set %s is not loaded", key)
	}
	return x, nil
}

func (e *Engine) expansionLocked(key string, stack map[string]bool) (*Expansion, bool) {
	if x, ok := e.expansions[key]; ok {
		return x, true
	}
	vs, ok := e.valueSets[key]
	if !ok {
		return nil, false
	}
	x := e.compile(vs, stack)
	e.expansions[key] = x
	return x, true
}

// Expand enumerates a value set's codes, or fails naming what cannot be
// enumerated offline.
func (e *Engine) Expand(url string) ([]Coding, error) {
	codes, ok, generation := e.expanded.get(url)
	if ok {
		return slices.Clone(codes), nil // the caller's to change
	}
	x, err := e.Expansion(url)
	if err != nil {
		return nil, err
	}
	e.mu.RLock()
	codes, err = x.Codes(e)
	e.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	// Only answers are kept: an error may be a server's passing trouble.
	e.expanded.put(url, codes, generation)
	return slices.Clone(codes), nil
}

// ValueSetURLs lists the loaded value sets, sorted.
func (e *Engine) ValueSetURLs() []string {
	_ = e.Ready()
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.valueSets)+len(e.pendingVS))
	for u := range e.valueSets {
		out = append(out, u)
	}
	for u := range e.pendingVS {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// displayMatches compares displays the way people write them: case and runs of
// white space do not matter.
func displayMatches(c *Concept, display string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	d := norm(display)
	if norm(c.Display) == d {
		return true
	}
	for _, x := range c.Designations {
		if norm(x) == d {
			return true
		}
	}
	return false
}
