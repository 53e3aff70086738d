package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// testProtos is, as descriptors:
//
//	service S {
//	  rpc Act(ActRequest) returns (Reply) { option (openapi.v3.operation) = {tags: "Things"}; }
//	  rpc List(ListRequest) returns (Reply);
//	}
//	message ActRequest {
//	  string token = 1 [(google.api.field_behavior) = REQUIRED];
//	  int64 id = 2 [(google.api.field_behavior) = REQUIRED];
//	  bytes data = 3;
//	  int32 kind = 4 [(openapi.v3.property) = {enum: [{yaml: "1"}, {yaml: "2"}]}];
//	}
//	message ListRequest { string token = 1; int64 after = 2; }
//	message Reply { int32 status_code = 1; string status_msg = 2; repeated int64 ids = 3; int64 next = 4; }
func testProtos() *descriptorpb.FileDescriptorSet {
	required := &descriptorpb.FieldOptions{}
	proto.SetExtension(required, annotations.E_FieldBehavior, []annotations.FieldBehavior{annotations.FieldBehavior_REQUIRED})
	enum := &descriptorpb.FieldOptions{}
	proto.SetExtension(enum, openapiv3.E_Property, &openapiv3.Schema{Enum: []*openapiv3.Any{{Yaml: "1"}, {Yaml: "2"}}})
	tagged := &descriptorpb.MethodOptions{}
	proto.SetExtension(tagged, openapiv3.E_Operation, &openapiv3.Operation{Tags: []string{"Things"}})

	field := func(name string, number int32, kind descriptorpb.FieldDescriptorProto_Type, opts *descriptorpb.FieldOptions) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{
			Name: proto.String(name), JsonName: proto.String(name), Number: proto.Int32(number),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: kind.Enum(), Options: opts,
		}
	}
	ids := field("ids", 3, descriptorpb.FieldDescriptorProto_TYPE_INT64, nil)
	ids.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	return &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{{
		Name:    proto.String("t.proto"),
		Package: proto.String("t"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("ActRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				field("token", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, required),
				field("id", 2, descriptorpb.FieldDescriptorProto_TYPE_INT64, required),
				field("data", 3, descriptorpb.FieldDescriptorProto_TYPE_BYTES, nil),
				field("kind", 4, descriptorpb.FieldDescriptorProto_TYPE_INT32, enum),
			}},
			{Name: proto.String("ListRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				field("token", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, nil),
				field("after", 2, descriptorpb.FieldDescriptorProto_TYPE_INT64, nil),
			}},
			{Name: proto.String("Reply"), Field: []*descriptorpb.FieldDescriptorProto{
				field("status_code", 1, descriptorpb.FieldDescriptorProto_TYPE_INT32, nil),
				field("status_msg", 2, descriptorpb.FieldDescriptorProto_TYPE_STRING, nil),
				ids,
				field("next", 4, descriptorpb.FieldDescriptorProto_TYPE_INT64, nil),
			}},
		},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("S"),
			Method: []*descriptorpb.MethodDescriptorProto{
				{Name: proto.String("Act"), InputType: proto.String(".t.ActRequest"), OutputType: proto.String(".t.Reply"), Options: tagged},
				{Name: proto.String("List"), InputType: proto.String(".t.ListRequest"), OutputType: proto.String(".t.Reply")},
			},
		}},
	}}}
}

// testdata/generated.yaml is what protoc-gen-openapi writes for testProtos (with a document
// option declaring the token scheme and the Things tag); testdata/fixed.yaml is what fixDocument
// must make of it, to the byte.
func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFixDocument(t *testing.T) {
	generated, fixed := readTestdata(t, "generated.yaml"), readTestdata(t, "fixed.yaml")
	out, err := fixDocument(testProtos(), []byte(generated))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != fixed {
		t.Errorf("fixed document differs:\n%s", lineDiff(fixed, string(out)))
	}
}

// A document without the token scheme keeps its token parameters, as ordinary parameters.
func TestFixDocumentWithoutScheme(t *testing.T) {
	generated := readTestdata(t, "generated.yaml")
	src := strings.Replace(generated, "    securitySchemes:\n        token:\n            type: apiKey\n            name: token\n            in: query\n", "", 1)
	if src == generated {
		t.Fatal("testdata/generated.yaml declares no token scheme to remove")
	}
	out, err := fixDocument(testProtos(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "security:") {
		t.Errorf("security requirements without a scheme:\n%s", out)
	}
	want := "                - name: token\n                  in: query\n                  required: true\n"
	if !strings.Contains(string(out), want) {
		t.Errorf("the required token is no required parameter:\n%s", out)
	}
}

func TestFixDocumentRefusesOtherYAML(t *testing.T) {
	for _, src := range []string{"- a list\n", "just text\n", "{unclosed"} {
		if _, err := fixDocument(testProtos(), []byte(src)); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

// lineDiff shows the first line where got departs from want, with some context.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			from := max(0, i-3)
			return "want:\n" + strings.Join(w[from:min(len(w), i+4)], "\n") + "\ngot:\n" + strings.Join(g[from:min(len(g), i+4)], "\n")
		}
	}
	return ""
}
