package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voxsim"
)

// The operator's workflow issue: messages that say a thing once.

func TestNotAppliedSaysItOnce(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 3})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,active\n1000,false\n99999,false\n"), 0o644)
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", filepath.Join(dir, "r.csv")})
	if code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	msg := errb.String()
	if !strings.Contains(msg, "1 of 2 rows not applied (failed 1)") || strings.Contains(msg, "some rows were not applied") {
		t.Errorf("the error says it twice or not at all:\n%s", msg)
	}
}

func TestErrorsShowControlCharactersEscaped(t *testing.T) {
	var b strings.Builder
	printError(&b, errors.New("api error 1: proxy says \x1b[31mred\x1b[0m\u202e"))
	if strings.ContainsAny(b.String(), "\x1b\u202e") || !strings.Contains(b.String(), `\x1b[31mred`) {
		t.Errorf("printed %q", b.String())
	}
}

// terminalEnv is a test env whose stdin and stderr count as terminals, with
// answer typed on stdin.
func terminalEnv(answer string) (*env, *strings.Builder) {
	e, _, errb := testEnv(nil)
	e.isTerminal, e.stdinTerminal = true, true
	e.stdin = strings.NewReader(answer)
	var all strings.Builder
	e.stderr = &multiWriter{errb, &all}
	return e, &all
}

type multiWriter struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (m *multiWriter) Write(p []byte) (int, error) {
	m.a.Write(p)
	return m.b.Write(p)
}

func TestConfirmOnATerminal(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,active\nall,false\n"), 0o644)
	reportPath := filepath.Join(dir, "r.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", reportPath, "--allow-all"}
	for _, answer := range []string{"no\n", "", "y\n", "YES please\n"} {
		e, errb := terminalEnv(answer)
		if code := dispatch(context.Background(), e, args); code != exitUsage || !strings.Contains(errb.String(), "cancelled") {
			t.Fatalf("answer %q: exit %d\n%s", answer, code, errb)
		}
		for _, want := range []string{"ALL child accounts", "127.0.0.1", "as account", "Type yes"} {
			if !strings.Contains(errb.String(), want) {
				t.Errorf("the question lacks %q:\n%s", want, errb)
			}
		}
	}
	if n := s.Stats().ByMethod["SetChildAccountInfo"]; n != 0 {
		t.Fatalf("a cancelled run sent %d requests", n)
	}
	if _, err := os.Stat(reportPath + ".state"); err == nil {
		t.Error("a cancelled run left a journal")
	}
	e, errb := terminalEnv("yes\n")
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("yes: exit %d\n%s", code, errb)
	}
	// No question with --yes, or with a pinned plan; none off a terminal.
	p := writePlan(t, dir, 3)
	for _, extra := range [][]string{{"--yes"}, {"--expect-digest", digestOf(t, p)}} {
		e, errb := terminalEnv("")
		if code := dispatch(context.Background(), e, append([]string{"run", p, "--credentials", creds, "--endpoint", endpoint,
			"--report", filepath.Join(t.TempDir(), "r.csv")}, extra...)); code != exitOK || strings.Contains(errb.String(), "Type yes") {
			t.Errorf("%v: exit %d\n%s", extra, code, errb)
		}
	}
}

func digestOf(t *testing.T, path string) string {
	t.Helper()
	e, out, _ := testEnv(nil)
	dispatch(context.Background(), e, []string{"validate", path})
	for _, line := range strings.Split(out.String(), "\n") {
		if d, ok := strings.CutPrefix(line, "plan digest: "); ok {
			return d
		}
	}
	t.Fatal("no digest")
	return ""
}

func TestLimitIsACanary(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 10)
	reportPath := filepath.Join(dir, "r.csv")
	args := []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--report", reportPath}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, append(args, "--limit", "3")); code != exitOK {
		t.Fatalf("--limit 3: exit %d\n%s", code, errb)
	}
	if !strings.Contains(errb.String(), "7 rows left for a later run") {
		t.Errorf("the run does not say what is left:\n%s", errb)
	}
	rows := readReport(t, reportPath)
	for i, r := range rows {
		want := "not_attempted"
		if i < 3 {
			want = "applied"
		}
		if r["status"] != want {
			t.Errorf("line %s: %s, want %s", r["line"], r["status"], want)
		}
	}
	if n := len(s.ChangedAccounts()); n != 3 {
		t.Errorf("%d accounts changed, want 3", n)
	}
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, args); code != exitOK {
		t.Fatalf("the rerun: exit %d\n%s", code, errb)
	}
	counts := map[string]int{}
	for _, r := range readReport(t, reportPath) {
		counts[r["status"]]++
	}
	if counts["skipped"] != 3 || counts["applied"] != 7 {
		t.Errorf("the rerun: %v", counts)
	}
}

func TestInterruptIsAcknowledgedAtOnce(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 200, Latency: 300 * time.Millisecond})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 200)
	for _, format := range []string{"text", "json"} {
		ctx, cancel := context.WithCancel(context.Background())
		e, _, errb := testEnv(nil)
		var mu sync.Mutex
		e.stderr = lockedWriter{&mu, errb}
		done := make(chan int, 1)
		go func() {
			done <- dispatch(ctx, e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--fresh",
				"--report", filepath.Join(dir, "r.csv"), "--rate", "50", "--chunk-size", "1", "--workers", "4", "--log-format", format})
		}()
		time.Sleep(400 * time.Millisecond)
		cancel()
		time.Sleep(100 * time.Millisecond) // far less than the requests in flight take
		mu.Lock()
		got := errb.String()
		mu.Unlock()
		if !strings.Contains(got, "interrupted: finishing") || !strings.Contains(got, "Ctrl-C again stops now") {
			t.Errorf("%s: no acknowledgement 100ms after the signal:\n%s", format, got)
		}
		if code := <-done; code != exitInterrupted {
			t.Errorf("%s: exit %d", format, code)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  interface{ Write([]byte) (int, error) }
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestUnreachableAPIIsNotARowFailure(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 20)
	reportPath := filepath.Join(dir, "r.csv")
	dead := "http://" + freeAddr(t) + "/platform_api/" // nothing listens there
	e, _, errb := testEnv(nil)
	code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", dead,
		"--report", reportPath, "--max-attempts", "2", "--chunk-size", "5", "--rate", "100"})
	if code != exitAborted {
		t.Fatalf("exit %d, want 3\n%s", code, errb)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(dead, "http://"), "/platform_api/")
	if !strings.Contains(errb.String(), "cannot reach "+host) || !strings.Contains(errb.String(), "hint: check --endpoint") {
		t.Errorf("the error does not say what to check:\n%s", errb)
	}
	for _, r := range readReport(t, reportPath) {
		if r["status"] != "not_attempted" {
			t.Fatalf("line %s is %s, want not_attempted", r["line"], r["status"])
		}
	}
	// A plain rerun, with the API there, sends them all.
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath}); code != exitOK || len(s.ChangedAccounts()) != 20 {
		t.Fatalf("rerun: exit %d, %d accounts changed\n%s", code, len(s.ChangedAccounts()), errb)
	}
}

func TestCarryOverAnEditedPlan(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	reportPath := filepath.Join(dir, "r.csv")
	run := func(extra ...string) (int, string) {
		e, _, errb := testEnv(nil)
		code := dispatch(context.Background(), e, append([]string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath}, extra...))
		return code, errb.String()
	}
	// A password row and a row with a typo that fails.
	os.WriteFile(planPath, []byte("child_account_id,new_child_account_password,active\n1000,Zx9!First-Pass,\n1001,,false\n99999,,false\n"), 0o644)
	if code, msg := run(); code != exitRowsFailed || !strings.Contains(msg, "--carry-over") {
		t.Fatalf("first run: exit %d, want 1 with a hint naming --carry-over\n%s", code, msg)
	}
	// The typo is fixed in the plan: another plan for the journal.
	os.WriteFile(planPath, []byte("child_account_id,new_child_account_password,active\n1000,Zx9!First-Pass,\n1001,,false\n1002,,false\n"), 0o644)
	if code, msg := run("--retry-failed"); code != exitMismatch || !strings.Contains(msg, "--carry-over") {
		t.Fatalf("edited plan: exit %d, want 4 naming --carry-over\n%s", code, msg)
	}
	if code, msg := run("--carry-over"); code != exitOK {
		t.Fatalf("--carry-over: exit %d\n%s", code, msg)
	}
	rows := readReport(t, reportPath)
	for i, want := range []string{"skipped", "skipped", "applied"} {
		if rows[i]["status"] != want {
			t.Errorf("line %s: %s, want %s", rows[i]["line"], rows[i]["status"], want)
		}
	}
	if a, _ := s.Account(1000); a.PasswordChanges != 1 {
		t.Errorf("the password was sent %d times, want once (a resend fails with 535)", a.PasswordChanges)
	}
	old, _ := filepath.Glob(reportPath + ".state.*.old")
	if len(old) != 1 {
		t.Errorf("the old journal is not kept aside: %v", old)
	}
	if code, msg := run("--carry-over", "--fresh"); code != exitUsage {
		t.Errorf("--carry-over --fresh: exit %d\n%s", code, msg)
	}
}

func TestUnknownFlagGetsTheClosest(t *testing.T) {
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--chunk-siz", "5", "samples/disable.csv"}); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "unknown flag --chunk-siz") || !strings.Contains(errb.String(), "did you mean --chunk-size?") {
		t.Errorf("no suggestion:\n%s", errb)
	}
	e, _, errb = testEnv(nil)
	dispatch(context.Background(), e, []string{"validate", "--zzzzzzzzzz", "samples/disable.csv"})
	if strings.Contains(errb.String(), "did you mean") {
		t.Errorf("a far name got a suggestion:\n%s", errb)
	}
}

func TestBooleanVariablesTakePlanWords(t *testing.T) {
	for _, word := range []string{"yes", "YES", "on", "1", "true"} {
		e, out, errb := testEnv(map[string]string{"VOXBATCH_DRY_RUN": word})
		if code := dispatch(context.Background(), e, []string{"run", "samples/disable.csv"}); code != exitOK || !strings.Contains(out.String(), "dry run: nothing was sent") {
			t.Errorf("VOXBATCH_DRY_RUN=%s: exit %d\n%s", word, code, errb)
		}
	}
	e, _, errb := testEnv(map[string]string{"VOXBATCH_DRY_RUN": "maybe"})
	if code := dispatch(context.Background(), e, []string{"run", "samples/disable.csv"}); code != exitUsage {
		t.Errorf("VOXBATCH_DRY_RUN=maybe: exit %d\n%s", code, errb)
	}
}

func TestSummaryTellsTheRun(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,active\n1000,false\n1001,false\n99999,false\n"), 0o644)
	reportPath := filepath.Join(dir, "r.csv")
	run := func() (int, report.SummaryJSON, string) {
		e, out, errb := testEnv(nil)
		code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath, "--output", "json", "--chunk-size", "1"})
		var sum report.SummaryJSON
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Fatalf("stdout is not the summary: %v\n%s", err, out)
		}
		return code, sum, errb.String()
	}
	code, sum, errs := run()
	if code != exitRowsFailed || sum.ExitCode != exitRowsFailed || sum.Plan != planPath || !strings.HasPrefix(sum.Digest, "sha256:") ||
		sum.RowsSent != 3 || sum.StartedAt == "" || sum.FinishedAt == "" {
		t.Fatalf("first run: exit %d, summary %+v\n%s", code, sum, errs)
	}
	if !strings.Contains(errs, "exit code: 1") || !strings.Contains(errs, "sent by this run 3") {
		t.Errorf("the text summary lacks the exit code or the rows sent:\n%s", errs)
	}
	for _, r := range readReport(t, reportPath) {
		if r["http_status"] != "200" {
			t.Errorf("line %s (%s): http_status %q, want 200", r["line"], r["status"], r["http_status"])
		}
	}
	// A rerun that sends nothing did no work: no rows sent, 0 rows/s.
	code, sum, _ = run()
	if code != exitRowsFailed || sum.RowsSent != 0 || sum.RowsPerSecond != 0 || sum.Requests != 0 {
		t.Errorf("rerun: exit %d, summary %+v", code, sum)
	}
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", "-", "--output", "json"}); code != exitUsage {
		t.Errorf("--output json with --report -: exit %d\n%s", code, errb)
	}
}

func TestDemoDoesNotAsk(t *testing.T) {
	e, errb := terminalEnv("")
	if code := dispatch(context.Background(), e, []string{"demo", "--dir", t.TempDir(), "--rate", "500", "--latency", "0s"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if strings.Contains(errb.String(), "Type yes") {
		t.Error("the demo asks to confirm a run against its own simulator")
	}
}

// Carrying an edited plan over keeps what a plain resume would know of its
// password rows: the hash of the password sent (an edit after the carry is
// sent) and the sent marker of a request in flight at a kill.
func TestCarryOverKeepsPasswordKnowledge(t *testing.T) {
	s, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	reportPath := filepath.Join(dir, "r.csv")
	write := func(pw, other string) {
		os.WriteFile(planPath, []byte("child_account_id,new_child_account_password,active\n1000,"+pw+",\n"+other+",,false\n"), 0o644)
	}
	run := func(extra ...string) (int, string) {
		e, _, errb := testEnv(nil)
		code := dispatch(context.Background(), e, append([]string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath}, extra...))
		return code, errb.String()
	}
	changes := func() int { a, _ := s.Account(1000); return a.PasswordChanges }
	write("Zx9!First-Pass", "1001")
	if code, msg := run(); code != exitOK {
		t.Fatalf("first run: %d\n%s", code, msg)
	}
	write("Zx9!First-Pass", "1002")
	if code, msg := run("--carry-over"); code != exitOK || changes() != 1 {
		t.Fatalf("carry-over: exit %d, %d password changes\n%s", code, changes(), msg)
	}
	write("Zx9!Second-Pass", "1002") // the same plan for the journal
	if code, msg := run(); code != exitOK || changes() != 2 {
		t.Fatalf("a password edited after a carry-over: exit %d, %d password changes (want it sent)\n%s", code, changes(), msg)
	}

	// A kill while the password request was in flight: its outcome line
	// never reached the journal.
	journal := reportPath + ".state"
	data, _ := os.ReadFile(journal)
	var kept []string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if !strings.HasPrefix(line, "0 A ") {
			kept = append(kept, line)
		}
	}
	os.WriteFile(journal, []byte(strings.Join(kept, "\n")+"\n"), 0o600)
	write("Zx9!Second-Pass", "1003")
	code, msg := run("--carry-over")
	if code != exitOK {
		t.Fatalf("carry-over after a kill in flight: exit %d (the resend's 535 is the lost request's trace)\n%s", code, msg)
	}
	if r := readReport(t, reportPath)[0]; r["status"] != "applied" || !strings.Contains(r["error_message"], "earlier attempt") {
		t.Errorf("the password row: %v", r)
	}
}

func TestRefusedRunLeavesNoJournal(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	reportPath := filepath.Join(dir, "r.csv")
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
		"--report", reportPath, "--summary", filepath.Join(dir, "no", "such", "s.json")}); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if _, err := os.Stat(reportPath + ".state"); err == nil {
		t.Error("a run refused before sending left a journal that ties the report to this plan")
	}
}

func TestCarryOverWithNothingToCarry(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	e, _, errb := testEnv(nil)
	e.stdin = strings.NewReader("")
	t.Chdir(dir) // the default report and journal go to the working folder
	code := dispatch(context.Background(), e, []string{"run", planPath, "--credentials", creds, "--endpoint", endpoint, "--carry-over"})
	if code != exitUsage || !strings.Contains(errb.String(), "no journal") || !strings.Contains(errb.String(), "--state") {
		t.Fatalf("--carry-over with no journal: exit %d, want 2 saying how to name the old one\n%s", code, errb)
	}
}

func TestUndoOutRefusesWhatWouldBeWrong(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 20})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 5)
	reportPath := filepath.Join(dir, "r.csv")
	undo := filepath.Join(dir, "undo.csv")
	run := func(extra ...string) (int, string) {
		e, _, errb := testEnv(nil)
		code := dispatch(context.Background(), e, append([]string{"run", planPath, "--credentials", creds, "--endpoint", endpoint,
			"--report", reportPath}, extra...))
		return code, errb.String()
	}
	// A first run without --undo-out: a later --undo-out would read the
	// changed values and take them for the old ones.
	if code, msg := run("--limit", "2"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, msg)
	}
	if code, msg := run("--undo-out", undo); code != exitUsage || !strings.Contains(msg, "voxbatch export") {
		t.Fatalf("--undo-out after a run without it: exit %d, want 2\n%s", code, msg)
	}
	// A good undo plan is never overwritten by a fresh start.
	if code, msg := run("--fresh", "--undo-out", undo); code != exitOK {
		t.Fatalf("--fresh --undo-out: exit %d\n%s", code, msg)
	}
	good, _ := os.ReadFile(undo)
	if code, msg := run("--fresh", "--undo-out", undo); code != exitUsage || !strings.Contains(msg, "only way back") {
		t.Fatalf("a second --fresh onto the same undo file: exit %d, want 2\n%s", code, msg)
	}
	if now, _ := os.ReadFile(undo); string(now) != string(good) {
		t.Error("the undo plan was overwritten")
	}
}

func TestCommandLineWinsOverAConflictingVariable(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"VOXBATCH_REPORT_DIR": dir, "VOXBATCH_FRESH": "true"}
	e, _, errb := testEnv(vars)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/disable.csv", "--report", filepath.Join(dir, "d.csv")}); code != exitOK {
		t.Errorf("VOXBATCH_REPORT_DIR with --report on the command line: exit %d\n%s", code, errb)
	}
	var opts runOptions
	fs := newFlagSet(runCommand(), e)
	opts.register(fs)
	if _, err := parseFlags(fs, e, []string{"--carry-over", "--report", "r.csv", "p.csv"}); err != nil {
		t.Fatal(err)
	}
	opts.envYields(fs)
	if opts.fresh || !opts.carryOver || opts.reportDir != "" {
		t.Errorf("fresh %v, carry-over %v, report-dir %q: the variables should yield", opts.fresh, opts.carryOver, opts.reportDir)
	}
}

func TestSummaryFileIsReplacedWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	os.WriteFile(path, []byte(`{"rows":1}`+"\n"), 0o644)
	sf, err := createSummary(path)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"rows":1}`+"\n" {
		t.Fatalf("the last summary was emptied before the run: %q", b)
	}
	sf.abandon() // a run that stopped early
	if b, _ := os.ReadFile(path); string(b) != `{"rows":1}`+"\n" {
		t.Fatalf("an abandoned summary touched the file: %q", b)
	}
	sf, _ = createSummary(path)
	if err := sf.commit(report.Summary{Rows: 7, ExitCode: 0}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"rows":7`) {
		t.Errorf("after commit: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".summary.json.tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
