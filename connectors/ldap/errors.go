package ldap

import (
	"errors"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// ldapError returns the LDAP error in err's chain.
func ldapError(err error) (*goldap.Error, bool) {
	var le *goldap.Error
	ok := errors.As(err, &le)
	return le, ok
}

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
	if code := adCode(le); code != "" {
		if e, ok := adErrors[code]; ok {
			ae := &engine.Error{Code: e.code, Msg: what + ": " + e.text + ": " + diagnostic(le), Err: err}
			if code == "0000202F" && strings.Contains(strings.ToLower(le.Err.Error()), "userprincipalname") {
				// Samba's answer to a userPrincipalName that is taken.
				ae.Code, ae.Msg = engine.Conflict, what+": the userPrincipalName is taken by another account: "+diagnostic(le)
			}
			return ae
		}
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

// adCode returns the Windows error code with which Active Directory and
// Samba start a diagnostic message ("0000052D: Constraint violation -
// check_password_restrictions: …"), in upper case, or "".
func adCode(le *goldap.Error) string {
	if le == nil || le.Err == nil {
		return ""
	}
	msg := strings.TrimSpace(le.Err.Error())
	if len(msg) < 9 || msg[8] != ':' {
		return ""
	}
	for _, r := range msg[:8] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return ""
		}
	}
	return strings.ToUpper(msg[:8])
}

// adErrors says in words what the Windows error codes of Active Directory
// diagnostics mean, for the requests the connector makes. A code not here
// is classified by the LDAP result, with the diagnostic in the message.
var adErrors = map[string]struct {
	code engine.Code
	text string
}{
	// ERROR_ACCESS_DENIED
	"00000005": {engine.Invalid, "the bind account may not do this (access denied)"},
	// ERROR_INVALID_PARAMETER
	"00000057": {engine.Invalid, "Active Directory cannot read a value in the form given for its attribute"},
	// ERROR_INVALID_ACCOUNT_NAME
	"00000523": {engine.Invalid, "the sAMAccountName is not valid: at most 20 characters, none of " + samForbidden + ", not ending with a period"},
	// ERROR_USER_EXISTS
	"00000524": {engine.Conflict, "an account with this sAMAccountName already exists in the domain"},
	// ERROR_NO_SUCH_USER
	"00000525": {engine.NotFound, "an account the request names does not exist"},
	// ERROR_PASSWORD_RESTRICTION
	"0000052D": {engine.Invalid, "the domain's password policy refused the password"},
	// ERROR_DS_CONSTRAINT_VIOLATION
	"0000202F": {engine.Invalid, "a value breaks a rule of its attribute: too long or too short, taken where Active Directory wants it unique, or several values for an attribute that takes one"},
	// ERROR_DS_NO_SUCH_OBJECT
	"00002030": {engine.NotFound, "no such entry"},
	// ERROR_DS_OBJ_STRING_NAME_EXISTS
	"00002071": {engine.Conflict, "the name is taken: an entry with this name, or an account with this sAMAccountName, already exists"},
	// ERROR_DS_OBJ_NOT_FOUND
	"0000208D": {engine.NotFound, "no such entry"},
	// ERROR_DS_UPN_VALUE_NOT_UNIQUE_IN_FOREST
	"000021C8": {engine.Conflict, "the userPrincipalName is taken by another account in the forest"},
}
