// Package storetest is the behavioural test suite that every engine.Store
// implementation passes, the way restic's backend/test suite serves its
// backends. A store's test file is a few lines:
//
//	func TestStoreSuite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, dir string) engine.Store {
//			s, err := mystore.Open(dir)
//			require.NoError(t, err)
//			return s
//		})
//	}
//
// The suite drives the store the way engine/importing does: it computes an
// import's changes, new records and snapshot description against the latest
// snapshot, commits them, and keeps a model of what every snapshot must
// hold. After each kind of write it closes and reopens the store to prove
// that the write persisted, and it compares every snapshot's index, persons
// and departments with the model.
package storetest

import (
	"testing"

	"provisio/engine"
)

// Option adjusts how Run drives a store.
type Option func(*options)

type options struct {
	checks      []func(t *testing.T, s engine.Store)
	writeLedger func(t *testing.T, s engine.Store, entries []engine.LedgerEntry)
}

// WithCheck adds a consistency check that the suite runs on every store it
// opened just before closing it (when reopening and when a test ends), e.g.
// bbolt's tx.Check. The check reports problems through t.
func WithCheck(check func(t *testing.T, s engine.Store)) Option {
	return func(o *options) { o.checks = append(o.checks, check) }
}

// WithLedger lets the suite put entries into a store's ledger directly,
// as the store's own API does besides RecordResults, so that it can test
// how deleting a rule changes the ledger (and that such a write counts a
// ledger version). write adds or replaces entries by person and
// entitlement and reports problems through t. Without it those cases are
// skipped.
func WithLedger(write func(t *testing.T, s engine.Store, entries []engine.LedgerEntry)) Option {
	return func(o *options) { o.writeLedger = write }
}

// Run runs the suite as subtests of t. open opens the store kept in the
// folder dir, creating it when the folder is empty, and fails t when it
// cannot; the suite calls it again on the same folder to reopen the store.
// When the store implements io.Closer, the suite closes it before
// reopening it and when each subtest ends; a store that keeps a lock on
// its folder must implement it.
func Run(t *testing.T, open func(t *testing.T, dir string) engine.Store, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newHarness(t, open, o))
		})
	}
}

// cases lists the suite's tests; each gets its own folder and store.
var cases = []struct {
	name string
	run  func(t *testing.T, h *harness)
}{
	{"ConfigIsTheDefaultUntilSavedAndSurvivesReopen", testConfig},
	{"AcceptedImportCreatesSnapshotOne", testFirstImport},
	{"ImportWithChangesMakesTheNextSnapshotFromThePreviousIndex", testChangesApplyToPreviousIndex},
	{"UnchangedPersonsKeepTheirRecord", testUnchangedPersonsKeepTheirRecord},
	{"EverySnapshotOfALongHistoryReadsBackExactly", testLongHistory},
	{"PendingImportHoldsItsChangesUntilApproved", testPendingApproved},
	{"ApprovedPendingImportAppliesToTheLatestSnapshot", testPendingAppliesToLatest},
	{"ApprovingAFirstPendingImportCreatesSnapshotOne", testFirstPendingApproved},
	{"RejectedPendingImportChangesNothing", testPendingRejected},
	{"NewerImportSupersedesPendingOnes", testSupersede},
	{"FailedAndCancelledImportsAreRecordedWithoutASnapshot", testSaveImport},
	{"ImportsListNewestFirstWithoutRecordErrors", testListImports},
	{"MissingThingsAreNotFound", testNotFound},
	{"CommitRefusesRunsThatAreNeitherAcceptedNorPending", testCommitRefusesBadRuns},
	{"CommitLeavesTheCallersCommitUntouched", testCommitLeavesInputUntouched},
	{"DepartmentsAreKeptPerSourceSystem", testDepartments},
	{"SnapshotHoldsEverySourceSystem", testMultipleSources},
	{"ReadPersonsStopsAtTheCallbacksError", testReadPersonsStops},
	{"ReadersSeeWholeSnapshotsWhileImportsCommit", testConcurrentReaders},

	{"RulesRoundTripWithDraftAndPublishedBodies", testRulesRoundTrip},
	{"SaveRuleGivesNewRulesAnUnusedID", testRuleIDs},
	{"RulesVersionCountsEveryChange", testRulesVersion},
	{"RulesListInNaturalOrderOfTheirIDs", testRulesNaturalOrder},
	{"DeletingAMissingRuleIsNotFound", testDeleteMissingRule},
	{"DeletingARuleAndKeepingItsGrantsMakesThemUnmanaged", testDeleteRuleKeepGrants},
	{"DeletingARuleWithoutKeepingItsGrantsLeavesTheLedger", testDeleteRuleRevokeGrants},
	{"ReplaceRulesReplacesEveryRule", testReplaceRules},
	{"ConfigAndRulesAreSavedTogetherOrNotAtAll", testSaveConfigAndRules},
	{"LedgerIsEmptyInANewWorkspace", testEmptyLedger},

	{"EvaluationRoundTripsWithItsPlan", testEvaluationRoundTrip},
	{"EvaluationWithoutActionsRoundTrips", testEmptyEvaluation},
	{"EvaluationsListNewestFirst", testListEvaluations},
	{"OldEvaluationsLoseTheirPlansNotTheirFigures", testEvaluationPruning},
	{"MissingEvaluationsAreNotFound", testEvaluationNotFound},

	{"RunsRoundTripWithTheirResults", testRunsRoundTrip},
	{"RecordResultsReplacesResultsByIndex", testRecordResults},
	{"RecordResultsRefusesUnknownRunsAndActions", testRecordResultsRefusals},
	{"AFailedRecordResultsChangesNothing", testFailedRecordResultsChangesNothing},
	{"LedgerChangesSetAndDeleteEntries", testLedgerChanges},
	{"LedgerVersionCountsEveryChange", testLedgerVersion},
	{"AuditEntriesAreNumberedAndChained", testAuditChain},
	{"AuditFiltersSelectNewestFirst", testAuditFilters},
	{"ConcurrentRecordResultsMakeOneChain", testConcurrentRecordResults},
	{"TargetAccountsRoundTripPerTarget", testTargetAccounts},
}
