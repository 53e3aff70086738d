// Command openapi-lint lints an OpenAPI 3.0 document, and fails on any finding the ruleset has
// not switched off.
//
// It checks the document three ways:
//
//   - oas3-schema: against the OpenAPI 3.0 JSON Schema published with the specification, as
//     libopenapi-validator ships it (what Spectral's and vacuum's rule of that name do);
//   - oas3-valid: kin-openapi's validation of the loaded document (references resolve,
//     parameters are unique, path parameters are declared, examples and defaults fit their
//     schemas, security requirements name a scheme, and the like);
//   - the style rules in rules.go, named and scoped after Spectral's "oas" ruleset (the one
//     vacuum implements in Go as well), for what a schema cannot say: operations have ids,
//     summaries, descriptions and defined tags, components are used, enums are typed, and so on.
//
// The ruleset (a YAML file) names the rules to switch off or whose severity to change:
//
//	rules:
//	  path-keys-no-trailing-slash: off
//	  operation-summary: error
//
// Usage: openapi-lint [-ruleset ruleset.yaml] openapi.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
)

func main() {
	rulesetPath := flag.String("ruleset", "", "YAML file switching rules off or changing their severity")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: openapi-lint [-ruleset ruleset.yaml] openapi.yaml")
		os.Exit(2)
	}
	os.Exit(run(*rulesetPath, flag.Arg(0)))
}

func run(rulesetPath, docPath string) int {
	severities := map[string]string{}
	if rulesetPath != "" {
		var err error
		if severities, err = loadRuleset(rulesetPath); err != nil {
			fmt.Fprintf(os.Stderr, "openapi-lint: %v\n", err)
			return 2
		}
	}
	src, err := os.ReadFile(docPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "openapi-lint: %v\n", err)
		return 2
	}
	findings := lint(src, severities)
	sort.SliceStable(findings, func(i, j int) bool { return findings[i].line < findings[j].line })
	for _, f := range findings {
		fmt.Printf("%s:%d: %s %s: %s\n", docPath, f.line, f.severity, f.rule, f.message)
	}
	if len(findings) > 0 {
		fmt.Printf("%s: %d findings\n", docPath, len(findings))
		return 1
	}
	fmt.Printf("%s: no findings (%d rules)\n", docPath, len(allRules())+2-countOff(severities))
	return 0
}

// finding is one rule's complaint about one place in the document.
type finding struct {
	line     int
	rule     string
	severity string
	message  string
}

// lint returns what the rules find in src, at the severities the ruleset gives them (a rule
// switched off finds nothing).
func lint(src []byte, severities map[string]string) []finding {
	var out []finding
	report := func(rule, severity string, line int, format string, args ...any) {
		if s, ok := severities[rule]; ok {
			severity = s
		}
		if severity != "off" {
			out = append(out, finding{line: line, rule: rule, severity: severity, message: fmt.Sprintf(format, args...)})
		}
	}
	root, err := parse(src)
	if err != nil {
		report("oas3-schema", "error", 1, "%v", err)
		return out
	}
	checkSchema(src, report)
	checkValid(src, report)
	for _, r := range allRules() {
		r.check(root, func(line int, format string, args ...any) { report(r.name, r.severity, line, format, args...) })
	}
	return out
}

func countOff(severities map[string]string) int {
	n := 0
	for _, s := range severities {
		if s == "off" {
			n++
		}
	}
	return n
}
