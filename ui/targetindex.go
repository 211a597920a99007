package ui

import "provisio/engine"

// targetIndex holds the target systems by key, to name them and their
// entitlements on screens.
type targetIndex map[string]*engine.TargetSystem

// name returns a target's name, or its key when it is gone.
func (t targetIndex) name(key string) string {
	if sys, ok := t[key]; ok && sys.Name != "" {
		return sys.Name
	}
	return key
}

// entitlement names an entitlement with its target and, for a
// permission, its display name when the target has one.
func (t targetIndex) entitlement(k engine.EntitlementKey) string {
	return t.name(k.Target) + ": " + t.permissionText(k)
}

// permissionText names an entitlement without its target: its kind and
// name, with a permission's display name when the target has one.
func (t targetIndex) permissionText(k engine.EntitlementKey) string {
	if k.Name == "" {
		return k.Kind.Label()
	}
	text := k.Kind.Label() + " " + k.Name
	if sys, ok := t[k.Target]; ok && k.Kind == engine.KindPermission {
		if p, ok := sys.Permission(k.Name); ok && p.Label() != k.Name {
			text += " (" + p.Label() + ")"
		}
	}
	return text
}
