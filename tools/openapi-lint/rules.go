package main

import (
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/douyin-kratos/douyin/tools/yamlnode"
)

// rule is a style rule. Those named after a rule of Spectral's "oas" ruleset check what that
// rule checks, at its severity; operation-summary is ours.
type rule struct {
	name     string
	severity string
	check    func(root *yaml.Node, report func(line int, format string, args ...any))
}

func allRules() []rule {
	return []rule{
		{"info-contact", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			if info := yamlnode.Lookup(root, "info"); info != nil && yamlnode.Lookup(info, "contact") == nil {
				report(info.Line, "info has no contact")
			}
		}},
		{"info-description", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			if info := yamlnode.Lookup(root, "info"); info != nil && yamlnode.Scalar(yamlnode.Lookup(info, "description")) == "" {
				report(info.Line, "info has no description")
			}
		}},
		{"info-license", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			if info := yamlnode.Lookup(root, "info"); info != nil && yamlnode.Lookup(info, "license") == nil {
				report(info.Line, "info has no license")
			}
		}},
		{"oas3-api-servers", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			servers := yamlnode.Lookup(root, "servers")
			if servers == nil || len(servers.Content) == 0 {
				report(root.Line, "the document names no servers")
				return
			}
			for _, s := range servers.Content {
				if yamlnode.Scalar(yamlnode.Lookup(s, "url")) == "" {
					report(s.Line, "a server has no url")
				}
			}
		}},
		{"oas3-server-trailing-slash", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			if servers := yamlnode.Lookup(root, "servers"); servers != nil {
				for _, s := range servers.Content {
					if url := yamlnode.Scalar(yamlnode.Lookup(s, "url")); len(url) > 1 && strings.HasSuffix(url, "/") {
						report(s.Line, "server url %q ends with a slash", url)
					}
				}
			}
		}},
		{"openapi-tags", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			if tags := yamlnode.Lookup(root, "tags"); tags == nil || len(tags.Content) == 0 {
				report(root.Line, "the document declares no tags")
			}
		}},
		{"openapi-tags-uniqueness", "error", func(root *yaml.Node, report func(int, string, ...any)) {
			seen := map[string]bool{}
			for _, t := range yamlnode.Items(yamlnode.Lookup(root, "tags")) {
				name := yamlnode.Scalar(yamlnode.Lookup(t, "name"))
				if seen[name] {
					report(t.Line, "tag %q is declared twice", name)
				}
				seen[name] = true
			}
		}},
		{"tag-description", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, t := range yamlnode.Items(yamlnode.Lookup(root, "tags")) {
				if yamlnode.Scalar(yamlnode.Lookup(t, "description")) == "" {
					report(t.Line, "tag %q has no description", yamlnode.Scalar(yamlnode.Lookup(t, "name")))
				}
			}
		}},
		{"operation-operationId", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				if yamlnode.Scalar(yamlnode.Lookup(op.node, "operationId")) == "" {
					report(op.line, "%s has no operationId", op)
				}
			}
		}},
		{"operation-operationId-unique", "error", func(root *yaml.Node, report func(int, string, ...any)) {
			seen := map[string]bool{}
			for _, op := range operations(root) {
				id := yamlnode.Scalar(yamlnode.Lookup(op.node, "operationId"))
				if id != "" && seen[id] {
					report(op.line, "%s: operationId %q is taken", op, id)
				}
				seen[id] = true
			}
		}},
		{"operation-operationId-valid-in-url", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				if id := yamlnode.Scalar(yamlnode.Lookup(op.node, "operationId")); !urlSafe.MatchString(id) {
					report(op.line, "%s: operationId %q has characters a URL cannot hold", op, id)
				}
			}
		}},
		{"operation-summary", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				if yamlnode.Scalar(yamlnode.Lookup(op.node, "summary")) == "" {
					report(op.line, "%s has no summary", op)
				}
			}
		}},
		{"operation-description", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				if yamlnode.Scalar(yamlnode.Lookup(op.node, "description")) == "" {
					report(op.line, "%s has no description", op)
				}
			}
		}},
		{"operation-tags", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				if len(yamlnode.Items(yamlnode.Lookup(op.node, "tags"))) == 0 {
					report(op.line, "%s has no tags", op)
				}
			}
		}},
		{"operation-tag-defined", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			declared := map[string]bool{}
			for _, t := range yamlnode.Items(yamlnode.Lookup(root, "tags")) {
				declared[yamlnode.Scalar(yamlnode.Lookup(t, "name"))] = true
			}
			for _, op := range operations(root) {
				for _, t := range yamlnode.Items(yamlnode.Lookup(op.node, "tags")) {
					if !declared[yamlnode.Scalar(t)] {
						report(t.Line, "%s: tag %q is not declared in the document's tags", op, yamlnode.Scalar(t))
					}
				}
			}
		}},
		{"operation-success-response", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				if !slices.ContainsFunc(yamlnode.Pairs(yamlnode.Lookup(op.node, "responses")), func(r yamlnode.Pair) bool {
					return strings.HasPrefix(r.Key, "2") || strings.HasPrefix(r.Key, "3")
				}) {
					report(op.line, "%s has no 2xx or 3xx response", op)
				}
			}
		}},
		{"operation-parameters", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, op := range operations(root) {
				seen := map[string]bool{}
				for _, p := range yamlnode.Items(yamlnode.Lookup(op.node, "parameters")) {
					key := yamlnode.Scalar(yamlnode.Lookup(p, "in")) + " " + yamlnode.Scalar(yamlnode.Lookup(p, "name"))
					if yamlnode.Lookup(p, "$ref") == nil && seen[key] {
						report(p.Line, "%s: parameter %s is declared twice", op, key)
					}
					seen[key] = true
				}
			}
		}},
		{"oas3-parameter-description", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			params := slices.Collect(func(yield func(*yaml.Node) bool) {
				for _, p := range yamlnode.Pairs(yamlnode.Lookup(root, "components", "parameters")) {
					yield(p.Value)
				}
				for _, path := range yamlnode.Pairs(yamlnode.Lookup(root, "paths")) {
					for _, p := range yamlnode.Items(yamlnode.Lookup(path.Value, "parameters")) {
						yield(p)
					}
				}
				for _, op := range operations(root) {
					for _, p := range yamlnode.Items(yamlnode.Lookup(op.node, "parameters")) {
						yield(p)
					}
				}
			})
			for _, p := range params {
				if yamlnode.Lookup(p, "$ref") == nil && yamlnode.Scalar(yamlnode.Lookup(p, "description")) == "" {
					report(p.Line, "parameter %q has no description", yamlnode.Scalar(yamlnode.Lookup(p, "name")))
				}
			}
		}},
		{"path-keys-no-trailing-slash", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, path := range yamlnode.Pairs(yamlnode.Lookup(root, "paths")) {
				if len(path.Key) > 1 && strings.HasSuffix(path.Key, "/") {
					report(path.Value.Line, "path %s ends with a slash", path.Key)
				}
			}
		}},
		{"path-not-include-query", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			for _, path := range yamlnode.Pairs(yamlnode.Lookup(root, "paths")) {
				if strings.Contains(path.Key, "?") {
					report(path.Value.Line, "path %s holds a query string", path.Key)
				}
			}
		}},
		{"oas3-operation-security-defined", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			schemes := yamlnode.Lookup(root, "components", "securitySchemes")
			for _, requirement := range securityRequirements(root) {
				for _, s := range yamlnode.Pairs(requirement) {
					if yamlnode.Lookup(schemes, s.Key) == nil {
						report(requirement.Line, "security scheme %q is not defined in components.securitySchemes", s.Key)
					}
				}
			}
		}},
		{"oas3-unused-component", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			refs := map[string]bool{}
			yamlnode.Walk(root, func(n *yaml.Node) {
				if ref := yamlnode.Lookup(n, "$ref"); ref != nil {
					refs[yamlnode.Scalar(ref)] = true
				}
			})
			for _, requirement := range securityRequirements(root) {
				for _, s := range yamlnode.Pairs(requirement) {
					refs["#/components/securitySchemes/"+s.Key] = true
				}
			}
			for _, kind := range yamlnode.Pairs(yamlnode.Lookup(root, "components")) {
				for _, c := range yamlnode.Pairs(kind.Value) {
					if !refs["#/components/"+kind.Key+"/"+c.Key] {
						report(c.Value.Line, "components.%s.%s is never used", kind.Key, c.Key)
					}
				}
			}
		}},
		{"typed-enum", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			yamlnode.Walk(root, func(n *yaml.Node) {
				enum, typ := yamlnode.Lookup(n, "enum"), yamlnode.Scalar(yamlnode.Lookup(n, "type"))
				if enum == nil || enum.Kind != yaml.SequenceNode || typ == "" {
					return
				}
				for _, v := range enum.Content {
					if !fitsType(v, typ) {
						report(v.Line, "enum value %q is not of type %s", v.Value, typ)
					}
				}
			})
		}},
		{"duplicated-entry-in-enum", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			yamlnode.Walk(root, func(n *yaml.Node) {
				enum := yamlnode.Lookup(n, "enum")
				if enum == nil || enum.Kind != yaml.SequenceNode {
					return
				}
				seen := map[string]bool{}
				for _, v := range enum.Content {
					if seen[v.Tag+v.Value] {
						report(v.Line, "enum value %q is listed twice", v.Value)
					}
					seen[v.Tag+v.Value] = true
				}
			})
		}},
		{"no-$ref-siblings", "error", func(root *yaml.Node, report func(int, string, ...any)) {
			yamlnode.Walk(root, func(n *yaml.Node) {
				if yamlnode.Lookup(n, "$ref") != nil && len(n.Content) > 2 {
					report(n.Line, "keys beside $ref are ignored in OpenAPI 3.0")
				}
			})
		}},
		{"no-script-tags-in-markdown", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			markdown(root, func(text *yaml.Node) {
				if strings.Contains(strings.ToLower(text.Value), "<script") {
					report(text.Line, "markdown holds a <script> tag")
				}
			})
		}},
		{"no-eval-in-markdown", "warn", func(root *yaml.Node, report func(int, string, ...any)) {
			markdown(root, func(text *yaml.Node) {
				if strings.Contains(text.Value, "eval(") {
					report(text.Line, "markdown holds eval(")
				}
			})
		}},
	}
}

// urlSafe is the characters RFC 3986 allows unencoded in a URL.
var urlSafe = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*$`)

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type operation struct {
	method, path string
	node         *yaml.Node
	line         int // of the method's key
}

func (o operation) String() string { return strings.ToUpper(o.method) + " " + o.path }

func operations(root *yaml.Node) []operation {
	var out []operation
	for _, path := range yamlnode.Pairs(yamlnode.Lookup(root, "paths")) {
		for i := 0; i+1 < len(path.Value.Content); i += 2 {
			if key := path.Value.Content[i]; slices.Contains(methods, key.Value) {
				out = append(out, operation{key.Value, path.Key, path.Value.Content[i+1], key.Line})
			}
		}
	}
	return out
}

// securityRequirements are the document's and every operation's.
func securityRequirements(root *yaml.Node) []*yaml.Node {
	out := yamlnode.Items(yamlnode.Lookup(root, "security"))
	for _, op := range operations(root) {
		out = append(out, yamlnode.Items(yamlnode.Lookup(op.node, "security"))...)
	}
	return out
}

func fitsType(v *yaml.Node, typ string) bool {
	switch typ {
	case "integer":
		return v.Tag == "!!int"
	case "number":
		return v.Tag == "!!int" || v.Tag == "!!float"
	case "string":
		return v.Tag == "!!str"
	case "boolean":
		return v.Tag == "!!bool"
	}
	return true
}

// markdown calls fn with every description and summary text: what renderers show as markdown.
func markdown(root *yaml.Node, fn func(text *yaml.Node)) {
	yamlnode.Walk(root, func(n *yaml.Node) {
		for _, p := range yamlnode.Pairs(n) {
			if (p.Key == "description" || p.Key == "summary") && p.Value.Kind == yaml.ScalarNode {
				fn(p.Value)
			}
		}
	})
}
