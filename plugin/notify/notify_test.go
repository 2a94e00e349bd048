package notify

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Under a steady stream of changes a secondary hears of them every
// Delay or so, not once the stream pauses, and the last change is
// announced too; changes within a window give one NOTIFY.
func TestNotifyUnderSteadyChanges(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []time.Time
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if r.Opcode == dns.OpcodeNotify {
			mu.Lock()
			got = append(got, time.Now())
			mu.Unlock()
		}
		m := new(dns.Msg)
		m.SetReply(r)
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	defer srv.Shutdown()

	n := New()
	n.SetSecondaries([]string{pc.LocalAddr().String()})
	stop := make(chan struct{})
	defer close(stop)
	go n.Run(stop)

	start := time.Now()
	for time.Since(start) < 500*time.Millisecond {
		n.Changed("example.org.")
		time.Sleep(2 * time.Millisecond)
	}
	last := time.Now()
	time.Sleep(4 * Delay)

	mu.Lock()
	defer mu.Unlock()
	during := 0
	for _, at := range got {
		if at.Before(last) {
			during++
		}
	}
	if during < 5 || len(got) > 15 {
		t.Fatalf("%d NOTIFYs in all, %d while 500 ms of changes went on: want one every %v or so", len(got), during, Delay)
	}
	if got[len(got)-1].Before(last) {
		t.Fatal("the last change was never announced")
	}
}
