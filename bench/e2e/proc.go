package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// timeV is GNU time, which reports a command's CPU time and peak RSS.
const timeV = "/usr/bin/time"

// haveTimeV reports whether timeV exists and understands -v -o.
func haveTimeV() bool {
	return exec.Command(timeV, "-v", "-o", os.DevNull, "true").Run() == nil
}

// build compiles voxbatch from the module that holds the working directory
// into dir, compiler messages to log, and returns the binary's path.
func build(ctx context.Context, dir string, log io.Writer) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the voxbatch module; run from the repository")
	}
	bin := filepath.Join(dir, "voxbatch")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stderr = log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// command makes cmd run in a process group of its own, killed as a whole
// when ctx ends (so that the client under /usr/bin/time dies with it), and
// sends its output to logPath.
func command(ctx context.Context, logPath, name string, args ...string) (*exec.Cmd, *os.File, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = logf
	return cmd, logf, nil
}

// killGroup sends sig to cmd's process group.
func killGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, sig)
}

// tail returns the last n bytes of the file at path, for error messages.
func tail(path string, n int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return strings.TrimSpace(string(b))
}
