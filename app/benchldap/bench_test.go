//go:build integration

package benchldap

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/app/boltstore"
	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/enforce"
)

// The size of the plan issue 4 asks for.
const (
	benchAccounts   = 10_000
	benchGroups     = 20
	groupsPerPerson = 2
)

// targetKey is the target's key in the plan.
const targetKey = "directory"

// passwordRef is the keychain reference of the bind password.
const passwordRef = "target/directory/password"

// server is the slapd of scripts/with-slapd.sh.
type server struct {
	url, bindDN, password, base string
}

func testServer(b *testing.B) server {
	b.Helper()
	s := server{
		url:      os.Getenv("PROVISIO_TEST_LDAP_URL"),
		bindDN:   os.Getenv("PROVISIO_TEST_LDAP_BIND_DN"),
		password: os.Getenv("PROVISIO_TEST_LDAP_PASSWORD"),
		base:     os.Getenv("PROVISIO_TEST_LDAP_BASE"),
	}
	if s.url == "" || s.bindDN == "" || s.password == "" || s.base == "" {
		b.Fatal("PROVISIO_TEST_LDAP_URL, _BIND_DN, _PASSWORD and _BASE are not set: run the benchmark through scripts/with-slapd.sh (make bench-ldap)")
	}
	for _, tool := range []string{"ldapadd", "ldapmodify"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s is not installed (package ldap-utils; scripts/install-deps.sh bench installs it)", tool)
		}
	}
	return s
}

// admin returns a connection bound as the root DN.
func (s server) admin(b *testing.B) *goldap.Conn {
	b.Helper()
	conn, err := goldap.DialURL(s.url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	if err := conn.Bind(s.bindDN, s.password); err != nil {
		b.Fatal(err)
	}
	return conn
}

// slapdPID returns the process id of the slapd that listens at the
// server's URL, or 0.
func (s server) slapdPID() int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if comm, _ := os.ReadFile(d + "/comm"); strings.TrimSpace(string(comm)) != "slapd" {
			continue
		}
		if cmd, _ := os.ReadFile(d + "/cmdline"); bytes.Contains(cmd, []byte(strings.TrimSuffix(s.url, "/"))) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

// cpuTime returns the processor time the process pid has used (user and
// system), or 0 when it cannot be read.
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// memSecrets is a keychain in memory.
type memSecrets map[string]string

func (m memSecrets) Get(ref string) (string, error) {
	if v, ok := m[ref]; ok {
		return v, nil
	}
	return "", engine.Errorf(engine.NotFound, "no secret %q", ref)
}
func (m memSecrets) Set(ref, secret string) error { m[ref] = secret; return nil }
func (m memSecrets) Delete(ref string) error      { delete(m, ref); return nil }

// subtree is a part of the directory that one side of the benchmark fills:
// a container for accounts and one for the groups, made beforehand with
// every group holding only the empty DN, as scripts/with-slapd.sh makes
// its groups.
type subtree struct {
	root, people, groups string
	groupDNs             []string
}

func newSubtree(b *testing.B, conn *goldap.Conn, s server, name string) *subtree {
	b.Helper()
	t := &subtree{root: "ou=" + name + "," + s.base}
	t.people, t.groups = "ou=people,"+t.root, "ou=groups,"+t.root
	for _, dn := range []string{t.root, t.people, t.groups} {
		req := goldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"organizationalUnit"})
		req.Attribute("ou", []string{strings.TrimPrefix(strings.SplitN(dn, ",", 2)[0], "ou=")})
		if err := conn.Add(req); err != nil {
			b.Fatalf("add %s: %v", dn, err)
		}
	}
	for g := range benchGroups {
		dn := fmt.Sprintf("cn=grp-%02d,%s", g+1, t.groups)
		req := goldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"groupOfNames"})
		req.Attribute("cn", []string{fmt.Sprintf("grp-%02d", g+1)})
		req.Attribute("member", []string{""})
		if err := conn.Add(req); err != nil {
			b.Fatalf("add %s: %v", dn, err)
		}
		t.groupDNs = append(t.groupDNs, dn)
	}
	return t
}

// settings returns the generic LDAP connector's settings for the subtree:
// inetOrgPerson accounts named by uid, groupOfNames groups, and the state
// in employeeType (disabled on create, active once enabled).
func (t *subtree) settings(s server) map[string]string {
	return map[string]string{
		"url":              s.url,
		"bindDN":           s.bindDN,
		"password":         passwordRef,
		"baseDN":           t.people,
		"groupBaseDN":      t.groups,
		"groupType":        "groupOfNames",
		"enabledAttribute": "employeeType",
		"enabledValue":     "active",
		"disabledValue":    "disabled",
	}
}

var (
	givenNames  = []string{"Anna", "Bram", "Chloe", "Daan", "Emma", "Finn", "Hanna", "Jan", "Julia", "Lars", "Lotte", "Milan", "Noah", "Olga", "Pieter", "Sara", "Thijs", "Vera", "Wim", "Yara"}
	familyNames = []string{"Bakker", "de Boer", "Dekker", "van Dijk", "Jansen", "de Jong", "Kok", "Meijer", "Mulder", "Peters", "Smit", "de Vries", "Visser", "van der Berg", "Vos", "de Wit"}
)

// account returns the attributes of person i's account, as an account
// mapping makes them, in the order they are written.
func account(i int) [][2]string {
	given, family := givenNames[i%len(givenNames)], familyNames[(i/len(givenNames))%len(familyNames)]
	uid := fmt.Sprintf("u%05d", i)
	return [][2]string{
		{"uid", uid},
		{"cn", given + " " + family},
		{"sn", family},
		{"givenName", given},
		{"displayName", given + " " + family},
		{"mail", uid + "@provisio.test"},
		{"employeeNumber", fmt.Sprintf("%06d", 100000+i)},
	}
}

// groupsOf returns the two groups (indexes) of person i: as many members
// in each group.
func groupsOf(i int) [groupsPerPerson]int {
	first := i % benchGroups
	return [groupsPerPerson]int{first, (first + 1 + (i/benchGroups)%(benchGroups-1)) % benchGroups}
}

// writeLDIF writes the end state of the plan in t as LDIF: the entries,
// enabled and with the same attributes, for ldapadd, and the group
// memberships as one modification per group, for ldapmodify.
func writeLDIF(b *testing.B, dir string, t *subtree) (entries, members string) {
	b.Helper()
	entries, members = filepath.Join(dir, "entries.ldif"), filepath.Join(dir, "members.ldif")
	var e bytes.Buffer
	byGroup := make([][]string, benchGroups)
	for i := range benchAccounts {
		attrs := account(i)
		dn := "uid=" + attrs[0][1] + "," + t.people
		fmt.Fprintf(&e, "dn: %s\nobjectClass: inetOrgPerson\n", dn)
		for _, a := range attrs {
			fmt.Fprintf(&e, "%s: %s\n", a[0], a[1])
		}
		e.WriteString("employeeType: active\n\n")
		for _, g := range groupsOf(i) {
			byGroup[g] = append(byGroup[g], dn)
		}
	}
	var m bytes.Buffer
	for g, dns := range byGroup {
		fmt.Fprintf(&m, "dn: %s\nchangetype: modify\nadd: member\n", t.groupDNs[g])
		for _, dn := range dns {
			fmt.Fprintf(&m, "member: %s\n", dn)
		}
		m.WriteString("-\n\n")
	}
	if err := os.WriteFile(entries, e.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(members, m.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return entries, members
}

// ldapadd loads the entries with ldapadd -c and the memberships with
// ldapmodify, one after the other as one would by hand, and returns the
// time both took and the processor time they used.
func ldapadd(b *testing.B, s server, passwordFile, entries, members string) (took, cpu time.Duration) {
	b.Helper()
	auth := []string{"-x", "-H", s.url, "-D", s.bindDN, "-y", passwordFile}
	start := time.Now()
	for _, args := range [][]string{
		append([]string{"ldapadd", "-c", "-f", entries}, auth...),
		append([]string{"ldapmodify", "-f", members}, auth...),
	} {
		cmd := exec.Command(args[0], args[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr // stdout (a line per entry) goes to /dev/null
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v\n%s", strings.Join(args[:4], " "), err, stderr.String())
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return time.Since(start), cpu
}

// plan returns the plan a rule set would make for the benchmark's people in
// t: for each person an account created with its attributes, enabled, and
// two groups granted.
func plan(t *subtree, run string) *engine.Evaluation {
	reasons := func(rule string) []engine.Reason {
		return []engine.Reason{{Rule: rule, RuleName: "Rule " + rule}}
	}
	account0, access, groups := reasons("account"), reasons("access"), reasons("groups")
	e := &engine.Evaluation{Actions: make([]engine.Action, 0, benchAccounts*(2+groupsPerPerson))}
	for i := range benchAccounts {
		attrs := account(i)
		person, name := fmt.Sprintf("hr:%s-%05d", run, i), attrs[1][1]
		changes := make([]engine.AttributeChange, len(attrs))
		for k, a := range attrs {
			changes[k] = engine.AttributeChange{Attribute: a[0], New: a[1]}
		}
		key := func(kind engine.EntitlementKind, name string) engine.EntitlementKey {
			return engine.EntitlementKey{Target: targetKey, Kind: kind, Name: name}
		}
		e.Actions = append(e.Actions,
			engine.Action{Person: person, PersonName: name, Key: key(engine.KindAccount, ""), Grant: true, Op: engine.OpCreate, Reasons: account0, Changes: changes},
			engine.Action{Person: person, PersonName: name, Key: key(engine.KindAccess, ""), Grant: true, Op: engine.OpEnable, Reasons: access})
		for _, g := range groupsOf(i) {
			e.Actions = append(e.Actions, engine.Action{Person: person, PersonName: name,
				Key: key(engine.KindPermission, t.groupDNs[g]), Grant: true, Op: engine.OpGrant, Reasons: groups})
		}
	}
	e.Persons, e.Evaluated = benchAccounts, benchAccounts
	e.CreatedAt = time.Now()
	e.AsOf = engine.DateOf(e.CreatedAt)
	return e
}

// timedJournal is the store's journal, timed: how often and how long
// enforcement waited for it.
type timedJournal struct {
	st    *boltstore.Store
	calls int
	took  time.Duration
}

func (j *timedJournal) RecordResults(ctx context.Context, run uint64, results []engine.ActionResult, ledger []engine.LedgerChange, audit []engine.AuditEntry) error {
	start := time.Now()
	err := j.st.RecordResults(ctx, run, results, ledger, audit)
	j.calls++
	j.took += time.Since(start)
	return err
}

// enforceLikeTheApp applies the stored evaluation to the target as
// app.Enforce does: the plan read from the store and checked against the
// ledger, thresholds, the run and its pending results recorded, the
// connector made through the kind registry, enforcement with its journal,
// ledger and audit log in the store, and the run's figures and status
// recorded at the end.
func enforceLikeTheApp(ctx context.Context, st *boltstore.Store, journal enforce.Journal, sys *engine.TargetSystem, secrets engine.Secrets, evaluation uint64, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	p, err := st.FindEvaluation(ctx, evaluation)
	if err != nil {
		return nil, err
	}
	version, err := st.LedgerVersion(ctx)
	if err != nil {
		return nil, err
	}
	if p.LedgerVersion != version {
		return nil, fmt.Errorf("the plan is stale")
	}
	ledger, err := st.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]engine.ActionResult, len(p.Actions))
	for i := range results {
		results[i].Index = i
	}
	accounts := map[string]int{}
	byPerson := map[string][]engine.LedgerEntry{}
	for _, le := range ledger.Entries {
		if le.Key.Kind == engine.KindAccount {
			accounts[le.Key.Target]++
		}
		byPerson[le.Person] = append(byPerson[le.Person], le)
	}
	systems := map[string]*engine.TargetSystem{sys.Key: sys}
	run := &engine.EnforcementRun{Evaluation: p.ID, StartedAt: time.Now(), Status: engine.RunRunning,
		Targets: []string{sys.Key}, Counts: map[engine.Outcome]int{}}
	run.Breaches, _ = enforce.Thresholds(p, results, systems, accounts)
	if run, err = st.StartRun(ctx, run, results); err != nil {
		return nil, err
	}
	kind, ok := connectors.Target(sys.Kind)
	if !ok {
		return nil, fmt.Errorf("no target kind %q", sys.Kind)
	}
	if err := engine.CheckSettings(kind.Settings, sys.Settings); err != nil {
		return nil, err
	}
	conn, err := kind.New(sys.Settings, engine.ConnectorEnv{Secrets: secrets}, engine.TargetOptions{})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	runErr := enforce.Run(ctx, enforce.Options{
		Run: run, Plan: p, Results: results, Order: []string{sys.Key},
		Targets: map[string]enforce.Target{sys.Key: {System: sys, Conn: conn, Identity: kind.IdentityFor(sys.Settings)}},
		Ledger: func(person string, key engine.EntitlementKey) (engine.LedgerEntry, bool) {
			for _, le := range byPerson[person] {
				if le.Key == key {
					return le, true
				}
			}
			return engine.LedgerEntry{}, false
		},
		Journal: journal, Now: time.Now, Progress: progress,
	})
	_, stored, err := st.FindRun(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range stored {
		run.Counts[r.Outcome]++
	}
	run.FinishedAt, run.Status = time.Now(), engine.RunDone
	if runErr != nil {
		run.Status, run.Message = engine.RunInterrupted, runErr.Error()
	}
	if err := st.UpdateRun(ctx, run); err != nil {
		return nil, err
	}
	return run, runErr
}

// contents reads what a subtree holds: the accounts' entries (their
// attributes, without the DN's container) and the members of each group.
func contents(b *testing.B, conn *goldap.Conn, t *subtree) (map[string]map[string][]string, []int) {
	b.Helper()
	res, err := conn.SearchWithPaging(goldap.NewSearchRequest(t.people, goldap.ScopeSingleLevel, goldap.NeverDerefAliases,
		0, 0, false, "(objectClass=inetOrgPerson)", []string{"*"}, nil), 1000)
	if err != nil {
		b.Fatal(err)
	}
	entries := map[string]map[string][]string{}
	for _, e := range res.Entries {
		attrs := map[string][]string{}
		for _, a := range e.Attributes {
			vs := slices.Clone(a.Values)
			slices.Sort(vs)
			attrs[a.Name] = vs
		}
		entries[strings.SplitN(e.DN, ",", 2)[0]] = attrs
	}
	var members []int
	for _, g := range t.groupDNs {
		res, err := conn.Search(goldap.NewSearchRequest(g, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
			0, 0, false, "(objectClass=*)", []string{"member"}, nil))
		if err != nil {
			b.Fatal(err)
		}
		members = append(members, len(res.Entries[0].GetAttributeValues("member")))
	}
	return entries, members
}

// BenchmarkEnforceVersusLdapadd enforces 10,000 account creates (each
// followed by an enable) and 20,000 group memberships against slapd, and
// loads the equivalent LDIF with ldapadd and ldapmodify into another
// subtree of the same database. It reports both times (ldapadd-s,
// provisio-s) and how fast Provisio is as a share of ldapadd (ratio-pct:
// 100 × ldapadd time ÷ Provisio time). Each side's containers and groups
// are made beforehand, outside the measured time; both end with the same
// entries and memberships, which the benchmark checks. It also reports the
// processor time each side used, the server's and its client's
// (ldapadd-cpu-s, provisio-cpu-s), which other load on the machine
// disturbs less than the times. One iteration takes a few seconds; run it
// with -benchtime Nx.
func BenchmarkEnforceVersusLdapadd(b *testing.B) {
	s := testServer(b)
	admin := s.admin(b)
	secrets := memSecrets{passwordRef: s.password}
	passwordFile := filepath.Join(b.TempDir(), "password")
	if err := os.WriteFile(passwordFile, []byte(s.password), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	slapd := s.slapdPID()
	var ldapaddTime, provisioTime, ldapaddCPU, provisioCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		run := fmt.Sprintf("%d-%d", time.Now().Unix()%100000, i)
		raw := newSubtree(b, admin, s, "ldapadd-"+run)
		ours := newSubtree(b, admin, s, "provisio-"+run)
		dir := b.TempDir()
		entries, members := writeLDIF(b, dir, raw)
		st, err := boltstore.Open(filepath.Join(dir, "workspace"))
		if err != nil {
			b.Fatal(err)
		}
		p := plan(ours, run)
		info, err := st.SaveEvaluation(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		sys := &engine.TargetSystem{Key: targetKey, Name: "Directory", Kind: "ldap", Settings: ours.settings(s)}

		// One side after the other, on the same server and database;
		// the first to run alternates between iterations. Each side's
		// processor time is the server's and its client's: the ldapadd
		// and ldapmodify processes, or this process while it enforces.
		var accountsDone, grantsDone time.Duration // when Provisio's account and grant phases ended
		journal := &timedJournal{st: st}
		sides := []struct {
			name string
			run  func() (took, cpu time.Duration)
		}{
			{"ldapadd", func() (time.Duration, time.Duration) { return ldapadd(b, s, passwordFile, entries, members) }},
			{"Provisio", func() (time.Duration, time.Duration) {
				start, self := time.Now(), cpuTime(os.Getpid())
				progress := func(p enforce.Progress) {
					if p.Done == benchAccounts*2 {
						accountsDone = time.Since(start)
					}
					if p.Done == p.Total {
						grantsDone = time.Since(start)
					}
				}
				var r *engine.EnforcementRun
				var err error
				// labelled, for profiles: go tool pprof -tagfocus side=provisio
				pprof.Do(ctx, pprof.Labels("side", "provisio"), func(ctx context.Context) {
					r, err = enforceLikeTheApp(ctx, st, journal, sys, secrets, info.ID, progress)
				})
				took, cpu := time.Since(start), cpuTime(os.Getpid())-self
				if err != nil {
					b.Fatal(err)
				}
				if done := r.Counts[engine.OutcomeDone]; done != len(p.Actions) {
					b.Fatalf("%d of %d actions done: %v", done, len(p.Actions), r.Counts)
				}
				b.Logf("Provisio: accounts (creates and enables) %v, grants %v, the run's end %v; the journal recorded %d batches in %v",
					accountsDone.Round(time.Millisecond), (grantsDone - accountsDone).Round(time.Millisecond), (took - grantsDone).Round(time.Millisecond),
					journal.calls, journal.took.Round(time.Millisecond))
				return took, cpu
			}},
		}
		if i%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			server := cpuTime(slapd)
			b.StartTimer()
			took, client := side.run()
			b.StopTimer()
			server = cpuTime(slapd) - server
			if side.name == "ldapadd" {
				ldapaddTime, ldapaddCPU = ldapaddTime+took, ldapaddCPU+server+client
			} else {
				provisioTime, provisioCPU = provisioTime+took, provisioCPU+server+client
			}
			b.Logf("%s: %v; processor time: slapd %v, client %v", side.name, took.Round(time.Millisecond), server, client)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}

		// Both sides hold the same.
		rawEntries, rawMembers := contents(b, admin, raw)
		ourEntries, ourMembers := contents(b, admin, ours)
		if len(ourEntries) != benchAccounts || len(rawEntries) != benchAccounts {
			b.Fatalf("%d accounts made by Provisio, %d by ldapadd; want %d", len(ourEntries), len(rawEntries), benchAccounts)
		}
		if !maps.EqualFunc(rawEntries, ourEntries, func(x, y map[string][]string) bool { return maps.EqualFunc(x, y, slices.Equal) }) {
			for rdn, want := range rawEntries {
				if got := ourEntries[rdn]; !maps.EqualFunc(want, got, slices.Equal) {
					b.Fatalf("%s: ldapadd made %v, Provisio %v", rdn, want, got)
				}
			}
		}
		if !slices.Equal(rawMembers, ourMembers) {
			b.Fatalf("members per group: ldapadd %v, Provisio %v", rawMembers, ourMembers)
		}
		total := 0
		for _, n := range ourMembers {
			total += n - 1 // the empty DN
		}
		if total != benchAccounts*groupsPerPerson {
			b.Fatalf("%d memberships, want %d", total, benchAccounts*groupsPerPerson)
		}
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(ldapaddTime.Seconds()/n, "ldapadd-s")
	b.ReportMetric(provisioTime.Seconds()/n, "provisio-s")
	b.ReportMetric(100*ldapaddTime.Seconds()/provisioTime.Seconds(), "ratio-pct")
	b.ReportMetric(ldapaddCPU.Seconds()/n, "ldapadd-cpu-s")
	b.ReportMetric(provisioCPU.Seconds()/n, "provisio-cpu-s")
}
