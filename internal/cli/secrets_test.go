package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxbatch/voxbatch/voxsim"
)

// secretPassword is the password of the plans below: every special
// character an encoding changes.
const secretPassword = `Zx9!Secret#Pass<&>"`

// secretForms are the spellings of secretPassword that must appear
// nowhere: raw, form- and query-escaped (either case of hex), JSON-escaped.
func secretForms() []string {
	js, _ := json.Marshal(secretPassword)
	q := url.QueryEscape(secretPassword)
	return []string{secretPassword, q, lowerHex(q), url.PathEscape(secretPassword),
		string(js[1 : len(js)-1]), `Zx9!Secret#Pass<&>\"`, "Secret#Pass"}
}

// lowerHex writes the hex digits of %XX escapes in lower case.
func lowerHex(s string) string {
	parts := strings.Split(s, "%")
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) >= 2 {
			parts[i] = strings.ToLower(parts[i][:2]) + parts[i][2:]
		}
	}
	return strings.Join(parts, "%")
}

// keyLines are the base64 lines of the private key in a credentials JSON.
func keyLines(t *testing.T, credsJSON []byte) []string {
	t.Helper()
	var c struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal(credsJSON, &c); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(c.PrivateKey, "\n") {
		if len(l) >= 16 && !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 5 {
		t.Fatalf("only %d key lines", len(lines))
	}
	return lines
}

// echoingAPI answers every SetChildAccountInfo with an error that quotes
// the form it received, as a careless API or proxy could; it holds the
// first answer until release is closed.
func echoingAPI(t *testing.T, release chan struct{}) string {
	t.Helper()
	var once bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !once {
			once = true
			<-release
		}
		q, _ := url.ParseQuery(string(body))
		msg := fmt.Sprintf("password too weak: %s (raw %s)", body, q.Get("new_child_account_password"))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 523, "msg": msg}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/platform_api/"
}

func TestNoSecretInAnyOutput(t *testing.T) {
	s, endpoint, credsPath := startInProcessSim(t, voxsim.Config{Accounts: 10})
	credsJSON := s.CredentialsJSON()
	badCreds := strings.Replace(string(credsJSON), `"account_id"`, `"account_idx"`, 1)
	brokenKey := strings.Replace(string(credsJSON), keyLines(t, credsJSON)[2], strings.Repeat("A", len(keyLines(t, credsJSON)[2])), 1)
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.csv")
	os.WriteFile(planPath, []byte("child_account_id,new_child_account_password\n1000,"+csvQuote(secretPassword)+"\n1001,"+csvQuote(secretPassword)+"\n"), 0o644)

	var outputs []string
	collect := func(b ...string) { outputs = append(outputs, b...) }
	run := func(vars map[string]string, args ...string) int {
		e, out, errb := testEnv(vars)
		code := dispatch(context.Background(), e, args)
		collect(out.String(), errb.String())
		return code
	}
	run(nil, "validate", planPath)
	for _, format := range []string{"text", "json"} {
		run(nil, "run", "--dry-run", planPath, "--output", format, "--log-format", format, "--log-level", "debug",
			"--review-out", filepath.Join(dir, "review-"+format+".json"), "--report", filepath.Join(dir, "dry-"+format+".csv"))
		for _, creds := range []string{badCreds, brokenKey} {
			for _, vars := range []map[string]string{{"VOXIMPLANT_CREDENTIALS": creds}, {"VOXBATCH_CREDENTIALS": creds}} {
				if code := run(vars, "run", planPath, "--endpoint", endpoint, "--log-format", format, "--log-level", "debug"); code != exitUsage {
					t.Errorf("bad credentials %v: exit %d", vars, code)
				}
			}
			run(nil, "run", "--dry-run", "--preview", planPath, "--credentials", creds, "--endpoint", endpoint, "--log-format", format)
		}
	}
	// A real run against an API that quotes the request in its errors, with
	// every output on, metrics scraped while the first request is held.
	release := make(chan struct{})
	api := echoingAPI(t, release)
	addr := freeAddr(t)
	done := make(chan int, 1)
	go func() {
		done <- run(nil, "run", planPath, "--credentials", credsPath, "--endpoint", api, "--log-format", "json", "--log-level", "debug",
			"--report", filepath.Join(dir, "report.jsonl"), "--summary", filepath.Join(dir, "summary.json"), "--metrics-addr", addr,
			"--max-attempts", "1")
	}()
	collect(scrapeMetrics(t, addr))
	close(release)
	if code := <-done; code != exitRowsFailed {
		t.Fatalf("the run against the echoing API: exit %d", code)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if f == planPath {
			continue
		}
		b, _ := os.ReadFile(f)
		collect(string(b))
	}
	report, _ := os.ReadFile(filepath.Join(dir, "report.jsonl"))
	if !strings.Contains(string(report), "***") {
		t.Errorf("the report does not show the scrubbed error:\n%s", report)
	}
	all := strings.Join(outputs, "\n")
	for _, form := range secretForms() {
		if strings.Contains(all, form) {
			t.Errorf("the password appears as %q", form)
		}
	}
	for _, line := range keyLines(t, credsJSON) {
		if strings.Contains(all, line) {
			t.Errorf("a line of the private key appears: %q", line)
		}
	}
	if !strings.Contains(all, "credentials from VOXIMPLANT_CREDENTIALS: missing field: account_id") ||
		!strings.Contains(all, "credentials from VOXBATCH_CREDENTIALS") {
		t.Errorf("the errors do not name the credentials' source")
	}
}

// csvQuote quotes a CSV cell.
func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// scrapeMetrics reads /metrics at addr once it answers.
func scrapeMetrics(t *testing.T, addr string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no metrics")
	return ""
}

func TestCredentialsAsContent(t *testing.T) {
	s, endpoint, _ := startInProcessSim(t, voxsim.Config{Accounts: 10})
	dir := t.TempDir()
	planPath := writePlan(t, dir, 3)
	for _, vars := range []map[string]string{
		{"VOXIMPLANT_CREDENTIALS": string(s.CredentialsJSON())},
		{"VOXBATCH_CREDENTIALS": "  " + string(s.CredentialsJSON())},
	} {
		e, _, errb := testEnv(vars)
		if code := dispatch(context.Background(), e, []string{"run", planPath, "--endpoint", endpoint,
			"--report", filepath.Join(t.TempDir(), "r.csv")}); code != exitOK {
			t.Fatalf("credentials as content: exit %d\n%s", code, errb)
		}
	}
}
