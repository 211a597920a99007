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
	return &engine.ConfigFile{Format: engine.ConfigFormat, Version: engine.ConfigFileVersion, Config: cfg}
}
