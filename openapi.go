// Package zoneapi carries the OpenAPI document of the control API, the
// single source from which plugin/api is generated and against which every
// request is validated at run time.
package zoneapi

import _ "embed"

// OpenAPI is openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Hetzner is hetzner.yaml: the Hetzner Cloud DNS compatible API at
// /hetzner/v1, which its answers are checked against in the tests.
//
//go:embed hetzner.yaml
var Hetzner []byte
