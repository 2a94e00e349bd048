// Command proplat measures how long a change made over zoneapi's API takes
// to be served by a secondary: for each of n changes, the time from the
// API's 200 to the first answer of the secondary that has the new record.
// It prints "p50_ms p90_ms max_ms".
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

func main() {
	api := flag.String("api", "", "zoneapi API base, http://host:port/v1")
	secondary := flag.String("secondary", "", "secondary address host:port")
	zone := flag.String("zone", "example.org", "zone")
	n := flag.Int("n", 20, "changes")
	gap := flag.Duration("gap", 300*time.Millisecond, "pause between changes")
	flag.Parse()

	c := &dns.Client{Timeout: 20 * time.Millisecond} // a lost answer costs little
	var lat []time.Duration
	for i := range *n {
		name := fmt.Sprintf("prop%d-%d", time.Now().UnixNano(), i)
		body := fmt.Sprintf(`{"type":"A","name":%q,"value":"192.0.2.1","ttl":60}`, name)
		resp, err := http.Post(*api+"/zones/"+*zone+"/records", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			log.Fatalf("change %d: %v %v", i, err, resp.StatusCode)
		}
		resp.Body.Close()
		start := time.Now()
		q := new(dns.Msg).SetQuestion(dns.Fqdn(name+"."+*zone), dns.TypeA)
		for {
			if r, _, err := c.Exchange(q, *secondary); err == nil && len(r.Answer) > 0 {
				break
			}
			if time.Since(start) > 30*time.Second {
				log.Fatalf("change %d not served by the secondary after 30 s", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
		time.Sleep(*gap)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%.1f %.1f %.1f\n", ms(lat[len(lat)/2]), ms(lat[len(lat)*9/10]), ms(lat[len(lat)-1]))
}
