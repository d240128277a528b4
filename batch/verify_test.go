package batch

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/report"
	"github.com/voxbatch/voxbatch/voxsim"
)

// TestVerifyCatchesUnkeptChanges: the simulator accepts changes to every
// seventh account without keeping them; Verify reports exactly those rows
// as mismatch, naming the parameter, the value wanted and the value found,
// journals them, and a rerun sends them again only with RetryFailed.
func TestVerifyCatchesUnkeptChanges(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 100, Unkept: 7})
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = fmt.Sprintf("%d,false,de", 1000+i)
	}
	lines = append(lines, "1001,false,de") // merged into 1001's row: a mismatch too
	p := csvPlan(t, "child_account_id,active,language_code", lines)
	path := filepath.Join(t.TempDir(), "run.state")
	j, _, err := OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	r := New(p, client, fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 10, Journal: j}))
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	v, err := r.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	unkept := map[string]bool{}
	for i := 1000; i < 1050; i++ {
		if i%7 == 0 {
			unkept[fmt.Sprint(i)] = true
		}
	}
	if v.Mismatch != len(unkept)+1 || v.Verified != 50-len(unkept) || v.NotVerified != 0 {
		t.Errorf("verification %+v, want %d mismatch", v, len(unkept)+1)
	}
	if st := s.Stats(); st.ByMethod["GetChildrenAccounts"] != 5 || v.Requests != 5 {
		t.Errorf("reads %v (%d), want 5: one per id list", st.ByMethod, v.Requests)
	}
	for i, rec := range res.Records {
		want := report.Applied
		if unkept[p.Rows[i].Account] {
			want = report.Mismatch
		}
		if rec.Status != want {
			t.Errorf("row %d (%s): %s, want %s", i, p.Rows[i].Account, rec.Status, want)
		}
		if want == report.Mismatch && rec.ErrorMessage != `read back after the run: active: wanted false, found true; language_code: wanted "de", found "en"` {
			t.Errorf("row %d: message %q", i, rec.ErrorMessage)
		}
	}
	if c := r.StatusCounts(); c[report.Mismatch] != len(unkept)+1 || c[report.Applied] != 50-len(unkept) {
		t.Errorf("status counts %v", c)
	}
	if sum := res.Summary(); sum.ByStatus[report.Mismatch] != len(unkept)+1 {
		t.Errorf("summary %v", sum.ByStatus)
	}
	j, earlier, err := OpenJournal(path, p.Digest, len(p.Rows))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if earlier.Status(1) != report.Mismatch || earlier.Status(50) != report.Mismatch || earlier.Status(2) != report.Applied {
		t.Errorf("journal: rows 1, 50, 2 are %s, %s, %s", earlier.Status(1), earlier.Status(50), earlier.Status(2))
	}
	rs := &Resume{Earlier: earlier}
	var rec report.Record
	rs.Prefill(1, &rec)
	if rs.Todo(1) || rec.Status != report.Mismatch || rs.Todo(2) {
		t.Errorf("a rerun sends a mismatch row (%v) or prefills it %s", rs.Todo(1), rec.Status)
	}
	if done, failed := rs.Counts(); done != 50-len(unkept) || failed != len(unkept)+1 {
		t.Errorf("counts done %d failed %d", done, failed)
	}
	rs.RetryFailed = true
	if !rs.Todo(1) {
		t.Error("--retry-failed does not send a mismatch row again")
	}
}

// TestVerifyNeverCountsTheUnreadableAsVerified: passwords, new emails,
// can_use_restricted, fields the API leaves out, "all" rows and accounts
// that are gone are not verified; rows applied by an earlier run
// (skipped) are read back too; rows not applied are not.
func TestVerifyNeverCountsTheUnreadableAsVerified(t *testing.T) {
	_, client := startSim(t, voxsim.Config{Accounts: 100, OmitOptional: 10, ListAll: true})
	src := "child_account_id,active,language_code,new_child_account_password,can_use_restricted,new_child_account_email,support_bank_card\n" +
		"1001,false,,,,,\n" + // verified
		"1002,,,Zx9!Secret-pass,,,\n" + // password: not verified
		"1003,false,,,true,,\n" + // can_use_restricted: not verified, though active is
		"1004,,,,,new-1004@example.test,\n" + // new email: not verified
		"1010,,de,,,,\n" + // the API leaves language_code out of 1010: not verified
		"1011,false,,,,,\n" + // skipped (applied before): verified
		"1012,false,,,,,\n" + // failed before: not read back
		"all,,,,,,true\n" // every account: not read
	p, err := plan.Load("t.csv", strings.NewReader(src), plan.Options{Format: "csv", AllowAll: true})
	if err != nil {
		t.Fatal(err)
	}
	before := map[int]report.Status{5: report.Skipped, 6: report.Failed}
	if err := client.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1011"}, "active": {"false"}}); err != nil {
		t.Fatal(err) // what the earlier run applied
	}
	r := New(p, client, fastConfig(Config{Workers: 2, Rate: 5000,
		Todo:    func(i int) bool { return before[i] == "" },
		Prefill: func(i int, rec *report.Record) { rec.Status = cmpOr(before[i], rec.Status) }}))
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	v, err := r.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Verified != 2 || v.NotVerified != 5 || v.Mismatch != 0 {
		t.Errorf("verification %+v, want 2 verified, 5 not verified", v)
	}
}

func cmpOr(a, b report.Status) report.Status {
	if a != "" {
		return a
	}
	return b
}

func TestVerifyInterrupted(t *testing.T) {
	_, client := startSim(t, voxsim.Config{Accounts: 10})
	p := disablePlan(t, idRange(1000, 10))
	r := New(p, client, fastConfig(Config{Workers: 2, Rate: 5000}))
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Verify(ctx); err != ErrInterrupted {
		t.Errorf("err = %v, want ErrInterrupted", err)
	}
	if c := r.StatusCounts(); c[report.Applied] != 10 {
		t.Errorf("an interrupted verification changed the records: %v", c)
	}
}

// TestUndoAndVerifyCostAtMostThreeTimes: for a plan by id, the reads cost
// one request per chunk each way, so a run with an undo and a
// verification sends at most three times the minimum.
func TestUndoAndVerifyCostAtMostThreeTimes(t *testing.T) {
	const rows, chunk = 1000, 50
	s, client := startSim(t, voxsim.Config{Accounts: rows})
	lines := make([]string, rows)
	for i := range lines {
		lines[i] = fmt.Sprintf("%d,%v,%s", 1000+i, i%2 == 0, []string{"de", "fr", "es"}[i%3])
	}
	p := csvPlan(t, "child_account_id,active,language_code", lines) // six change groups
	r := New(p, client, fastConfig(Config{Workers: 8, Rate: 10000, ChunkSize: chunk, Undo: NewUndo(p, nil)}))
	min := r.Requests()
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	set, get := st.ByMethod["SetChildAccountInfo"], st.ByMethod["GetChildrenAccounts"]
	if set != int64(min) || get > 2*int64(min) || st.Requests > 3*int64(min) {
		t.Errorf("requests: %d sets, %d reads, %d in all; minimum %d", set, get, st.Requests, min)
	}
	if got := r.Stats().Requests; int64(got) != st.Requests {
		t.Errorf("the run counted %d requests, the simulator %d", got, st.Requests)
	}
	t.Logf("minimum %d: %d sets, %d reads (%.2f × minimum)", min, set, get, float64(st.Requests)/float64(min))
}

// TestVerifyInBatches reads back in batches of whole id lists: no more
// requests than one per list, and every row compared.
func TestVerifyInBatches(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 200, Unkept: 10})
	p := disablePlan(t, idRange(1000, 200))
	r := New(p, client, fastConfig(Config{Workers: 1, Rate: 10000, ChunkSize: 5})) // batches of 40 rows
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	v, err := r.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Mismatch != 20 || v.Verified != 180 || v.Requests != 40 || s.Stats().Requests != 40 {
		t.Errorf("verification %+v, %d requests", v, s.Stats().Requests)
	}
}
