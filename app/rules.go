package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"provisio/engine"
	"provisio/engine/rules"
)

// RulesFormat identifies a rules export file.
const RulesFormat = "provisio-rules"

// RulesFile is the JSON document `provisio rules export` writes.
type RulesFile struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Rules   []engine.Rule `json:"rules"`
}

// RulesFileVersion is the version of the rules file this Provisio writes.
const RulesFileVersion = 1

// stampRules dates rules that come from a file without dates (written by
// hand, or the demo's) as changed and published now.
func (a *App) stampRules(all []engine.Rule) {
	now := a.clock.Now()
	for i := range all {
		r := &all[i]
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = now
		}
		if r.Published != nil && r.PublishedAt.IsZero() {
			r.PublishedAt = now
		}
	}
}

// Rules returns every business rule, by id.
func (a *App) Rules(ctx context.Context) ([]engine.Rule, error) {
	return a.store.ListRules(ctx)
}

// Rule returns one rule; id may also be a rule's exact name.
func (a *App) Rule(ctx context.Context, id string) (*engine.Rule, error) {
	all, err := a.Rules(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	for i := range all {
		if strings.EqualFold(all[i].Name(), id) {
			return &all[i], nil
		}
	}
	return nil, engine.Errorf(engine.NotFound, "there is no rule %q", id)
}

// RulesEnv returns the environment rules are checked and compiled in.
func (a *App) RulesEnv(ctx context.Context) (*rules.Env, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	return rules.NewEnv(cfg)
}

// checkRules compiles every version of every rule against cfg.
func checkRules(cfg *engine.Config, all []engine.Rule) error {
	env, err := rules.NewEnv(cfg)
	if err != nil {
		return err
	}
	ids := map[string]int{}
	for i, r := range all {
		if r.ID == "" {
			return engine.Errorf(engine.Invalid, "rule %d (%q) has no id", i+1, r.Name())
		}
		if j, dup := ids[r.ID]; dup {
			return engine.Errorf(engine.Invalid, "rules %d and %d both have the id %q; every rule needs its own", j+1, i+1, r.ID)
		}
		ids[r.ID] = i
		if r.Published == nil && r.Draft == nil {
			return engine.Errorf(engine.Invalid, "rule %q has neither a published version nor a draft", r.ID)
		}
		for _, v := range []struct {
			body *engine.RuleBody
			name string
		}{{r.Published, "published version"}, {r.Draft, "draft"}} {
			if v.body == nil {
				continue
			}
			if err := rules.ValidateVersion(rules.Input{ID: r.ID, Body: v.body, Version: v.name}, env); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkStoredRules checks the workspace's rules against a configuration
// about to be saved: removing a custom field or target a rule uses is
// refused.
func (a *App) checkStoredRules(ctx context.Context, cfg *engine.Config) error {
	all, err := a.store.ListRules(ctx)
	if err != nil {
		return err
	}
	return checkRules(cfg, all)
}

// SaveRuleDraft saves body as the draft of rule id, or as a new rule when
// id is empty, and returns the rule's id. A draft equal to the published
// version is no draft.
func (a *App) SaveRuleDraft(ctx context.Context, id string, body engine.RuleBody) (string, error) {
	body.Name = strings.TrimSpace(body.Name)
	a.config.Lock() // checked against the targets it is saved with
	defer a.config.Unlock()
	env, err := a.RulesEnv(ctx)
	if err != nil {
		return "", err
	}
	if err := rules.Validate(&body, env); err != nil {
		return "", err
	}
	r := &engine.Rule{}
	if id != "" {
		if r, err = a.Rule(ctx, id); err != nil {
			return "", err
		}
	}
	r.Draft = &body
	if r.Published != nil && sameBody(r.Published, &body) {
		r.Draft = nil
	}
	r.UpdatedAt = a.clock.Now()
	what := "draft saved"
	switch {
	case id == "":
		what = "added as a draft"
	case r.Draft == nil:
		what = "draft dropped: it is the same as the version in force"
	}
	if err := a.store.SaveRule(ctx, r, a.ruleAudit(r, what)); err != nil {
		return "", err
	}
	return r.ID, nil
}

// sameBody reports whether two rule versions are stored alike: compared as
// JSON, the way the store keeps them, an empty list is the same as none.
func sameBody(x, y *engine.RuleBody) bool {
	jx, errX := json.Marshal(x)
	jy, errY := json.Marshal(y)
	return errX == nil && errY == nil && bytes.Equal(jx, jy)
}

// PublishRule puts a rule's draft in force.
func (a *App) PublishRule(ctx context.Context, id string) error {
	a.config.Lock()
	defer a.config.Unlock()
	r, err := a.Rule(ctx, id)
	if err != nil {
		return err
	}
	if r.Draft == nil {
		return engine.Errorf(engine.Conflict, "rule %q has no draft to publish: it is in force as it is", r.Name())
	}
	env, err := a.RulesEnv(ctx)
	if err != nil {
		return err
	}
	if err := rules.Validate(r.Draft, env); err != nil {
		return err
	}
	r.Published, r.Draft = r.Draft, nil
	r.PublishedAt = a.clock.Now()
	r.UpdatedAt = r.PublishedAt
	return a.store.SaveRule(ctx, r, a.ruleAudit(r, "published: the draft is in force"))
}

// DiscardDraft drops a rule's draft; the published version stays in force.
func (a *App) DiscardDraft(ctx context.Context, id string) error {
	a.config.Lock()
	defer a.config.Unlock()
	r, err := a.Rule(ctx, id)
	if err != nil {
		return err
	}
	if r.Published == nil {
		return engine.Errorf(engine.Conflict, "rule %q was never published: delete it instead of discarding its draft", r.Name())
	}
	r.Draft = nil
	r.UpdatedAt = a.clock.Now()
	return a.store.SaveRule(ctx, r, a.ruleAudit(r, "draft discarded"))
}

// DeleteRule removes a rule. With keepGrants, what it granted stays and is
// no longer managed; otherwise the next evaluation revokes it (unless
// another rule grants it too).
func (a *App) DeleteRule(ctx context.Context, id string, keepGrants bool) error {
	a.config.Lock()
	defer a.config.Unlock()
	r, err := a.Rule(ctx, id)
	if err != nil {
		return err
	}
	what := "deleted; the next evaluation revokes what only it granted"
	if keepGrants {
		what = "deleted; what it granted is kept, no longer managed"
	}
	return a.store.DeleteRule(ctx, r.ID, keepGrants, a.ruleAudit(r, what))
}

// DuplicateRule makes a new draft rule from a rule's latest version and
// returns its id.
func (a *App) DuplicateRule(ctx context.Context, id string) (string, error) {
	r, err := a.Rule(ctx, id)
	if err != nil {
		return "", err
	}
	var body engine.RuleBody
	raw, _ := json.Marshal(r.Latest())
	if err := json.Unmarshal(raw, &body); err != nil {
		return "", engine.Wrap(engine.Internal, err, "copy rule %q", r.Name())
	}
	body.Name = "Copy of " + body.Name
	return a.SaveRuleDraft(ctx, "", body)
}

// ExportRules writes every rule as a RulesFile.
func (a *App) ExportRules(ctx context.Context, w io.Writer) error {
	all, err := a.Rules(ctx)
	if err != nil {
		return err
	}
	if all == nil {
		all = []engine.Rule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(RulesFile{Format: RulesFormat, Version: RulesFileVersion, Rules: all})
}

// ImportRules adds the rules of a RulesFile, replacing rules with the same
// id; other rules stay. Every rule is checked first: a file with a problem
// changes nothing. It returns how many rules were imported.
func (a *App) ImportRules(ctx context.Context, r io.Reader, name string) (int, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return 0, engine.Wrap(engine.Invalid, err, "read %s", name)
	}
	if strings.TrimSpace(string(raw)) == "" {
		return 0, engine.Errorf(engine.Invalid, "%s: the file is empty; expected Provisio rules (JSON)", name)
	}
	var f RulesFile
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return 0, engine.Errorf(engine.Invalid, "%s: %s", name, jsonProblem(raw, dec.InputOffset(), err, reflect.TypeFor[RulesFile](), "docs/RULES.md for the fields a rules file has"))
	}
	if f.Format != RulesFormat {
		return 0, engine.Errorf(engine.Invalid, "%s: not a Provisio rules file (expected \"format\": %q)", name, RulesFormat)
	}
	if f.Version < 1 || f.Version > RulesFileVersion {
		return 0, engine.Errorf(engine.Invalid, "%s: rules file version %d is not supported (this Provisio reads version %d)", name, f.Version, RulesFileVersion)
	}
	seen := map[string]int{}
	for i, r := range f.Rules {
		if strings.TrimSpace(r.ID) == "" {
			return 0, engine.Errorf(engine.Invalid, "%s: rule %d (%q) has no id", name, i+1, r.Name())
		}
		if j, dup := seen[r.ID]; dup {
			return 0, engine.Errorf(engine.Invalid, "%s: rules %d and %d both have the id %q; every rule needs its own", name, j+1, i+1, r.ID)
		}
		seen[r.ID] = i
	}
	a.stampRules(f.Rules)
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return 0, err
	}
	all, err := a.Rules(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range f.Rules {
		if i := slices.IndexFunc(all, func(x engine.Rule) bool { return x.ID == r.ID }); i >= 0 {
			all[i] = r
		} else {
			all = append(all, r)
		}
	}
	if err := checkRules(cfg, all); err != nil {
		return 0, engine.Errorf(engine.Invalid, "%s: %v", name, err)
	}
	audit := engine.AuditEntry{At: a.clock.Now(), Op: engine.OpConfigure, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: "business rules", New: fmt.Sprintf("%d imported from %s", len(f.Rules), name)}}, Error: "rules imported"}
	if err := a.store.ReplaceRules(ctx, all, audit); err != nil {
		return 0, err
	}
	return len(f.Rules), nil
}

// ruleInputs chooses the version of each rule to evaluate: published ones,
// or with drafts each rule's latest version; whatIf, when set, replaces
// (or adds, for a new rule) one rule's version.
func ruleInputs(all []engine.Rule, withDrafts bool, whatIfID string, whatIf *engine.RuleBody) []rules.Input {
	var in []rules.Input
	replaced := false
	for i := range all {
		r := &all[i]
		body := r.Published
		if withDrafts && r.Draft != nil {
			body = r.Draft
		}
		if whatIf != nil && r.ID == whatIfID {
			body, replaced = whatIf, true
		}
		if body != nil {
			in = append(in, rules.Input{ID: r.ID, Body: body})
		}
	}
	if whatIf != nil && !replaced {
		id := whatIfID
		if id == "" {
			id = "new rule"
		}
		in = append(in, rules.Input{ID: id, Body: whatIf})
	}
	return in
}

// RuleSummary is a rule as lists show it.
type RuleSummary struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	State      engine.RuleState `json:"state"`
	Categories []string         `json:"categories,omitempty"`
	// Matched is the number of persons the rule's published version
	// matched at the latest evaluation of the rules in force (what-ifs
	// do not count), -1 when it was not evaluated.
	Matched int `json:"matched"`
}

// RuleSummaries lists the rules with their matches at the latest
// evaluation of the rules in force.
func (a *App) RuleSummaries(ctx context.Context) ([]RuleSummary, error) {
	all, err := a.Rules(ctx)
	if err != nil {
		return nil, err
	}
	var matches map[string]int
	evals, err := a.store.ListEvaluations(ctx)
	if err != nil {
		return nil, err
	}
	// the latest evaluation of the rules in force: a what-if's counts
	// are for versions that are not
	if i := slices.IndexFunc(evals, func(e engine.EvaluationInfo) bool { return !e.IsWhatIf() }); i >= 0 {
		matches = evals[i].RuleMatches
	}
	out := make([]RuleSummary, len(all))
	for i, r := range all {
		b := r.Latest()
		out[i] = RuleSummary{ID: r.ID, Name: r.Name(), State: r.State(), Categories: b.Categories, Matched: -1}
		if n, ok := matches[r.ID]; ok {
			out[i].Matched = n
		}
	}
	return out, nil
}
