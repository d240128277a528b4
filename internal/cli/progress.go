package cli

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/voxbatch/voxbatch/batch"
)

// progress shows how a run goes: a bar on a terminal, a log line every
// interval elsewhere (cron, Kubernetes). One goroutine polls the runner's
// counters, so the runner never waits on the display.
type progress struct {
	stats    func() batch.Stats
	todo     func() int
	interval time.Duration
	bar      *progressbar.ProgressBar
	logger   *slog.Logger
	start    time.Time
	stop     chan struct{}
	stopped  chan struct{}
}

// startProgress begins polling; call end once the run is over.
func startProgress(w io.Writer, terminal bool, logger *slog.Logger, interval time.Duration,
	stats func() batch.Stats, todo func() int) *progress {
	pr := &progress{stats: stats, todo: todo, interval: interval, logger: logger, start: time.Now(),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if terminal {
		pr.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("rows"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		pr.interval = 200 * time.Millisecond
	}
	go pr.loop()
	return pr
}

func (pr *progress) loop() {
	defer close(pr.stopped)
	t := time.NewTicker(pr.interval)
	defer t.Stop()
	for {
		select {
		case <-pr.stop:
			return
		case <-t.C:
			pr.show()
		}
	}
}

func (pr *progress) show() {
	s := pr.stats()
	todo := pr.todo()
	elapsed := time.Since(pr.start)
	rps := float64(s.Done) / max(elapsed.Seconds(), 1e-9)
	if pr.bar != nil {
		if pr.bar.GetMax() != todo && todo > 0 {
			pr.bar.ChangeMax(todo)
		}
		pr.bar.Describe(fmt.Sprintf("rows (failed %d)", s.Failed))
		_ = pr.bar.Set(s.Done)
		return
	}
	eta := "unknown"
	if rps > 0 && todo >= s.Done {
		eta = (time.Duration(float64(todo-s.Done)/rps) * time.Second).Round(time.Second).String()
	}
	pr.logger.Info("progress", "done", s.Done, "total", todo, "failed", s.Failed,
		"rows_per_second", fmt.Sprintf("%.1f", rps), "eta", eta, "requests", s.Requests,
		"throttled", s.Throttled, "rate", fmt.Sprintf("%.1f", s.Rate))
}

// end stops the display; the bar is cleared so the summary follows cleanly.
func (pr *progress) end() {
	close(pr.stop)
	<-pr.stopped
	if pr.bar != nil {
		_ = pr.bar.Finish()
	}
}
