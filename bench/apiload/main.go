// Command apiload sends sequential HTTP write requests and prints their
// latency percentiles and rate: "p50_ms p99_ms max_ms changes_per_s".
// The body and the URL are fmt templates whose verbs all take the
// request's index.
// With -on and -off it sends in bursts (on for a while, then quiet) and
// writes the times of the bursts to the -phases file, one "START END" line
// of Unix times a burst; the rate is then the rate within the bursts.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ",") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	url := flag.String("url", "", "request URL")
	method := flag.String("method", "POST", "HTTP method")
	body := flag.String("body", "", "body template; each %d is the request index")
	n := flag.Int("n", 1000, "requests")
	start := flag.Int("start", 0, "first index")
	rate := flag.Float64("rate", 0, "requests per second (0: as fast as answered)")
	workers := flag.Int("c", 1, "requests in flight at once")
	on := flag.Duration("on", 0, "length of a burst (0: one burst)")
	off := flag.Duration("off", 0, "quiet time after each burst")
	phases := flag.String("phases", "", "file for the start and end of each burst")
	var hs headers
	flag.Var(&hs, "H", "header NAME:VALUE (repeatable)")
	flag.Parse()

	verbs := strings.Count(*body, "%d")
	// One kept-alive connection per worker: the default keeps two per host,
	// and would have the server accept and close a connection per request.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}
	var tick <-chan time.Time
	if *rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / *rate))
		defer t.Stop()
		tick = t.C
	}
	jobs := make(chan int)
	results := make(chan time.Duration, *n)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results <- send(client, *method, *url, *body, verbs, i, hs)
			}
		}()
	}
	var bursts [][2]time.Time
	began := time.Now()
	for i := *start; i < *start+*n; i++ {
		if tick != nil {
			<-tick
		}
		if *on > 0 && time.Since(began) >= *on {
			bursts = append(bursts, [2]time.Time{began, time.Now()})
			time.Sleep(*off)
			began = time.Now()
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	bursts = append(bursts, [2]time.Time{began, time.Now()})
	close(results)
	lat := make([]time.Duration, 0, *n)
	for d := range results {
		lat = append(lat, d)
	}
	var elapsed time.Duration
	var times strings.Builder
	for _, b := range bursts {
		elapsed += b[1].Sub(b[0])
		fmt.Fprintf(&times, "%.3f %.3f\n", float64(b[0].UnixMicro())/1e6, float64(b[1].UnixMicro())/1e6)
	}
	if *phases != "" {
		if err := os.WriteFile(*phases, []byte(times.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%.2f %.2f %.2f %.0f\n", ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]), ms(lat[len(lat)-1]), float64(len(lat))/elapsed.Seconds())
}

// send makes request i and returns its latency; any failure ends the program.
func send(client *http.Client, method, url, body string, verbs, i int, hs headers) time.Duration {
	args := make([]any, verbs)
	for j := range args {
		args[j] = i
	}
	if n := strings.Count(url, "%d"); n > 0 {
		uargs := make([]any, n)
		for j := range uargs {
			uargs[j] = i
		}
		url = fmt.Sprintf(url, uargs...)
	}
	req, err := http.NewRequest(method, url, strings.NewReader(fmt.Sprintf(body, args...)))
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hs {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		fmt.Fprintf(os.Stderr, "request %d: %d %s\n", i, resp.StatusCode, msg)
		os.Exit(1)
	}
	return time.Since(t)
}
