// Command coredns is CoreDNS with the plugins listed in plugin.cfg, zoneapi
// among them.
package main

//go:generate go run directives_generate.go

import "github.com/coredns/coredns/coremain"

func main() {
	coremain.Run()
}
