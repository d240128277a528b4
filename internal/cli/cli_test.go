package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/batch"
)

// testEnv is an env with buffers and a fixed environment.
func testEnv(vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{
		build:  Build{Version: "dev", DemoPlan: demoPlan},
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return vars[k] },
		lookupEnv: func(k string) (string, bool) {
			v, ok := vars[k]
			return v, ok
		},
	}, &out, &errb
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		vars      map[string]string
		wantPos   []string
		wantChunk int
		wantDry   bool
		wantErr   bool
	}{
		{name: "flags first", args: []string{"--dry-run", "--chunk-size", "7", "p.csv"}, wantPos: []string{"p.csv"}, wantChunk: 7, wantDry: true},
		{name: "flags after", args: []string{"p.csv", "--dry-run", "--chunk-size=9"}, wantPos: []string{"p.csv"}, wantChunk: 9, wantDry: true},
		{name: "mixed", args: []string{"--chunk-size", "3", "p.csv", "--dry-run"}, wantPos: []string{"p.csv"}, wantChunk: 3, wantDry: true},
		{name: "env fills", args: []string{"p.csv"}, vars: map[string]string{"VOXBATCH_CHUNK_SIZE": "11", "VOXBATCH_DRY_RUN": "true"}, wantPos: []string{"p.csv"}, wantChunk: 11, wantDry: true},
		{name: "flag wins over env", args: []string{"p.csv", "--chunk-size", "5"}, vars: map[string]string{"VOXBATCH_CHUNK_SIZE": "11"}, wantPos: []string{"p.csv"}, wantChunk: 5},
		{name: "double dash", args: []string{"--dry-run", "--", "--weird.csv"}, wantPos: []string{"--weird.csv"}, wantChunk: 50, wantDry: true},
		{name: "bad env", args: []string{"p.csv"}, vars: map[string]string{"VOXBATCH_CHUNK_SIZE": "many"}, wantErr: true},
		{name: "unknown flag", args: []string{"p.csv", "--nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := testEnv(tt.vars)
			var opts runOptions
			fs := newFlagSet(runCommand(), e)
			opts.register(fs)
			pos, err := parseFlags(fs, e, tt.args)
			if tt.wantErr {
				if err == nil || exitCode(err) != exitUsage {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(pos) != fmt.Sprint(tt.wantPos) {
				t.Errorf("positional = %q, want %q", pos, tt.wantPos)
			}
			if opts.plan.chunkSize != tt.wantChunk || opts.dryRun != tt.wantDry {
				t.Errorf("chunk=%d dry=%v, want %d %v", opts.plan.chunkSize, opts.dryRun, tt.wantChunk, tt.wantDry)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got := envName("chunk-size"); got != "VOXBATCH_CHUNK_SIZE" {
		t.Errorf("envName = %q", got)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errHelp, exitOK},
		{usageErrorf("x"), exitUsage},
		{fmt.Errorf("wrapped: %w", errRowsNotApplied), exitRowsFailed},
		{&batch.AbortError{Reason: "fatal error", Err: errors.New("code 100")}, exitAborted},
		{fmt.Errorf("x: %w", batch.ErrInterrupted), exitInterrupted},
		{&cliError{code: exitMismatch, err: errors.New("digest")}, exitMismatch},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestHelpListsFlagsEnvAndExitCodes(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			e, out, _ := testEnv(nil)
			code := dispatch(context.Background(), e, []string{c.name, "-h"})
			if code != exitOK {
				t.Fatalf("exit %d", code)
			}
			s := out.String()
			if n := strings.Count(s, "Usage:"); n != 1 {
				t.Errorf("help printed %d times", n)
			}
			for _, want := range []string{"Usage: voxbatch " + c.name, "Exit codes:", "Examples:"} {
				if !strings.Contains(s, want) {
					t.Errorf("help lacks %q:\n%s", want, s)
				}
			}
			// Each command lists its own exit codes: only a run resumes;
			// a run and export's reads can be interrupted.
			runs := c.name == "run" || c.name == "demo"
			if strings.Contains(s, "130") != (runs || c.name == "export") || strings.Contains(s, "a rerun resumes") != runs {
				t.Errorf("the exit codes of %s are not its own:\n%s", c.name, s)
			}
		})
	}
	e, out, _ := testEnv(nil)
	dispatch(context.Background(), e, []string{"run", "--help"})
	for _, want := range []string{"--chunk-size N", "env VOXBATCH_CHUNK_SIZE", "--dry-run",
		"Plan flags:", "Review flags:", "Sending flags:", "Resume flags:", "Output flags:", "Logging flags:", "for example:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run help lacks %q", want)
		}
	}
	if strings.Contains(out.String(), "Other flags:") {
		t.Errorf("run help has flags outside its groups:\n%s", out)
	}
	e, out, _ = testEnv(nil)
	dispatch(context.Background(), e, []string{"demo", "--help"})
	for _, want := range []string{"env VOXBATCH_SIM_LATENCY", "env VOXBATCH_SIM_ACCOUNTS", "env VOXBATCH_RATE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo help lacks %q", want)
		}
	}
	e, out, _ = testEnv(nil)
	dispatch(context.Background(), e, []string{"sim", "--help"})
	if !strings.Contains(out.String(), "env VOXBATCH_SIM_LISTEN") || strings.Contains(out.String(), "env VOXBATCH_LATENCY") {
		t.Errorf("sim's variables are not VOXBATCH_SIM_*:\n%s", out)
	}
}

func TestSimulatorVariablesAreTheirOwn(t *testing.T) {
	// VOXBATCH_LATENCY is nobody's: a run's settings do not slow the demo's
	// simulator, whose variables are VOXBATCH_SIM_*.
	var opts demoOptions
	e, _, _ := testEnv(map[string]string{"VOXBATCH_LATENCY": "1s", "VOXBATCH_SIM_ACCOUNTS": "7", "VOXBATCH_RATE": "33"})
	c := demoCommand()
	fs := newFlagSet(c, e)
	opts.run.register(fs)
	fs.simFlags(func() {
		registerSimFaults(fs.FlagSet, &opts.sim)
		fs.IntVar(&opts.sim.Accounts, "accounts", 1000, "")
	})
	if _, err := parseFlags(fs, e, nil); err != nil {
		t.Fatal(err)
	}
	if opts.sim.Latency != 0 || opts.sim.Accounts != 7 || opts.run.rate != 33 {
		t.Errorf("latency %v, accounts %d, rate %v", opts.sim.Latency, opts.sim.Accounts, opts.run.rate)
	}
}

func TestVersionFlag(t *testing.T) {
	e, out, _ := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"--version"}); code != exitOK || !strings.HasPrefix(out.String(), "voxbatch dev") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

func TestDispatchUnknownCommand(t *testing.T) {
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"frobnicate"}); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "voxbatch: hint:") {
		t.Errorf("no hint: %s", errb.String())
	}
	e, _, _ = testEnv(nil)
	if code := dispatch(context.Background(), e, nil); code != exitUsage {
		t.Fatalf("no args: exit %d", code)
	}
}

func TestVersion(t *testing.T) {
	e, out, _ := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"version"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "voxbatch ") {
		t.Errorf("version output %q", out.String())
	}
}

func TestCheckListen(t *testing.T) {
	for _, tt := range []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:8089", false, true},
		{"[::1]:8089", false, true},
		{"localhost:1", false, true},
		{"0.0.0.0:8089", false, false},
		{"0.0.0.0:8089", true, true},
		{"nonsense", false, false},
	} {
		if err := checkListen(tt.addr, tt.public); (err == nil) != tt.ok {
			t.Errorf("checkListen(%q, %v) = %v", tt.addr, tt.public, err)
		}
	}
}

func TestFlagErrorKeepsStdoutClean(t *testing.T) {
	e, out, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--bogus", "x"}); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if out.Len() != 0 {
		t.Errorf("stdout after a flag error:\n%s", out)
	}
	if !strings.Contains(errb.String(), "-bogus") || !strings.Contains(errb.String(), "voxbatch run -h") {
		t.Errorf("stderr:\n%s", errb)
	}
}

func TestSetDefaultLeavesTheEnvironmentInCharge(t *testing.T) {
	for _, tt := range []struct {
		vars map[string]string
		want float64
	}{{nil, 20}, {map[string]string{"VOXBATCH_RATE": "7"}, 7}} {
		e, _, _ := testEnv(tt.vars)
		var opts runOptions
		fs := newFlagSet(demoCommand(), e)
		opts.register(fs)
		fs.setDefault("rate", "20")
		if _, err := parseFlags(fs, e, nil); err != nil {
			t.Fatal(err)
		}
		if opts.rate != tt.want {
			t.Errorf("env %v: rate %v, want %v", tt.vars, opts.rate, tt.want)
		}
	}
}

func TestEmptyPinningVariableIsRefused(t *testing.T) {
	e, _, errb := testEnv(map[string]string{"VOXBATCH_EXPECT_DIGEST": ""})
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/disable.csv"}); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "VOXBATCH_EXPECT_DIGEST is set but empty") {
		t.Errorf("stderr:\n%s", errb)
	}
	// Given on the command line, the flag wins and the variable is moot.
	e, _, errb = testEnv(map[string]string{"VOXBATCH_EXPECT_DIGEST": ""})
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/disable.csv", "--expect-digest", "sha256:78c27e1d9a87b77003ae9f1b3eb07982f74d34562e6245481c95523aff313f04"}); code != exitOK {
		t.Errorf("flag over an empty variable: exit %d\n%s", code, errb)
	}
}

func TestRunFlagChecks(t *testing.T) {
	for _, args := range [][]string{
		{"--progress-interval", "0s"}, {"--grace", "-1s"}, {"--workers", "0"}, {"--rate", "0"},
		{"--max-failure-rate", "2"}, {"--output", "xml"}, {"--log-format", "yaml"}, {"--log-level", "loud"},
	} {
		e, _, errb := testEnv(nil)
		if code := dispatch(context.Background(), e, append([]string{"run", "--dry-run", "samples/disable.csv"}, args...)); code != exitUsage {
			t.Errorf("%v: exit %d\n%s", args, code, errb)
		}
	}
	e, _, _ := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"help", "nosuch"}); code != exitUsage {
		t.Errorf("help nosuch: exit %d", code)
	}
}
