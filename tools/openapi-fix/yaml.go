package main

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// Helpers for editing yaml.Node mappings in place, keeping the order of their keys (reading
// them is yamlnode's).

// set gives key the value in mapping m: in place if key is there, else before the key before
// if that is there, else at the end.
func set(m *yaml.Node, key string, value *yaml.Node, before string) {
	at := len(m.Content)
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case key:
			m.Content[i+1] = value
			return
		case before:
			at = min(at, i)
		}
	}
	m.Content = slices.Insert(m.Content, at, str(key), value)
}

// del removes key from mapping m.
func del(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// strs is a sequence of strings ([] when empty).
func strs(ss ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	if len(ss) == 0 {
		n.Style = yaml.FlowStyle
	}
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// mapping is {key: value}.
func mapping(key string, value *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str(key), value}}
}

// emptyMapping is {}.
func emptyMapping() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
}
