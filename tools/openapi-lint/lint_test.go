package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clean breaks no rule.
const clean = `openapi: 3.0.3
info:
  title: T
  version: "1"
  description: A test API.
  contact: {name: Someone}
  license: {name: MIT}
servers:
  - url: http://localhost:8080
tags:
  - name: things
    description: Things.
paths:
  /things:
    get:
      tags: [things]
      summary: List things
      description: Lists things.
      operationId: listThings
      parameters:
        - name: kind
          in: query
          description: Which kind.
          schema: {type: integer, enum: [1, 2]}
      security:
        - key: []
      responses:
        "200":
          description: The things.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Things'
components:
  schemas:
    Things:
      type: array
      items: {type: string}
  securitySchemes:
    key: {type: apiKey, in: query, name: key}
`

func TestCleanDocument(t *testing.T) {
	if findings := lint([]byte(clean), nil); len(findings) > 0 {
		t.Errorf("findings in a clean document: %+v", findings)
	}
}

func TestRules(t *testing.T) {
	for _, c := range []struct {
		rule      string
		old, with string
	}{
		{"oas3-schema", "in: query\n          description", "in: body\n          description"},
		{"oas3-schema", "openapi: 3.0.3", "openapi: 3.0.3\nbogus: true"},
		{"oas3-valid", "schemas/Things'", "schemas/Nothing'"},
		{"info-description", "  description: A test API.\n", ""},
		{"info-contact", "  contact: {name: Someone}\n", ""},
		{"info-license", "  license: {name: MIT}\n", ""},
		{"oas3-api-servers", "servers:\n  - url: http://localhost:8080\n", ""},
		{"oas3-server-trailing-slash", "url: http://localhost:8080", "url: http://localhost:8080/"},
		{"openapi-tags", "tags:\n  - name: things\n    description: Things.\n", ""},
		{"openapi-tags-uniqueness", "    description: Things.\n", "    description: Things.\n  - name: things\n    description: Again.\n"},
		{"tag-description", "    description: Things.\n", ""},
		{"operation-operationId", "      operationId: listThings\n", ""},
		{"operation-operationId-valid-in-url", "operationId: listThings", "operationId: list things"},
		{"operation-summary", "      summary: List things\n", ""},
		{"operation-description", "      description: Lists things.\n", ""},
		{"operation-tags", "      tags: [things]\n", ""},
		{"operation-tag-defined", "tags: [things]", "tags: [other]"},
		{"operation-success-response", `"200":`, `"404":`},
		{"operation-parameters", "          schema: {type: integer, enum: [1, 2]}\n",
			"          schema: {type: integer, enum: [1, 2]}\n        - {name: kind, in: query, description: Again., schema: {type: string}}\n"},
		{"oas3-parameter-description", "          description: Which kind.\n", ""},
		{"path-keys-no-trailing-slash", "  /things:", "  /things/:"},
		{"path-not-include-query", "  /things:", "  /things?all=1:"},
		{"oas3-operation-security-defined", "- key: []", "- other: []"},
		{"oas3-unused-component", "  securitySchemes:", "    Unused: {type: string}\n  securitySchemes:"},
		{"typed-enum", "enum: [1, 2]", "enum: [1, two]"},
		{"duplicated-entry-in-enum", "enum: [1, 2]", "enum: [1, 1]"},
		{"no-$ref-siblings", "$ref: '#/components/schemas/Things'", "$ref: '#/components/schemas/Things'\n                description: Ignored."},
		{"no-script-tags-in-markdown", "description: Lists things.", "description: Lists things.<script>alert(1)</script>"},
		{"no-eval-in-markdown", "description: Lists things.", "description: Lists things with eval(x)."},
	} {
		if !strings.Contains(clean, c.old) {
			t.Fatalf("%s: the clean document has no %q", c.rule, c.old)
		}
		doc := strings.Replace(clean, c.old, c.with, 1)
		findings := lint([]byte(doc), nil)
		if !hasRule(findings, c.rule) {
			t.Errorf("%s: not found; findings: %+v", c.rule, findings)
		}
		if off := lint([]byte(doc), map[string]string{c.rule: "off"}); hasRule(off, c.rule) {
			t.Errorf("%s: still found when switched off", c.rule)
		}
	}
}

func TestSeverityOverride(t *testing.T) {
	doc := strings.Replace(clean, "      summary: List things\n", "", 1)
	findings := lint([]byte(doc), map[string]string{"operation-summary": "error"})
	if len(findings) != 1 || findings[0].severity != "error" || findings[0].line != 15 {
		t.Errorf("findings: %+v, want one error at line 15", findings)
	}
}

func TestNotADocument(t *testing.T) {
	for _, src := range []string{"", "- a\n- b\n", "{unclosed"} {
		if findings := lint([]byte(src), nil); !hasRule(findings, "oas3-schema") {
			t.Errorf("%q: findings %+v, want oas3-schema", src, findings)
		}
	}
}

func TestLoadRuleset(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		path := filepath.Join(dir, "ruleset.yaml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	got, err := loadRuleset(write("rules:\n  info-license: off # why\n  operation-summary: error\n"))
	if err != nil || got["info-license"] != "off" || got["operation-summary"] != "error" {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"rules:\n  info-licence: off\n", "rules:\n  info-license: maybe\n", "rules: [\n"} {
		if _, err := loadRuleset(write(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func hasRule(findings []finding, rule string) bool {
	for _, f := range findings {
		if f.rule == rule {
			return true
		}
	}
	return false
}
