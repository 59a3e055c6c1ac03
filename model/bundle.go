package model

// BundleEntry summarises one entry of a FHIR Bundle: what the Bundle's own
// rules and the lookups of its other entries read of an entry, so that they
// need not hold every entry's resource at once. A reader that emits a
// Bundle's entries as records of their own without keeping the Bundle's
// whole tree fills one per entry from the bytes (Record.Entries); otherwise
// fhir.SummarizeEntries fills them from the decoded Bundle. Strings are set
// only where the JSON holds a string.
type BundleEntry struct {
	// Object is false for an entry that is not a JSON object; nothing else
	// is then set. (The flags are kept together: a large Bundle holds one
	// summary per entry, and each field between two flags cost 7 bytes of
	// padding in every one.)
	Object bool
	// HasFullURL says whether entry.fullUrl is a string.
	HasFullURL bool
	// HasRequest and HasResponse say whether entry.request and
	// entry.response are present (with any value).
	HasRequest, HasResponse bool
	// HasSearchMode says whether entry.search.mode is there with any value
	// but null.
	HasSearchMode bool
	// HasResource says whether entry.resource is a JSON object; the fields
	// from ResourceType on describe that resource.
	HasResource bool
	// HasID and HasVersionID say whether the resource's id and
	// meta.versionId are strings.
	HasID, HasVersionID bool
	// FullURL is entry.fullUrl.
	FullURL string
	// SearchMode is entry.search.mode.
	SearchMode string
	// ResourceType, ID, VersionID (meta.versionId) and URL (a canonical
	// resource's url) of the resource.
	ResourceType, ID, VersionID, URL string
	// References and URLs are, for the entries of a document or a message
	// (whose graph the profile engine follows), every Reference.reference
	// in the resource and every other string that may be a URL of another
	// entry (one with a colon), outside code systems, narratives and
	// nested Bundles; nil in other Bundles.
	References, URLs []string
	// Record is the Index of the entry's record, set by a reader that emits
	// entries without the Bundle's tree; Start and End are where the
	// entry's resource lies in the Bundle record's Raw, so that a rule
	// reading another entry's resource decodes it from there.
	Record     int64
	Start, End int64
	// Namespaces are, for an entry of an XML Bundle, the namespace
	// bindings its ancestors declare in scope at the resource's start tag,
	// as prefix and URL pairs ("" the default namespace), which reading the
	// resource from its span alone needs; entries in the same bindings
	// share one slice.
	Namespaces []string
	// Resource is the entry's decoded resource when the Bundle's tree is
	// kept (nil otherwise).
	Resource map[string]any
}
