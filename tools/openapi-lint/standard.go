package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"go.yaml.in/yaml/v3"
)

// reportFunc records a finding of rule at line; severity is the rule's own, which the ruleset
// may override.
type reportFunc func(rule, severity string, line int, format string, args ...any)

// checkSchema validates src against the OpenAPI JSON Schema of its version.
func checkSchema(src []byte, report reportFunc) {
	doc, err := libopenapi.NewDocument(src)
	if err != nil {
		report("oas3-schema", "error", 1, "%v", err)
		return
	}
	if ok, errs := schema_validation.ValidateOpenAPIDocument(doc); !ok {
		for _, e := range errs {
			if len(e.SchemaValidationErrors) == 0 {
				report("oas3-schema", "error", max(e.SpecLine, 1), "%s: %s", e.Message, e.Reason)
			}
			for _, f := range e.SchemaValidationErrors {
				report("oas3-schema", "error", max(f.Line, 1), "%s: %s", f.FieldPath, f.Reason)
			}
		}
	}
}

// checkValid runs kin-openapi's validation of the loaded document. It stops at the first
// problem it meets, so a clean run is what counts.
func checkValid(src []byte, report reportFunc) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(src)
	if err != nil {
		report("oas3-valid", "error", 1, "load: %v", err)
		return
	}
	if err := doc.Validate(context.Background()); err != nil {
		report("oas3-valid", "error", 1, "%s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
}

func parse(src []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the document is not a YAML or JSON object")
	}
	return doc.Content[0], nil
}

// loadRuleset reads a ruleset's severities by rule, refusing a rule it does not know (a typo
// would otherwise leave the rule on unnoticed) and a severity other than error, warn, info, off.
func loadRuleset(path string) (map[string]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ruleset struct {
		Rules map[string]string `yaml:"rules"`
	}
	if err := yaml.Unmarshal(src, &ruleset); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	known := map[string]bool{"oas3-schema": true, "oas3-valid": true}
	for _, r := range allRules() {
		known[r.name] = true
	}
	for name, severity := range ruleset.Rules {
		if !known[name] {
			return nil, fmt.Errorf("%s: no rule %q", path, name)
		}
		switch severity {
		case "error", "warn", "info", "off":
		default:
			return nil, fmt.Errorf("%s: rule %s: severity %q is none of error, warn, info, off", path, name, severity)
		}
	}
	return ruleset.Rules, nil
}
