package app

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"provisio/engine"
)

// TargetKinds are the kinds of target systems that can be added.
var TargetKinds = []engine.Choice{{Value: engine.TargetManual, Label: "Permissions entered by hand"}}

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
