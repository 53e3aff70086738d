package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"gopkg.in/yaml.v3"
)

// decodeLayer parses one YAML layer after checking each key and value against the
// configuration's fields, so that a mistake is reported at its line and column in that file.
// protojson would report it too, but only at an offset in the merged JSON no one has seen.
func decodeLayer(name string, doc []byte, md protoreflect.MessageDescriptor) (map[string]any, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		// yaml.v3's syntax errors read "yaml: line N: ..."; the file name says which file.
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil // empty, or only comments
	}
	body := root.Content[0]
	if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
		return nil, nil
	}
	if err := checkMessage(name, "", body, md); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := body.Decode(&m); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return m, nil
}

// checkMessage checks a mapping node against the message md; prefix is the dotted path to it.
func checkMessage(file, prefix string, n *yaml.Node, md protoreflect.MessageDescriptor) error {
	if n.Kind != yaml.MappingNode {
		return posErr(file, n, "%s: want a mapping of settings, got %s", orTop(prefix), describe(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		fd := md.Fields().ByName(protoreflect.Name(k.Value))
		if fd == nil {
			// protojson takes "httpAddr" too; renamed here so that it overrides a lower layer's
			// http_addr instead of standing beside it as a duplicate.
			if fd = md.Fields().ByJSONName(k.Value); fd != nil {
				k.Value = string(fd.Name())
			}
		}
		path := prefix + k.Value
		if fd == nil {
			var names []string
			for j := 0; j < md.Fields().Len(); j++ {
				names = append(names, prefix+string(md.Fields().Get(j).Name()))
			}
			msg := fmt.Sprintf("unknown setting %q", path)
			if s := closest(path, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			return posErr(file, k, "%s", msg)
		}
		if err := checkValue(file, path, v, fd); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(file, path string, n *yaml.Node, fd protoreflect.FieldDescriptor) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // "key:" with nothing after it keeps the value from the layers before
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if fd.IsList() {
		// Only lists of strings exist (moderation.blocked_words).
		if n.Kind != yaml.SequenceNode || fd.Kind() != protoreflect.StringKind {
			return posErr(file, n, "%s: want a list of strings, got %s", path, describe(n))
		}
		for _, item := range n.Content {
			if item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
				return posErr(file, item, "%s: want a string, got %s (quote it: %q)", path, describe(item), item.Value)
			}
		}
		return nil
	}
	if fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() != "google.protobuf.Duration" {
		return checkMessage(file, path+".", n, fd.Message())
	}
	if n.Kind != yaml.ScalarNode {
		return posErr(file, n, "%s: want a single value, got %s", path, describe(n))
	}
	switch fd.Kind() {
	case protoreflect.StringKind:
		// 8080 or true would reach protojson as a number or a bool and be refused there.
		if n.Tag != "!!str" {
			return posErr(file, n, "%s: want a string, got %s (quote it: %q)", path, describe(n), n.Value)
		}
		return nil
	case protoreflect.BoolKind:
		if n.Tag != "!!bool" {
			return posErr(file, n, "%s: want true or false, got %s", path, describe(n))
		}
		return nil
	case protoreflect.MessageKind: // google.protobuf.Duration
		if n.Tag != "!!str" {
			return posErr(file, n, `%s: want a duration like "1.5s" or "720h", got %s`, path, describe(n))
		}
		if _, err := time.ParseDuration(n.Value); err != nil {
			return posErr(file, n, "%s: %v", path, err)
		}
		return nil
	}
	if n.Tag != "!!int" && !(n.Tag == "!!float" && fd.Kind() == protoreflect.DoubleKind) {
		return posErr(file, n, "%s: want a number, got %s", path, describe(n))
	}
	if _, err := parseScalar(fd, n.Value); err != nil {
		return posErr(file, n, "%s: %v", path, err)
	}
	return nil
}

func posErr(file string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("config %s:%d:%d: %s", file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

func orTop(prefix string) string {
	if prefix == "" {
		return "the document"
	}
	return strings.TrimSuffix(prefix, ".")
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// envExempt are DOUYIN_* variables that are not settings but are read elsewhere, so seeing one
// in the environment is no mistake: the MariaDB and Redis the tests use
// (pkg/database/databasetest, deploy/localcluster) and the browser of the browser end-to-end
// test (app/allinone).
var envExempt = map[string]bool{
	"DOUYIN_TEST_MYSQL_DSN":  true,
	"DOUYIN_TEST_REDIS_ADDR": true,
	"DOUYIN_TEST_CHROMIUM":   true,
}

// unknownEnv names, in one sentence, the DOUYIN_* variables of environ that are not among known
// (the names applyEnv looked up): it looks up only those, so a misspelled one would be ignored
// in silence. It returns "" when there are none.
func unknownEnv(environ, known []string) string {
	set := map[string]bool{}
	for _, k := range known {
		set[k] = true
	}
	var unknown []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || set[name] || envExempt[name] {
			continue
		}
		if s := closest(name, known); s != "" {
			name += " (did you mean " + s + "?)"
		}
		unknown = append(unknown, name)
	}
	if len(unknown) == 0 {
		return ""
	}
	sort.Strings(unknown)
	return "ignoring environment variables that name no setting: " + strings.Join(unknown, ", ")
}

// closest returns the candidate within two edits of s (the usual typo: a letter missing, extra,
// wrong or two swapped), the nearest if several are; "" if none is that near.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes (names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
