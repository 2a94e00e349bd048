// Package zoneapi carries the OpenAPI document of the control API, the
// single source from which plugin/api is generated and against which every
// request is validated at run time.
package zoneapi

import _ "embed"

// OpenAPI is openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
