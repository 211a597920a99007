package app

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"provisio/app/demo"
	"provisio/assets"
	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/importing"
)

// DemoDataDir is the folder of a demo workspace that holds its CSV files
// and its targets' directory files.
const DemoDataDir = "demo-data"

// CreateDemo fills an empty workspace with the shipped demo: its CSV files
// and directory files are copied into the workspace's demo-data folder,
// its configuration refers to them relative to the workspace (so the
// folder can move), the targets' accounts are read (so that the first
// evaluation correlates the accounts they already hold), and a first
// import runs.
func (a *App) CreateDemo(ctx context.Context, progress func(importing.Progress)) ([]ImportOutcome, error) {
	empty, err := a.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, engine.Errorf(engine.Conflict, "the workspace %s is not empty; the demo needs an empty workspace (use --workspace with a new folder)", a.dir)
	}
	dataDir := filepath.Join(a.dir, DemoDataDir)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, engine.Wrap(engine.Invalid, err, "create %s", dataDir)
	}
	// The shipped files describe the organisation on demo.DefaultAsOf;
	// moving every date by the days since then keeps its future hires in
	// the future and its leavers recent, whenever the demo is made.
	shift := demo.DefaultAsOf.DaysUntil(a.Today())
	var file *engine.ConfigFile
	err = fs.WalkDir(assets.Demo, "demo", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := assets.Demo.ReadFile(name)
		if err != nil {
			return err
		}
		if path.Base(name) == "config.json" {
			file, err = ReadConfigFile(strings.NewReader(string(raw)), name)
			return err
		}
		if path.Ext(name) == ".csv" {
			raw = shiftDates(raw, shift)
		}
		return os.WriteFile(filepath.Join(dataDir, path.Base(name)), raw, 0o600)
	})
	if err != nil {
		return nil, engine.Wrap(engine.Internal, err, "unpack the demo data")
	}
	if file == nil {
		return nil, engine.Errorf(engine.Internal, "the demo data has no config.json")
	}
	cfg := file.Config
	for i := range cfg.SourceSystems {
		src := &cfg.SourceSystems[i]
		kind, _ := connectors.Source(src.Kind)
		inDemoData(src.Settings, kind.Settings)
	}
	for i := range cfg.TargetSystems {
		t := &cfg.TargetSystems[i]
		kind, _ := connectors.Target(t.Kind)
		inDemoData(t.Settings, kind.Settings)
	}
	if err := a.checkConfig(cfg); err != nil {
		return nil, err
	}
	a.stampSchedules(cfg)
	if err := checkRules(cfg, file.Rules); err != nil {
		return nil, err
	}
	a.stampRules(file.Rules)
	a.config.Lock()
	audit := a.configAudit(nil, cfg, "demo workspace made")
	audit = append(audit, engine.AuditEntry{At: a.clock.Now(), Op: engine.OpConfigure, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: "business rules", New: fmt.Sprintf("%d from the demo", len(file.Rules))}}, Error: "demo workspace made"})
	err = a.store.SaveConfigAndRules(ctx, cfg, file.Rules, audit...)
	a.config.Unlock()
	if err != nil {
		return nil, err
	}
	for _, t := range cfg.TargetSystems {
		if t.Writes() && !t.Disabled {
			if _, err := a.ReadTargetAccounts(ctx, t.Key, nil); err != nil {
				return nil, err
			}
		}
	}
	return a.RunImport(ctx, nil, progress)
}

// inDemoData makes the relative file settings of a demo connector
// relative to the workspace: the files are in its demo-data folder.
func inDemoData(settings map[string]string, defs []engine.SettingDef) {
	for _, d := range defs {
		if v := settings[d.Key]; d.Kind == engine.SettingFile && v != "" && !filepath.IsAbs(v) {
			settings[d.Key] = filepath.ToSlash(filepath.Join(DemoDataDir, v))
		}
	}
}

// demoDate matches the dd-MM-yyyy dates of the shipped demo files.
var demoDate = regexp.MustCompile(`\b(\d{2})-(\d{2})-(\d{4})\b`)

// shiftDates moves every dd-MM-yyyy date in raw, a CSV file, by days.
func shiftDates(raw []byte, days int) []byte {
	if days == 0 {
		return raw
	}
	return demoDate.ReplaceAllFunc(raw, func(m []byte) []byte {
		t, err := time.Parse("02-01-2006", string(m))
		if err != nil {
			return m
		}
		return []byte(t.AddDate(0, 0, days).Format("02-01-2006"))
	})
}
