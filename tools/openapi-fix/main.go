// Command openapi-fix makes the openapi.yaml that protoc-gen-openapi writes for the gateway say
// what the gateway does, where the generator cannot be told so. It reads the descriptor set of
// the same protos and, in the document:
//
//   - describes 64-bit integers as {type: integer, format: int64}: the gateway writes them as
//     JSON numbers (the app requires it) and reads them as numbers from the query, while the
//     generator follows protojson, which quotes them;
//   - makes every property of every component schema required: those are the messages the
//     gateway answers with, and its codec writes every field, zero or not; and describes the
//     status_code and status_msg of the Douyin envelope and the 200 answer that carries it;
//   - marks a query parameter required when its field is (google.api.field_behavior) = REQUIRED
//     and gives it the field's (openapi.v3.property) constraints (the generator applies both to
//     message schemas only);
//   - drops bytes fields from the query parameters: the gateway never reads one from the query
//     (the upload's file is in its multipart body);
//   - turns a field named like an apiKey security scheme in the query (the token) into that
//     scheme: the parameter goes, and the operation requires the scheme when the field is
//     REQUIRED, or accepts it ([{scheme: []}, {}]) when not;
//   - gives an operation the tags of its method's (openapi.v3.operation) option in place of the
//     service's name, which the generator adds, and drops document tags no operation uses;
//   - takes out of each description the space that every continuation line keeps from "// ".
//
// Everything else in the document is left as the generator wrote it.
//
// Usage: openapi-fix -descriptors set.pb -openapi openapi.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

func main() {
	descPath := flag.String("descriptors", "", "FileDescriptorSet written by protoc --include_imports -o")
	docPath := flag.String("openapi", "openapi.yaml", "document to correct in place")
	flag.Parse()
	if err := run(*descPath, *docPath); err != nil {
		log.Fatalf("openapi-fix: %v", err)
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
	src, err := os.ReadFile(docPath)
	if err != nil {
		return err
	}
	out, err := fixDocument(&set, src)
	if err != nil {
		return fmt.Errorf("%s: %w", docPath, err)
	}
	return os.WriteFile(docPath, out, 0o644)
}

// fixDocument returns the document src corrected from the protos in set.
func fixDocument(set *descriptorpb.FileDescriptorSet, src []byte) ([]byte, error) {
	protos, err := indexProtos(set)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not an OpenAPI document")
	}
	fix(doc.Content[0], protos)

	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(4) // protoc-gen-openapi's indentation, so only the corrected lines change
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
