package batch

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
)

// passwordPlan is a plan of 10 rows whose row 2 sets password pw.
func passwordPlan(t *testing.T, pw string) *plan.Plan {
	t.Helper()
	var b strings.Builder
	b.WriteString("child_account_id,new_child_account_password,active\n")
	for i := range 10 {
		if i == 2 {
			fmt.Fprintf(&b, "%d,%s,\n", 1000+i, pw)
		} else {
			fmt.Fprintf(&b, "%d,,false\n", 1000+i)
		}
	}
	p, err := plan.Load("p.csv", strings.NewReader(b.String()), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJournalKeepsKeyedPasswordHashes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	first := passwordPlan(t, "Zx9!First-Pass")
	pw := PlanPasswords(first)
	j, _ := openTestJournal(t, path, 10)
	j.TrackPlan(first)
	j.RecordSent(2)
	j.RecordSent(4) // no password: no hash line
	j.Record(2, &report.Record{Status: report.Applied, Attempts: 1, Request: 1})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if !strings.HasPrefix(lines[0], "voxbatch-journal 4 ") || !strings.HasPrefix(lines[1], "key ") || len(lines[1]) != 4+64 {
		t.Fatalf("header and key: %q", lines[:2])
	}
	text := strings.Join(lines, "\n")
	if !strings.HasPrefix(lines[2], "2 H ") || len(lines[2]) != 4+32 || strings.Contains(text, "\n4 H") ||
		!strings.Contains(text, "\n2 R ") || !strings.Contains(text, "\n4 R ") {
		t.Fatalf("hash and fingerprint lines: %q", lines)
	}
	if strings.Contains(string(data), "Pass") {
		t.Fatalf("the journal holds the password:\n%s", data)
	}
	j, e := openTestJournal(t, path, 10)
	defer j.Close()
	rs := &Resume{Earlier: e, Password: pw}
	if rs.Todo(2) || e.PasswordEdited(2, "Zx9!First-Pass") {
		t.Error("the same password counts as edited")
	}
	rs.Password = PlanPasswords(passwordPlan(t, "Zx9!Second-Pass"))
	if !e.PasswordEdited(2, "Zx9!Second-Pass") || !rs.Todo(2) {
		t.Error("an edited password of an applied row is not sent again")
	}
	var rec report.Record
	rs.Prefill(2, &rec)
	if rec.Status != "" {
		t.Errorf("an edited row is prefilled %q", rec.Status)
	}
	if e.PasswordEdited(3, "anything") {
		t.Error("a row never sent counts as edited")
	}
}

func TestEditedPasswordIsNotAnUnknownOutcome(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state")
	first := passwordPlan(t, "Zx9!First-Pass")
	j, _ := openTestJournal(t, path, 10)
	j.TrackPlan(first)
	j.RecordSent(2) // then the run was killed
	j.Close()
	j, e := openTestJournal(t, path, 10)
	defer j.Close()
	rs := &Resume{Earlier: e, Password: PlanPasswords(first)}
	if !rs.Unknown(2) {
		t.Fatal("the lost request of the same password is not of unknown outcome")
	}
	rs.Password = PlanPasswords(passwordPlan(t, "Zx9!Second-Pass"))
	if rs.Unknown(2) {
		t.Error("a lost request of another password counts as maybe applied: a 535 would pass for success")
	}
}

func TestOlderJournalBecomesVersion4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.state")
	header := "voxbatch-journal 2 " + testDigest + " 10\n"
	os.WriteFile(path, []byte(header+"3 A 1 1 0 0 0 0 \"\"\n4 S 0 0 0 0 0 0 \"\"\n"), 0o600)
	j, e := openTestJournal(t, path, 10)
	j.TrackPlan(passwordPlan(t, "Zx9!Pass-Word"))
	j.RecordSent(2)
	j.Close()
	if e.Status(3) != report.Applied || !e.Sent(4) {
		t.Fatalf("version 2 lines: row 3 %q, row 4 sent %v", e.Status(3), e.Sent(4))
	}
	if e.PasswordEdited(4, "whatever") {
		t.Error("a row sent before hashes were journaled counts as edited")
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "voxbatch-journal 4 ") || !strings.Contains(string(data), "\nkey ") || !strings.Contains(string(data), "\n2 H ") {
		t.Fatalf("upgraded journal:\n%s", data)
	}
	j, e = openTestJournal(t, path, 10)
	defer j.Close()
	if e.Status(3) != report.Applied || !e.PasswordEdited(2, "Zx9!Other-Word") || e.PasswordEdited(2, "Zx9!Pass-Word") {
		t.Error("the upgraded journal does not read back")
	}
}

// The key is in the journal, so the hash must be slow: a word list tried
// against a stolen journal then costs PBKDF2's rounds per guess, not one
// HMAC. The R line hashes the password the same way, never as it is.
func TestPasswordHashIsSlow(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	want, _ := pbkdf2.Key(sha256.New, "Summer2024!", key, passwordRounds, hashLen)
	if passwordRounds < 10000 || !bytes.Equal(passwordHash(key, "Summer2024!"), want) {
		t.Fatalf("the password hash is not PBKDF2 with %d rounds", passwordRounds)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("Summer2024!"))
	if bytes.Equal(passwordHash(key, "Summer2024!"), m.Sum(nil)[:hashLen]) {
		t.Fatal("the password hash is a plain HMAC: a word list reverses it")
	}
	p := passwordPlan(t, "Summer2024!")
	fast := rowFingerprint(key, &p.Rows[2], func() []byte { return []byte("Summer2024!") })
	slow := rowFingerprint(key, &p.Rows[2], func() []byte { return passwordHash(key, "Summer2024!") })
	if bytes.Equal(fast, slow) {
		t.Fatal("the fingerprint does not depend on the hash it is given")
	}
}
