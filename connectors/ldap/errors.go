package ldap

import (
	"errors"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// resultCode returns the LDAP result code of err, or -1 when err is not a
// result from the server or the client library.
func resultCode(err error) int {
	var le *goldap.Error
	if errors.As(err, &le) {
		return int(le.ResultCode)
	}
	return -1
}

// diagnostic returns what the server said about a failed request, with the
// result's name: `no write access to parent (LDAP result 50, Insufficient
// Access Rights)`.
func diagnostic(le *goldap.Error) string {
	msg := ""
	if le.Err != nil {
		msg = strings.TrimSpace(le.Err.Error())
	}
	name := goldap.LDAPResultCodeMap[le.ResultCode]
	if name == "" {
		name = "unknown result"
	}
	if msg == "" {
		return fmt.Sprintf("LDAP result %d, %s", le.ResultCode, name)
	}
	return fmt.Sprintf("%s (LDAP result %d, %s)", msg, le.ResultCode, name)
}

// classify turns an error of a request into an engine error whose message
// starts with what the request was for.
//
// Unavailable, worth retrying: the connection failed or timed out, and the
// server results busy (51), unavailable (52) and time limit exceeded (3).
// Permanent: invalid credentials (49) and the other sign-in refusals, with
// a message about the bind DN or password; noSuchObject (32) as NotFound;
// entryAlreadyExists (68) and notAllowedOnNonLeaf (66) as Conflict; every
// other result as Invalid, with the server's diagnostic message. That
// includes unwillingToPerform (53): servers answer it for requests they
// will never accept (a read-only database, a password policy, a change
// outside their naming contexts), so retrying would only repeat it.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return err
	}
	var le *goldap.Error
	if !errors.As(err, &le) {
		return engine.Wrap(engine.Unavailable, err, "%s: the connection to the directory failed", what)
	}
	switch le.ResultCode {
	case goldap.ErrorNetwork:
		if strings.Contains(le.Error(), "timed out") {
			return &engine.Error{Code: engine.Unavailable, Msg: what + ": the directory did not answer in time", Err: err}
		}
		return &engine.Error{Code: engine.Unavailable, Msg: what + ": the connection to the directory failed: " + le.Err.Error(), Err: err}
	case goldap.LDAPResultBusy, goldap.LDAPResultUnavailable, goldap.LDAPResultTimeLimitExceeded,
		goldap.LDAPResultServerDown, goldap.LDAPResultTimeout, goldap.LDAPResultConnectError:
		return &engine.Error{Code: engine.Unavailable, Msg: what + ": the directory is busy or unavailable: " + diagnostic(le), Err: err}
	case goldap.LDAPResultInvalidCredentials:
		return &engine.Error{Code: engine.Invalid, Msg: what + ": the bind DN or password is wrong", Err: err}
	case goldap.LDAPResultConfidentialityRequired, goldap.LDAPResultStrongAuthRequired:
		return &engine.Error{Code: engine.Invalid, Msg: what + ": the directory requires an encrypted connection; use an ldaps:// address", Err: err}
	case goldap.LDAPResultInsufficientAccessRights:
		return &engine.Error{Code: engine.Invalid, Msg: what + ": the bind DN may not do this: " + diagnostic(le), Err: err}
	case goldap.LDAPResultNoSuchObject:
		return &engine.Error{Code: engine.NotFound, Msg: what + ": no such entry: " + diagnostic(le), Err: err}
	case goldap.LDAPResultEntryAlreadyExists, goldap.LDAPResultNotAllowedOnNonLeaf:
		return &engine.Error{Code: engine.Conflict, Msg: what + ": " + diagnostic(le), Err: err}
	case goldap.LDAPResultReferral:
		return &engine.Error{Code: engine.Invalid, Msg: what + ": the server refers the request to another server; point the address at the server that holds the entries: " + diagnostic(le), Err: err}
	}
	return &engine.Error{Code: engine.Invalid, Msg: what + ": the directory refused: " + diagnostic(le), Err: err}
}
