// scenario.ts: what a new user of the API writes with a client generated
// from openapi.yaml by openapi-typescript (its defaults) and openapi-fetch:
// the README's request bodies as they are, typed. `tsc` checks it against
// the generated types; test/client_ts_test.go runs it against the binary
// (node gen/out/scenario.js URL TOKEN) and checks what it prints.
import createClient from "openapi-fetch";
import type { components, paths } from "./gen/openapi.js";

type DNSRecord = components["schemas"]["DNSRecord"];

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl) throw new Error("usage: scenario.js URL [TOKEN]");
const client = createClient<paths>({ baseUrl, headers: token ? { Authorization: `Bearer ${token}` } : {} });

const out: Record<string, unknown> = {};

// The README's bodies: no ttl, no id, no dry_run.
const created = await client.POST("/zones", { body: { name: "ts.test" } });
out.createZone = { status: created.response.status, name: created.data?.name, serial: created.data?.serial };

const rec = await client.POST("/zones/{zoneName}/records", {
  params: { path: { zoneName: "ts.test" } },
  body: { type: "A", name: "www", value: "192.0.2.10" },
});
// A record in an answer has its id and ttl: they type-check as a string
// and a number, not as possibly undefined.
const record: DNSRecord | undefined = rec.data;
if (record) {
  const id: string = record.id;
  const ttl: number = record.ttl;
  void id, ttl;
}
out.upsertRecord = { status: rec.response.status, id: record?.id, ttl: record?.ttl, location: rec.response.headers.get("Location") };

const patch = await client.PATCH("/zones/{zoneName}", {
  params: { path: { zoneName: "ts.test" } },
  body: { changes: [{ op: "add", name: "mail", type: "A", value: "192.0.2.25" }, { op: "add", name: "@", type: "MX", value: "10 mail" }] },
});
out.patchZone = { status: patch.response.status, added: patch.data?.added.map((r) => `${r.name} ${r.type} ${r.value} ${r.ttl}`), warnings: patch.data?.warnings };

// A target without an address: made, with a warning.
const dangling = await client.PATCH("/zones/{zoneName}", {
  params: { path: { zoneName: "ts.test" } },
  body: { changes: [{ op: "add", name: "@", type: "MX", value: "20 backup" }, { op: "add", name: "docs", type: "CNAME", value: "nowhere" }] },
});
out.danglingTargets = { status: dangling.response.status, warnings: dangling.data?.warnings };

const list = await client.GET("/zones/{zoneName}/records", { params: { path: { zoneName: "ts.test" }, query: { type: "A" } } });
out.getZoneRecords = { status: list.response.status, names: list.data?.map((r) => r.name).sort() };

const bad = await client.POST("/zones/{zoneName}/records", {
  params: { path: { zoneName: "ts.test" } },
  body: { type: "A", name: "bad", value: "300.1.2.3" },
});
out.badValue = { status: bad.response.status, code: bad.error?.code, pointer: bad.error?.pointer };

const zones = await client.GET("/zones");
out.listZones = zones.data?.map((z) => `${z.name} ${z.records_count}`);

console.log(JSON.stringify(out));
