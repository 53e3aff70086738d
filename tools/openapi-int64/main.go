// Command openapi-int64 corrects the 64-bit integer schemas in an openapi.yaml written by
// protoc-gen-openapi.
//
// protoc-gen-openapi always describes int64 fields as strings, because protojson quotes them. The
// Douyin gateway writes them as JSON numbers (the app requires it) and accepts them as numbers in
// query strings, so the published document must say "integer, int64". This tool reads the
// descriptor set of the same protos and rewrites exactly the int64 fields: component properties,
// array items and query parameters. Everything else in the document is left byte for byte.
//
// Usage: openapi-int64 -descriptors set.pb -openapi openapi.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

func main() {
	descPath := flag.String("descriptors", "", "FileDescriptorSet written by protoc --include_imports -o")
	docPath := flag.String("openapi", "openapi.yaml", "document to correct in place")
	flag.Parse()
	if err := run(*descPath, *docPath); err != nil {
		log.Fatalf("openapi-int64: %v", err)
	}
}

func run(descPath, docPath string) error {
	raw, err := os.ReadFile(descPath)
	if err != nil {
		return err
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("decode descriptors: %w", err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return fmt.Errorf("link descriptors: %w", err)
	}

	// protoc-gen-openapi names schemas by the short message name and operations Service_Method.
	messages := map[string]protoreflect.MessageDescriptor{}
	methods := map[string]protoreflect.MethodDescriptor{}
	files.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		for i := 0; i < f.Messages().Len(); i++ {
			m := f.Messages().Get(i)
			messages[string(m.Name())] = m
		}
		for i := 0; i < f.Services().Len(); i++ {
			s := f.Services().Get(i)
			for j := 0; j < s.Methods().Len(); j++ {
				m := s.Methods().Get(j)
				methods[string(s.Name())+"_"+string(m.Name())] = m
			}
		}
		return true
	})

	src, err := os.ReadFile(docPath)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return fmt.Errorf("parse %s: %w", docPath, err)
	}
	root := doc.Content[0]

	for _, schema := range pairs(lookup(root, "components", "schemas")) {
		msg, ok := messages[schema.key]
		if !ok {
			continue
		}
		for _, prop := range pairs(lookup(schema.value, "properties")) {
			if field := msg.Fields().ByName(protoreflect.Name(prop.key)); isInt64(field) {
				target := prop.value
				if field.IsList() {
					target = lookup(prop.value, "items")
				}
				setInt64(target)
			}
		}
	}
	for _, path := range pairs(lookup(root, "paths")) {
		for _, op := range pairs(path.value) {
			method, ok := methods[scalar(lookup(op.value, "operationId"))]
			if !ok {
				continue
			}
			params := lookup(op.value, "parameters")
			if params == nil {
				continue
			}
			for _, p := range params.Content {
				field := method.Input().Fields().ByName(protoreflect.Name(scalar(lookup(p, "name"))))
				if scalar(lookup(p, "in")) == "query" && isInt64(field) {
					setInt64(lookup(p, "schema"))
				}
			}
		}
	}

	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(4) // protoc-gen-openapi's indentation, so only the corrected lines change
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return os.WriteFile(docPath, out.Bytes(), 0o644)
}

func isInt64(f protoreflect.FieldDescriptor) bool {
	if f == nil {
		return false
	}
	switch f.Kind() {
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return true
	}
	return false
}

// setInt64 turns {type: string} into {type: integer, format: int64}, keeping other keys.
func setInt64(schema *yaml.Node) {
	if schema == nil || schema.Kind != yaml.MappingNode {
		return
	}
	if t := lookup(schema, "type"); t != nil {
		t.Value = "integer"
	}
	if f := lookup(schema, "format"); f != nil {
		f.Value = "int64"
		return
	}
	for i := 0; i < len(schema.Content); i += 2 {
		if schema.Content[i].Value == "type" {
			format := []*yaml.Node{
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: "format"},
				{Kind: yaml.ScalarNode, Tag: "!!str", Value: "int64"},
			}
			schema.Content = append(schema.Content[:i+2], append(format, schema.Content[i+2:]...)...)
			return
		}
	}
}

type pair struct {
	key   string
	value *yaml.Node
}

func pairs(m *yaml.Node) []pair {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, pair{m.Content[i].Value, m.Content[i+1]})
	}
	return out
}

func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		var next *yaml.Node
		for _, p := range pairs(n) {
			if p.key == k {
				next = p.value
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

func scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.Value)
}
