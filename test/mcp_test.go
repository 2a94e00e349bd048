package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
)

// nodeScript runs a script of test/js with node and returns its output;
// the packages it needs are test/js's, which ./build.sh test installs.
func nodeScript(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	node := needTool(t, "node")
	dir := filepath.Join(repoRoot(t), "test", "js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		t.Fatalf("test/js/node_modules is missing; ./build.sh test installs it (npm ci in test/js): %v", err)
	}
	cmd := exec.Command(node, append([]string{script}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node %s: %v\n%s\n%s", script, err, out, stderr)
	}
	return out
}

// specOperations returns the operationIds of openapi.yaml.
func specOperations(t *testing.T) []string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(spec.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	slices.Sort(ids)
	return ids
}

type mcpCall struct {
	IsError    bool           `json:"isError"`
	Structured map[string]any `json:"structured"`
	Text       string         `json:"text"`
	Meta       map[string]any `json:"meta"`
}

// problem is the problem+json of a tool error.
func (c mcpCall) problem() map[string]any {
	var p map[string]any
	if c.IsError {
		json.Unmarshal([]byte(c.Text), &p)
	}
	return p
}

// TestMCPWithTheTypeScriptSDK: an agent's MCP client (the official
// TypeScript SDK) lists one tool per operation of openapi.yaml, makes a
// zone and a record that DNS then answers, gets the API's problem as a
// tool error for a bad value and an unknown argument, and a read-only
// token cannot write; a bad token does not connect.
func TestMCPWithTheTypeScriptSDK(t *testing.T) {
	e := startAPI(t, `        token agent-secret-1
        token reader {
            secret reader-secret-2
            read_only
        }
`, "store/example.org.zone")
	out := nodeScript(t, "mcp.mjs", e.base+"/mcp", "agent-secret-1", "reader-secret-2")
	var got struct {
		Server       map[string]any `json:"server"`
		Tools        []string       `json:"tools"`
		UpsertRecord struct {
			Description string         `json:"description"`
			InputSchema map[string]any `json:"inputSchema"`
			Annotations map[string]any `json:"annotations"`
		} `json:"upsertRecord"`
		CreateZone, UpsertRecordCall, GetZoneRecords, BadValue, UnknownArgument, ReaderRead, ReaderWrite mcpCall
		BadToken                                                                                         string `json:"badToken"`
	}
	// The keys of the script's output are the tools' names.
	fixed := strings.NewReplacer(`"upsertRecord_call"`, `"UpsertRecordCall"`).Replace(string(out))
	if err := json.Unmarshal([]byte(fixed), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Server["name"] != "zoneapi" {
		t.Errorf("server info: %v", got.Server)
	}
	slices.Sort(got.Tools)
	if want := specOperations(t); !slices.Equal(got.Tools, want) {
		t.Errorf("tools are not the operations of openapi.yaml:\n got %v\nwant %v", got.Tools, want)
	}
	props, _ := got.UpsertRecord.InputSchema["properties"].(map[string]any)
	for _, p := range []string{"zoneName", "body", "If-Match", "X-Change-Reason", "Idempotency-Key"} {
		if _, ok := props[p]; !ok {
			t.Errorf("upsertRecord's input schema has no %s: %v", p, got.UpsertRecord.InputSchema)
		}
	}
	if !strings.Contains(got.UpsertRecord.Description, "RFC 2181") || got.UpsertRecord.Annotations["readOnlyHint"] != false {
		t.Errorf("upsertRecord is not described by the spec: %+v", got.UpsertRecord)
	}

	if got.CreateZone.IsError || got.CreateZone.Structured["name"] != "mcp.test" {
		t.Errorf("createZone: %+v", got.CreateZone)
	}
	if c := got.UpsertRecordCall; c.IsError || c.Structured["value"] != "192.0.2.44" || c.Structured["id"] == "" {
		t.Errorf("upsertRecord: %+v", c)
	}
	if !strings.Contains(got.GetZoneRecords.Text, "192.0.2.44") {
		t.Errorf("getZoneRecords: %+v", got.GetZoneRecords)
	}
	if a := e.dig("www.mcp.test.", dns.TypeA); !slices.Equal(a, []string{"192.0.2.44"}) {
		t.Errorf("DNS answers %v for the record made over MCP", a)
	}
	if c := got.BadValue.problem(); c["code"] != "bad-value" || c["pointer"] != "/value" || c["hint"] == nil || c["status"] != 422.0 {
		t.Errorf("a bad value: want a tool error with the API's code, pointer and hint, got %+v", c)
	}
	if c := got.UnknownArgument.problem(); c["code"] != "invalid-request" || c["pointer"] != "/zone" {
		t.Errorf("an unknown argument: %+v", c)
	}
	if c := got.ReaderRead; c.IsError || c.Structured["name"] != "mcp.test" {
		t.Errorf("a read-only token reading: %+v", c)
	}
	if c := got.ReaderWrite.problem(); c["code"] != "forbidden" || c["status"] != 403.0 {
		t.Errorf("a read-only token writing: want 403 forbidden, got %+v", c)
	}
	if a := e.dig("evil.mcp.test.", dns.TypeA); len(a) != 0 {
		t.Errorf("the read-only token's record is served: %v", a)
	}
	if !strings.Contains(got.BadToken, "401") {
		t.Errorf("a bad token: want a 401 when connecting, got %q", got.BadToken)
	}
	// The change is the agent's: its token and reason in the audit line.
	if log := e.srv.log.String(); !strings.Contains(log, "token=token1 op=upsertRecord zone=mcp.test.") || !strings.Contains(log, "made by an agent over MCP") {
		t.Errorf("no audit line names the MCP call's token and reason:\n%s", log)
	}
}
