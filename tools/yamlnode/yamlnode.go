// Package yamlnode reads yaml.Node trees the way the OpenAPI tools need: mappings as ordered
// key/value pairs, paths of keys, trimmed scalars. It is a module of its own so that
// tools/openapi-fix (in the tools module) and tools/openapi-lint (a module of its own, whose
// libraries would raise the others' versions) share it without sharing their dependencies.
package yamlnode

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Pair is one entry of a mapping.
type Pair struct {
	Key   string
	Value *yaml.Node
}

// Pairs are the entries of mapping m, in order (none if m is not a mapping).
func Pairs(m *yaml.Node) []Pair {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]Pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, Pair{m.Content[i].Value, m.Content[i+1]})
	}
	return out
}

// Items are the entries of sequence s (none if s is not a sequence).
func Items(s *yaml.Node) []*yaml.Node {
	if s == nil || s.Kind != yaml.SequenceNode {
		return nil
	}
	return s.Content
}

// Lookup follows keys down nested mappings; nil if one is missing.
func Lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		var next *yaml.Node
		for _, p := range Pairs(n) {
			if p.Key == k {
				next = p.Value
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// Scalar is the value of scalar n without surrounding white space; "" for a missing node or
// one that is not a scalar.
func Scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// Walk calls fn with n and every node under it.
func Walk(n *yaml.Node, fn func(*yaml.Node)) {
	fn(n)
	for _, c := range n.Content {
		Walk(c, fn)
	}
}
