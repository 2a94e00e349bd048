// Command externaldns drives external-dns's own PowerDNS provider
// (sigs.k8s.io/external-dns/provider/pdns, as the external-dns binary
// runs it with --provider=pdns) against a server, for
// test/powerdns_externaldns_test.go: one step of a fixed set of endpoints,
// then every record the provider reads back, one JSON object a line.
//
//	externaldns -server http://127.0.0.1:PORT -key KEY -step create|update|delete|apex|records
//
// It is a module of its own: external-dns v0.23.0 needs Go 1.27, the
// project builds with 1.26 (the test builds this with GOTOOLCHAIN).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"sigs.k8s.io/external-dns/endpoint"
	"sigs.k8s.io/external-dns/pkg/apis/externaldns"
	"sigs.k8s.io/external-dns/plan"
	"sigs.k8s.io/external-dns/provider/pdns"
)

func main() {
	server := flag.String("server", "", "the API's base URL (without /api)")
	key := flag.String("key", "", "the X-API-Key")
	step := flag.String("step", "records", "create, update, delete, apex or records")
	flag.Parse()
	ctx := context.Background()
	cfg := &externaldns.Config{PDNSServer: *server, PDNSServerID: "localhost", PDNSAPIKey: *key}
	p, err := pdns.New(ctx, cfg, endpoint.NewDomainFilter([]string{"example.org"}))
	if err != nil {
		fail(err)
	}
	app := endpoint.NewEndpointWithTTL("app.example.org", endpoint.RecordTypeA, 120, "192.0.2.50", "192.0.2.51")
	app6 := endpoint.NewEndpointWithTTL("app.example.org", endpoint.RecordTypeAAAA, 120, "2001:db8::50")
	alias := endpoint.NewEndpoint("www2.example.org", endpoint.RecordTypeCNAME, "app.example.org")
	txt := endpoint.NewEndpoint("app.example.org", endpoint.RecordTypeTXT, `"heritage=external-dns,external-dns/owner=test"`)
	mx := endpoint.NewEndpoint("example.org", endpoint.RecordTypeMX, "10 mail.example.org")
	var changes plan.Changes
	switch *step {
	case "create":
		changes.Create = []*endpoint.Endpoint{app, app6, alias, txt, mx}
	case "update":
		changes.UpdateOld = []*endpoint.Endpoint{app}
		changes.UpdateNew = []*endpoint.Endpoint{endpoint.NewEndpointWithTTL("app.example.org", endpoint.RecordTypeA, 300, "192.0.2.60")}
	case "delete":
		changes.Delete = []*endpoint.Endpoint{alias, txt, app6}
	case "apex":
		// A hostname at the apex: the provider sends it as ALIAS.
		changes.Create = []*endpoint.Endpoint{endpoint.NewEndpoint("example.org", endpoint.RecordTypeCNAME, "lb.example.net")}
	case "records":
	default:
		fail(fmt.Errorf("unknown step %q", *step))
	}
	if *step != "records" {
		if err := p.ApplyChanges(ctx, &changes); err != nil {
			fail(err)
		}
	}
	eps, err := p.Records(ctx)
	if err != nil {
		fail(err)
	}
	out := json.NewEncoder(os.Stdout)
	for _, ep := range eps {
		_ = out.Encode(map[string]any{"name": ep.DNSName, "type": ep.RecordType, "ttl": ep.RecordTTL, "targets": ep.Targets})
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "externaldns:", err)
	os.Exit(1)
}
