package app

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

// TargetKinds are the kinds of target systems that can be added: those
// Provisio writes to through a connector, and one changed by hand.
var TargetKinds = targetKinds()

func targetKinds() []engine.Choice {
	var out []engine.Choice
	for _, k := range connectors.Targets() {
		out = append(out, engine.Choice{Value: k.Kind, Label: k.Label})
	}
	return append(out, engine.Choice{Value: engine.TargetManual, Label: "Permissions entered by hand (nothing is written)"})
}

// TargetKind returns a connector kind's description (its settings, for
// forms); false for the manual kind.
func TargetKind(kind string) (engine.TargetKind, bool) { return connectors.Target(kind) }

// MappingPreview is what an account mapping makes for one person in one
// stage.
type MappingPreview struct {
	Person     PersonSummary     `json:"person"`
	Stage      engine.Stage      `json:"stage"`
	Attributes engine.Attributes `json:"attributes"`
	// Error says what went wrong for the attributes that have no value.
	Error string `json:"error,omitempty"`
}

// PreviewAccount works out a target's account attributes for a person in a
// stage, with the target as edited (not saved): the in-conditions
// contracts are those of the rules that give the person an account there
// today, and other targets' attributes come from the ledger.
func (a *App) PreviewAccount(ctx context.Context, t *engine.TargetSystem, person string, stage engine.Stage) (*MappingPreview, error) {
	env, set, _, err := a.compileRules(ctx, EvaluateOptions{})
	if err != nil {
		return nil, err
	}
	var identity []string
	if kind, ok := connectors.Target(t.Kind); ok {
		identity = kind.IdentityFor(t.Settings)
	}
	var keys []string
	for _, x := range env.Targets {
		keys = append(keys, x.Key)
	}
	if !slices.Contains(keys, t.Key) {
		keys = append(keys, t.Key)
	}
	m, err := accounts.Compile(t, env, identity, keys)
	if err != nil {
		return nil, err
	}
	pop, _, err := a.population(ctx, env, 0)
	if err != nil {
		return nil, err
	}
	detail, err := a.Person(ctx, person)
	if err != nil {
		return nil, err
	}
	i, ok := pop.Find(detail.Person.ID)
	if !ok {
		return nil, engine.Errorf(engine.NotFound, "there is no person %q in the latest snapshot", person)
	}
	var s rules.Subject
	pop.Subject(i, &s)
	in := &accounts.Input{Subject: &s, Accounts: map[string]engine.Attributes{}}
	for _, e := range wantedBy(set, pop, i, nil) {
		if e.Key.Target != t.Key || e.Key.Kind != engine.KindAccount {
			continue
		}
		for _, r := range e.Rules {
			for _, c := range r.Contracts {
				for k := range s.Person.Contracts {
					if engine.ContractKey(s.Person, k) == c && !slices.Contains(in.InConditions, k) {
						in.InConditions = append(in.InConditions, k)
					}
				}
			}
		}
	}
	ledger, err := a.store.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	for _, le := range ledger.Entries {
		if le.Person == detail.Person.ID && le.Key.Kind == engine.KindAccount && le.Key.Target != t.Key {
			in.Accounts[le.Key.Target] = le.Attributes
		}
	}
	out := &MappingPreview{Stage: stage}
	if list, err := a.Persons(ctx); err == nil {
		if p, ok := list.Find(detail.Person.ID); ok {
			out.Person = *p
		}
	}
	values, err := m.NewSession().Values(stage, in)
	out.Attributes = values
	if err != nil {
		out.Error = err.Error()
	}
	return out, nil
}

// SaveTargetSystem adds a target system (with a key made from its name when
// it has none), or replaces the one with the key originalKey, and returns
// its key. A key rules refer to cannot change, and a permission a rule
// grants cannot be removed.
func (a *App) SaveTargetSystem(ctx context.Context, t engine.TargetSystem, originalKey string) (string, error) {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return "", err
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Kind == "" {
		t.Kind = engine.TargetManual
	}
	for i := range t.Permissions {
		p := &t.Permissions[i]
		p.ID, p.Name, p.Description = strings.TrimSpace(p.ID), strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
	}
	i := slices.IndexFunc(cfg.TargetSystems, func(x engine.TargetSystem) bool { return x.Key == originalKey })
	if originalKey != "" && i < 0 {
		return "", engine.Errorf(engine.NotFound, "there is no target system %q", originalKey)
	}
	if t.Key == "" {
		t.Key = uniqueTargetKey(cfg, engine.Slug(t.Name))
	}
	if originalKey != t.Key {
		if _, taken := cfg.TargetSystem(t.Key); taken {
			return "", engine.Errorf(engine.Conflict, "the key %q is already used by another target system", t.Key)
		}
	}
	if i >= 0 {
		cfg.TargetSystems[i] = t
	} else {
		cfg.TargetSystems = append(cfg.TargetSystems, t)
	}
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	if err := a.checkStoredRules(ctx, cfg); err != nil {
		return "", engine.Errorf(engine.Conflict, "%v (change the rule first)", err)
	}
	return t.Key, a.store.SaveConfig(ctx, cfg)
}

func uniqueTargetKey(cfg *engine.Config, base string) string {
	key := base
	for n := 2; ; n++ {
		if _, taken := cfg.TargetSystem(key); !taken {
			return key
		}
		suffix := "-" + strconv.Itoa(n)
		key = base[:min(len(base), 32-len(suffix))] + suffix
	}
}

// DeleteTargetSystem removes a target system that no rule grants in.
func (a *App) DeleteTargetSystem(ctx context.Context, key string) error {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cfg.TargetSystems, func(x engine.TargetSystem) bool { return x.Key == key })
	if i < 0 {
		return engine.Errorf(engine.NotFound, "there is no target system %q", key)
	}
	name := cfg.TargetSystems[i].Name
	all, err := a.store.ListRules(ctx)
	if err != nil {
		return err
	}
	var users []string
	for _, r := range all {
		for _, b := range []*engine.RuleBody{r.Published, r.Draft} {
			if b != nil && slices.ContainsFunc(b.Entitlements, func(e engine.Entitlement) bool { return e.Target == key }) {
				users = append(users, strconv.Quote(r.Name()))
				break
			}
		}
	}
	if len(users) > 0 {
		if len(users) == 1 {
			return engine.Errorf(engine.Conflict, "%s cannot be deleted: rule %s grants entitlements in it; change or delete it first", name, users[0])
		}
		return engine.Errorf(engine.Conflict, "%s cannot be deleted: rules %s grant entitlements in it; change or delete them first", name, strings.Join(users, ", "))
	}
	cfg.TargetSystems = slices.Delete(cfg.TargetSystems, i, i+1)
	return a.store.SaveConfig(ctx, cfg)
}

// AddPermissions adds permissions (as discovered in the target) to a
// target's list, keeping those it has, and returns how many were new.
func (a *App) AddPermissions(ctx context.Context, key string, found []engine.Permission) (int, error) {
	t, err := a.targetSystem(ctx, key)
	if err != nil {
		return 0, err
	}
	updated := *t
	updated.Permissions = slices.Clone(t.Permissions)
	added := 0
	for _, p := range found {
		if _, ok := updated.Permission(p.ID); !ok {
			updated.Permissions = append(updated.Permissions, p)
			added++
		}
	}
	if added == 0 {
		return 0, nil
	}
	_, err = a.SaveTargetSystem(ctx, updated, key)
	return added, err
}
