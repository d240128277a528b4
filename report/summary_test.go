package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func sampleSummary() Summary {
	var s Summary
	for range 398 {
		s.Add(Applied)
	}
	s.Add(Failed)
	s.Add(Failed)
	s.Requests, s.Retries, s.Throttled = 9, 1, 0
	s.Elapsed = 1200 * time.Millisecond
	s.Plan, s.Digest, s.Sent, s.ExitCode = "plan.csv", "sha256:00ff", 400, 1
	s.StartedAt = time.Date(2026, 12, 2, 10, 4, 5, 123e6, time.UTC)
	s.FinishedAt = s.StartedAt.Add(s.Elapsed)
	return s
}

func TestSummaryJSONGolden(t *testing.T) {
	tests := []struct {
		name string
		s    Summary
	}{
		{"run", sampleSummary()},
		{"empty", Summary{}},
		{"odd", Summary{Rows: 7, ByStatus: map[Status]int{DryRun: 3, "weird": 1, NotAttempted: 3},
			Requests: 3, Retries: 2, Throttled: 5, Elapsed: 2*time.Minute + 3456*time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.s.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "summary_"+tt.name+".json")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("got  %s\nwant %s", buf.Bytes(), want)
			}
			if !json.Valid(buf.Bytes()) {
				t.Error("not valid JSON")
			}
			viaMarshal, err := json.Marshal(tt.s)
			if err != nil || !bytes.Equal(append(viaMarshal, '\n'), buf.Bytes()) {
				t.Errorf("json.Marshal = %s, %v; want WriteJSON's bytes", viaMarshal, err)
			}
		})
	}
}

// TestSummaryJSONKeys checks the key set and values independently of the
// golden file.
func TestSummaryJSONKeys(t *testing.T) {
	var got SummaryJSON
	b, _ := json.Marshal(sampleSummary())
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Rows != 400 || got.ByStatus["applied"] != 398 || got.ByStatus["failed"] != 2 ||
		len(got.ByStatus) != len(statuses) || got.Requests != 9 || got.Retries != 1 ||
		got.ElapsedSeconds != 1.2 || got.RowsPerSecond != 333.3 || got.Plan != "plan.csv" || got.Digest != "sha256:00ff" ||
		got.RowsSent != 400 || got.ExitCode != 1 || got.StartedAt != "2026-12-02T10:04:05.123Z" || got.FinishedAt != "2026-12-02T10:04:06.323Z" {
		t.Errorf("decoded %+v", got)
	}
}

func TestSummaryText(t *testing.T) {
	tests := []struct {
		name string
		s    Summary
		want string
	}{
		{"run", sampleSummary(), "plan: plan.csv (sha256:00ff)\nrows: 400 (applied 398, failed 2), sent by this run 400\n" +
			"requests: 9, retries: 1, throttled: 0\nelapsed: 1.2s, 333 rows/s, from 10:04:05 to 10:04:06 UTC\nexit code: 1\n"},
		{"empty", Summary{ExitCode: -1}, "rows: 0, sent by this run 0\nrequests: 0, retries: 0, throttled: 0\nelapsed: 0s, 0.0 rows/s\n"},
		{"slow and short", Summary{Rows: 3, ByStatus: map[Status]int{Applied: 2, Failed: 1}, Sent: 3, Elapsed: 1234567 * time.Microsecond, ExitCode: -1},
			"rows: 3 (applied 2, failed 1), sent by this run 3\nrequests: 0, retries: 0, throttled: 0\nelapsed: 1.2s, 2.4 rows/s\n"},
		{"sub-second", Summary{Rows: 1, ByStatus: map[Status]int{Applied: 1, Failed: 0}, Sent: 1, Elapsed: 1234567 * time.Nanosecond, ExitCode: -1},
			"rows: 1 (applied 1), sent by this run 1\nrequests: 0, retries: 0, throttled: 0\nelapsed: 1ms, 810 rows/s\n"},
		// A resume whose rows failed before sent nothing: 0 rows/s, not the
		// 818,435 rows/s of counting the earlier failures as this run's.
		{"resume that sent nothing", Summary{Rows: 5, ByStatus: map[Status]int{Skipped: 3, Failed: 1, Invalid: 1}, Elapsed: time.Millisecond, ExitCode: 1},
			"rows: 5 (failed 1, invalid 1, skipped 3), sent by this run 0\nrequests: 0, retries: 0, throttled: 0\nelapsed: 1ms, 0.0 rows/s\nexit code: 1\n"},
		{"long, display order", Summary{Rows: 6, ByStatus: map[Status]int{Unchanged: 1, Invalid: 2, NotAttempted: 3},
			Requests: 4, Retries: 2, Throttled: 1, Elapsed: 90*time.Minute + 1400*time.Millisecond, ExitCode: -1},
			"rows: 6 (invalid 2, not_attempted 3, unchanged 1), sent by this run 0\nrequests: 4, retries: 2, throttled: 1\nelapsed: 1h30m1s, 0.0 rows/s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Text(); got != tt.want {
				t.Errorf("Text() =\n%s\nwant\n%s", got, tt.want)
			}
			var buf bytes.Buffer
			if err := tt.s.WriteText(&buf); err != nil || buf.String() != tt.want {
				t.Errorf("WriteText = %q, %v", buf.String(), err)
			}
		})
	}
}

func TestSummaryLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	s := sampleSummary()
	log.LogAttrs(context.Background(), slog.LevelInfo, "run finished", s.LogAttrs()...)
	log.Info("run finished", "summary", s)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	const attrs = `"plan":"plan.csv","digest":"sha256:00ff","rows":400,"by_status":{"applied":398,"failed":2},"rows_sent":400,"requests":9,"retries":1,` +
		`"throttled":0,"started_at":"2026-12-02T10:04:05.123Z","finished_at":"2026-12-02T10:04:06.323Z","elapsed_seconds":1.2,"rows_per_second":333.3,"exit_code":1`
	want := []string{
		`{"level":"INFO","msg":"run finished",` + attrs + `}`,
		`{"level":"INFO","msg":"run finished","summary":{` + attrs + `}}`,
	}
	if len(lines) != 2 || lines[0] != want[0] || lines[1] != want[1] {
		t.Errorf("log:\n%s\nwant\n%s", buf.String(), strings.Join(want, "\n"))
	}
}
