package app

import (
	"context"
	"fmt"

	"provisio/engine"
)

// configAudit is the audit entry of a configuration change from old to
// cfg, what said what was done; none when nothing changed.
func (a *App) configAudit(old, cfg *engine.Config, what string) []engine.AuditEntry {
	changes := engine.ConfigChanges(old, cfg)
	if len(changes) == 0 {
		return nil
	}
	return []engine.AuditEntry{{At: a.clock.Now(), Op: engine.OpConfigure, Outcome: engine.OutcomeDone, Changes: changes, Error: what}}
}

// saveConfig saves the configuration and, in the same transaction, an
// audit entry of what changed. The caller holds a.config.
func (a *App) saveConfig(ctx context.Context, cfg *engine.Config, what string) error {
	old, err := a.store.LoadConfig(ctx)
	if err != nil {
		return err
	}
	return a.store.SaveConfig(ctx, cfg, a.configAudit(old, cfg, what)...)
}

// ruleAudit is the audit entry of a change to a rule.
func (a *App) ruleAudit(r *engine.Rule, what string) engine.AuditEntry {
	attr := "rule " + r.ID
	if r.ID == "" { // the store numbers it
		attr = "new rule"
	}
	return engine.AuditEntry{At: a.clock.Now(), Op: engine.OpConfigure, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: attr, Old: r.Name(), New: what}}, Error: fmt.Sprintf("business rule %q: %s", r.Name(), what)}
}
