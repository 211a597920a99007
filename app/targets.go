package app

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"provisio/app/keychain"
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
// grants cannot be removed. The target is checked first (see
// CheckTargetSystem): nothing is saved while it has a problem.
func (a *App) SaveTargetSystem(ctx context.Context, t engine.TargetSystem, originalKey string) (string, error) {
	return a.SaveTargetSystemWithSecrets(ctx, t, originalKey, nil)
}

// SaveTargetSystemWithSecrets is SaveTargetSystem for a target whose secret
// settings were typed in: secrets holds them by setting key. Once the
// target checks out, each is kept in the keychain under the reference
// "target/<key>/<setting>", which the setting then holds; the secret
// itself never reaches the configuration. A secret setting missing from
// secrets keeps the reference it has.
func (a *App) SaveTargetSystemWithSecrets(ctx context.Context, t engine.TargetSystem, originalKey string, secrets map[string]string) (string, error) {
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
	refs := map[string]string{} // setting → reference, for the secrets typed in
	if kind, ok := connectors.Target(t.Kind); ok {
		t.Settings = maps.Clone(t.Settings)
		if t.Settings == nil {
			t.Settings = map[string]string{}
		}
		for _, d := range kind.Settings {
			if secret, typed := secrets[d.Key]; typed && d.Kind == engine.SettingSecret && secret != "" {
				refs[d.Key] = keychain.NewReference(a.secretsPrefix()+"target/"+t.Key, d.Key)
				t.Settings[d.Key] = refs[d.Key]
			}
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
	if err := checkTargetSystem(cfg, t.Key, a.env()); err != nil {
		return "", err
	}
	if err := a.checkStoredRules(ctx, cfg); err != nil {
		return "", engine.Errorf(engine.Conflict, "%v (change the rule first)", err)
	}
	for _, setting := range slices.Sorted(maps.Keys(refs)) {
		if err := a.secrets.Set(refs[setting], secrets[setting]); err != nil {
			return "", engine.Wrap(engine.ErrorCode(err), err, "%s: the secret of setting %q could not be kept in the keychain", t.Name, setting)
		}
	}
	return t.Key, a.saveConfig(ctx, cfg, "target system saved")
}

// CheckTargetSystem checks a target system as edited, in the workspace's
// configuration, without saving it: its name, key, kind and permissions,
// the connector's settings, the account mapping (compiled, with the
// attributes the connector needs at create), the correlation, lifecycle,
// thresholds and concurrency, and that no account mapping (this one or
// another target's that reads this one's accounts) breaks. The error says
// what is wrong and where.
func (a *App) CheckTargetSystem(ctx context.Context, t *engine.TargetSystem) error {
	cfg, key, err := a.configWith(ctx, t)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return checkTargetSystem(cfg, key, a.env())
}

// CheckAccountMapping checks only a target's account mapping, as edited:
// it compiles it (snippets included) against the configuration with the
// target in it, and checks that the targets' mappings do not read each
// other's accounts in a circle. Editors call it as the mapping changes.
func (a *App) CheckAccountMapping(ctx context.Context, t *engine.TargetSystem) error {
	cfg, key, err := a.configWith(ctx, t)
	if err != nil {
		return err
	}
	return checkMappings(cfg, key)
}

// configWith returns the configuration with a copy of t in place of the
// target with its key, or added, and the copy's key: a target without one
// gets the key saving would make.
func (a *App) configWith(ctx context.Context, t *engine.TargetSystem) (*engine.Config, string, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, "", err
	}
	c := *t
	if c.Kind == "" {
		c.Kind = engine.TargetManual
	}
	if c.Key == "" {
		c.Key = uniqueTargetKey(cfg, engine.Slug(c.Name))
	}
	if strings.TrimSpace(c.Name) == "" {
		c.Name = "the new target system"
	}
	cfg.TargetSystems = slices.Clone(cfg.TargetSystems)
	if i := slices.IndexFunc(cfg.TargetSystems, func(x engine.TargetSystem) bool { return x.Key == c.Key }); i >= 0 {
		cfg.TargetSystems[i] = c
	} else {
		cfg.TargetSystems = append(cfg.TargetSystems, c)
	}
	return cfg, c.Key, nil
}

// checkTargetSystem checks the target with the given key in cfg (see
// CheckTargetSystem); cfg.Validate has checked its identity. The
// connector checks its settings as it would to run, without connecting.
func checkTargetSystem(cfg *engine.Config, key string, env engine.ConnectorEnv) error {
	t, ok := cfg.TargetSystem(key)
	if !ok {
		return engine.Errorf(engine.NotFound, "there is no target system %q", key)
	}
	if t.Writes() {
		kind, ok := connectors.Target(t.Kind)
		if !ok {
			var kinds []string
			for _, k := range TargetKinds {
				kinds = append(kinds, k.Value)
			}
			return engine.Errorf(engine.Invalid, "%s: there is no kind of target system %q; the kinds are %s", t.Name, t.Kind, strings.Join(kinds, ", "))
		}
		if err := engine.CheckSettings(kind.Settings, t.Settings); err != nil {
			return engine.Errorf(engine.Invalid, "%s: %v", t.Name, err)
		}
		c, err := kind.New(t.Settings, env, engine.TargetOptions{DryRun: true})
		if err != nil {
			return engine.Wrap(engine.ErrorCode(err), err, "%s", t.Name)
		}
		c.Close()
	}
	if t.Concurrency < 0 || t.Concurrency > MaxConcurrency {
		return engine.Errorf(engine.Invalid, "%s: work on 1 to %d persons at once (0 means %d), not %d", t.Name, MaxConcurrency, DefaultConcurrency, t.Concurrency)
	}
	switch t.Lifecycle.End {
	case "", engine.EndDelete:
		if t.Lifecycle.DeleteAfterDays != 0 {
			return engine.Errorf(engine.Invalid, "%s: deleting accounts after %d days needs them kept disabled first", t.Name, t.Lifecycle.DeleteAfterDays)
		}
	case engine.EndKeepDisabled:
		if t.Lifecycle.DeleteAfterDays < 0 {
			return engine.Errorf(engine.Invalid, "%s: the days before a disabled account is deleted must be 0 or more, not %d", t.Name, t.Lifecycle.DeleteAfterDays)
		}
	default:
		return engine.Errorf(engine.Invalid, "%s: an account ends with %q or %q, not %q", t.Name, engine.EndDelete, engine.EndKeepDisabled, t.Lifecycle.End)
	}
	seen := map[engine.ActionOp]bool{}
	for _, th := range t.Thresholds {
		switch {
		case th.Op.Order() < 0:
			return engine.Errorf(engine.Invalid, "%s: there is no operation %q to limit", t.Name, th.Op)
		case seen[th.Op]:
			return engine.Errorf(engine.Invalid, "%s: the %s actions have two thresholds; keep one", t.Name, th.Op)
		case th.MaxCount == nil && th.MaxPercent == nil:
			return engine.Errorf(engine.Invalid, "%s: the threshold for %s actions sets neither a count nor a percentage", t.Name, th.Op)
		case th.MaxCount != nil && *th.MaxCount < 0:
			return engine.Errorf(engine.Invalid, "%s: the threshold for %s actions: the count must be 0 or more, not %d", t.Name, th.Op, *th.MaxCount)
		case th.MaxPercent != nil && (*th.MaxPercent < 0 || *th.MaxPercent > 100):
			return engine.Errorf(engine.Invalid, "%s: the threshold for %s actions: the percentage must be from 0 to 100, not %g", t.Name, th.Op, *th.MaxPercent)
		}
		seen[th.Op] = true
	}
	if c := t.Correlation; c != nil {
		env, err := rules.NewEnv(cfg)
		if err != nil {
			return err
		}
		field, attr := strings.TrimSpace(c.PersonField), strings.TrimSpace(c.Attribute)
		switch {
		case field == "" || attr == "":
			return engine.Errorf(engine.Invalid, "%s: correlation needs both a person field and the account attribute it equals", t.Name)
		case engine.Sensitive(attr):
			return engine.Errorf(engine.Invalid, "%s: correlation cannot read %s: it looks like a password or secret", t.Name, attr)
		}
		if _, _, ok := env.PersonField(field); !ok {
			return engine.Errorf(engine.Invalid, "%s: correlation: there is no person field %q%s", t.Name, field, engine.SuggestPaths(field, env.ConditionFields(engine.LevelPerson)))
		}
	}
	return checkMappings(cfg, key)
}

// DefaultConcurrency is how many persons enforcement works on at once in
// a target whose Concurrency is 0; MaxConcurrency is the most allowed.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 64
)

// checkMappings compiles the account mapping of every target that writes
// through a connector and has one, as evaluations do, and orders them: the
// target key's mapping first, so that its own problem is the one reported,
// then the others, which a change to key can break (a mapping that reads
// an attribute key no longer writes), and the order that finds circles.
func checkMappings(cfg *engine.Config, key string) error {
	env, err := rules.NewEnv(cfg)
	if err != nil {
		return err
	}
	keys := make([]string, len(cfg.TargetSystems))
	for i, t := range cfg.TargetSystems {
		keys[i] = t.Key
	}
	mappers := map[string]*accounts.Mapper{}
	compile := func(t *engine.TargetSystem) error {
		if !t.Writes() || len(t.Mapping) == 0 {
			return nil
		}
		var identity []string
		if kind, ok := connectors.Target(t.Kind); ok {
			identity = kind.IdentityFor(t.Settings)
		}
		m, err := accounts.Compile(t, env, identity, keys)
		if err != nil {
			return err
		}
		mappers[t.Key] = m
		return nil
	}
	if t, ok := cfg.TargetSystem(key); ok {
		if err := compile(t); err != nil {
			return err
		}
	}
	for i := range cfg.TargetSystems {
		if t := &cfg.TargetSystems[i]; t.Key != key {
			if err := compile(t); err != nil {
				return err
			}
		}
	}
	_, err = accounts.Order(mappers)
	return err
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
	gone := cfg.TargetSystems[i]
	cfg.TargetSystems = slices.Delete(cfg.TargetSystems, i, i+1)
	if err := checkMappings(cfg, ""); err != nil {
		return engine.Errorf(engine.Conflict, "%s cannot be deleted: %v", name, err)
	}
	if err := a.saveConfig(ctx, cfg, "target system deleted"); err != nil {
		return err
	}
	// the secrets the target kept in the keychain go with it
	if kind, ok := connectors.Target(gone.Kind); ok {
		for _, d := range kind.Settings {
			if ref := gone.Settings[d.Key]; d.Kind == engine.SettingSecret && ref == keychain.NewReference(a.secretsPrefix()+"target/"+key, d.Key) {
				a.secrets.Delete(ref) // gone already, or no keychain: nothing to keep either way
			}
		}
	}
	return nil
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

// secretsPrefix starts the keychain references of this workspace's
// secrets: two workspaces with a target of the same key keep their own.
func (a *App) secretsPrefix() string {
	id, err := a.bolt.WorkspaceID()
	if err != nil {
		return ""
	}
	return "workspace/" + id + "/"
}
