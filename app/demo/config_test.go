package demo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/mapping"
)

// loadConfig reads the generated config.json the way `provisio config
// import` does.
func loadConfig(t *testing.T, dir string) *engine.Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	require.NoError(t, err)
	var file engine.ConfigFile
	require.NoError(t, json.Unmarshal(b, &file))
	assert.Equal(t, engine.ConfigFormat, file.Format)
	assert.Equal(t, engine.ConfigFileVersion, file.Version)
	require.NotNil(t, file.Config)
	require.NoError(t, file.Config.Validate())
	return file.Config
}

func TestConfigDescribesTheHRExport(t *testing.T) {
	dir, _, _ := generate(t, Options{Persons: MinPersons})
	cfg := loadConfig(t, dir)

	assert.Equal(t, engine.DefaultPrimaryContractOrder(), cfg.PrimaryContract)
	assert.Equal(t, []engine.CustomField{{Name: "PreferredLanguage", Label: "Preferred language", Type: engine.TypeText}}, cfg.Schema.PersonFields)
	assert.Equal(t, []engine.CustomField{{Name: "Shift", Label: "Shift", Type: engine.TypeText}}, cfg.Schema.ContractFields)

	require.Len(t, cfg.SourceSystems, 1)
	src := cfg.SourceSystems[0]
	assert.Equal(t, "hr", src.Key)
	assert.Equal(t, "HR export", src.Name)
	assert.Equal(t, "csv", src.Kind)
	assert.Equal(t, []string{"dd-MM-yyyy"}, src.DateFormats)
	for key, want := range map[string]string{
		"layout": "split", "personsFile": "persons.csv", "contractsFile": "contracts.csv", "departmentsFile": "departments.csv",
		"format": "csv", "delimiter": ";", "encoding": "utf-8", "personKey": "EmployeeNumber", "contractPersonKey": "EmployeeNumber",
	} {
		assert.Equal(t, want, src.Settings[key], "setting %s", key)
	}
	for _, name := range []string{"personsFile", "contractsFile", "departmentsFile"} {
		assert.FileExists(t, filepath.Join(dir, src.Settings[name]), "%s is relative to config.json's folder", name)
	}

	// the first import adds everyone: only percentages, which are not
	// checked without a previous import
	th := src.Thresholds
	require.NoError(t, th.Validate())
	for what, x := range map[string]struct {
		t    engine.Threshold
		want float64
	}{"added": {th.Added, 20}, "removed": {th.Removed, 10}, "blocked": {th.Blocked, 5}} {
		assert.Nil(t, x.t.MaxCount, what)
		require.NotNil(t, x.t.MaxPercent, what)
		assert.Equal(t, x.want, *x.t.MaxPercent, what)
	}
	assert.Empty(t, engine.CheckImportThresholds(th, engine.ImportCounts{Persons: 300, Added: 300, Blocked: 2}, 0))

	required := map[string]bool{}
	for _, m := range src.Mapping.Person {
		if m.Required {
			required["person "+m.Field] = true
		}
	}
	for _, m := range src.Mapping.Contract {
		if m.Required {
			required["contract "+m.Field] = true
		}
	}
	assert.Equal(t, map[string]bool{
		"person ExternalId": true, "person Name.GivenName": true, "person Name.FamilyName": true,
		"contract StartDate": true, "contract Department.ExternalId": true,
	}, required)
}

// compile compiles the generated mapping, checking the mapped columns
// against the files' headers.
func compile(t *testing.T, cfg *engine.Config, ds *dataset) *mapping.Mapper {
	t.Helper()
	fields := engine.NewFields(cfg.Schema)
	_, err := mapping.Compile(&cfg.SourceSystems[0], fields, mapping.Options{})
	require.NoError(t, err)
	desc := &engine.SourceDescription{
		PersonFields:     ds.persons.header,
		ContractFields:   ds.contracts.header,
		DepartmentFields: ds.departments.header,
	}
	m, err := mapping.Compile(&cfg.SourceSystems[0], fields, mapping.Options{Description: desc})
	require.NoError(t, err, "every mapped column is in the files")
	return m
}

// record builds the raw record a CSV connector would emit for a row.
func record(kind engine.RecordKind, r row, key string) *engine.RawRecord {
	pk := ""
	if key != "" {
		pk = r.get(key)
	}
	return &engine.RawRecord{Kind: kind, PersonKey: pk, Header: engine.NewHeader(r.tb.header), Values: r.values, File: "test.csv", Line: 2}
}

// rowOf makes a row of t from the named values.
func rowOf(t *table, values map[string]string) row {
	r := row{tb: t, values: make([]string, len(t.header))}
	for i, h := range t.header {
		r.values[i] = values[h]
	}
	return r
}

func TestMappingBuildsTheDisplayNameByConvention(t *testing.T) {
	dir, _, ds := generate(t, Options{Persons: DefaultPersons})
	cfg := loadConfig(t, dir)
	s := compile(t, cfg, ds).NewSession()

	// hand-made rows, one per convention
	tests := []struct {
		name string
		row  map[string]string
		want string
	}{
		{"birth name with prefix and nickname", map[string]string{"EmployeeNumber": "1", "FirstName": "Johannes Maria", "Nickname": "Jan", "Prefix": "van den", "LastName": "Berg", "PartnerPrefix": "de", "PartnerLastName": "Vries", "NameConvention": "B"}, "Jan van den Berg"},
		{"partner name", map[string]string{"EmployeeNumber": "2", "FirstName": "Zoë", "LastName": "Müller", "PartnerPrefix": "van der", "PartnerLastName": "Meer", "NameConvention": "P"}, "Zoë van der Meer"},
		{"birth-partner", map[string]string{"EmployeeNumber": "3", "FirstName": "Zoë", "LastName": "Müller", "PartnerPrefix": "van der", "PartnerLastName": "Meer", "NameConvention": "BP"}, "Zoë Müller-van der Meer"},
		{"partner-birth", map[string]string{"EmployeeNumber": "4", "FirstName": "Søren", "Prefix": "ter", "LastName": "Horst", "PartnerLastName": "Çelik", "NameConvention": "PB"}, "Søren Çelik-ter Horst"},
		{"partner convention without a partner", map[string]string{"EmployeeNumber": "5", "FirstName": "Anaïs", "LastName": "Lefèvre", "NameConvention": "P"}, "Anaïs Lefèvre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := s.Person(record(engine.RecordPerson, rowOf(ds.persons, tt.row), "EmployeeNumber"))
			assert.Empty(t, errs)
			assert.Equal(t, tt.want, p.DisplayName)
			assert.Equal(t, tt.want, DisplayName(tt.row["FirstName"], tt.row["Nickname"], tt.row["Prefix"], tt.row["LastName"], tt.row["PartnerPrefix"], tt.row["PartnerLastName"], tt.row["NameConvention"]),
				"the snippet and DisplayName agree")
		})
	}

	// generated rows: the snippet agrees with DisplayName for every
	// convention, and the other fields arrive typed
	perConvention := map[string]int{}
	for _, row := range ds.persons.rows {
		conv := row.get("NameConvention")
		if perConvention[conv] == 3 || row.get("LastName") == "" {
			continue
		}
		perConvention[conv]++
		p, errs := s.Person(record(engine.RecordPerson, row, "EmployeeNumber"))
		require.Empty(t, errs, row.get("EmployeeNumber"))
		assert.Equal(t, DisplayName(row.get("FirstName"), row.get("Nickname"), row.get("Prefix"), row.get("LastName"), row.get("PartnerPrefix"), row.get("PartnerLastName"), conv), p.DisplayName)
		assert.Equal(t, "hr:"+row.get("EmployeeNumber"), p.ID)
		assert.Equal(t, conv, p.Name.Convention)
		assert.Equal(t, row.get("BirthDate"), formatDate(p.Details.BirthDate))
		assert.Equal(t, row.get("WorkEmail"), p.Contact.Business.Email)
		assert.Equal(t, row.get("PreferredLanguage"), p.Custom.Get("PreferredLanguage"))
		assert.False(t, p.Blocked())
	}
	for _, c := range engine.Conventions {
		assert.Positive(t, perConvention[c], "the demo has a person with convention %s", c)
	}
}

func TestMappingReadsContractsAndDepartments(t *testing.T) {
	dir, _, ds := generate(t, Options{Persons: DefaultPersons})
	cfg := loadConfig(t, dir)
	s := compile(t, cfg, ds).NewSession()

	checked := 0
	for _, row := range ds.contracts.rows {
		if row.get("StartDate") == "" || row.get("Fte") == "" || row.get("EndDate") == "" || row.get("ManagerNumber") == "" {
			continue
		}
		c, issues, errs := s.Contract(record(engine.RecordContract, row, "EmployeeNumber"))
		require.Empty(t, errs)
		require.Empty(t, issues)
		assert.Equal(t, row.get("ContractId"), c.ExternalID)
		assert.Equal(t, row.get("StartDate"), formatDate(c.StartDate))
		assert.Equal(t, row.get("EndDate"), formatDate(c.EndDate))
		assert.Equal(t, row.get("Fte"), formatDecimal(c.Details.Fte.V))
		assert.Equal(t, row.get("HoursPerWeek"), formatDecimal(c.Details.HoursPerWeek.V))
		assert.Equal(t, engine.Ref{ExternalID: row.get("DepartmentCode"), Code: row.get("DepartmentCode"), Name: row.get("DepartmentName")}, c.Department)
		assert.Equal(t, engine.Ref{Code: row.get("JobCode"), Name: row.get("JobTitle")}, c.Title)
		assert.Equal(t, row.get("Location"), c.Location.Name)
		assert.Equal(t, row.get("CostCenter"), c.CostCenter.Code)
		assert.Equal(t, EmployerName, c.Employer.Name)
		assert.Equal(t, row.get("ManagerNumber"), c.Manager.ExternalID)
		assert.Equal(t, row.get("Shift"), c.Custom.Get("Shift"))
		assert.Equal(t, row.get("ContractType"), c.Type.Code)
		checked++
		if checked == 20 {
			break
		}
	}
	assert.Equal(t, 20, checked)

	for _, row := range ds.departments.rows {
		d, errs := s.Department(record(engine.RecordDepartment, row, ""))
		require.Empty(t, errs)
		assert.Equal(t, engine.Department{Source: "hr", ExternalID: row.get("Code"), Code: row.get("Code"), DisplayName: row.get("Name"),
			ParentExternalID: row.get("ParentCode"), ManagerExternalID: row.get("ManagerNumber")}, d)
	}
}

func TestRowsMissingARequiredFieldBlockTheirPerson(t *testing.T) {
	dir, sum, ds := generate(t, Options{Persons: DefaultPersons})
	cfg := loadConfig(t, dir)
	s := compile(t, cfg, ds).NewSession()

	blocked := 0
	for _, row := range ds.persons.rows {
		p, _ := s.Person(record(engine.RecordPerson, row, "EmployeeNumber"))
		for _, c := range ds.contractsOf[row.get("EmployeeNumber")] {
			_, issues, _ := s.Contract(record(engine.RecordContract, c, "EmployeeNumber"))
			p.Issues = append(p.Issues, issues...)
		}
		if p.Blocked() {
			blocked++
			require.Len(t, p.Issues, 1)
			assert.Contains(t, []string{"Name.FamilyName", "StartDate"}, p.Issues[0].Field)
		}
	}
	assert.Equal(t, sum.MissingRequired, blocked)
}
