// Package config loads a process's typed configuration (api/conf/v1 Bootstrap).
//
// Three layers, each overriding the one before: the built-in defaults (defaults.yaml), an
// optional YAML file, and environment variables. Every field has a variable: DOUYIN_ followed by
// the field path in upper case joined by "_" (data_dir: DOUYIN_DATA_DIR, auth.token_ttl:
// DOUYIN_AUTH_TOKEN_TTL). Unknown keys in a file are an error, so a typo is not silently ignored.
package config

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// EnvPrefix starts the name of every configuration variable.
const EnvPrefix = "DOUYIN_"

//go:embed defaults.yaml
var defaultsYAML []byte

// Load builds the configuration from the defaults, then each overlay in order (YAML documents,
// e.g. an app's own listen addresses), then the file at path (skipped when path is empty), then
// the environment.
//
// Problems that make the configuration unusable are errors, pointing at the file, line and
// column or at the variable to fix. What is only suspicious (a DOUYIN_* variable that names no
// setting) comes back as warnings for the caller to log once, with its logger, at start.
func Load(path string, overlays ...string) (*confv1.Bootstrap, []string, error) {
	md := (&confv1.Bootstrap{}).ProtoReflect().Descriptor()
	merged := map[string]any{}
	type layer struct {
		name string
		doc  []byte
	}
	layers := []layer{{"defaults.yaml", defaultsYAML}}
	for i, o := range overlays {
		layers = append(layers, layer{fmt.Sprintf("overlay %d", i+1), []byte(o)})
	}
	if path != "" {
		file, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("read config: %w", err)
		}
		layers = append(layers, layer{path, file})
	}
	for _, l := range layers {
		m, err := decodeLayer(l.name, l.doc, md)
		if err != nil {
			return nil, nil, err
		}
		mergeMaps(merged, m)
	}
	if err := normalizeDurations(merged, md); err != nil {
		return nil, nil, err
	}
	doc, err := json.Marshal(merged)
	if err != nil {
		return nil, nil, fmt.Errorf("encode config: %w", err)
	}
	bc := &confv1.Bootstrap{}
	// decodeLayer has checked every key and value against the same descriptor, so this only
	// fails on what it does not know about; its positions are in the merged JSON, not a file.
	if err := protojson.Unmarshal(doc, bc); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	// The names applyEnv asks for are every variable that sets something: the rest are typos.
	var known []string
	lookup := func(name string) (string, bool) { known = append(known, name); return os.LookupEnv(name) }
	if err := applyEnv(bc.ProtoReflect(), EnvPrefix, lookup); err != nil {
		return nil, nil, err
	}
	applyOTelEnv(bc)
	if err := checkBounds(bc); err != nil {
		return nil, nil, err
	}
	if err := checkChoices(bc); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if w := unknownEnv(os.Environ(), known); w != "" {
		warnings = append(warnings, w)
	}
	return bc, warnings, nil
}

// checkChoices refuses settings that name no choice the code has, and choices missing what they
// need, at start: otherwise MySQL without a DSN fails much later, as an "Access denied" for an
// empty user name, and a misspelled level or format falls back to a default without a word.
func checkChoices(bc *confv1.Bootstrap) error {
	switch d := bc.GetDatabase().GetDriver(); d {
	case "", "sqlite":
	case "mysql":
		if bc.GetDatabase().GetDsn() == "" {
			return errors.New("config database.dsn (DOUYIN_DATABASE_DSN) is required when database.driver is mysql, " +
				`e.g. "user:password@tcp(127.0.0.1:3306)/douyin?parseTime=true"`)
		}
	default:
		return fmt.Errorf("config database.driver (DOUYIN_DATABASE_DRIVER) %q: want sqlite or mysql", d)
	}
	switch l := bc.GetLog().GetLevel(); strings.ToLower(l) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config log.level (DOUYIN_LOG_LEVEL) %q: want debug, info, warn or error", l)
	}
	switch f := bc.GetLog().GetFormat(); f {
	case "logfmt", "json":
	default:
		return fmt.Errorf("config log.format (DOUYIN_LOG_FORMAT) %q: want logfmt or json", f)
	}
	return nil
}

// checkBounds refuses limits that cannot work: with lists.max_items at 0 every list would be
// empty, and services.max_message_bytes at 0 would refuse every answer between apps.
func checkBounds(bc *confv1.Bootstrap) error {
	if n := bc.GetLists().GetMaxItems(); n < 1 {
		return fmt.Errorf("config lists.max_items: want at least 1, got %d", n)
	}
	if n := bc.GetServices().GetMaxMessageBytes(); n < 1 {
		return fmt.Errorf("config services.max_message_bytes: want at least 1, got %d", n)
	}
	return nil
}

// mergeMaps deep-merges src into dst; src wins on conflicts. A key with no value ("log:" and
// nothing under it) keeps what dst has: dropping the whole section would leave its settings
// empty rather than at their defaults.
func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if v == nil {
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			if existing, ok := dst[k].(map[string]any); ok {
				mergeMaps(existing, sub)
				continue
			}
		}
		dst[k] = v
	}
}

// normalizeDurations rewrites Go duration strings ("720h", "1.5s") into the seconds form that
// protojson requires for google.protobuf.Duration ("2592000s").
func normalizeDurations(m map[string]any, md protoreflect.MessageDescriptor) error {
	for key, v := range m {
		fd := md.Fields().ByName(protoreflect.Name(key))
		if fd == nil {
			fd = md.Fields().ByJSONName(key)
		}
		if fd == nil || fd.Kind() != protoreflect.MessageKind {
			continue // unknown keys are reported by protojson
		}
		if fd.Message().FullName() != "google.protobuf.Duration" {
			if sub, ok := v.(map[string]any); ok {
				if err := normalizeDurations(sub, fd.Message()); err != nil {
					return err
				}
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("config %s: want a duration like \"1.5s\" or \"720h\", got %v", key, v)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("config %s: %w", key, err)
		}
		m[key] = strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return nil
}

// applyEnv sets every scalar field of m whose variable is present in the environment.
func applyEnv(m protoreflect.Message, prefix string, lookup func(string) (string, bool)) error {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		name := prefix + strings.ToUpper(string(fd.Name()))
		if fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() != "google.protobuf.Duration" {
			if err := applyEnv(m.Mutable(fd).Message(), name+"_", lookup); err != nil {
				return err
			}
			continue
		}
		raw, ok := lookup(name)
		if !ok {
			continue
		}
		if fd.IsList() {
			if err := setList(m, fd, raw); err != nil {
				return fmt.Errorf("environment variable %s=%q: %w", name, raw, err)
			}
			continue
		}
		v, err := parseScalar(fd, raw)
		if err != nil {
			return fmt.Errorf("environment variable %s=%q: %w", name, raw, err)
		}
		m.Set(fd, v)
	}
	return nil
}

// setList replaces the list fd of m with the comma-separated items of raw, each trimmed of
// surrounding spaces; empty items are dropped, so "" is an empty list, overriding the file's.
func setList(m protoreflect.Message, fd protoreflect.FieldDescriptor, raw string) error {
	if fd.Kind() != protoreflect.StringKind {
		return fmt.Errorf("lists of %s cannot be set from the environment", fd.Kind())
	}
	m.Clear(fd)
	list := m.Mutable(fd).List()
	for _, item := range strings.Split(raw, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list.Append(protoreflect.ValueOfString(item))
		}
	}
	return nil
}

func parseScalar(fd protoreflect.FieldDescriptor, raw string) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(raw), nil
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(raw)
		return protoreflect.ValueOfBool(b), err
	case protoreflect.Int32Kind:
		n, err := strconv.ParseInt(raw, 10, 32)
		return protoreflect.ValueOfInt32(int32(n)), err
	case protoreflect.Uint32Kind:
		n, err := strconv.ParseUint(raw, 10, 32)
		return protoreflect.ValueOfUint32(uint32(n)), err
	case protoreflect.Int64Kind:
		n, err := strconv.ParseInt(raw, 10, 64)
		return protoreflect.ValueOfInt64(n), err
	case protoreflect.DoubleKind:
		f, err := strconv.ParseFloat(raw, 64)
		return protoreflect.ValueOfFloat64(f), err
	case protoreflect.MessageKind: // google.protobuf.Duration
		d, err := time.ParseDuration(raw)
		return protoreflect.ValueOfMessage(durationpb.New(d).ProtoReflect()), err
	}
	return protoreflect.Value{}, fmt.Errorf("fields of kind %s cannot be set from the environment", fd.Kind())
}
