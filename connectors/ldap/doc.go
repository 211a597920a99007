// Package ldap is the target connector for generic LDAP directories, such as
// OpenLDAP, 389 Directory Server or any server that speaks LDAPv3 (kind
// "ldap"): it creates accounts as entries of configurable object classes
// below a base DN, named by a configurable RDN attribute, and manages
// memberships of groupOfNames, groupOfUniqueNames or posixGroup groups.
//
// # Settings
//
//	url                 ldap://host:389 or ldaps://host:636 (required)
//	bindDN              the DN Provisio signs in as (required)
//	password            keychain reference of the bind password (required)
//	caFile              PEM file of the CA that signed the server's certificate (ldaps)
//	insecureSkipVerify  true accepts any certificate (tests only; default false)
//	baseDN              where accounts are created and listed (required)
//	groupBaseDN         where the groups rules can grant are listed (required)
//	objectClasses       object classes of new accounts, comma-separated (default inetOrgPerson);
//	                    accounts are listed and found by the first
//	rdnAttribute        the attribute that names an account (default uid)
//	groupType           groupOfNames (member = DN, the default), groupOfUniqueNames
//	                    (uniqueMember = DN) or posixGroup (memberUid = uid)
//	disabledBaseDN      container for disabled accounts
//	enabledAttribute    attribute that records the state, e.g. employeeType
//	enabledValue        its value for an enabled account, e.g. active
//	disabledValue       its value for a disabled account; empty removes the attribute
//	pageSize            entries per page when listing (default 500)
//	timeout             seconds to wait for the server to connect or answer (default 30)
//
// # Accounts
//
// An account's reference is its DN. The RDN attribute is the account's
// identity: the account mapping must give it on create, it is unique below
// the base DN and the container for disabled accounts (Create and renames
// search both subtrees and report a taken value as a Conflict naming the
// attribute), and changing it renames the entry in its container; Update
// returns the new DN. The kind's Identity is uid, the default RDN attribute;
// a target that names accounts by another attribute has that one as its
// identity. A change of case only in the RDN value is no rename: directories
// compare names without case. Attributes hold one value per line; an empty
// value removes the attribute. The enabled attribute belongs to Enable and
// Disable: an account mapping that sets it is refused.
//
// # Enabled and disabled
//
// Whether an account may sign in is recorded by a container for disabled
// accounts (new accounts are created there, disabling moves an account
// there and enabling moves it to the base DN), by an attribute with an
// enabled value and a disabled value (or none), or by both. One of them
// must be configured: New refuses a target with neither, since a new
// account could then sign in before its start date and a leaver's account
// after the end date, while Provisio reported them disabled. An account is
// listed as enabled when it is not below the container for disabled
// accounts and, with an attribute, the attribute holds the enabled value
// (compared without case); an account without the attribute counts as
// disabled.
//
// # Groups
//
// A permission's id is the group's DN; ListPermissions lists the groups of
// the configured type below the group base DN, with cn as name. A
// groupOfNames or groupOfUniqueNames requires a member: the connector
// leaves the empty DN as the only member of a group whose last member it
// removes, as scripts/with-slapd.sh makes its empty groups. Memberships in
// the groups below the group base DN follow their account: after a rename
// or a move between containers the connector replaces the old DN (or, for a
// posixGroup, the old uid) with the new one, and Delete removes the
// account from them first, which a directory without the refint overlay
// would not do itself.
//
// # Errors
//
// Connection failures, timeouts, a context past its deadline and the server
// results busy (51), unavailable (52) and time limit exceeded (3) are
// Unavailable and worth retrying. Everything else is permanent: wrong
// credentials (49) and other sign-in refusals are Invalid with a message
// about the bind DN or password; a missing entry is NotFound, or Invalid
// naming the container when it is a base DN; an existing entry (68) is a
// Conflict; every other result, unwillingToPerform (53) included, is
// Invalid with the server's diagnostic message, since a server answers 53
// for requests it will never accept. A cancelled context is Canceled.
// Messages never hold the password.
//
// # Connections
//
// The connector keeps a pool of up to eight bound connections and is safe
// for use from several goroutines: a call takes one connection for its
// duration, and closes it when the call's context ends first, which ends
// the request. Test uses a connection of its own and says which step
// failed: the address cannot be reached, TLS failed, the sign-in was
// refused, or a container does not exist.
package ldap
