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

// Config returns the configuration that imports the generated files: the
// custom fields, the source system "hr" reading the three CSV files next
// to config.json, its complete mapping and its import thresholds.
func Config() *engine.ConfigFile {
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
	cfg.TargetSystems = demoTargets()
	return &engine.ConfigFile{Format: engine.ConfigFormat, Version: engine.ConfigFileVersion, Config: cfg, Rules: demoRules()}
}

// demoTargets are the demo's target systems, their permissions entered by
// hand (department groups are made by a rule's template and not listed).
func demoTargets() []engine.TargetSystem {
	return []engine.TargetSystem{
		{Key: "ad", Name: "Active Directory", Kind: engine.TargetManual, Permissions: []engine.Permission{
			{ID: "GG-All-Staff", Name: "All staff", Description: "Everyone employed"},
			{ID: "GG-ICT-Admins", Name: "ICT administrators", Description: "Administrative rights on servers and the network"},
			{ID: "GG-Managers", Name: "Managers", Description: "Team leads, department managers, directors"},
			{ID: "GG-VPN", Name: "VPN users", Description: "Remote access to the network"},
		}},
		{Key: "google", Name: "Google Workspace", Kind: engine.TargetManual, Permissions: []engine.Permission{
			{ID: "licence-business-standard", Name: "Business Standard licence"},
			{ID: "group-managers", Name: "Managers mailing list"},
		}},
	}
}

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
