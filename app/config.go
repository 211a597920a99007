package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/aggregate"
	"provisio/engine/mapping"
)

// Config returns the workspace configuration.
func (a *App) Config(ctx context.Context) (*engine.Config, error) {
	return a.store.LoadConfig(ctx)
}

// Fields returns the field registry of the workspace's schema.
func (a *App) Fields(ctx context.Context) (*engine.Fields, error) {
	c, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	return engine.NewFields(c.Schema), nil
}

// CheckSourceSystem checks a source system's identity, connector settings,
// thresholds and mapping without reading the source.
func (a *App) CheckSourceSystem(cfg *engine.Config, src *engine.SourceSystem) error {
	probe := *cfg
	probe.SourceSystems = []engine.SourceSystem{*src}
	if err := probe.Validate(); err != nil {
		return err
	}
	if _, err := a.connector(src); err != nil {
		return err
	}
	if err := src.Thresholds.Validate(); err != nil {
		return engine.Errorf(engine.Invalid, "source system %q: %v", src.Name, err)
	}
	if _, err := mapping.Compile(src, engine.NewFields(cfg.Schema), mapping.Options{}); err != nil {
		return err
	}
	if err := aggregate.Check(cfg, src); err != nil {
		return engine.Errorf(engine.Invalid, "source system %q: the aggregation value: %v", src.Name, err)
	}
	return nil
}

// SaveSourceSystem adds a source system (with a key made from its name
// when it has none), or replaces the one with the key originalKey, and
// returns its key. A source system's key cannot change once it has
// persons.
func (a *App) SaveSourceSystem(ctx context.Context, src engine.SourceSystem, originalKey string) (string, error) {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return "", err
	}
	src.Name = strings.TrimSpace(src.Name)
	if src.Key == "" {
		src.Key = uniqueKey(cfg, engine.Slug(src.Name))
	}
	if err := a.CheckSourceSystem(cfg, &src); err != nil {
		return "", err
	}
	i := slices.IndexFunc(cfg.SourceSystems, func(s engine.SourceSystem) bool { return s.Key == originalKey })
	if originalKey != "" && i < 0 {
		return "", engine.Errorf(engine.NotFound, "there is no source system %q", originalKey)
	}
	if originalKey != src.Key {
		if _, taken := cfg.SourceSystem(src.Key); taken {
			return "", engine.Errorf(engine.Conflict, "the key %q is already used by another source system", src.Key)
		}
		if originalKey != "" {
			if use, err := a.sourceUse(ctx, originalKey); err != nil {
				return "", err
			} else if use != "" {
				return "", engine.Errorf(engine.Conflict, "the key of %q cannot change: %s with key %q", src.Name, use, originalKey)
			}
		}
	}
	if i >= 0 {
		cfg.SourceSystems[i] = src
	} else {
		cfg.SourceSystems = append(cfg.SourceSystems, src)
	}
	if originalKey != "" && originalKey != src.Key { // schedules import it by its new key
		for j := range cfg.Schedules {
			for k, key := range cfg.Schedules[j].Sources {
				if key == originalKey {
					cfg.Schedules[j].Sources[k] = src.Key
				}
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	return src.Key, a.saveConfig(ctx, cfg, "source system saved")
}

func uniqueKey(cfg *engine.Config, base string) string {
	key := base
	for n := 2; ; n++ {
		if _, taken := cfg.SourceSystem(key); !taken {
			return key
		}
		suffix := fmt.Sprintf("-%d", n)
		key = base[:min(len(base), 32-len(suffix))] + suffix
	}
}

// sourceUse says what a source system key is used by: persons in the
// latest snapshot, or pending imports; "" when nothing.
func (a *App) sourceUse(ctx context.Context, key string) (string, error) {
	var uses []string
	snap, err := a.store.FindSnapshot(ctx, 0)
	switch {
	case err == nil:
		idx, err := a.store.SnapshotIndex(ctx, snap.Number)
		if err != nil {
			return "", err
		}
		if n := len(idx.Source(key)); n > 0 {
			uses = append(uses, fmt.Sprintf("%d persons were imported", n))
		}
	case !engine.IsCode(err, engine.NotFound):
		return "", err
	}
	runs, err := a.store.ListImports(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range runs {
		if r.Source == key && r.Status == engine.ImportPending {
			uses = append(uses, fmt.Sprintf("import %d is waiting for approval", r.ID))
		}
	}
	return strings.Join(uses, " and "), nil
}

// DeleteSourceSystem removes a source system. Its persons and departments
// leave in a new snapshot, recorded as an import of the source.
func (a *App) DeleteSourceSystem(ctx context.Context, key string) error {
	done, err := a.beginRun()
	if err != nil {
		return err
	}
	defer done()
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cfg.SourceSystems, func(s engine.SourceSystem) bool { return s.Key == key })
	if i < 0 {
		return engine.Errorf(engine.NotFound, "there is no source system %q", key)
	}
	src := cfg.SourceSystems[i]
	for _, s := range cfg.Schedules {
		if slices.Contains(s.Sources, key) {
			return engine.Errorf(engine.Conflict, "source system %q cannot be deleted: schedule %q imports it; take it out of the schedule (or delete the schedule) first", src.Name, s.Name)
		}
	}
	old, err := a.store.LoadConfig(ctx)
	if err != nil {
		return err
	}
	cfg.SourceSystems = slices.Delete(cfg.SourceSystems, i, i+1)
	// the persons leave and the source goes in one transaction
	run, _, err := a.importer.RemoveSource(ctx, &src, cfg, a.configAudit(old, cfg, "source system deleted")...)
	if err != nil {
		return err
	}
	a.invalidate()
	if run == nil { // nothing to remove: only the configuration changes
		return a.saveConfig(ctx, cfg, "source system deleted")
	}
	return nil
}

// SaveSchema replaces the workspace's custom fields. A field that a source
// mapping uses cannot be removed.
func (a *App) SaveSchema(ctx context.Context, schema engine.Schema) error {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	cfg.Schema = schema
	if err := a.checkConfig(cfg); err != nil {
		return err
	}
	if err := a.checkStoredRules(ctx, cfg); err != nil {
		return err
	}
	return a.saveConfig(ctx, cfg, "custom fields saved")
}

// SavePrimaryContractOrder replaces how the primary contract is chosen.
func (a *App) SavePrimaryContractOrder(ctx context.Context, order engine.PrimaryContractOrder) error {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	cfg.PrimaryContract = order
	if err := a.checkConfig(cfg); err != nil {
		return err
	}
	if err := a.saveConfig(ctx, cfg, "primary contract order saved"); err != nil {
		return err
	}
	a.invalidate()
	return nil
}

// checkConfig checks a whole configuration.
func (a *App) checkConfig(cfg *engine.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := cfg.Notifications.Validate(); err != nil {
		return err
	}
	for i := range cfg.SourceSystems {
		if err := a.CheckSourceSystem(cfg, &cfg.SourceSystems[i]); err != nil {
			return err
		}
	}
	if cfg.Aggregation != nil {
		if err := aggregate.CheckSettings(*cfg.Aggregation); err != nil {
			return engine.Errorf(engine.Invalid, "aggregation settings: %v", err)
		}
	}
	// targets as the editor checks them: settings, lifecycle, thresholds,
	// correlation and account mappings (which custom fields may feed)
	for i := range cfg.TargetSystems {
		if err := checkTargetSystem(cfg, cfg.TargetSystems[i].Key, a.env()); err != nil {
			return err
		}
	}
	return checkSchedules(cfg)
}

// ExportConfig writes the configuration as a ConfigFile. Secrets appear
// only as references; file paths are absolute, so the file can be
// imported from anywhere.
func (a *App) ExportConfig(ctx context.Context, w io.Writer) error {
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	resolveFileSettings(cfg, a.dir)
	rules, err := a.store.ListRules(ctx)
	if err != nil {
		return err
	}
	if rules == nil {
		rules = []engine.Rule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(engine.ConfigFile{Format: engine.ConfigFormat, Version: engine.ConfigFileVersion, Config: cfg, Rules: rules})
}

// ImportConfig replaces the configuration with the one in a ConfigFile.
// Relative file paths in connector settings are taken relative to baseDir
// (the file's folder) and stored as absolute paths. Everything is checked
// before anything is saved.
func (a *App) ImportConfig(ctx context.Context, r io.Reader, name, baseDir string) (*engine.Config, error) {
	file, err := ReadConfigFile(r, name)
	if err != nil {
		return nil, err
	}
	cfg := file.Config
	resolveFileSettings(cfg, baseDir)
	a.stampSchedules(cfg)
	if err := a.checkConfig(cfg); err != nil {
		return nil, engine.Errorf(engine.Invalid, "%s: %v", name, err)
	}
	a.config.Lock()
	defer a.config.Unlock()
	rules := file.Rules
	if rules == nil { // the workspace keeps its rules: they must still fit
		if rules, err = a.store.ListRules(ctx); err != nil {
			return nil, err
		}
	}
	if err := checkRules(cfg, rules); err != nil {
		return nil, engine.Errorf(engine.Invalid, "%s: %v", name, err)
	}
	a.stampRules(file.Rules)
	current, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	for _, old := range current.SourceSystems {
		if _, kept := cfg.SourceSystem(old.Key); kept {
			continue
		}
		// its persons would stay in every snapshot with no source to
		// remove them
		if use, err := a.sourceUse(ctx, old.Key); err != nil {
			return nil, err
		} else if use != "" {
			return nil, engine.Errorf(engine.Conflict, "%s leaves out source system %q (key %q), but %s: keep it in the file, or delete it in the app first", name, old.Name, old.Key, use)
		}
	}
	audit := a.configAudit(current, cfg, "configuration imported from "+name)
	if file.Rules != nil {
		audit = append(audit, engine.AuditEntry{At: a.clock.Now(), Op: engine.OpConfigure, Outcome: engine.OutcomeDone,
			Changes: []engine.AttributeChange{{Attribute: "business rules", New: fmt.Sprintf("%d imported from %s", len(file.Rules), name)}}, Error: "rules imported"})
		err = a.store.SaveConfigAndRules(ctx, cfg, file.Rules, audit...)
	} else {
		err = a.store.SaveConfig(ctx, cfg, audit...)
	}
	if err != nil {
		return nil, err
	}
	a.invalidate()
	a.reloadSchedules(cfg)
	return cfg, nil
}

// ReadConfigFile decodes a ConfigFile, with errors naming the file and the
// line of a JSON problem.
func ReadConfigFile(r io.Reader, name string) (*engine.ConfigFile, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, engine.Wrap(engine.Invalid, err, "read %s", name)
	}
	if strings.TrimSpace(string(raw)) == "" {
		return nil, engine.Errorf(engine.Invalid, "%s: the file is empty; expected a Provisio configuration (JSON)", name)
	}
	var f engine.ConfigFile
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, engine.Errorf(engine.Invalid, "%s: %s", name, jsonProblem(raw, dec.InputOffset(), err, reflect.TypeFor[engine.ConfigFile](), "docs/CONFIG.md for the fields a configuration has"))
	}
	if f.Format != engine.ConfigFormat {
		return nil, engine.Errorf(engine.Invalid, "%s: not a Provisio configuration file (expected \"format\": %q)", name, engine.ConfigFormat)
	}
	if f.Version < 1 || f.Version > engine.ConfigFileVersion {
		return nil, engine.Errorf(engine.Invalid, "%s: configuration file version %d is not supported (this Provisio reads version %d)", name, f.Version, engine.ConfigFileVersion)
	}
	if f.Config == nil {
		return nil, engine.Errorf(engine.Invalid, "%s: the file has no \"config\"", name)
	}
	if len(f.Config.PrimaryContract.Criteria) == 0 {
		f.Config.PrimaryContract = engine.DefaultPrimaryContractOrder()
	}
	return &f, nil
}

// jsonProblem turns a JSON decoding error into a message with a line
// number and words instead of Go types. at is where the decoder stopped,
// into the type raw was decoded into.
func jsonProblem(raw []byte, at int64, err error, into reflect.Type, fieldsDoc string) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("line %d: %s", lineOf(raw, syntax.Offset), strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: %q should be %s, not a JSON %s", lineOf(raw, typ.Offset), typ.Field, jsonKind(typ.Type.Kind()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the file ends too early: a bracket or quote is not closed"
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "unknown field ") {
		// the decoder reports it at the end of the value: find the key
		if key, where, ok := unknownKey(raw, into); ok {
			at = key
			if where != "" {
				msg += " in " + where
			}
		}
		return fmt.Sprintf("line %d: %s; see %s", lineOf(raw, at), msg, fieldsDoc)
	}
	return fmt.Sprintf("line %d: %s", lineOf(raw, at), msg)
}

// unknownKey finds the first object key in raw that the type t has no
// field for, as encoding/json matches them (exactly, else ignoring case),
// and returns the offset just past it and where it is, such as
// "rules[2].published".
func unknownKey(raw []byte, t reflect.Type) (int64, string, bool) {
	type frame struct {
		t      reflect.Type // nil: anything goes
		object bool
		path   string
		index  int
		key    string // the key whose value comes next
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []*frame
	// elem is the type of the next value in the innermost frame
	elem := func() (reflect.Type, string) {
		if len(stack) == 0 {
			return t, ""
		}
		f := stack[len(stack)-1]
		if f.object {
			p := f.key
			if f.path != "" {
				p = f.path + "." + f.key
			}
			return fieldType(f.t, f.key), p
		}
		f.index++
		return elemType(f.t), fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, "", false
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, ok := tok.(string); ok && top != nil && top.object && top.key == "" {
			if top.t != nil && !hasField(top.t, key) {
				return dec.InputOffset(), top.path, true
			}
			top.key = key
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			vt, p := elem()
			if top != nil && top.object {
				top.key = ""
			}
			stack = append(stack, &frame{t: vt, object: tok == json.Delim('{'), path: p})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default: // a scalar value
			if top != nil && top.object {
				top.key = ""
			} else if top != nil {
				top.index++
			}
		}
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// deref strips pointers; an interface, or a type that decodes itself,
// gives nil: any key may be in it.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		return nil
	}
	return t
}

func elemType(t reflect.Type) reflect.Type {
	if t = deref(t); t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
		return nil
	}
	return deref(t.Elem())
}

// fieldType is the type of the value under key in an object of type t.
func fieldType(t reflect.Type, key string) reflect.Type {
	if t = deref(t); t == nil {
		return nil
	}
	if t.Kind() == reflect.Map {
		return deref(t.Elem())
	}
	if f, ok := jsonField(t, key); ok {
		return deref(f.Type)
	}
	return nil
}

func hasField(t reflect.Type, key string) bool {
	if t = deref(t); t == nil || t.Kind() != reflect.Struct {
		return true // maps and anything else take any key
	}
	_, ok := jsonField(t, key)
	return ok
}

// jsonField finds the struct field encoding/json decodes key into,
// looking into embedded structs.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded *reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && tag == "" {
			if inner := deref(f.Type); inner != nil && inner.Kind() == reflect.Struct {
				if g, ok := jsonField(inner, key); ok {
					return g, true
				}
			}
			continue
		}
		name := tag
		if name == "" {
			name = f.Name
		}
		if name == key {
			return f, true
		}
		if folded == nil && strings.EqualFold(name, key) {
			folded = &f
		}
	}
	if folded != nil {
		return *folded, true
	}
	return reflect.StructField{}, false
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}

func lineOf(raw []byte, offset int64) int {
	return 1 + strings.Count(string(raw[:min(int(offset), len(raw))]), "\n")
}

// resolveFileSettings makes the relative file settings of the source and
// target systems' connectors absolute against dir.
func resolveFileSettings(cfg *engine.Config, dir string) {
	if dir == "" {
		return
	}
	for i := range cfg.SourceSystems {
		src := &cfg.SourceSystems[i]
		if kind, ok := connectors.Source(src.Kind); ok {
			absoluteFiles(src.Settings, kind.Settings, dir)
		}
	}
	for i := range cfg.TargetSystems {
		t := &cfg.TargetSystems[i]
		if kind, ok := connectors.Target(t.Kind); ok {
			absoluteFiles(t.Settings, kind.Settings, dir)
		}
	}
}

// absoluteFiles makes the relative file settings among settings absolute
// against dir.
func absoluteFiles(settings map[string]string, defs []engine.SettingDef, dir string) {
	for _, d := range defs {
		if v := settings[d.Key]; d.Kind == engine.SettingFile && v != "" && !filepath.IsAbs(v) {
			settings[d.Key] = filepath.Join(dir, v)
		}
	}
}
