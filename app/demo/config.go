package demo

import "provisio/engine"

// SourceKey is the key of the demo's source system.
const SourceKey = "hr"

// displayNameSnippet builds the display name by the name convention, the
// way DisplayName does: nickname or given name, then B (birth name), P
// (partner's name), BP (birth-partner) or PB (partner-birth), each family
// name with its prefix.
const displayNameSnippet = `function part(prefix, name) {
  return [prefix, name].map(function (s) { return (s || "").trim(); }).filter(Boolean).join(" ");
}
var first = (source.Nickname || "").trim() || (source.FirstName || "").trim();
var birth = part(source.Prefix, source.LastName);
var partner = part(source.PartnerPrefix, source.PartnerLastName);
var family = birth;
if (partner) {
  switch ((source.NameConvention || "").trim().toUpperCase()) {
    case "P": family = partner; break;
    case "BP": family = [birth, partner].filter(Boolean).join("-"); break;
    case "PB": family = [partner, birth].filter(Boolean).join("-"); break;
  }
}
[first, family].filter(Boolean).join(" ")`

// Config returns the configuration of a generated organisation of the
// given number of persons: the custom fields, the source system "hr"
// reading the three CSV files next to config.json, its complete mapping
// and its import thresholds, the target systems writing to the directory
// files next to it, and the business rules.
func Config(persons int) *engine.ConfigFile {
	field := func(path, column string) engine.FieldMapping {
		return engine.FieldMapping{Field: path, Type: engine.MapField, Value: column}
	}
	required := func(m engine.FieldMapping) engine.FieldMapping {
		m.Required = true
		return m
	}
	percent := func(p float64) engine.Threshold { return engine.Threshold{MaxPercent: &p} }

	cfg := &engine.Config{
		Schema: engine.Schema{
			PersonFields:   []engine.CustomField{{Name: "PreferredLanguage", Label: "Preferred language", Type: engine.TypeText}},
			ContractFields: []engine.CustomField{{Name: "Shift", Label: "Shift", Type: engine.TypeText}},
		},
		PrimaryContract: engine.DefaultPrimaryContractOrder(),
		SourceSystems: []engine.SourceSystem{{
			Key:  SourceKey,
			Name: "HR export",
			Kind: "csv",
			Settings: map[string]string{
				"layout":            "split",
				"personsFile":       PersonsFile,
				"contractsFile":     ContractsFile,
				"departmentsFile":   DepartmentsFile,
				"format":            "csv",
				"delimiter":         ";",
				"encoding":          "utf-8",
				"personKey":         "EmployeeNumber",
				"contractPersonKey": "EmployeeNumber",
			},
			DateFormats: []string{"dd-MM-yyyy"},
			Mapping: engine.SourceMapping{
				Person: []engine.FieldMapping{
					required(field("ExternalId", "EmployeeNumber")),
					{Field: "DisplayName", Type: engine.MapComplex, Value: displayNameSnippet},
					required(field("Name.GivenName", "FirstName")),
					field("Name.Initials", "Initials"),
					field("Name.NickName", "Nickname"),
					field("Name.FamilyNamePrefix", "Prefix"),
					required(field("Name.FamilyName", "LastName")),
					field("Name.FamilyNamePartnerPrefix", "PartnerPrefix"),
					field("Name.FamilyNamePartner", "PartnerLastName"),
					field("Name.Convention", "NameConvention"),
					field("Details.BirthDate", "BirthDate"),
					field("Details.Gender", "Gender"),
					field("Contact.Business.Email", "WorkEmail"),
					field("Contact.Business.Phone.Mobile", "MobilePhone"),
					field("Custom.PreferredLanguage", "PreferredLanguage"),
				},
				Contract: []engine.FieldMapping{
					field("ExternalId", "ContractId"),
					required(field("StartDate", "StartDate")),
					field("EndDate", "EndDate"),
					field("Type.Code", "ContractType"),
					field("Details.Fte", "Fte"),
					field("Details.HoursPerWeek", "HoursPerWeek"),
					required(field("Department.ExternalId", "DepartmentCode")),
					field("Department.Code", "DepartmentCode"),
					field("Department.Name", "DepartmentName"),
					field("Title.Code", "JobCode"),
					field("Title.Name", "JobTitle"),
					field("Location.Name", "Location"),
					field("CostCenter.Code", "CostCenter"),
					{Field: "Employer.Name", Type: engine.MapFixed, Value: EmployerName},
					field("Manager.ExternalId", "ManagerNumber"),
					field("Custom.Shift", "Shift"),
				},
				Department: []engine.FieldMapping{
					field("ExternalId", "Code"),
					field("Code", "Code"),
					field("DisplayName", "Name"),
					field("ParentExternalId", "ParentCode"),
					field("ManagerExternalId", "ManagerNumber"),
				},
			},
			Thresholds: engine.ImportThresholds{
				Added:   percent(20),
				Removed: percent(10),
				Blocked: percent(5),
			},
		}},
	}
	cfg.TargetSystems = demoTargets(persons >= LargeOrganisation)
	// a nightly import and evaluation; enforcing stays a decision to take
	// on the Enforcement screen
	cfg.Schedules = []engine.Schedule{{
		ID: NightlySchedule, Name: "Nightly HR import", Sources: []string{SourceKey}, Evaluate: true,
		Every: &engine.Every{At: "06:00"},
	}}
	return &engine.ConfigFile{Format: engine.ConfigFormat, Version: engine.ConfigFileVersion, Config: cfg, Rules: demoRules()}
}

// The directory files of the demo's targets, next to config.json.
const (
	ADDirectoryFile     = "ad-directory.json"
	GoogleDirectoryFile = "google-directory.json"
)

// nameFunctions are the JavaScript functions the demo's account mapping
// builds names with (callName and familyName in accounts.go are their
// twins in Go): the name a person goes by, the nickname or else the
// given names, and the family name their name convention asks for, each
// family name with its prefix, as the display name has them.
const nameFunctions = `function callName() {
  return Person.Name.NickName.trim() || Person.Name.GivenName.trim()
}
function familyName() {
  function part(prefix, name) { return [prefix.trim(), name.trim()].filter(Boolean).join(" ") }
  const birth = part(Person.Name.FamilyNamePrefix, Person.Name.FamilyName)
  const partner = part(Person.Name.FamilyNamePartnerPrefix, Person.Name.FamilyNamePartner)
  if (!partner) return birth
  switch (Person.Name.Convention.trim().toUpperCase()) {
    case "P": return partner
    case "BP": return [birth, partner].filter(Boolean).join("-")
    case "PB": return [partner, birth].filter(Boolean).join("-")
  }
  return birth
}
`

// accountNameSnippet is the logon name: the first letter of the name a
// person goes by and their family name, prefix included, without
// diacritics, in lower case letters only, at most 20 characters (Active
// Directory's limit) with the iteration that makes it unique:
// "Zoë van der Meer" is zvandermeer, the next one zvandermeer1.
const accountNameSnippet = nameFunctions + `const base = removeDiacritics(callName().charAt(0) + familyName()).toLowerCase().replace(/[^a-z]/g, "")
const suffix = Iteration > 0 ? String(Iteration) : ""
base.slice(0, 20 - suffix.length) + suffix`

// principalNameSnippet is the logon name at the demo's domain.
const principalNameSnippet = accountNameSnippet + ` + "@` + EmailDomain + `"`

// mailSnippet is the e-mail address as the HR export's addresses are made:
// the first name a person goes by and their family name, without
// diacritics, in lower case, joined by a dot, with the iteration that
// makes it unique: jan.vandenberg@…, then jan.vandenberg1@….
const mailSnippet = nameFunctions + `function local(s) { return removeDiacritics(s).toLowerCase().replace(/[^a-z0-9-]/g, "") }
local(callName().split(" ")[0]) + "." + local(familyName()) + (Iteration > 0 ? Iteration : "") + "@` + EmailDomain + `"`

// The account mapping of a large organisation: logon names are employee
// numbers, and the e-mail address is the one HR has (a new hire's is made
// from the name).
const (
	largePrincipalNameSnippet = `Person.ExternalId + "@` + EmailDomain + `"`
	largeMailSnippet          = nameFunctions + `function local(s) { return removeDiacritics(s).toLowerCase().replace(/[^a-z0-9-]/g, "") }
const hr = Person.Contact.Business.Email.trim()
hr && Iteration === 0 ? hr : local(callName().split(" ")[0]) + "." + local(familyName()) + (Iteration > 0 ? Iteration : "") + "@` + EmailDomain + `"`
)

// LargeOrganisation is the number of persons from which the demo's
// Active Directory names accounts by employee number, as large
// organisations do: with the generator's name tables, dozens of people
// then share a first letter and family name, and making their logon names
// unique would take more tries (and time) than a demo should.
const LargeOrganisation = 10_000

// Texts of the demo's account mappings.
const (
	givenNameSnippet  = nameFunctions + "callName()"
	familyNameSnippet = nameFunctions + "familyName()"
	// DisabledDescription is what the description of an account says
	// while it is disabled.
	DisabledDescription = "Disabled by Provisio"
)

// demoTargets are the demo's target systems: Active Directory and Google
// Workspace as directory files, so that the whole pipeline runs with no
// server. Their permissions are listed for the rule editor; department
// groups are made by a rule's template and declared only in the directory
// file. A large organisation's logon names are employee numbers.
func demoTargets(large bool) []engine.TargetSystem {
	fixed := func(v string) *engine.StageValue { return &engine.StageValue{Type: engine.MapFixed, Value: v} }
	field := func(path string) *engine.StageValue { return &engine.StageValue{Type: engine.MapField, Value: path} }
	snippet := func(js string) *engine.StageValue { return &engine.StageValue{Type: engine.MapComplex, Value: js} }
	// row maps an attribute: at create, and kept in line afterwards
	// (update) when kept is set.
	row := func(attr string, unique, kept bool, v *engine.StageValue) engine.AttributeMapping {
		m := engine.AttributeMapping{Attribute: attr, Unique: unique, Stages: map[engine.Stage]*engine.StageValue{engine.StageCreate: v}}
		if kept {
			m.Stages[engine.StageUpdate] = v
		}
		return m
	}
	percent := func(op engine.ActionOp, p float64) engine.ActionThreshold {
		return engine.ActionThreshold{Op: op, MaxPercent: &p}
	}
	logon := []engine.AttributeMapping{
		row("sAMAccountName", true, false, snippet(accountNameSnippet)),
		row("userPrincipalName", true, true, snippet(principalNameSnippet)),
	}
	mail := row("mail", true, false, snippet(mailSnippet))
	if large {
		logon = []engine.AttributeMapping{
			row("sAMAccountName", true, false, field("ExternalId")),
			row("userPrincipalName", true, true, snippet(largePrincipalNameSnippet)),
		}
		mail = row("mail", true, false, snippet(largeMailSnippet))
	}
	return []engine.TargetSystem{
		{
			Key: "ad", Name: "Active Directory", Kind: "file",
			Settings: map[string]string{"path": ADDirectoryFile, "identity": "sAMAccountName"},
			Permissions: []engine.Permission{
				{ID: "GG-All-Staff", Name: "All staff", Description: "Everyone employed"},
				{ID: "GG-ICT-Admins", Name: "ICT administrators", Description: "Administrative rights on servers and the network"},
				{ID: "GG-Managers", Name: "Managers", Description: "Team leads, department managers, directors"},
				{ID: "GG-VPN", Name: "VPN users", Description: "Remote access to the network"},
			},
			Mapping: append(logon,
				row("givenName", false, true, snippet(givenNameSnippet)),
				row("sn", false, true, snippet(familyNameSnippet)),
				row("displayName", false, true, field("DisplayName")),
				mail,
				row("employeeID", false, false, field("ExternalId")),
				row("department", false, true, field("PrimaryContract.Department.Name")),
				row("title", false, true, field("PrimaryContract.Title.Name")),
				engine.AttributeMapping{Attribute: "description", Stages: map[engine.Stage]*engine.StageValue{
					engine.StageEnable:  fixed(""),
					engine.StageDisable: fixed(DisabledDescription),
				}},
			),
			Correlation: &engine.Correlation{PersonField: "ExternalId", Attribute: "employeeID"},
			Lifecycle:   engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30},
			Thresholds:  []engine.ActionThreshold{percent(engine.OpDelete, 10), percent(engine.OpDisable, 25)},
		},
		{
			Key: "google", Name: "Google Workspace", Kind: "file",
			Settings: map[string]string{"path": GoogleDirectoryFile, "identity": "primaryEmail"},
			Permissions: []engine.Permission{
				{ID: "licence-business-standard", Name: "Business Standard licence"},
				{ID: "group-managers", Name: "Managers mailing list"},
			},
			// the names follow Active Directory's, and the mailbox is the
			// address Active Directory has: Google Workspace is provisioned
			// after it
			Mapping: []engine.AttributeMapping{
				row("primaryEmail", true, false, field("Accounts.ad.mail")),
				row("name.givenName", false, true, field("Accounts.ad.givenName")),
				row("name.familyName", false, true, field("Accounts.ad.sn")),
				row("orgUnitPath", false, false, fixed("/Staff")),
			},
			Lifecycle:  engine.Lifecycle{End: engine.EndDelete},
			Thresholds: []engine.ActionThreshold{percent(engine.OpDelete, 10)},
		},
	}
}

// NightlySchedule is the id of the demo's schedule.
const NightlySchedule = "nightly-hr-import"

// demoRules are the demo's business rules: six published, one draft.
func demoRules() []engine.Rule {
	notOnCall := &engine.Condition{Field: "Type.Code", Op: engine.OpNotEquals, Value: "On-call"}
	published := func(id string, b engine.RuleBody) engine.Rule {
		return engine.Rule{ID: id, Published: &b}
	}
	managerTitles := []string{"Chief Executive Officer", "Director", "Department Manager", "Team Lead"}
	return []engine.Rule{
		published("r1", engine.RuleBody{
			Name:        "Active Directory account for staff",
			Description: "Everyone with a contract other than on-call gets an account two weeks before they start; it stays for a month after they leave.",
			Categories:  []string{"Accounts"},
			Status:      engine.RuleActive, Timeframe: engine.Timeframe{DaysBefore: 14, DaysAfter: 30},
			ContractConditions: notOnCall,
			Entitlements:       []engine.Entitlement{{Target: "ad", Kind: engine.KindAccount}},
		}),
		published("r2", engine.RuleBody{
			Name:               "Access while employed",
			Description:        "The account is enabled, with the all-staff group, from the first to the last day of a contract.",
			Categories:         []string{"Accounts"},
			Status:             engine.RuleActive,
			ContractConditions: notOnCall,
			Entitlements: []engine.Entitlement{{Target: "ad", Kind: engine.KindAccess},
				{Target: "ad", Kind: engine.KindPermission, Permission: "GG-All-Staff"}},
		}),
		published("r3", engine.RuleBody{
			Name:        "Department groups",
			Description: "A group per department, for each department a person works in.",
			Categories:  []string{"Groups"},
			Status:      engine.RuleActive, Timeframe: engine.Timeframe{DaysBefore: 14},
			ContractConditions: notOnCall,
			Entitlements:       []engine.Entitlement{{Target: "ad", Kind: engine.KindPermission, Template: "GG-{Department.Code}"}},
		}),
		published("r4", engine.RuleBody{
			Name:       "ICT administrators",
			Categories: []string{"Groups", "ICT"},
			Status:     engine.RuleActive,
			ContractConditions: &engine.Condition{Group: engine.GroupAll, Conditions: []engine.Condition{
				{Field: "Department.Code", Op: engine.OpStartsWith, Value: "ICT"},
				{Field: "Title.Name", Op: engine.OpIn, Values: []string{"System Administrator", "Cloud Architect", "Network Engineer", "IAM Specialist", "Security Officer"}},
			}},
			Entitlements: []engine.Entitlement{{Target: "ad", Kind: engine.KindPermission, Permission: "GG-ICT-Admins"}},
		}),
		published("r5", engine.RuleBody{
			Name:        "Google Workspace for office staff",
			Description: "Everyone outside Operations gets a Google Workspace account with a Business Standard licence.",
			Categories:  []string{"Accounts", "Licences"},
			Status:      engine.RuleActive, Timeframe: engine.Timeframe{DaysBefore: 14},
			ContractConditions: &engine.Condition{Group: engine.GroupAll, Conditions: []engine.Condition{
				{Group: engine.GroupNot, Conditions: []engine.Condition{{Field: "Department.Code", Op: engine.OpStartsWith, Value: "OPS"}}},
				*notOnCall,
			}},
			Entitlements: []engine.Entitlement{{Target: "google", Kind: engine.KindAccount}, {Target: "google", Kind: engine.KindAccess},
				{Target: "google", Kind: engine.KindPermission, Permission: "licence-business-standard"}},
		}),
		published("r6", engine.RuleBody{
			Name:             "Managers",
			Categories:       []string{"Groups"},
			Status:           engine.RuleActive,
			PersonConditions: &engine.Condition{Field: "PrimaryContract.Title.Name", Op: engine.OpIn, Values: managerTitles},
			Entitlements: []engine.Entitlement{{Target: "ad", Kind: engine.KindPermission, Permission: "GG-Managers"},
				{Target: "google", Kind: engine.KindPermission, Permission: "group-managers"}},
		}),
		{ID: "r7", Draft: &engine.RuleBody{
			Name:               "VPN for engineers",
			Description:        "A draft: engineers would get remote access. Evaluate with drafts to see what it would do.",
			Categories:         []string{"Groups", "ICT"},
			Status:             engine.RuleActive,
			ContractConditions: &engine.Condition{Field: "Title.Name", Op: engine.OpContains, Value: "Engineer"},
			Entitlements:       []engine.Entitlement{{Target: "ad", Kind: engine.KindPermission, Permission: "GG-VPN"}},
		}},
	}
}
