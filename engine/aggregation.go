package engine

import (
	"slices"
	"time"
)

// AggregationSettings tune how duplicate persons are found.
type AggregationSettings struct {
	// Disabled turns aggregation off: no suggestions are made and
	// nobody is held back for one. Decisions already taken still apply.
	Disabled bool `json:"disabled,omitempty"`
	// SuggestScore is the similarity (0 to 1) from which two persons are
	// suggested as the same human.
	SuggestScore float64 `json:"suggestScore"`
	// AutoMergeScore is the similarity from which they are merged without
	// asking; 0 means never.
	AutoMergeScore float64 `json:"autoMergeScore,omitempty"`
	// MaxCandidates is how many suggestions a person gets at most, the
	// most similar first.
	MaxCandidates int `json:"maxCandidates"`
	// Measure is the string similarity: MeasureJaroWinkler or
	// MeasureLevenshtein; empty means MeasureLevenshtein.
	Measure string `json:"measure,omitempty"`
}

// DefaultAggregationSnippet is the aggregation value of a source system
// that sets none (SourceSystem.AggregationValue is nil). It sees the mapped
// Person as account-mapping snippets do and gives the family name with its
// prefix as one word, the initials, the birth date and the gender, in
// lower case without diacritics: "vanderberg pj 19800102 m". The family
// name comes first and the parts are short, so that a typo or a missing
// prefix costs little similarity while another birth date or other
// initials cost much. A person without a family name or a birth date
// gets no value and is never suggested.
const DefaultAggregationSnippet = `// Persons whose values are alike are suggested as the same human.
// "Pieter J. van der Berg", born 2 January 1980, male:
//   vanderberg pj 19800102 m
const plain = text => removeDiacritics(text).toLowerCase().replace(/[\s.,'’\x60-]/g, '');

const family = plain(Person.Name.FamilyNamePrefix + Person.Name.FamilyName);
const initials = plain(Person.Name.Initials) || plain(Person.Name.GivenName).slice(0, 1);
const birthDate = Person.Details.BirthDate.replace(/-/g, '');
const gender = plain(Person.Details.Gender).slice(0, 1);

// without a family name and a birth date two persons are too easily alike
// (P. Jansen and P. Jansen): no value, never compared
family === '' || birthDate === '' ? '' : [family, initials, birthDate, gender].filter(part => part !== '').join(' ');
`

// The similarity measures.
const (
	// MeasureJaroWinkler is Jaro-Winkler similarity. It forgives much:
	// on values like the default one, two persons with the same name and
	// another birth date often score above 0.95.
	MeasureJaroWinkler = "jaro-winkler"
	// MeasureLevenshtein is 1 minus the edit distance divided by the
	// longer value's length in letters, where an edit inserts, deletes or
	// replaces a letter or swaps two adjacent ones (optimal string
	// alignment): one typo in a 20-letter value scores 0.95, two 0.90.
	MeasureLevenshtein = "levenshtein"
)

// DefaultAggregationSettings are the settings of a new workspace: suggest
// from 0.92 by Levenshtein similarity (one typo in a value of 13 letters
// or more), never merge without asking, five candidates per person.
func DefaultAggregationSettings() AggregationSettings {
	return AggregationSettings{SuggestScore: 0.92, MaxCandidates: 5, Measure: MeasureLevenshtein}
}

// EntitlementHandling says what a merge does with the entitlements of the
// persons merged into the main person.
type EntitlementHandling string

// The entitlement handlings.
const (
	// TransferEntitlements moves their ledger entries to the main person,
	// target by target, where the main person has nothing in that target
	// yet; the others are left unmanaged.
	TransferEntitlements EntitlementHandling = "transfer"
	// LeaveUnmanaged keeps their ledger entries where they are but no
	// longer managed: Provisio neither revokes nor updates them.
	LeaveUnmanaged EntitlementHandling = "unmanaged"
)

// Merge is an administrator's (or the automatic) decision that several
// persons are one human: the main person keeps their fields and gets the
// contracts of the others, who are no longer persons of their own.
type Merge struct {
	ID      uint64   `json:"id"`
	Main    string   `json:"main"`
	Members []string `json:"members"` // the persons merged into Main
	// Entitlements is what happened to the members' entitlements.
	Entitlements EntitlementHandling `json:"entitlements"`
	// Moved records the ledger entries the merge changed, so that an
	// unmerge can put them back.
	Moved     []MovedEntitlement `json:"moved,omitempty"`
	Score     float64            `json:"score,omitempty"`
	Automatic bool               `json:"automatic,omitempty"`
	Note      string             `json:"note,omitempty"`
	At        time.Time          `json:"at"`
}

// MovedEntitlement is a ledger entry a merge changed: transferred from a
// member to the main person, or left unmanaged.
type MovedEntitlement struct {
	From        string         `json:"from"`
	Key         EntitlementKey `json:"key"`
	Transferred bool           `json:"transferred,omitempty"`
	// WasUnmanaged is whether the entry was unmanaged before the merge.
	WasUnmanaged bool `json:"wasUnmanaged,omitempty"`
}

// Rejection remembers that two persons are not the same human, so they are
// not suggested again.
type Rejection struct {
	A    string    `json:"a"` // the lower id
	B    string    `json:"b"`
	Note string    `json:"note,omitempty"`
	At   time.Time `json:"at"`
}

// Exclusion is a person excluded by hand: Provisio keeps them but grants
// and revokes nothing until they are included again.
type Exclusion struct {
	Person string    `json:"person"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Suggestion is a pair of persons whose aggregation values are alike.
type Suggestion struct {
	A      string  `json:"a"` // the lower id
	B      string  `json:"b"`
	AValue string  `json:"aValue"`
	BValue string  `json:"bValue"`
	Score  float64 `json:"score"`
	// Held lists which of the two are excluded while the suggestion
	// waits: the ones that had nothing granted yet.
	Held []string `json:"held,omitempty"`
}

// Aggregation is the workspace's aggregation state: the decisions, which
// persist across imports, and the suggestions of the latest scan.
type Aggregation struct {
	Merges     []Merge     `json:"merges,omitempty"`
	Rejections []Rejection `json:"rejections,omitempty"`
	Exclusions []Exclusion `json:"exclusions,omitempty"`
	// Suggestions are those of the latest scan, highest score first.
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	// ScannedAt is when the suggestions were made, and Snapshot from
	// which snapshot.
	ScannedAt time.Time `json:"scannedAt,omitzero"`
	Snapshot  uint64    `json:"snapshot,omitempty"`
	// Scanned counts the persons compared and Comparisons the pairs
	// scored in the latest scan.
	Scanned     int   `json:"scanned,omitempty"`
	Comparisons int64 `json:"comparisons,omitempty"`
	// ValueErrorCount counts the persons whose aggregation value could
	// not be made in the latest scan, and ValueErrors describes the first
	// of them (person, source system and error).
	ValueErrorCount int      `json:"valueErrorCount,omitempty"`
	ValueErrors     []string `json:"valueErrors,omitempty"`
	// NextMerge numbers merges.
	NextMerge uint64 `json:"nextMerge,omitempty"`
}

// PairKey orders two person ids as suggestions and rejections hold them.
func PairKey(a, b string) (string, string) {
	if b < a {
		return b, a
	}
	return a, b
}

// Rejected reports whether the pair was rejected.
func (g *Aggregation) Rejected(a, b string) bool {
	a, b = PairKey(a, b)
	return slices.ContainsFunc(g.Rejections, func(r Rejection) bool { return r.A == a && r.B == b })
}

// MergeOf returns the merge a person is the main person or a member of.
func (g *Aggregation) MergeOf(person string) (*Merge, bool) {
	for i := range g.Merges {
		m := &g.Merges[i]
		if m.Main == person || slices.Contains(m.Members, person) {
			return m, true
		}
	}
	return nil, false
}

// Exclusion returns the manual exclusion of a person.
func (g *Aggregation) Exclusion(person string) (*Exclusion, bool) {
	for i := range g.Exclusions {
		if g.Exclusions[i].Person == person {
			return &g.Exclusions[i], true
		}
	}
	return nil, false
}

// The audit operations of aggregation and exclusion decisions. Their audit
// entries have no target.
const (
	OpMerge   ActionOp = "merge"
	OpUnmerge ActionOp = "unmerge"
	OpReject  ActionOp = "reject-suggestion"
	OpExclude ActionOp = "exclude"
	OpInclude ActionOp = "include"
)

// DecisionOps lists the operations of decisions on persons, which the
// audit log records next to the writes to targets.
var DecisionOps = []ActionOp{OpMerge, OpUnmerge, OpReject, OpExclude, OpInclude}
