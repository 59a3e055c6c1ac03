package fhirpath

import (
	"fmt"
	"regexp"
)

// function is the implementation of a FHIRPath function: in is the input
// collection, n the call with its unevaluated arguments, s the calling scope.
type function func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error)

// functions maps each function's name to its implementation and the number of
// arguments it takes. The functions live in one file per section of the
// FHIRPath specification (existence.go is section 5.1, and so on); fhir.go has
// those the FHIR specification adds.
var functions = map[string]*funcDef{
	// 5.1 existence
	"empty":      {0, 0, fnEmpty},
	"exists":     {0, 1, fnExists},
	"all":        {1, 1, fnAll},
	"allTrue":    {0, 0, fnAllTrue},
	"anyTrue":    {0, 0, fnAnyTrue},
	"allFalse":   {0, 0, fnAllFalse},
	"anyFalse":   {0, 0, fnAnyFalse},
	"subsetOf":   {1, 1, fnSubsetOf},
	"supersetOf": {1, 1, fnSupersetOf},
	"count":      {0, 0, fnCount},
	"distinct":   {0, 0, fnDistinct},
	"isDistinct": {0, 0, fnIsDistinct},
	// 5.2 filtering and projection
	"where":  {1, 1, fnWhere},
	"select": {1, 1, fnSelect},
	"repeat": {1, 1, fnRepeat},
	"ofType": {1, 1, fnOfType},
	"sort":   {0, 8, fnSort},
	// 5.3 subsetting
	"single":    {0, 0, fnSingle},
	"first":     {0, 0, fnFirst},
	"last":      {0, 0, fnLast},
	"tail":      {0, 0, fnTail},
	"skip":      {1, 1, fnSkip},
	"take":      {1, 1, fnTake},
	"intersect": {1, 1, fnIntersect},
	"exclude":   {1, 1, fnExclude},
	// 5.4 combining
	"union":   {1, 1, fnUnion},
	"combine": {1, 1, fnCombine},
	// 5.5 conversion
	"iif":                {2, 3, fnIif},
	"toBoolean":          {0, 0, fnToBoolean},
	"convertsToBoolean":  {0, 0, fnConvertsToBoolean},
	"toInteger":          {0, 0, fnToInteger},
	"convertsToInteger":  {0, 0, fnConvertsToInteger},
	"toDecimal":          {0, 0, fnToDecimal},
	"convertsToDecimal":  {0, 0, fnConvertsToDecimal},
	"toString":           {0, 0, fnToString},
	"convertsToString":   {0, 0, fnConvertsToString},
	"toDate":             {0, 0, fnToDate},
	"convertsToDate":     {0, 0, fnConvertsToDate},
	"toDateTime":         {0, 0, fnToDateTime},
	"convertsToDateTime": {0, 0, fnConvertsToDateTime},
	"toTime":             {0, 0, fnToTime},
	"convertsToTime":     {0, 0, fnConvertsToTime},
	"toQuantity":         {0, 1, fnToQuantity},
	"convertsToQuantity": {0, 1, fnConvertsToQuantity},
	"comparable":         {1, 1, fnComparable},
	// 5.6 string manipulation
	"indexOf":        {1, 1, fnIndexOf},
	"substring":      {1, 2, fnSubstring},
	"startsWith":     {1, 1, fnStartsWith},
	"endsWith":       {1, 1, fnEndsWith},
	"contains":       {1, 1, fnContains},
	"upper":          {0, 0, fnUpper},
	"lower":          {0, 0, fnLower},
	"replace":        {2, 2, fnReplace},
	"matches":        {1, 1, fnMatches},
	"matchesFull":    {1, 1, fnMatchesFull},
	"replaceMatches": {2, 2, fnReplaceMatches},
	"length":         {0, 0, fnLength},
	"toChars":        {0, 0, fnToChars},
	"trim":           {0, 0, fnTrim},
	"split":          {1, 1, fnSplit},
	"join":           {0, 1, fnJoin},
	"encode":         {1, 1, fnEncode},
	"decode":         {1, 1, fnDecode},
	"escape":         {1, 1, fnEscape},
	"unescape":       {1, 1, fnUnescape},
	// 5.7 math
	"abs":      {0, 0, fnAbs},
	"ceiling":  {0, 0, fnCeiling},
	"exp":      {0, 0, fnExp},
	"floor":    {0, 0, fnFloor},
	"ln":       {0, 0, fnLn},
	"log":      {1, 1, fnLog},
	"power":    {1, 1, fnPower},
	"round":    {0, 1, fnRound},
	"sqrt":     {0, 0, fnSqrt},
	"truncate": {0, 0, fnTruncate},
	// 5.8 tree navigation
	"children":    {0, 0, fnChildren},
	"descendants": {0, 0, fnDescendants},
	// 5.9 utility
	"trace":        {1, 2, fnTrace},
	"now":          {0, 0, fnNow},
	"timeOfDay":    {0, 0, fnTimeOfDay},
	"today":        {0, 0, fnToday},
	"precision":    {0, 0, fnPrecision},
	"lowBoundary":  {0, 1, fnLowBoundary},
	"highBoundary": {0, 1, fnHighBoundary},
	// 6 operations written as functions, 7 aggregates, 10 reflection
	"is":        {1, 1, fnIs},
	"as":        {1, 1, fnAs},
	"not":       {0, 0, fnNot},
	"aggregate": {1, 2, fnAggregate},
	"type":      {0, 0, fnType},
	// FHIR's additions
	"extension":   {1, 1, fnExtension},
	"hasValue":    {0, 0, fnHasValue},
	"getValue":    {0, 0, fnGetValue},
	"resolve":     {0, 0, fnResolve},
	"memberOf":    {1, 1, fnMemberOf},
	"conformsTo":  {1, 1, fnConformsTo},
	"htmlChecks":  {0, 0, fnHtmlChecks},
	"htmlChecks2": {0, 0, fnHtmlChecks2},
}

type funcDef struct {
	min, max int
	call     function
}

type funcNode struct {
	name string
	args []node
	def  *funcDef
	typ  typeSpec       // is, as, ofType
	re   *regexp.Regexp // a constant regex argument, compiled once
}

func (n *funcNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	out, err := n.def.call(c, s, in, n)
	if err != nil {
		return nil, err
	}
	if err := c.spend(out); err != nil {
		return nil, err
	}
	return out, nil
}

func newFunc(name string, args []node) (node, error) {
	def, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %s()", name)
	}
	if len(args) < def.min || len(args) > def.max {
		if def.min == def.max {
			return nil, fmt.Errorf("%s() takes %d argument(s), got %d", name, def.min, len(args))
		}
		return nil, fmt.Errorf("%s() takes %d to %d arguments, got %d", name, def.min, def.max, len(args))
	}
	n := &funcNode{name: name, args: args, def: def}
	switch name {
	case "is", "as", "ofType":
		if len(args) != 1 {
			return nil, fmt.Errorf("%s() takes a type name", name)
		}
		t, ok := typeArg(args[0])
		if !ok {
			return nil, fmt.Errorf("%s() needs a type name", name)
		}
		n.typ = t
	case "iif":
		if lit, ok := args[0].(*literalNode); ok {
			if _, isBool := lit.val.v.(bool); !isBool {
				return nil, fmt.Errorf("iif() needs a boolean criterion")
			}
		}
	case "matches", "matchesFull", "replaceMatches":
		if lit, ok := args[0].(*literalNode); ok {
			if p, isStr := lit.val.v.(string); isStr {
				re, err := compileRegex(p, name == "matchesFull")
				if err != nil {
					return nil, fmt.Errorf("%s(): %v", name, err)
				}
				n.re = re
			}
		}
	}
	return n, nil
}

func compileRegex(p string, full bool) (*regexp.Regexp, error) {
	if full {
		p = "^(?:" + p + ")$"
	}
	return regexp.Compile("(?s)" + p)
}

func typeArg(n node) (typeSpec, bool) {
	switch a := n.(type) {
	case *memberNode:
		return typeSpec{name: a.name}, true
	case *pathNode:
		l, ok1 := a.left.(*memberNode)
		r, ok2 := a.right.(*memberNode)
		if ok1 && ok2 {
			return typeSpec{ns: l.name, name: r.name}, true
		}
	}
	return typeSpec{}, false
}

// arg evaluates a non-lambda argument against $this of the calling scope.
func (n *funcNode) arg(c *evalCtx, s *scope, i int) ([]item, error) {
	return n.args[i].eval(c, s, s.this)
}

// each evaluates a lambda argument once per input item, with $this and $index.
func (n *funcNode) each(c *evalCtx, s *scope, in []item, arg int, f func(i int, res []item) (bool, error)) error {
	for i := range in {
		sc := scope{this: in[i : i+1], index: i, total: s.total}
		res, err := n.args[arg].eval(c, &sc, in[i:i+1])
		if err != nil {
			return err
		}
		stop, err := f(i, res)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func (n *funcNode) intArg(c *evalCtx, s *scope, i int) (int64, bool, error) {
	a, err := n.arg(c, s, i)
	if err != nil {
		return 0, false, err
	}
	return singletonInt(a)
}

func singletonInt(c []item) (int64, bool, error) {
	if len(c) == 0 {
		return 0, false, nil
	}
	if len(c) > 1 {
		return 0, false, errf("expected a single integer, got %d values", len(c))
	}
	if i, ok := sysVal(c[0]).(int64); ok {
		return i, true, nil
	}
	return 0, false, errf("expected an integer, got %s", describe(c[0]))
}

func (n *funcNode) stringArg(c *evalCtx, s *scope, i int) (string, bool, error) {
	a, err := n.arg(c, s, i)
	if err != nil {
		return "", false, err
	}
	return singletonString(a, n.name)
}

func singletonString(c []item, fn string) (string, bool, error) {
	if len(c) == 0 {
		return "", false, nil
	}
	if len(c) > 1 {
		return "", false, errf("%s() needs a single string, got %d values", fn, len(c))
	}
	if s, ok := c[0].v.(string); ok {
		return s, true, nil
	}
	if s, ok := sysVal(c[0]).(string); ok {
		return s, true, nil
	}
	return "", false, errf("%s() needs a string, got %s", fn, describe(c[0]))
}

func single(in []item, fn string) (item, bool, error) {
	if len(in) == 0 {
		return item{}, false, nil
	}
	if len(in) > 1 {
		return item{}, false, errf("%s() needs a single value, got %d", fn, len(in))
	}
	return in[0], true, nil
}

func one(v any) []item { return []item{{v: v}} }

// smallIntegers are shared results for small counts, which invariants compute
// on every element (ele-1). They are never modified: callers only read or
// append to results, and appending to a full slice copies it.
var smallIntegers = func() [][]item {
	out := make([][]item, 64)
	for i := range out {
		out[i] = []item{{v: int64(i)}}
	}
	return out
}()

func integer(n int64) []item {
	if n >= 0 && n < int64(len(smallIntegers)) {
		return smallIntegers[n][:1:1]
	}
	return one(n)
}
