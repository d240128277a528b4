package batch

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
	"github.com/voxbatch/voxbatch/voxsim"
)

// TestExportThenRunChangesNothing exports the current values of a plan's
// accounts and runs the export: every account holds what it held.
func TestExportThenRunChangesNothing(t *testing.T) {
	s, client := startSim(t, voxsim.Config{Accounts: 130})
	diverse(t, client, 130)
	before := settings(s.Accounts())
	p := undoScenarioPlan(t)
	s.ResetStats()
	apps := s.Stats().Applications
	ex, err := ReadExport(context.Background(), p, client, fastConfig(Config{Workers: 4, Rate: 5000, ChunkSize: 10}))
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.ByMethod["SetChildAccountInfo"] != 0 || st.Applications != apps {
		t.Fatalf("export changed something: %+v", st)
	}
	if ex.Rows != 120 || ex.Missing != 0 || ex.Unknown != 0 || ex.NotReadable != 0 || int64(ex.Requests) != s.Stats().Requests {
		t.Errorf("export: %+v", ex)
	}
	want := []string{"child_account_id", "child_account_name", "child_account_email", "news_notifications", "active", "language_code",
		"location", "min_balance_to_notify", "support_invoice"}
	if !reflect.DeepEqual(ex.Table.Header, want) {
		t.Errorf("header %v", ex.Table.Header)
	}
	if got := strings.Join(ex.Table.Rows[0], ","); got != "1000,,,true,false,de,Europe/Berlin,12.5,false" {
		t.Errorf("row of 1000: %s", got)
	}
	runUndoPlan(t, &UndoPlan{Table: ex.Table}, client, ".csv")
	if after := settings(s.Accounts()); !reflect.DeepEqual(after, before) {
		t.Error("running the export changed an account")
	}
}

func TestExportLeavesOutWhatItCannotRead(t *testing.T) {
	_, client := startSim(t, voxsim.Config{Accounts: 100, OmitOptional: 10})
	src := "child_account_id,active,language_code,new_child_account_password\n" +
		"1001,false,de,\n" + // exported
		"1002,,,Zx9!Secret-pass\n" + // nothing exportable
		"1003,false,,Zx9!Secret-pass\n" + // active exported, the password not
		"1010,,de,\n" + // language_code left out by the API: left out
		"1020,false,de,\n" + // active known, language_code not: empty cell
		"99999,false,,\n" + // no such account
		"all,,,\n"
	src = strings.Replace(src, "all,,,\n", "", 1)
	p, err := plan.Load("t.csv", strings.NewReader(src), plan.Options{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := ReadExport(context.Background(), p, client, fastConfig(Config{Workers: 2, Rate: 5000}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ex.Table.Rows {
		got = append(got, strings.Join(r, ","))
	}
	if want := "1001,true,en 1003,true, 1020,true,"; strings.Join(got, " ") != want || strings.Join(ex.Table.Header, ",") != "child_account_id,active,language_code" {
		t.Errorf("rows %v %q, want %q", ex.Table.Header, got, want)
	}
	if ex.Rows != 3 || ex.Missing != 1 || ex.NotReadable != 2 || ex.Unknown != 2 {
		t.Errorf("export counts %+v", ex)
	}
	notes := strings.Join(ex.Table.Notes, "\n")
	for _, want := range []string{"line 7 (child_account_id 99999): no such account", "line 4 (child_account_id 1003): new_child_account_password not exported",
		"line 5 (child_account_id 1010): the API's answer left out language_code; left out"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "Secret") {
		t.Error("a password reached the notes")
	}
}

func TestExportOfAllAndInterrupted(t *testing.T) {
	_, client := startSim(t, voxsim.Config{Accounts: 10})
	p, err := plan.Load("t.csv", strings.NewReader("child_account_id,active\nall,false\n"), plan.Options{Format: "csv", AllowAll: true})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := ReadExport(context.Background(), p, client, Config{})
	if err != nil || ex.Rows != 0 || ex.NotReadable != 1 || ex.Requests != 0 {
		t.Errorf("export of all: %+v, %v", ex, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadExport(ctx, disablePlan(t, idRange(1000, 3)), client, Config{}); err != ErrInterrupted {
		t.Errorf("err = %v, want ErrInterrupted", err)
	}
	if _, err := ReadExport(context.Background(), disablePlan(t, idRange(1000, 3)), &scriptClient{getErr: apiErr(100)}, Config{}); err == nil {
		t.Error("a refused read exported")
	}
}
