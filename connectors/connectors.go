// Package connectors lists every connector kind Provisio has, in one place:
// forms, configuration checks and the command line read this list instead
// of relying on registration side effects.
package connectors

import (
	"provisio/connectors/csv"
	"provisio/connectors/file"
	"provisio/connectors/ldap"
	"provisio/engine"
)

// Sources returns the source connector kinds.
func Sources() []engine.SourceKind {
	return []engine.SourceKind{csv.Kind()}
}

// Source returns the source connector kind with the given name.
func Source(kind string) (engine.SourceKind, bool) {
	for _, k := range Sources() {
		if k.Kind == kind {
			return k, true
		}
	}
	return engine.SourceKind{}, false
}

// Targets returns the target connector kinds.
func Targets() []engine.TargetKind {
	return []engine.TargetKind{file.Kind(), ldap.Kind(), ldap.ADKind()}
}

// Target returns the target connector kind with the given name.
func Target(kind string) (engine.TargetKind, bool) {
	for _, k := range Targets() {
		if k.Kind == kind {
			return k, true
		}
	}
	return engine.TargetKind{}, false
}
