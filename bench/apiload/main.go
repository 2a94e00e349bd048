// Command apiload sends sequential HTTP write requests and prints their
// latency percentiles and rate: "p50_ms p99_ms max_ms changes_per_s".
// The body is a fmt template whose verbs all take the request's index.
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
	var hs headers
	flag.Var(&hs, "H", "header NAME:VALUE (repeatable)")
	flag.Parse()

	verbs := strings.Count(*body, "%d")
	client := &http.Client{Timeout: 30 * time.Second}
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
	began := time.Now()
	for i := *start; i < *start+*n; i++ {
		if tick != nil {
			<-tick
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(results)
	lat := make([]time.Duration, 0, *n)
	for d := range results {
		lat = append(lat, d)
	}
	elapsed := time.Since(began)
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
