// mcp.mjs URL TOKEN READ_TOKEN: drives zoneapi's MCP endpoint with the
// TypeScript MCP SDK's own client, as an agent would, and prints what it saw
// as one JSON object for test/mcp_test.go to check.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, readToken] = process.argv.slice(2);

async function connect(secret) {
  const client = new Client({ name: "zoneapi-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${secret}` } },
  });
  await client.connect(transport);
  return client;
}

const out = {};
const admin = await connect(token);
out.server = admin.getServerVersion();
out.protocol = admin.transport.protocolVersion ?? null;
const { tools } = await admin.listTools();
out.tools = tools.map((t) => t.name);
out.upsertRecord = tools.find((t) => t.name === "upsertRecord");

const call = async (client, name, args) => {
  const r = await client.callTool({ name, arguments: args });
  return { isError: r.isError ?? false, structured: r.structuredContent ?? null, text: r.content?.[0]?.text ?? "", meta: r._meta ?? null };
};
out.createZone = await call(admin, "createZone", { body: { name: "mcp.test" } });
out.upsertRecord_call = await call(admin, "upsertRecord", {
  zoneName: "mcp.test",
  "X-Change-Reason": "made by an agent over MCP",
  body: { name: "www", type: "A", value: "192.0.2.44" },
});
out.getZoneRecords = await call(admin, "getZoneRecords", { zoneName: "mcp.test", name: "www" });
out.badValue = await call(admin, "upsertRecord", { zoneName: "mcp.test", body: { name: "www", type: "A", value: "300.1.2.3" } });
out.unknownArgument = await call(admin, "getZone", { zoneName: "mcp.test", zone: "mcp.test" });
await admin.close();

const reader = await connect(readToken);
out.readerRead = await call(reader, "getZone", { zoneName: "mcp.test" });
out.readerWrite = await call(reader, "upsertRecord", { zoneName: "mcp.test", body: { name: "evil", type: "A", value: "192.0.2.66" } });
await reader.close();

try {
  await connect("not-a-token");
  out.badToken = "connected";
} catch (e) {
  out.badToken = String(e.message ?? e);
}
console.log(JSON.stringify(out));
