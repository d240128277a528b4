package report

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// TestSummaryVerifyAndUndo: the lines and keys of --verify and --undo-out
// appear when set, and only then.
func TestSummaryVerifyAndUndo(t *testing.T) {
	s := sampleSummary()
	plain := s.Text()
	b, _ := s.MarshalJSON()
	if strings.Contains(plain, "verify") || strings.Contains(plain, "undo") || bytes.Contains(b, []byte("verify")) || bytes.Contains(b, []byte("undo")) {
		t.Errorf("a summary without them mentions verify or undo:\n%s\n%s", plain, b)
	}
	s.ByStatus[Mismatch] = 2
	s.Verify = &VerifyCounts{Verified: 396, Mismatch: 2, NotVerified: 1, Requests: 8}
	s.Undo = &UndoCounts{Path: "undo.csv", Rows: 398, NotUndoable: 2, NoPrior: 0, Unknown: 1}
	text := s.Text()
	for _, want := range []string{
		"rows: 400 (applied 398, failed 2, mismatch 2)",
		"\nverify: 396 verified, 2 mismatch, 1 not verified (passwords, new emails, can_use_restricted and fields the API left out cannot be read back), 8 requests\n",
		"\nundo: undo.csv, 398 rows; 2 rows with changes that cannot be undone, 0 rows without values read before, 1 values the API left out (left empty)\nexit code: 1\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	var buf bytes.Buffer
	if err := s.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"rows_per_second":333.3,"verify":{"verified":396,"mismatch":2,"not_verified":1,"requests":8},"undo":{"path":"undo.csv","rows":398,"not_undoable":2,"no_prior":0,"unknown_values":1},"exit_code":1}`)) {
		t.Errorf("JSON: %s", buf.Bytes())
	}
	var back SummaryJSON
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Verify, s.Verify) || !reflect.DeepEqual(back.Undo, s.Undo) || back.ByStatus["mismatch"] != 2 || back.ExitCode != 1 {
		t.Errorf("decoded %+v", back)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("summary", "summary", s)
	for _, want := range []string{`"verify":{"verified":396,"mismatch":2,"not_verified":1,"requests":8,"skipped":""}`,
		`"undo":{"path":"undo.csv","rows":398`, `"exit_code":1`} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logged.String())
		}
	}
	s.Verify = &VerifyCounts{Skipped: "the run stopped early"}
	s.Undo = &UndoCounts{Path: "undo.csv", Error: "disk full"}
	text = s.Text()
	if !strings.Contains(text, "verify: not done: the run stopped early\n") || !strings.Contains(text, "undo: undo.csv not written: disk full") {
		t.Errorf("text:\n%s", text)
	}
}
