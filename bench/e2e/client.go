package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/voxbatch/voxbatch/report"
)

// summary is the JSON `voxbatch run --summary` writes.
type summary = report.SummaryJSON

// usage is what the client process cost.
type usage struct {
	User   time.Duration
	Sys    time.Duration
	MaxRSS int64         // bytes
	Wall   time.Duration // the whole process, plan loading and report included
}

// clientRun is the outcome of one `voxbatch run` process.
type clientRun struct {
	sum  summary
	use  usage
	exit int // the client's exit code; -1 if killed
}

// runClient runs `voxbatch run` on planPath against endpoint with the
// run's flags, under /usr/bin/time -v when h.timeV.
func (h *harness) runClient(ctx context.Context, r *benchRun, dir, planPath, creds, endpoint string) (*clientRun, error) {
	sumPath := filepath.Join(dir, "summary.json")
	timePath := filepath.Join(dir, "time.txt")
	args := append([]string{"run", planPath,
		"--credentials", creds, "--endpoint", endpoint,
		"--report", filepath.Join(dir, "report.csv"), "--summary", sumPath,
		"--rate", strconv.FormatFloat(r.rate, 'f', -1, 64),
		"--workers", strconv.Itoa(r.workers),
		"--chunk-size", strconv.Itoa(r.chunk),
		"--log-format", "json",
	}, r.client...)
	name := h.bin
	if h.timeV {
		args = append([]string{"-v", "-o", timePath, h.bin}, args...)
		name = timeV
	}
	logPath := filepath.Join(dir, "client.log")
	cmd, logf, err := command(ctx, logPath, name, args...)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	start := time.Now()
	err = cmd.Run()
	cr := &clientRun{use: usage{Wall: time.Since(start)}}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("client: %w", ctx.Err())
	case errors.As(err, &exitErr):
		cr.exit = exitErr.ExitCode()
	case err != nil:
		return nil, fmt.Errorf("client: %w", err)
	}
	if h.timeV {
		cr.use.User, cr.use.Sys, cr.use.MaxRSS, err = parseTimeV(timePath)
	} else {
		cr.use.User, cr.use.Sys, cr.use.MaxRSS, err = rusage(cmd.ProcessState)
	}
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(sumPath)
	if err != nil {
		return nil, fmt.Errorf("client exited %d without a summary: %w: %s", cr.exit, err, tail(logPath, 800))
	}
	if err := json.Unmarshal(b, &cr.sum); err != nil {
		return nil, fmt.Errorf("client summary: %w", err)
	}
	return cr, nil
}

// parseTimeV reads the user and system CPU time and the peak RSS from
// /usr/bin/time -v output.
func parseTimeV(path string) (user, sys time.Duration, rss int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	var seen int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if !ok {
			continue
		}
		switch key {
		case "User time (seconds)", "System time (seconds)":
			s, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("%s: %s: %w", path, key, err)
			}
			d := time.Duration(s * float64(time.Second))
			if key[0] == 'U' {
				user = d
			} else {
				sys = d
			}
			seen++
		case "Maximum resident set size (kbytes)":
			kb, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("%s: %s: %w", path, key, err)
			}
			rss = kb << 10
			seen++
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, 0, err
	}
	if seen != 3 {
		return 0, 0, 0, fmt.Errorf("%s: not the output of time -v", path)
	}
	return user, sys, rss, nil
}

// rusage reads the user and system CPU time and the peak RSS of an exited
// process.
func rusage(ps *os.ProcessState) (user, sys time.Duration, rss int64, err error) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, 0, 0, errors.New("no rusage for the client")
	}
	// Maxrss is in KiB on Linux.
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), ru.Maxrss << 10, nil
}
