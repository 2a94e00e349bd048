package hetzner

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/labstack/echo/v4"
)

// Every change answers with an action, as Hetzner's do. Here the change is
// made before the answer, so the action has succeeded already; it is kept
// so that clients that poll it (hcloud-go's WaitFor polls GET
// /actions?id=..., others GET /actions/{id}) find it. The log keeps the
// last keepActions in memory; ids go on from the time the process
// started, so that an id is not given twice across restarts.
const keepActions = 10000

type actionLog struct {
	mu    sync.Mutex
	next  int64
	byID  map[int64]*schema.Action
	order []int64
}

func newActionLog() *actionLog {
	return &actionLog{next: time.Now().Unix() << 20, byID: map[int64]*schema.Action{}}
}

// done records a finished action of command on the zone with id zoneID.
func (l *actionLog) done(command string, zoneID int64, started time.Time) schema.Action {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	finished := time.Now().UTC().Truncate(time.Second)
	a := &schema.Action{ID: l.next, Command: command, Status: "success", Progress: 100,
		Started: started.UTC().Truncate(time.Second), Finished: &finished,
		Resources: []schema.ActionResourceReference{{ID: zoneID, Type: "zone"}}}
	l.byID[a.ID] = a
	l.order = append(l.order, a.ID)
	if len(l.order) > keepActions {
		delete(l.byID, l.order[0])
		l.order = slices.Delete(l.order, 0, 1)
	}
	return *a
}

func (l *actionLog) get(id int64) (schema.Action, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.byID[id]
	if !ok {
		return schema.Action{}, false
	}
	return *a, true
}

// list returns the actions that keep says to, oldest first.
func (l *actionLog) list(keep func(*schema.Action) bool) []schema.Action {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []schema.Action
	for _, id := range l.order {
		if a := l.byID[id]; keep(a) {
			out = append(out, *a)
		}
	}
	return out
}

// getAction is GET /actions/{id}, /zones/actions/{id} and
// /zones/{zone}/actions/{id}.
func (a *API) getAction(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return invalid("id", "must be a number")
	}
	act, ok := a.actions.get(id)
	if !ok {
		return notFound("action")
	}
	if zp := c.Param("zone"); zp != "" {
		z, err := a.readable(c, zp)
		if err != nil {
			return err
		}
		if act.Resources[0].ID != zoneMetaOf(z).ID {
			return notFound("action")
		}
	}
	return c.JSON(http.StatusOK, schema.ActionGetResponse{Action: act})
}

// listActions is GET /actions: the actions of the ids given (Hetzner
// requires ids there since 2025), filtered by status.
func (a *API) listActions(c echo.Context) error {
	q := c.QueryParams()
	if len(q["id"]) == 0 {
		return invalid("id", "give the ids of the actions")
	}
	ids := map[int64]bool{}
	for _, s := range q["id"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return invalid("id", "%q is not a number", s)
		}
		ids[id] = true
	}
	return a.actionList(c, func(act *schema.Action) bool { return ids[act.ID] })
}

// listZoneActions is GET /zones/actions and /zones/{zone}/actions.
func (a *API) listZoneActions(c echo.Context) error {
	keep := func(*schema.Action) bool { return true }
	if zp := c.Param("zone"); zp != "" {
		z, err := a.readable(c, zp)
		if err != nil {
			return err
		}
		id := zoneMetaOf(z).ID
		keep = func(act *schema.Action) bool { return act.Resources[0].ID == id }
	}
	if ids := c.QueryParams()["id"]; len(ids) > 0 {
		want := map[string]bool{}
		for _, s := range ids {
			want[s] = true
		}
		inner := keep
		keep = func(act *schema.Action) bool { return inner(act) && want[strconv.FormatInt(act.ID, 10)] }
	}
	return a.actionList(c, keep)
}

func (a *API) actionList(c echo.Context, keep func(*schema.Action) bool) error {
	q := c.QueryParams()
	statuses := q["status"]
	l, err := parseList(q, "id", "command", "status", "started", "finished")
	if err != nil {
		return err
	}
	all := a.actions.list(func(act *schema.Action) bool {
		return keep(act) && (len(statuses) == 0 || slices.Contains(statuses, act.Status))
	})
	slices.SortStableFunc(all, ordered(l.keys, func(x, y schema.Action, field string) int {
		switch field {
		case "id":
			return cmp.Compare(x.ID, y.ID)
		case "command":
			return cmp.Compare(x.Command, y.Command)
		case "status":
			return cmp.Compare(x.Status, y.Status)
		case "started":
			return x.Started.Compare(y.Started)
		}
		return x.Finished.Compare(*y.Finished)
	}))
	items, meta := pageOf(all, l.page, l.perPage)
	if items == nil {
		items = []schema.Action{}
	}
	return c.JSON(http.StatusOK, struct {
		Actions []schema.Action `json:"actions"`
		Meta    metaJSON        `json:"meta"`
	}{items, meta})
}
