// Package douyin is the repository's root: it holds what the binaries serve straight from the
// root's files, the OpenAPI document of the public API (the gateway's /openapi.yaml).
package douyin

import _ "embed"

// OpenAPI is openapi.yaml, the public Douyin API as generated from api/gateway/v1/douyin.proto.
// Embedded from here rather than copied next to its server, so what /openapi.yaml serves can
// never drift from the committed file.
//
//go:embed openapi.yaml
var OpenAPI []byte
