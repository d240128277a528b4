package main

import (
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/batch"
	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// TestChaosSIGKILLResume kills a run with SIGKILL at random moments, at
// least ten times, resuming each time, and checks that nothing is lost and
// almost nothing redone (issue 5's chaos test).
func TestChaosSIGKILLResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for a while")
	}
	const (
		rows      = 20000
		workers   = 8
		chunkSize = 20
		minKills  = 10
	)
	dir := t.TempDir()
	endpoint, creds := startSimProcess(t, dir, "--accounts", strconv.Itoa(rows),
		"--latency", "5ms", "--latency-jitter", "10ms", "--fault-rate", "0.02", "--drop-rate", "0.01")
	planPath := writePlan(t, dir, rows)
	p, err := plan.LoadFile(planPath, nil, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reportPath := filepath.Join(dir, "report.csv")
	statePath := reportPath + ".state"
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("kill times seeded with %d", seed)

	// Snapshots at each kill: what the server had applied, and what the
	// journal had recorded as applied.
	type snapshot struct {
		apps    map[int]int
		applied map[int]bool
	}
	var snaps []snapshot
	runOnce := func(kill bool) (exited bool) {
		cmd := exec.Command(voxbatchBinary(t), "run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath, "--rate", "200", "--workers", strconv.Itoa(workers),
			"--chunk-size", strconv.Itoa(chunkSize), "--max-attempts", "10", "--log-format", "json")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kill {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run failed before its kill: %v\n%s", err, stderr.String())
				}
				return true
			case <-time.After(time.Duration(150+rng.IntN(250)) * time.Millisecond):
				cmd.Process.Kill()
				<-done
				return false
			}
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("final run: %v\n%s", err, stderr.String())
			}
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
			t.Fatal("final run did not finish in 2 minutes")
		}
		return true
	}
	snapshotNow := func() snapshot {
		s := snapshot{apps: map[int]int{}, applied: map[int]bool{}}
		for _, a := range simAccounts(t, endpoint) {
			if a.Applications > 0 {
				s.apps[a.AccountID] = a.Applications
			}
		}
		j, earlier, err := batch.OpenJournal(statePath, p.Digest, len(p.Rows))
		if err != nil {
			t.Fatalf("journal after kill %d: %v", len(snaps)+1, err)
		}
		j.Close()
		for i := range p.Rows {
			if earlier.Status(i) == report.Applied {
				id, _ := strconv.Atoi(p.Rows[i].Account)
				s.applied[id] = true
			}
		}
		return s
	}

	kills := 0
	for kills < minKills {
		if runOnce(true) {
			t.Fatalf("the plan finished after %d kills; want at least %d (slow the run down)", kills, minKills)
		}
		kills++
		snaps = append(snaps, snapshotNow())
	}
	runOnce(false)

	// The simulator's state equals the plan for every account.
	final := map[int]int{}
	for _, a := range simAccounts(t, endpoint) {
		if a.Active {
			t.Fatalf("account %d still active", a.AccountID)
		}
		final[a.AccountID] = a.Applications
	}
	// The report has every row once, in plan order, applied now or before.
	recs := readReport(t, reportPath)
	if len(recs) != rows {
		t.Fatalf("%d report rows, want %d", len(recs), rows)
	}
	for i, r := range recs {
		if r["line"] != strconv.Itoa(i+2) || (r["status"] != "applied" && r["status"] != "skipped") {
			t.Fatalf("report row %d: %v", i, r)
		}
	}
	for k, s := range snaps {
		// No row the journal had recorded as applied was sent again.
		for id := range s.applied {
			if final[id] != s.apps[id] {
				t.Errorf("kill %d: account %d was journaled as applied with %d applications, has %d now",
					k+1, id, s.apps[id], final[id])
			}
		}
		// Rows re-sent: applied on the server but not journaled, at most
		// what the workers had in flight.
		resent := 0
		for id := range s.apps {
			if !s.applied[id] {
				resent++
			}
		}
		if resent > workers*chunkSize {
			t.Errorf("kill %d: %d rows re-sent, more than workers × chunk size = %d", k+1, resent, workers*chunkSize)
		}
		t.Logf("kill %d: %d applied and journaled, %d to re-send", k+1, len(s.applied), resent)
	}
}
