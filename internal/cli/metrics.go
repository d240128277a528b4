package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/report"
)

// runCollector exposes a run's counters to Prometheus. It reads the
// runner's snapshot at scrape time, so the runner never waits on it.
type runCollector struct {
	runner                                        *batch.Runner
	rows, requests, retries, throttled, rate, fly *prometheus.Desc
}

func newRunCollector(r *batch.Runner) *runCollector {
	return &runCollector{
		runner:    r,
		rows:      prometheus.NewDesc("voxbatch_rows", "Plan rows by status.", []string{"status"}, nil),
		requests:  prometheus.NewDesc("voxbatch_requests_total", "HTTP requests sent, by outcome (ok, transient, throttled, row_data, token, fatal, canceled, unrecognized).", []string{"outcome"}, nil),
		retries:   prometheus.NewDesc("voxbatch_retries_total", "Attempts that repeated an earlier attempt of the same request.", nil, nil),
		throttled: prometheus.NewDesc("voxbatch_throttled_total", "Answers that throttled the client (codes 162, 340, 416, HTTP 429).", nil, nil),
		rate:      prometheus.NewDesc("voxbatch_rate_limit", "The shared limiter's current rate, requests per second.", nil, nil),
		fly:       prometheus.NewDesc("voxbatch_in_flight_requests", "Requests in flight now.", nil, nil),
	}
}

func (c *runCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rows, c.requests, c.retries, c.throttled, c.rate, c.fly} {
		ch <- d
	}
}

func (c *runCollector) Collect(ch chan<- prometheus.Metric) {
	counts := c.runner.StatusCounts()
	for _, st := range report.Statuses() {
		ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
	s := c.runner.Stats()
	for outcome, n := range s.ByOutcome {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(n), outcome)
	}
	ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(s.Retries))
	ch <- prometheus.MustNewConstMetric(c.throttled, prometheus.CounterValue, float64(s.Throttled))
	ch <- prometheus.MustNewConstMetric(c.rate, prometheus.GaugeValue, s.Rate)
	ch <- prometheus.MustNewConstMetric(c.fly, prometheus.GaugeValue, float64(s.InFlight))
}

// serveMetrics serves /metrics on addr for the duration of a run; the
// returned function stops it. An empty addr serves nothing.
func serveMetrics(addr string, r *batch.Runner, logger *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(newRunCollector(r))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageErrorf("--metrics-addr %s: %v", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("metrics server stopped", "error", err)
		}
	}()
	logger.Info("serving metrics", "url", fmt.Sprintf("http://%s/metrics", ln.Addr()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
