// Command updload sends sequential RFC 2136 UPDATEs, each signed with TSIG,
// adding one A record and on a connection of its own, and prints "p50_ms p99_ms max_ms updates_per_s".
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"time"

	"github.com/miekg/dns"
)

func main() {
	server := flag.String("server", "127.0.0.1:53", "server address")
	zone := flag.String("zone", "example.org.", "zone")
	key := flag.String("key", "", "TSIG key name")
	secret := flag.String("secret", "", "TSIG secret (base64)")
	n := flag.Int("n", 1000, "updates")
	flag.Parse()

	// One TCP connection per update, as nsupdate and lego's rfc2136 do.
	c := &dns.Client{Net: "tcp", Timeout: 10 * time.Second, TsigSecret: map[string]string{*key: *secret}}
	lat := make([]time.Duration, 0, *n)
	began := time.Now()
	for i := range *n {
		m := new(dns.Msg)
		m.SetUpdate(*zone)
		rr, _ := dns.NewRR(fmt.Sprintf("upd%d.%s 300 IN A 192.0.2.%d", i, *zone, i%250+1))
		m.Insert([]dns.RR{rr})
		m.SetTsig(*key, dns.HmacSHA256, 300, time.Now().Unix())
		t := time.Now()
		r, _, err := c.Exchange(m, *server)
		if err != nil {
			log.Fatalf("update %d: %v", i, err)
		}
		if r.Rcode != dns.RcodeSuccess {
			fmt.Fprintf(os.Stderr, "update %d: %s\n", i, dns.RcodeToString[r.Rcode])
			os.Exit(1)
		}
		lat = append(lat, time.Since(t))
	}
	elapsed := time.Since(began)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%.2f %.2f %.2f %.0f\n", ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(lat[len(lat)-1]), float64(len(lat))/elapsed.Seconds())
}
