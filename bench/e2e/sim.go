package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sim is a running `voxbatch sim` process.
type sim struct {
	cmd      *exec.Cmd
	log      *os.File
	logPath  string
	endpoint string // the API base URL it printed
	done     chan error
}

// simStats is the part of GET /_sim/stats the benchmark reads.
type simStats struct {
	Requests        int64            `json:"requests"`
	ByOutcome       map[string]int64 `json:"by_outcome"`
	AccountsChanged int64            `json:"accounts_changed"`
	MaxConcurrency  int64            `json:"max_concurrency"`
	MaxPerSecond    int64            `json:"max_per_second"`
	Connections     int64            `json:"connections"`
}

// startSim starts the simulator with accounts accounts and the extra flags,
// writing its credentials to creds, and waits until it prints its endpoint.
func startSim(ctx context.Context, bin, dir, creds string, accounts int, extra []string) (*sim, error) {
	args := append([]string{"sim", "--listen", "127.0.0.1:0",
		"--accounts", strconv.Itoa(accounts), "--credentials-out", creds}, extra...)
	s := &sim{logPath: filepath.Join(dir, "sim.log"), done: make(chan error, 1)}
	cmd, logf, err := command(ctx, s.logPath, bin, args...)
	if err != nil {
		return nil, err
	}
	s.cmd, s.log = cmd, logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start the simulator: %w", err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		first := true
		for sc.Scan() {
			if first {
				lines <- sc.Text()
				first = false
			}
		}
		if first {
			close(lines)
		}
		_, _ = io.Copy(io.Discard, out)
		s.done <- cmd.Wait()
	}()
	select {
	case line, ok := <-lines:
		ep, found := strings.CutPrefix(line, "endpoint: ")
		if !ok || !found {
			s.stop(io.Discard)
			return nil, fmt.Errorf("the simulator did not print its endpoint: %q %s", line, tail(s.logPath, 500))
		}
		s.endpoint = ep
		return s, nil
	case <-ctx.Done():
		s.stop(io.Discard)
		return nil, fmt.Errorf("start the simulator: %w", ctx.Err())
	}
}

// stats fetches /_sim/stats.
func (s *sim) stats(ctx context.Context) (simStats, error) {
	var st simStats
	base, err := url.Parse(s.endpoint)
	if err != nil {
		return st, err
	}
	u := base.ResolveReference(&url.URL{Path: "/_sim/stats"})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("simulator stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("simulator stats: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("simulator stats: %w", err)
	}
	return st, nil
}

// stop ends the simulator: SIGTERM, then SIGKILL if it lingers; a process
// that survives even that is reported to log.
func (s *sim) stop(log io.Writer) {
	defer s.log.Close()
	_ = killGroup(s.cmd, syscall.SIGTERM)
	select {
	case <-s.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = killGroup(s.cmd, syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(log, "e2e: the simulator did not exit after SIGKILL")
	}
}
