package problem

import (
	"errors"
	"net/http"
	"syscall"

	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/notify"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// rule maps a sentinel to what the client sees.
type rule struct {
	err    error
	status int
	code   string
	title  string
	hint   string
}

var rules = []rule{
	{pipeline.ErrZoneNotFound, http.StatusNotFound, "zone-not-found", "Zone not found", "List the zones with listZones, or create it with createZone."},
	{record.ErrNotFound, http.StatusNotFound, "not-found", "Not found", "List what exists with getZoneRecords."},
	{pipeline.ErrZoneExists, http.StatusConflict, "zone-exists", "Zone exists", "Change it with patchZone, or replace it with importZone."},
	{pipeline.ErrStale, http.StatusPreconditionFailed, "version-mismatch", "Zone has changed", "Read the zone again (its ETag) and retry with If-Match set to it."},
	{auth.ErrForbidden, http.StatusForbidden, "forbidden", "Forbidden", "Use a token whose scope covers this zone, name and type."},
	{httpapi.ErrNoToken, http.StatusUnauthorized, "unauthorized", "Unauthorized", "Send Authorization: Bearer <token> with a token from the Corefile."},
	{httpapi.ErrUnknownToken, http.StatusUnauthorized, "unauthorized", "Unauthorized", "Send a token that the Corefile configures."},
	{httpapi.ErrIdempotencyKeyReused, http.StatusUnprocessableEntity, "idempotency-key-reused", "Idempotency key reused", "Use a new key for a new request."},
	{zone.ErrCNAMEConflict, http.StatusUnprocessableEntity, "cname-conflict", "CNAME conflict", "A CNAME must be alone at its name: delete the other records there first, or use another name."},
	{zone.ErrCNAMEAtApex, http.StatusUnprocessableEntity, "cname-at-apex", "CNAME at the apex", "The apex has an SOA and NS, so it cannot be an alias: use A/AAAA records (or an ALIAS-like HTTPS record) instead."},
	{zone.ErrDNAMEConflict, http.StatusUnprocessableEntity, "dname-conflict", "DNAME conflict", "A name has at most one DNAME: replace the RRset instead of adding to it."},
	{zone.ErrOutOfZone, http.StatusUnprocessableEntity, "out-of-zone", "Name outside the zone", "Use a name relative to the zone (\"www\", \"@\") or an absolute name that ends in the zone."},
	{zone.ErrSOANotAtApex, http.StatusUnprocessableEntity, "soa-not-at-apex", "SOA not at the apex", "Only the apex (\"@\") has an SOA."},
	{zone.ErrMultipleSOA, http.StatusUnprocessableEntity, "soa-exists", "Zone has an SOA", "Replace the SOA with replaceRRset on @/SOA."},
	{zone.ErrNoSOA, http.StatusUnprocessableEntity, "soa-required", "SOA required", "A zone has exactly one SOA at its apex; it can be replaced, not removed."},
	{zone.ErrBadTTL, http.StatusUnprocessableEntity, "bad-ttl", "Bad TTL", "Use a TTL from 0 to 2147483647 seconds."},
	{zone.ErrBadType, http.StatusUnprocessableEntity, "bad-type", "Type not storable", "Use a data type (A, AAAA, TXT, ...); meta types like ANY or OPT cannot be stored."},
	{zone.ErrBadRdata, http.StatusUnprocessableEntity, "bad-value", "Bad value", "Give the RDATA in RFC 1035 presentation format."},
	{zone.ErrTooManyRRs, http.StatusUnprocessableEntity, "too-many-records", "Too many records", "The zone is at its max_records limit: delete records first."},
	{notify.ErrPropagationTimeout, http.StatusGatewayTimeout, "propagation-timeout", "Propagation timeout", "The record is published on this server; look at getPropagation for the secondaries."},
	{pipeline.ErrClosed, http.StatusServiceUnavailable, "store-closing", "Store shutting down", "Retry against the server once it is back; nothing changed."},
	{pipeline.ErrTooManyZones, http.StatusUnprocessableEntity, "too-many-zones", "Too many zones", "The store is at its max_zones limit: delete a zone first."},
	{ErrTooManyChanges, http.StatusRequestEntityTooLarge, "too-many-changes", "Too many changes", "Split the change list into several PATCH requests (see max_changes)."},
	{pipeline.ErrSignedRecords, http.StatusUnprocessableEntity, "signed-records", "Records of the signer", "The zone is signed here (setZoneDnssec): write its other records; the signatures, the NSEC chain and the DNSKEY RRset follow."},
	{pipeline.ErrProtected, http.StatusConflict, "protected", "Protected", "The zone or RRset is protected: take the protection away first (the Hetzner API's change_protection)."},
	{pipeline.ErrLastNS, http.StatusUnprocessableEntity, "ns-required", "Apex NS required", "A zone with NS records at its apex keeps at least one: add the new one before deleting the old."},
	{store.ErrBadZoneName, http.StatusBadRequest, "bad-zone-name", "Bad zone name", "Use a domain name such as example.org, without slashes, escapes or control characters."},
	{zone.ErrBadName, http.StatusBadRequest, "bad-zone-name", "Bad zone name", "Use a domain name such as example.org."},
	{history.ErrUnknownRevision, http.StatusNotFound, "revision-not-found", "Revision not found", "List the zone's revisions with listZoneRevisions."},
	{ErrRevisionWithoutZone, http.StatusUnprocessableEntity, "revision-without-zone", "No zone at that revision", "Pick a revision listed by listZoneRevisions whose change left the zone in place."},
}

// storeProblem is the problem of a store that could not be written, by its
// cause; nil for any other error.
func storeProblem(err error) *Problem {
	switch {
	case errors.Is(err, store.ErrJournalBad):
		return &Problem{Status: http.StatusServiceUnavailable, Code: "store-recovering", Title: "Store recovering", Detail: err.Error(), Hint: "Retry in a second; the zone's file is being rewritten after a failed write."}
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &Problem{Status: http.StatusInsufficientStorage, Code: "store-full", Title: "Store full", Detail: err.Error(), Hint: "Free space on the store's file system and retry; nothing changed."}
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return &Problem{Status: http.StatusServiceUnavailable, Code: "store-read-only", Title: "Store not writable", Detail: err.Error(), Hint: "Make the store writable and retry; nothing changed."}
	}
	return nil
}
