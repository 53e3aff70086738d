package main

import (
	"slices"
	"strings"

	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"go.yaml.in/yaml/v3"

	"github.com/douyin-kratos/douyin/tools/yamlnode"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// The Douyin envelope: what every answer carries, success or refusal (the gateway's
// server.writeFailure fills it in on a refusal, always with HTTP 200).
const (
	statusCodeDescription = "0: success. Otherwise the request was refused, with an HTTP-style code: 400 bad input, " +
		"401 not logged in or a bad token, 403 not allowed, 404 not found, 409 taken, 429 throttled or busy, " +
		"5xx (500, 503, 504) a failure of the server."
	statusMsgDescription = "What happened, in words for people: why a request was refused, and when to try again."
	okDescription        = "The answer, success and refusal alike (status_code says which, status_msg why)."
)

// protos indexes the descriptors the way protoc-gen-openapi names things: schemas by the short
// message name, operations Service_Method.
type protos struct {
	messages map[string]protoreflect.MessageDescriptor
	methods  map[string]protoreflect.MethodDescriptor
}

func indexProtos(set *descriptorpb.FileDescriptorSet) (*protos, error) {
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return nil, err
	}
	p := &protos{messages: map[string]protoreflect.MessageDescriptor{}, methods: map[string]protoreflect.MethodDescriptor{}}
	files.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		for i := 0; i < f.Messages().Len(); i++ {
			m := f.Messages().Get(i)
			p.messages[string(m.Name())] = m
		}
		for i := 0; i < f.Services().Len(); i++ {
			s := f.Services().Get(i)
			for j := 0; j < s.Methods().Len(); j++ {
				m := s.Methods().Get(j)
				p.methods[string(s.Name())+"_"+string(m.Name())] = m
			}
		}
		return true
	})
	return p, nil
}

func fix(root *yaml.Node, p *protos) {
	for _, schema := range yamlnode.Pairs(yamlnode.Lookup(root, "components", "schemas")) {
		if msg, ok := p.messages[schema.Key]; ok {
			fixAnswerSchema(schema.Value, msg)
		}
	}
	schemes := queryKeySchemes(root)
	usedTags := map[string]bool{}
	for _, path := range yamlnode.Pairs(yamlnode.Lookup(root, "paths")) {
		for _, op := range yamlnode.Pairs(path.Value) {
			if m, ok := p.methods[yamlnode.Scalar(yamlnode.Lookup(op.Value, "operationId"))]; ok {
				fixOperation(op.Value, m, schemes)
			}
			if tags := yamlnode.Lookup(op.Value, "tags"); tags != nil {
				for _, t := range tags.Content {
					usedTags[t.Value] = true
				}
			}
		}
	}
	if tags := yamlnode.Lookup(root, "tags"); tags != nil {
		tags.Content = slices.DeleteFunc(tags.Content, func(t *yaml.Node) bool { return !usedTags[yamlnode.Scalar(yamlnode.Lookup(t, "name"))] })
	}
	trimCommentIndent(root)
}

// fixAnswerSchema corrects the schema of msg, a message the gateway answers with.
func fixAnswerSchema(schema *yaml.Node, msg protoreflect.MessageDescriptor) {
	props := yamlnode.Pairs(yamlnode.Lookup(schema, "properties"))
	names := make([]string, 0, len(props))
	for _, prop := range props {
		names = append(names, prop.Key)
		field := msg.Fields().ByName(protoreflect.Name(prop.Key))
		if isInt64(field) {
			target := prop.Value
			if field.IsList() {
				target = yamlnode.Lookup(prop.Value, "items")
			}
			setInt64(target)
		}
	}
	if len(names) == 0 {
		return
	}
	set(schema, "required", strs(names...), "type")
	if yamlnode.Lookup(schema, "properties", "status_code") != nil && yamlnode.Lookup(schema, "properties", "status_msg") != nil {
		describe(yamlnode.Lookup(schema, "properties", "status_code"), statusCodeDescription)
		describe(yamlnode.Lookup(schema, "properties", "status_msg"), statusMsgDescription)
	}
}

// queryKeySchemes maps the parameter name of each apiKey security scheme in the query to the
// scheme's name.
func queryKeySchemes(root *yaml.Node) map[string]string {
	out := map[string]string{}
	for _, s := range yamlnode.Pairs(yamlnode.Lookup(root, "components", "securitySchemes")) {
		if yamlnode.Scalar(yamlnode.Lookup(s.Value, "type")) == "apiKey" && yamlnode.Scalar(yamlnode.Lookup(s.Value, "in")) == "query" {
			out[yamlnode.Scalar(yamlnode.Lookup(s.Value, "name"))] = s.Key
		}
	}
	return out
}

// fixOperation corrects op, the operation of method m.
func fixOperation(op *yaml.Node, m protoreflect.MethodDescriptor, schemes map[string]string) {
	if params := yamlnode.Lookup(op, "parameters"); params != nil {
		params.Content = slices.DeleteFunc(params.Content, func(param *yaml.Node) bool {
			field := m.Input().Fields().ByName(protoreflect.Name(yamlnode.Scalar(yamlnode.Lookup(param, "name"))))
			if field == nil || yamlnode.Scalar(yamlnode.Lookup(param, "in")) != "query" {
				return false
			}
			if field.Kind() == protoreflect.BytesKind {
				return true
			}
			if scheme, ok := schemes[string(field.Name())]; ok {
				requirement := []*yaml.Node{mapping(scheme, strs())}
				if !isRequired(field) {
					requirement = append(requirement, emptyMapping()) // {}: without it, too
				}
				set(op, "security", &yaml.Node{Kind: yaml.SequenceNode, Content: requirement}, "")
				return true
			}
			if isRequired(field) {
				set(param, "required", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}, "schema")
			}
			schema := yamlnode.Lookup(param, "schema")
			if isInt64(field) {
				setInt64(schema)
			}
			if proto.HasExtension(field.Options(), openapiv3.E_Property) {
				constraints := proto.GetExtension(field.Options(), openapiv3.E_Property).(*openapiv3.Schema)
				for _, c := range yamlnode.Pairs(constraints.ToRawInfo()) {
					set(schema, c.Key, c.Value, "")
				}
			}
			return false
		})
		if len(params.Content) == 0 {
			del(op, "parameters")
		}
	}
	if option, ok := proto.GetExtension(m.Options(), openapiv3.E_Operation).(*openapiv3.Operation); ok && len(option.GetTags()) > 0 {
		set(op, "tags", strs(option.GetTags()...), "")
	}
	if answer := yamlnode.Lookup(op, "responses", "200"); answer != nil {
		set(answer, "description", str(okDescription), "")
	}
}

func isRequired(f protoreflect.FieldDescriptor) bool {
	behaviors, _ := proto.GetExtension(f.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return slices.Contains(behaviors, annotations.FieldBehavior_REQUIRED)
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
	set(schema, "type", str("integer"), "")
	if yamlnode.Lookup(schema, "format") != nil {
		set(schema, "format", str("int64"), "")
		return
	}
	// Right after type, where the generator writes format.
	i := slices.IndexFunc(schema.Content, func(n *yaml.Node) bool { return n.Value == "type" })
	schema.Content = slices.Insert(schema.Content, i+2, str("format"), str("int64"))
}

// describe gives schema a description unless it has one.
func describe(schema *yaml.Node, text string) {
	if schema != nil && yamlnode.Lookup(schema, "description") == nil {
		set(schema, "description", str(text), "")
	}
}

// trimCommentIndent removes, in every description under n, the space that each line but the
// first keeps from its "// " comment.
func trimCommentIndent(n *yaml.Node) {
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 1 && n.Content[i-1].Value == "description" && c.Kind == yaml.ScalarNode {
			c.Value = strings.ReplaceAll(c.Value, "\n ", "\n")
		}
		trimCommentIndent(c)
	}
}
