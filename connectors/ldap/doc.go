// Package ldap holds the target connectors for LDAP directories: generic
// ones such as OpenLDAP, 389 Directory Server or any server that speaks
// LDAPv3 (kind "ldap"), and Active Directory domains (kind "ad"; see
// "Active Directory" below). Both kinds share the connection pool, TLS and
// sign-in, error classification, paged searches, listing, groups and dry
// runs; they differ in how accounts are named, created, enabled and
// disabled.
//
// The generic kind creates accounts as entries of configurable object
// classes below a base DN, named by a configurable RDN attribute, and
// manages memberships of groupOfNames, groupOfUniqueNames or posixGroup
// groups.
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
//
// # Active Directory
//
// The kind "ad" manages user accounts of an Active Directory domain (or a
// Samba domain controller) over LDAPS.
//
//	url                 ldaps://dc1.example.org:636 (required); ldap:// is refused, since
//	                    Active Directory takes simple binds and passwords only over TLS
//	bindDN              a DN, a user principal name or DOMAIN\name (required)
//	password            keychain reference of its password (required)
//	caFile              PEM file of the CA that signed the domain controller's certificate
//	insecureSkipVerify  true accepts any certificate (tests only; default false)
//	baseDN              the OU new accounts are created in and enabled ones moved back to (required)
//	disabledBaseDN      optional OU for disabled accounts: Disable moves accounts there
//	groupBaseDN         the OU whose groups rules can grant (required)
//	upnSuffix           optional: a new account whose mapping gives no userPrincipalName
//	                    gets sAMAccountName@upnSuffix (the mapping then need not give one)
//	pageSize            entries per page (default 500, at most 1000, the domain's limit)
//	timeout             seconds to wait for the server to connect or answer (default 30)
//
// Accounts are users (objectCategory person, objectClass user: computers
// are left out) below the account OU and the OU for disabled accounts; a
// reference is a DN. Their identity is sAMAccountName and
// userPrincipalName: Create and Update look for both in the whole domain
// (the DC= part of the base DN), sAMAccountName among groups and computers
// too since they share it, and report a taken one as a Conflict naming the
// attribute; the domain's own refusals, in a race, say the same.
//
// An account is named by its cn: the mapping's cn, else its displayName,
// else its sAMAccountName. An OU holds one entry per name, but two people
// may share one: when the name is taken in the OU, the account is named
// "name (sAMAccountName)", which is free since sAMAccountName is unique in
// the domain, and when someone took that too, "name (sAMAccountName) 2" and
// so on (names are cut to cn's 64 characters). Moves between the OUs name
// the account the same way, keeping its name where it is free. A change of
// cn in Update renames the account in its OU and returns the new DN; a
// rename to a name that is taken keeps a qualified name, and takes the
// plain one once it is free. Active Directory updates group members and
// memberOf itself on renames, moves and deletes.
//
// Create makes the account disabled (userAccountControl 514, a normal
// account with ACCOUNTDISABLE) in the account OU, with the mapping's
// attributes and a random initial password: 32 characters from crypto/rand
// with upper and lower case letters, digits and symbols, holding neither
// the sAMAccountName nor a part of the displayName, as the complexity rule
// wants; set through unicodePwd (the password in quotes, UTF-16LE) in the
// same add request. It is never logged, returned or kept; the person gets
// a password through the organisation's own process. A domain whose policy
// refuses it (0000052D) gets an Invalid error that says so. The mapping may
// not set unicodePwd or userAccountControl, which are the connector's.
//
// Enable clears ACCOUNTDISABLE, Disable sets it; both keep the other
// userAccountControl flags (password never expires, smart card
// required, …). With an OU for disabled accounts, Disable moves the
// account there and Enable moves it back to the account OU. ListAccounts
// and FindAccounts report an account enabled when ACCOUNTDISABLE is clear,
// wherever it is. A retry of a call whose answer was lost finds the
// account where the call moved it, within the same connector; a cn shared
// by an account in another OU cannot tell the connector more.
//
// Groups are objectClass group below the group OU, with the DN as
// permission id and cn as name; Grant and Revoke change their member
// attribute (Active Directory refuses members that do not exist, and
// answers entryAlreadyExists or unwillingToPerform for a member added
// twice or removed when absent, which are no errors here). Test also
// checks that the server announces itself as an Active Directory domain
// controller in its root DSE.
//
// The Windows error code at the start of a diagnostic ("0000052D: …") is
// put in words: a password the policy refuses, an account name taken
// (00000524, 00002071) or not valid (00000523), a value that breaks its
// attribute's rules (0000202F; a taken userPrincipalName is a Conflict),
// access denied (00000005), no such entry. A refused sign-in says why by
// the code after "data": 52e wrong name or password, 533 disabled, 775
// locked out, 532 password expired, and so on.
package ldap
