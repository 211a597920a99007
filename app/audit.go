package app

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"provisio/engine"
)

// Audit returns the audit entries the filter selects, newest first.
func (a *App) Audit(ctx context.Context, f engine.AuditFilter) ([]engine.AuditEntry, error) {
	return a.store.ListAudit(ctx, f)
}

// VerifyAudit checks the audit log's hash chain and returns how many
// entries it checked; an error names the first entry that was changed.
func (a *App) VerifyAudit(ctx context.Context) (int, error) {
	return a.store.VerifyAudit(ctx)
}

// ExportAuditCSV writes the entries the filter selects as CSV, oldest
// first, one row per entry with its attribute changes in one column.
func (a *App) ExportAuditCSV(ctx context.Context, f engine.AuditFilter, w io.Writer) (int, error) {
	entries, err := a.store.ListAudit(ctx, f)
	if err != nil {
		return 0, err
	}
	slices.Reverse(entries)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "time", "run", "person", "person name", "target", "operation", "entitlement", "reference", "changes", "outcome", "error", "dry run", "hash"})
	for _, e := range entries {
		var changes []string
		for _, c := range e.Changes {
			changes = append(changes, c.Attribute+": "+c.Old+" → "+c.New)
		}
		_ = cw.Write([]string{
			strconv.FormatUint(e.Seq, 10), e.At.UTC().Format(time.RFC3339), strconv.FormatUint(e.Run, 10),
			e.Person, e.PersonName, e.Target, string(e.Op), e.Key.String(), e.Ref, strings.Join(changes, "; "),
			string(e.Outcome), e.Error, strconv.FormatBool(e.DryRun), e.Hash,
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, engine.Wrap(engine.Invalid, err, "write the audit export")
	}
	return len(entries), nil
}

// PersonAccount is a person's account in one target as the ledger knows
// it: its reference, whether it is enabled, its attributes and the
// permissions it has, each with the rules that gave it.
type PersonAccount struct {
	Target      string               `json:"target"`
	TargetName  string               `json:"targetName"`
	Account     *engine.LedgerEntry  `json:"account,omitempty"`
	Enabled     bool                 `json:"enabled"`
	Retired     bool                 `json:"retired,omitempty"`
	Permissions []engine.LedgerEntry `json:"permissions,omitempty"`
}

// PersonAccounts returns what the ledger holds for a person, per target.
func (a *App) PersonAccounts(ctx context.Context, person string) ([]PersonAccount, error) {
	entries, err := a.store.PersonLedger(ctx, person)
	if err != nil {
		return nil, err
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	byTarget := map[string]*PersonAccount{}
	var order []string
	for i := range entries {
		le := &entries[i]
		pa := byTarget[le.Key.Target]
		if pa == nil {
			pa = &PersonAccount{Target: le.Key.Target, TargetName: le.Key.Target}
			if t, ok := cfg.TargetSystem(le.Key.Target); ok {
				pa.TargetName = t.Name
			}
			byTarget[le.Key.Target] = pa
			order = append(order, le.Key.Target)
		}
		switch le.Key.Kind {
		case engine.KindAccount:
			pa.Account = le
			pa.Retired = !le.RetiredOn.IsZero()
		case engine.KindAccess:
			pa.Enabled = true
		default:
			pa.Permissions = append(pa.Permissions, *le)
		}
	}
	slices.Sort(order)
	out := make([]PersonAccount, 0, len(order))
	for _, k := range order {
		out = append(out, *byTarget[k])
	}
	return out, nil
}
