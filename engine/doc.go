// Package engine is Provisio's domain: persons and their contracts,
// departments, the workspace configuration, the records a source system
// delivers, imports and snapshots, and the interfaces (Store, Secrets,
// SourceConnector, Clock) that adapters implement.
//
// The engine and its subpackages import no GUI, storage, scheduling or
// keychain library, so every stage of the pipeline is a pure function of its
// inputs, testable in milliseconds and usable headless.
package engine
