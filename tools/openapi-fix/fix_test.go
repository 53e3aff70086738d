package main

import (
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

// generated is what protoc-gen-openapi writes for testProtos (with a document option declaring
// the token scheme and the Things tag).
const generated = `openapi: 3.0.3
info:
    title: T
    version: 1.0.0
paths:
    /act/:
        post:
            tags:
                - S
                - Things
            description: |-
                Acts on id. The second line
                 of a comment, and the third
                 one.
            operationId: S_Act
            parameters:
                - name: token
                  in: query
                  schema:
                    type: string
                - name: id
                  in: query
                  description: The thing.
                  schema:
                    type: string
                - name: data
                  in: query
                  schema:
                    type: string
                    format: bytes
                - name: kind
                  in: query
                  schema:
                    type: integer
                    format: int32
            responses:
                "200":
                    description: OK
                    content:
                        application/json:
                            schema:
                                $ref: '#/components/schemas/Reply'
    /list/:
        get:
            tags:
                - S
            operationId: S_List
            parameters:
                - name: token
                  in: query
                  schema:
                    type: string
                - name: after
                  in: query
                  schema:
                    type: string
            responses:
                "200":
                    description: OK
                    content:
                        application/json:
                            schema:
                                $ref: '#/components/schemas/Reply'
components:
    schemas:
        Reply:
            type: object
            properties:
                status_code:
                    type: integer
                    format: int32
                status_msg:
                    type: string
                ids:
                    type: array
                    items:
                        type: string
                next:
                    type: string
                    description: Where the next page starts.
    securitySchemes:
        token:
            type: apiKey
            name: token
            in: query
tags:
    - name: Things
    - name: Unused
    - name: S
`

const fixed = `openapi: 3.0.3
info:
    title: T
    version: 1.0.0
paths:
    /act/:
        post:
            tags:
                - Things
            description: |-
                Acts on id. The second line
                of a comment, and the third
                one.
            operationId: S_Act
            parameters:
                - name: id
                  in: query
                  description: The thing.
                  required: true
                  schema:
                    type: integer
                    format: int64
                - name: kind
                  in: query
                  schema:
                    type: integer
                    format: int32
                    enum:
                        - 1
                        - 2
            responses:
                "200":
                    description: ` + okDescription + `
                    content:
                        application/json:
                            schema:
                                $ref: '#/components/schemas/Reply'
            security:
                - token: []
    /list/:
        get:
            tags:
                - S
            operationId: S_List
            parameters:
                - name: after
                  in: query
                  schema:
                    type: integer
                    format: int64
            responses:
                "200":
                    description: ` + okDescription + `
                    content:
                        application/json:
                            schema:
                                $ref: '#/components/schemas/Reply'
            security:
                - token: []
                - {}
components:
    schemas:
        Reply:
            required:
                - status_code
                - status_msg
                - ids
                - next
            type: object
            properties:
                status_code:
                    type: integer
                    format: int32
                    description: '` + statusCodeDescription + `'
                status_msg:
                    type: string
                    description: '` + statusMsgDescription + `'
                ids:
                    type: array
                    items:
                        type: integer
                        format: int64
                next:
                    type: integer
                    format: int64
                    description: Where the next page starts.
    securitySchemes:
        token:
            type: apiKey
            name: token
            in: query
tags:
    - name: Things
    - name: S
`

func TestFixDocument(t *testing.T) {
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
	src := strings.Replace(generated, "    securitySchemes:\n        token:\n            type: apiKey\n            name: token\n            in: query\n", "", 1)
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
