package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"provisio/app"
	"provisio/app/boltstore"
	"provisio/app/demo"
	"provisio/engine"
)

// The scale DESIGN.md asks for: 300,000 persons with 450,000 contracts.
const (
	benchPersons      = 300_000
	benchTwoContracts = 52
)

var (
	benchOnce sync.Once
	benchDir  string
	benchSum  *demo.Summary
	benchErr  error
)

// benchData generates the benchmark's HR export once per process.
func benchData(b *testing.B) (string, *demo.Summary) {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "provisio-bench-")
		if benchErr == nil {
			benchSum, benchErr = demo.Generate(benchDir, demo.Options{Persons: benchPersons, TwoContractsPercent: benchTwoContracts})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir, benchSum
}

// openBench opens a new workspace configured for the benchmark data.
func openBench(b *testing.B, data string) *app.App {
	b.Helper()
	a, err := app.Open(filepath.Join(b.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(day)})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(data, "config.json"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := a.ImportConfig(context.Background(), f, "config.json", data); err != nil {
		b.Fatal(err)
	}
	return a
}

// resetPeakRSS starts a new measurement of the process's peak resident
// memory (Linux: writing 5 to clear_refs resets VmHWM).
func resetPeakRSS() bool {
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS returns the peak resident memory since the last reset, in bytes.
func peakRSS() int64 { return procStatus("VmHWM:") }

// procStatus returns a memory figure of /proc/self/status, in bytes.
func procStatus(name string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkImport300k imports 300,000 persons with 450,000 contracts from
// CSV into an empty workspace: read, map (with a JavaScript display name),
// compare and commit the first snapshot. Target: at most 10 s and 1.5 GiB
// peak memory on 2 cores.
func BenchmarkImport300k(b *testing.B) {
	data, sum := benchData(b)
	b.ResetTimer()
	var peak int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a := openBench(b, data)
		measured := resetPeakRSS()
		b.StartTimer()
		outcomes, err := a.RunImport(context.Background(), nil, nil)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if measured {
			peak = max(peak, peakRSS())
		}
		if got := outcomes[0].Snapshot.Persons; got != sum.Persons {
			b.Fatalf("snapshot has %d persons, want %d", got, sum.Persons)
		}
		a.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(sum.Persons), "persons")
	b.ReportMetric(float64(sum.Contracts), "contracts")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
}

// BenchmarkReimport1Percent imports the benchmark data, changes 1% of the
// persons (their family name) and imports again. It reports the time of
// the second import and how much the store grew, against the size of the
// first snapshot. Target: growth at most 2% of a full snapshot.
func BenchmarkReimport1Percent(b *testing.B) {
	data, sum := benchData(b)
	changed := filepath.Join(b.TempDir(), "changed")
	if err := os.MkdirAll(changed, 0o700); err != nil {
		b.Fatal(err)
	}
	n := changeFamilyNames(b, filepath.Join(data, "persons.csv"), filepath.Join(changed, "persons.csv"), 100)
	b.ResetTimer()
	var growth, first float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a := openBench(b, data)
		ctx := context.Background()
		if _, err := a.RunImport(ctx, nil, nil); err != nil {
			b.Fatal(err)
		}
		before, err := a.StoreUsage()
		if err != nil {
			b.Fatal(err)
		}
		cfg, _ := a.Config(ctx)
		src := cfg.SourceSystems[0]
		src.Settings["personsFile"] = filepath.Join(changed, "persons.csv")
		if _, err := a.SaveSourceSystem(ctx, src, src.Key); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		outcomes, err := a.RunImport(ctx, nil, nil)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if c := outcomes[0].Run.Counts.Changed; c != n {
			b.Fatalf("%d persons changed, want %d", c, n)
		}
		after, err := a.StoreUsage()
		if err != nil {
			b.Fatal(err)
		}
		first = float64(before.DataBytes)
		growth = float64(after.DataBytes - before.DataBytes)
		a.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "changed-persons")
	b.ReportMetric(first/(1<<20), "snapshot-MiB")
	b.ReportMetric(growth/(1<<20), "growth-MiB")
	b.ReportMetric(100*growth/first, "growth-%")
	_ = sum
}

// changeFamilyNames copies a persons file, changing the family name of
// every nth person, and returns how many it changed.
func changeFamilyNames(b *testing.B, from, to string, every int) int {
	b.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	n := 0
	for i := 1; i < len(lines); i++ {
		if i%every != 0 || lines[i] == "" {
			continue
		}
		fields := strings.Split(lines[i], ";")
		if len(fields) < 6 {
			continue
		}
		fields[5] = fields[5] + "-Changed"
		lines[i] = strings.Join(fields, ";")
		n++
	}
	if err := os.WriteFile(to, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkPersonSearch300k filters 300,000 persons by a two-word query
// as the persons screen does on every keystroke.
func BenchmarkPersonSearch300k(b *testing.B) {
	data, _ := benchData(b)
	a := openBench(b, data)
	defer a.Close()
	ctx := context.Background()
	if _, err := a.RunImport(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	list, err := a.Persons(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// a given name and the start of a family name, as people type them
	queries := make([]string, 64)
	for i := range queries {
		words := strings.Fields(list.Persons[(i*7919)%len(list.Persons)].DisplayName)
		last := words[len(words)-1]
		queries[i] = strings.ToLower(words[0] + " " + last[:min(4, len(last))])
	}
	b.ResetTimer()
	hits := 0
	for i := 0; i < b.N; i++ {
		hits += len(list.Filter(app.PersonFilter{Query: queries[i%len(queries)]}))
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}

// BenchmarkLoadPersons300k builds the persons list of a 300,000-person
// snapshot, as the persons screen does once per snapshot.
func BenchmarkLoadPersons300k(b *testing.B) {
	data, _ := benchData(b)
	a := openBench(b, data)
	defer a.Close()
	ctx := context.Background()
	if _, err := a.RunImport(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a.Invalidate()
		b.StartTimer()
		if _, err := a.Persons(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRules writes n synthetic rules as the administrators of a large
// organisation would have them: most for a department (an indexable
// condition), some for a job title wherever it is, some for a department
// with its teams; each with about five conditions and three entitlements:
// the directory account every rule agrees on, a permission of its own
// (an application's group), and the department group.
func benchRules(b *testing.B, a *app.App, n int) {
	b.Helper()
	ctx := context.Background()
	depts, err := a.FieldValues(ctx, engine.LevelContract, "Department.Code", "", 100000)
	if err != nil {
		b.Fatal(err)
	}
	titles, err := a.FieldValues(ctx, engine.LevelContract, "Title.Name", "", 1000)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ad, _ := cfg.TargetSystem("ad")
	target := *ad
	for i := 1; i <= n; i++ {
		target.Permissions = append(target.Permissions, engine.Permission{ID: fmt.Sprintf("APP-%04d", i)})
	}
	if _, err := a.SaveTargetSystem(ctx, target, "ad"); err != nil {
		b.Fatal(err)
	}
	rules := make([]engine.Rule, n)
	for i := range rules {
		cond := func(field string, op engine.Operator, value string, values ...string) engine.Condition {
			return engine.Condition{Field: field, Op: op, Value: value, Values: values}
		}
		var contract []engine.Condition
		switch {
		case i%10 == 9: // a department with its teams, by code prefix
			d := depts[i%len(depts)]
			contract = append(contract, cond("Department.Code", engine.OpStartsWith, d[:min(len(d), 6)]))
		case i%5 == 4: // a job title wherever it is
			contract = append(contract, cond("Title.Name", engine.OpIn, "", titles[i%len(titles)], titles[(i+7)%len(titles)]))
		default: // a department
			contract = append(contract, cond("Department.Code", engine.OpEquals, depts[i%len(depts)]))
		}
		contract = append(contract,
			cond("Type.Code", engine.OpNotEquals, "On-call"),
			cond("Details.Fte", engine.OpAtLeast, "0.2"),
			cond("StartDate", engine.OpBefore, "2030-01-01"))
		body := engine.RuleBody{
			Name: fmt.Sprintf("Rule %d", i+1), Status: engine.RuleActive, Timeframe: engine.Timeframe{DaysBefore: 14},
			PersonConditions:   &engine.Condition{Field: "Name.FamilyName", Op: engine.OpIsNotEmpty},
			ContractConditions: &engine.Condition{Group: engine.GroupAll, Conditions: contract},
			Entitlements: []engine.Entitlement{
				{Target: "ad", Kind: engine.KindAccount},
				{Target: "ad", Kind: engine.KindPermission, Permission: fmt.Sprintf("APP-%04d", i+1)},
				{Target: "ad", Kind: engine.KindPermission, Template: "GG-{Department.Code}"},
			},
		}
		rules[i] = engine.Rule{ID: fmt.Sprintf("b%d", i+1), Published: &body}
	}
	raw, err := json.Marshal(app.RulesFile{Format: app.RulesFormat, Version: 1, Rules: rules})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.ImportRules(ctx, bytes.NewReader(raw), "bench-rules.json"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEvaluate300k1000Rules evaluates 300,000 persons against 1,000
// rules (about five conditions and three entitlements each) with an empty
// ledger, and stores the plan. Target: at most 15 s and 2 GiB peak on 2
// cores.
//
// It measures the rules (issue 3): the targets have no account mappings,
// so the plan's actions carry no attributes. What account mappings cost
// is measured by BenchmarkEvaluate300kSteadyState1MAccounts and
// BenchmarkEvaluate300kFirstRun.
func BenchmarkEvaluate300k1000Rules(b *testing.B) {
	a := benchEvaluation(b, false)
	defer a.Close()
	benchEvaluate(b, a)
}

// BenchmarkEvaluate300kSteadyState1MAccounts is the evaluation issue 4
// asks for: 300,000 persons, the 1,000 rules, three targets with account
// mappings (the demo's Active Directory and Google Workspace, and a staff
// portal; see benchEvaluation) and a ledger that already holds what the
// rules want: about a million accounts with the attributes their mappings
// made, their access and permissions, as enforcing the first plan would
// have left them. Every account's update-stage values are computed and
// compared, and next to nothing changes. Target: at most 15 s and 2 GiB
// peak on 2 cores.
func BenchmarkEvaluate300kSteadyState1MAccounts(b *testing.B) {
	a := benchEvaluation(b, true)
	ctx := context.Background()
	// the first plan, enforced: the ledger holds what the rules want
	if _, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil); err != nil {
		b.Fatal(err)
	}
	first, err := a.Evaluation(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	entries, accounts := ledgerOf(first.Actions, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	first = nil
	a = reopenWithBenchLedger(b, a, entries)
	defer a.Close()
	n := len(entries)
	entries = nil
	benchEvaluate(b, a)
	b.ReportMetric(float64(n), "ledger-entries")
	b.ReportMetric(float64(accounts), "ledger-accounts")
}

// BenchmarkEvaluate300kFirstRun evaluates the same workspace as
// BenchmarkEvaluate300kSteadyState1MAccounts with an empty ledger: every
// account is created, with the attributes its mapping makes and unique
// names made free across the plan. It has no target of its own (a first
// run is once per workspace, and enforcing its plan takes far longer); it
// shows what a plan of creates costs.
func BenchmarkEvaluate300kFirstRun(b *testing.B) {
	a := benchEvaluation(b, true)
	defer a.Close()
	benchEvaluate(b, a)
}

// benchEvaluation prepares a workspace for the evaluation benchmarks: the
// benchmark data imported and the 1,000 rules of benchRules.
//
// Without accounts the targets have no account mappings: the evaluation
// is the rules' alone. With accounts the demo's targets keep the account
// mappings the generator gives a large organisation (Active Directory:
// 10 attributes, 4 of them snippets, 3 unique; Google Workspace: 4 fields
// read from Active Directory's account), and a third target, a staff
// portal with 11 attributes of which 2 are snippets, gives everyone
// employed an account, access and a group by one more rule.
func benchEvaluation(b *testing.B, withAccounts bool) *app.App {
	b.Helper()
	data, _ := benchData(b)
	a := openBench(b, data)
	ctx := context.Background()
	if _, err := a.RunImport(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if !withAccounts {
		// Google Workspace's mapping reads Active Directory's: first
		for _, key := range []string{"google", "ad"} {
			t, ok := cfg.TargetSystem(key)
			if !ok {
				b.Fatalf("the benchmark configuration has no target %q", key)
			}
			t.Mapping = nil
			if _, err := a.SaveTargetSystem(ctx, *t, key); err != nil {
				b.Fatal(err)
			}
		}
		benchRules(b, a, 1000)
		return a
	}
	for _, t := range []engine.TargetSystem{portalTarget(), learningTarget()} {
		if _, err := a.SaveTargetSystem(ctx, t, ""); err != nil {
			b.Fatal(err)
		}
	}
	benchRules(b, a, 1000)
	body := engine.RuleBody{
		Name: "Staff portal for everyone employed", Status: engine.RuleActive, Timeframe: engine.Timeframe{DaysBefore: 14},
		ContractConditions: &engine.Condition{Field: "Type.Code", Op: engine.OpNotEquals, Value: "On-call"},
		Entitlements: []engine.Entitlement{
			{Target: "portal", Kind: engine.KindAccount},
			{Target: "portal", Kind: engine.KindAccess},
			{Target: "portal", Kind: engine.KindPermission, Permission: "portal-users"},
			{Target: "learning", Kind: engine.KindAccount},
			{Target: "learning", Kind: engine.KindAccess},
		},
	}
	raw, err := json.Marshal(app.RulesFile{Format: app.RulesFormat, Version: 1, Rules: []engine.Rule{{ID: "portal", Published: &body}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.ImportRules(ctx, bytes.NewReader(raw), "portal-rule.json"); err != nil {
		b.Fatal(err)
	}
	return a
}

// learningTarget is the benchmark's fourth target with accounts: a
// learning platform whose accounts are named by the mail address Active
// Directory has, with three more fields.
func learningTarget() engine.TargetSystem {
	field := func(path string) *engine.StageValue { return &engine.StageValue{Type: engine.MapField, Value: path} }
	row := func(attr string, unique bool, v *engine.StageValue, stages ...engine.Stage) engine.AttributeMapping {
		m := engine.AttributeMapping{Attribute: attr, Unique: unique, Stages: map[engine.Stage]*engine.StageValue{}}
		for _, st := range stages {
			m.Stages[st] = v
		}
		return m
	}
	return engine.TargetSystem{
		Key: "learning", Name: "Learning platform", Kind: "file",
		Settings: map[string]string{"path": "learning-directory.json", "identity": "userName"},
		Mapping: []engine.AttributeMapping{
			row("userName", true, field("Accounts.ad.mail"), engine.StageCreate),
			row("displayName", false, field("DisplayName"), engine.StageCreate, engine.StageUpdate),
			row("department", false, field("PrimaryContract.Department.Name"), engine.StageCreate, engine.StageUpdate),
			row("employeeNumber", false, field("ExternalId"), engine.StageCreate),
		},
		Lifecycle: engine.Lifecycle{End: engine.EndDelete},
	}
}

// portalTarget is the benchmark's third target with accounts: a staff
// portal's directory, named by employee number, mostly person fields and
// the mail address Active Directory has, and two snippets.
func portalTarget() engine.TargetSystem {
	field := func(path string) *engine.StageValue { return &engine.StageValue{Type: engine.MapField, Value: path} }
	snippet := func(js string) *engine.StageValue { return &engine.StageValue{Type: engine.MapComplex, Value: js} }
	fixed := func(v string) *engine.StageValue { return &engine.StageValue{Type: engine.MapFixed, Value: v} }
	row := func(attr string, unique, kept bool, v *engine.StageValue) engine.AttributeMapping {
		m := engine.AttributeMapping{Attribute: attr, Unique: unique, Stages: map[engine.Stage]*engine.StageValue{engine.StageCreate: v}}
		if kept {
			m.Stages[engine.StageUpdate] = v
		}
		return m
	}
	return engine.TargetSystem{
		Key: "portal", Name: "Staff portal", Kind: "file",
		Settings:    map[string]string{"path": "portal-directory.json", "identity": "uid"},
		Permissions: []engine.Permission{{ID: "portal-users", Name: "Portal users"}},
		Mapping: []engine.AttributeMapping{
			row("uid", true, false, field("ExternalId")),
			row("cn", false, true, field("DisplayName")),
			row("givenName", false, true, field("Name.GivenName")),
			row("sn", false, true, field("Name.FamilyName")),
			row("mail", false, true, field("Accounts.ad.mail")),
			row("employeeNumber", false, false, field("ExternalId")),
			row("departmentNumber", false, true, field("PrimaryContract.Department.Code")),
			row("title", false, true, field("PrimaryContract.Title.Name")),
			row("initials", false, true, snippet(`(Person.Name.Initials || Person.Name.GivenName.charAt(0)).replace(/[^A-Za-z]/g, "").toUpperCase()`)),
			row("ou", false, true, snippet(`const c = Person.PrimaryContract
c ? c.Department.Name + (c.Location.Name ? " (" + c.Location.Name + ")" : "") : "Staff"`)),
			{Attribute: "description", Stages: map[engine.Stage]*engine.StageValue{
				engine.StageEnable:  fixed(""),
				engine.StageDisable: fixed("Disabled by Provisio"),
			}},
		},
		Lifecycle: engine.Lifecycle{End: engine.EndDelete},
	}
}

// ledgerOf returns the ledger that enforcing a first plan (creates,
// enables, grants) leaves, as enforcement writes it: an entry per account
// with the attributes its actions wrote and a reference the target gave,
// per access and per permission. It also returns the number of accounts.
func ledgerOf(plan []engine.Action, at time.Time) ([]engine.LedgerEntry, int) {
	ruleIDs := func(reasons []engine.Reason) []string {
		var out []string
		for _, r := range reasons {
			if r.Rule != "" && !slices.Contains(out, r.Rule) {
				out = append(out, r.Rule)
			}
		}
		return out
	}
	write := func(attrs engine.Attributes, changes []engine.AttributeChange) engine.Attributes {
		for _, c := range changes {
			if c.New == "" {
				delete(attrs, c.Attribute)
			} else {
				attrs[c.Attribute] = c.New
			}
		}
		return attrs
	}
	var out []engine.LedgerEntry
	account := map[string]int{} // target → entry, of the current person
	accounts := 0
	for lo := 0; lo < len(plan); {
		hi := lo + 1
		for hi < len(plan) && plan[hi].Person == plan[lo].Person {
			hi++
		}
		clear(account)
		for _, x := range plan[lo:hi] {
			if x.Op == engine.OpCreate {
				account[x.Key.Target] = len(out)
				accounts++
				out = append(out, engine.LedgerEntry{Person: x.Person, Key: x.Key, Rules: ruleIDs(x.Reasons), GrantedAt: at,
					Reference: fmt.Sprintf("acct-%016x", accounts), Attributes: write(engine.Attributes{}, x.Changes)})
			}
		}
		for _, x := range plan[lo:hi] {
			switch x.Op {
			case engine.OpEnable, engine.OpGrant:
				out = append(out, engine.LedgerEntry{Person: x.Person, Key: x.Key, Rules: ruleIDs(x.Reasons), GrantedAt: at})
			}
			if k, ok := account[x.Key.Target]; ok && x.Op != engine.OpCreate {
				write(out[k].Attributes, x.Changes)
			}
		}
		lo = hi
	}
	return out, accounts
}

// reopenWithBenchLedger closes a, writes entries to its workspace's ledger
// and opens it again.
func reopenWithBenchLedger(b *testing.B, a *app.App, entries []engine.LedgerEntry) *app.App {
	b.Helper()
	dir := a.Dir()
	if err := a.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := boltstore.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	for len(entries) > 0 { // in transactions of a bounded size
		n := min(len(entries), 500_000)
		if err := st.WriteLedger(context.Background(), entries[:n]); err != nil {
			b.Fatal(err)
		}
		entries = entries[n:]
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	a, err = app.Open(dir, app.Options{Clock: engine.FixedClock(day)})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// benchEvaluate runs the evaluation benchmark loop on a prepared
// workspace: each time the persons are decoded again (as after a new
// snapshot) and the ledger loaded, the rules compiled, everyone evaluated
// and the plan stored. It reports the persons, the actions by kind of
// operation, and the peak resident memory.
func benchEvaluate(b *testing.B, a *app.App) {
	ctx := context.Background()
	var peak, file int64
	var info *engine.EvaluationInfo
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a.Invalidate() // decode the persons again, as after a new snapshot
		measured := resetPeakRSS()
		b.StartTimer()
		var err error
		info, err = a.Evaluate(ctx, app.EvaluateOptions{}, nil)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if measured {
			peak = max(peak, peakRSS())
			file = max(file, procStatus("RssFile:"))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(info.Evaluated), "persons")
	// of the resident memory, the store's file pages the system can drop
	b.ReportMetric(float64(file)/(1<<20), "file-RSS-MiB")
	b.ReportMetric(float64(info.Actions), "actions")
	var creates, updates int
	for _, r := range info.Summary {
		if r.Kind == engine.KindAccount {
			creates += r.Grants
		}
		updates += r.Updates
	}
	b.ReportMetric(float64(creates), "account-grants")
	b.ReportMetric(float64(updates), "updates")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
}

// BenchmarkLiveCount300k counts the persons one edited rule matches over
// 300,000 persons, as the rule editor does while the administrator types
// (the persons are already decoded). Target: at most 300 ms.
func BenchmarkLiveCount300k(b *testing.B) {
	data, _ := benchData(b)
	a := openBench(b, data)
	defer a.Close()
	ctx := context.Background()
	if _, err := a.RunImport(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	body := &engine.RuleBody{Name: "Edited", Status: engine.RuleActive, Timeframe: engine.Timeframe{DaysBefore: 14},
		ContractConditions: &engine.Condition{Group: engine.GroupAll, Conditions: []engine.Condition{
			{Field: "Department.Code", Op: engine.OpStartsWith, Value: "ICT"},
			{Field: "Title.Name", Op: engine.OpContains, Value: "engineer"},
			{Field: "Type.Code", Op: engine.OpNotEquals, Value: "On-call"},
		}},
		Entitlements: []engine.Entitlement{{Target: "ad", Kind: engine.KindAccount}}}
	if _, _, err := a.LiveCount(ctx, body, 0, 10); err != nil { // decodes the persons once
		b.Fatal(err)
	}
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		var err error
		if n, _, err = a.LiveCount(ctx, body, 0, 10); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "matched")
}

// BenchmarkAggregationScan300k looks for duplicates among the 300,000
// persons of a snapshot as an import does after it: decode the persons,
// compute their aggregation values (the default, in Go), find the pairs
// and hold the new persons. The benchmark data has the demo generator's
// duplicates (0.2%: the same human under a second number).
func BenchmarkAggregationScan300k(b *testing.B) {
	data, _ := benchData(b)
	a := openBench(b, data)
	defer a.Close()
	ctx := context.Background()
	if _, err := a.RunImport(ctx, nil, nil); err != nil {
		b.Fatal(err)
	}
	var g *engine.Aggregation
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a.Invalidate() // decode the persons again, as after a new snapshot
		b.StartTimer()
		var err error
		if g, err = a.ScanAggregation(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Scanned), "persons")
	b.ReportMetric(float64(g.Comparisons), "pairs")
	b.ReportMetric(float64(len(g.Suggestions)), "suggestions")
}
