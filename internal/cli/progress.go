package cli

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
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
	speed    speed
	stop     chan struct{}
	stopped  chan struct{}
}

// startProgress begins polling; call end once the run is over. On a
// terminal, term carries the bar and the log lines alike (see termWriter).
func startProgress(term *termWriter, logger *slog.Logger, interval time.Duration,
	stats func() batch.Stats, todo func() int) *progress {
	pr := &progress{stats: stats, todo: todo, interval: interval, logger: logger, start: time.Now(),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if term != nil {
		// The rate and the ETA are ours, smoothed, in the description:
		// the bar's own start at "0 rows/hr" and jump about.
		pr.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(term.barWriter()),
			progressbar.OptionSetDescription("starting"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
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
		case now := <-t.C:
			pr.show(now)
		}
	}
}

func (pr *progress) show(now time.Time) {
	s := pr.stats()
	todo := pr.todo()
	rate := pr.speed.update(now, s.Done)
	if pr.bar != nil {
		pr.showBar(s, todo, rate)
		return
	}
	elapsed := now.Sub(pr.start)
	rps := float64(s.Done) / max(elapsed.Seconds(), 1e-9)
	pr.logger.Info("progress", "done", s.Done, "total", todo, "failed", s.Failed,
		"rows_per_second", fmt.Sprintf("%.1f", rps), "eta", eta(todo-s.Done, rate), "requests", s.Requests,
		"throttled", s.Throttled, "rate", fmt.Sprintf("%.1f", s.Rate))
}

// showBar draws one frame: no count until a row is done, then the
// smoothed rate, the ETA and, once the server throttled, how often and at
// what rate the run goes now.
func (pr *progress) showBar(s batch.Stats, todo int, rate float64) {
	if pr.bar.GetMax() != todo && todo > 0 {
		pr.bar.ChangeMax(todo)
	}
	if s.Done == 0 {
		pr.bar.Describe("starting")
		return
	}
	desc := fmt.Sprintf("%.1f rows/s, eta %s", rate, eta(todo-s.Done, rate))
	if s.Failed > 0 {
		desc += fmt.Sprintf(", failed %d", s.Failed)
	}
	if s.Throttled > 0 {
		desc += fmt.Sprintf(", throttled %d, now %.1f req/s", s.Throttled, s.Rate)
	}
	pr.bar.Describe(desc)
	_ = pr.bar.Set(s.Done)
}

// eta is the time the rows left take at rate, for people.
func eta(left int, rate float64) string {
	if rate <= 0 || left < 0 {
		return "unknown"
	}
	return (time.Duration(float64(left)/rate) * time.Second).Round(time.Second).String()
}

// end stops the display; the bar is cleared so the summary follows cleanly.
func (pr *progress) end() {
	close(pr.stop)
	<-pr.stopped
	if pr.bar != nil {
		_ = pr.bar.Finish()
	}
}

// speed is a rate of rows per second, smoothed with an exponentially
// weighted moving average over about speedWindow, so that an ETA does not
// jump with every burst of answers. It is 0 until a row is done.
type speed struct {
	last     time.Time
	lastDone int
	rate     float64
}

const speedWindow = 5 * time.Second

func (sp *speed) update(now time.Time, done int) float64 {
	if sp.last.IsZero() || done < sp.lastDone {
		sp.last, sp.lastDone = now, done
		return sp.rate
	}
	dt := now.Sub(sp.last).Seconds()
	if dt <= 0 {
		return sp.rate
	}
	inst := float64(done-sp.lastDone) / dt
	if sp.rate == 0 {
		sp.rate = inst // the first measure sets the rate
	} else {
		alpha := min(dt/speedWindow.Seconds(), 1)
		sp.rate += alpha * (inst - sp.rate)
	}
	sp.last, sp.lastDone = now, done
	return sp.rate
}

// termWriter serializes what goes to a terminal's stderr: the bar's frames
// and the log lines. A log line first clears the line the bar is drawn on,
// so that it never glues onto a frame; the bar draws itself again on its
// next frame.
type termWriter struct {
	mu       sync.Mutex
	w        io.Writer
	barDrawn bool
}

// Write writes a log line.
func (t *termWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.barDrawn {
		if _, err := io.WriteString(t.w, "\r\x1b[K"); err != nil {
			return 0, err
		}
		t.barDrawn = false
	}
	return t.w.Write(p)
}

// barWriter is the writer the bar draws with.
func (t *termWriter) barWriter() io.Writer { return barWriter{t} }

type barWriter struct{ t *termWriter }

func (b barWriter) Write(p []byte) (int, error) {
	b.t.mu.Lock()
	defer b.t.mu.Unlock()
	b.t.barDrawn = len(p) > 0
	return b.t.w.Write(p)
}
