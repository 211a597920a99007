// Package benchldap measures enforcement against a real directory, the
// figure issue 4 asks for: BenchmarkEnforceVersusLdapadd enforces a plan of
// 10,000 new accounts (created, then enabled) and 20,000 group
// memberships through engine/enforce, the generic LDAP connector and a
// workspace store, as app.Enforce does, and in the same run loads the
// equivalent LDIF into the same slapd with ldapadd and ldapmodify; it
// reports both times and their ratio.
//
// The package has no code of its own. The benchmark is built with the
// integration tag and needs the private slapd of scripts/with-slapd.sh and
// the OpenLDAP client tools:
//
//	make bench-ldap
//	scripts/with-slapd.sh go test -tags integration -run '^$' -bench . -benchtime 1x ./app/benchldap/
//
// docs/BENCHMARKS.md records the figures and how they are measured.
package benchldap
