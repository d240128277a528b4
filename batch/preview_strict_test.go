package batch

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
)

// TestReadPreviewNamesItsAccounts reads against the default simulator,
// as strict as the reference: every read names its accounts (a bare
// listing or child_account_id=all would be refused and abort the preview).
func TestReadPreviewNamesItsAccounts(t *testing.T) {
	names := func(ids ...int) []string {
		var rows []string
		for _, id := range ids {
			rows = append(rows, fmt.Sprintf("child-%d,false", id))
		}
		return rows
	}
	tests := []struct {
		name         string
		cfg          voxsim.Config
		src          string
		wantRequests int
		wantCounts   map[State]int
	}{
		{"few ids: one list", voxsim.Config{}, rowsCSV("child_account_id,active", "1000,false", "1001,false", "99999,false"),
			1, map[State]int{StateChange: 1, StateUnchanged: 1, StateMissing: 1}},
		{"many ids: lists of the chunk size", voxsim.Config{}, rowsCSV("child_account_id,active", idRows(1000, 120)...),
			3, map[State]int{StateChange: 119, StateUnchanged: 1, StateMissing: 0}},
		{"names: lists once one came back exact", voxsim.Config{}, rowsCSV("child_account_name,active", names(idRange(2000, 120)...)...),
			3, map[State]int{StateChange: 120, StateUnchanged: 0, StateMissing: 0}},
		{"names refused as lists: one per read", voxsim.Config{RefuseReadLists: true}, rowsCSV("child_account_name,active", names(1000, 1001, 1002)...),
			1 + 3, map[State]int{StateChange: 2, StateUnchanged: 1, StateMissing: 0}},
		{"a short first list: one per read", voxsim.Config{}, rowsCSV("child_account_name,active", names(1000, 9999, 1002)...),
			1 + 1, map[State]int{StateChange: 2, StateUnchanged: 0, StateMissing: 1}},
		{"substring names: a list matches exactly", voxsim.Config{Accounts: 12000, SubstringNames: true},
			rowsCSV("child_account_name,active", names(1001, 1010, 1100)...),
			1, map[State]int{StateChange: 2, StateUnchanged: 1, StateMissing: 0}},
		{"substring names: one per read matches exactly", voxsim.Config{Accounts: 12000, SubstringNames: true, RefuseReadLists: true},
			rowsCSV("child_account_name,active", names(1001, 1010)...),
			1 + 2, map[State]int{StateChange: 1, StateUnchanged: 1, StateMissing: 0}},
		{"substring names: a missing one stays missing", voxsim.Config{Accounts: 12000, SubstringNames: true},
			rowsCSV("child_account_name,active", names(1001, 200)...),
			1 + 1, map[State]int{StateChange: 0, StateUnchanged: 1, StateMissing: 1}},
		{"all is not read", voxsim.Config{}, rowsCSV("child_account_id,active", "all,false"),
			0, map[State]int{StateChange: 1, StateUnchanged: 0, StateMissing: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.Accounts == 0 {
				tt.cfg.Accounts = 3000
			}
			s, c := startPreviewSim(t, tt.cfg)
			p := loadPlan(t, tt.src)
			pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000, ChunkSize: 50}), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := pv.Counts(); !reflect.DeepEqual(got, tt.wantCounts) {
				t.Errorf("counts %v, want %v", got, tt.wantCounts)
			}
			st := s.Stats()
			if pv.Requests != tt.wantRequests || st.ByMethod["GetChildrenAccounts"] != int64(tt.wantRequests) {
				t.Errorf("requests %d (simulator %v), want %d", pv.Requests, st.ByMethod, tt.wantRequests)
			}
			if n := st.ByMethod["SetChildAccountInfo"]; n != 0 {
				t.Errorf("a preview sent %d SetChildAccountInfo", n)
			}
			if st.MaxList > 50 {
				t.Errorf("a list of %d accounts; the chunk size is 50", st.MaxList)
			}
		})
	}
}

// TestReadPreviewQueries checks every read of a plan that mixes ids (more
// than one list), names, emails and an "all" row against an API whose
// name and email filters are single values: each read names its accounts,
// ids in lists of at most the chunk size with count the list's length,
// names and emails one per read after a first list came back short.
func TestReadPreviewQueries(t *testing.T) {
	accts := someAccounts(40)
	accts[3].Active = false
	c := &readClient{accounts: accts}
	rows := []string{"all,,,false"}
	for i := range 12 {
		rows = append(rows, fmt.Sprintf("%d,,,false", 1000+i))
	}
	rows = append(rows, ",child-1020,,false", ",child-1021,,false", ",,CHILD-1030@example.test,false", ",,child-1031@example.test,false",
		",,nobody@example.test,false")
	p := loadPlan(t, rowsCSV("child_account_id,child_account_name,child_account_email,active", rows...))
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000, ChunkSize: 5}), 0)
	if err != nil {
		t.Fatal(err)
	}
	// 3 id lists; a list of 2 names, answered empty, then 2 single reads;
	// a list of 3 emails, answered short, then 3 single reads.
	if c.calls != 3+1+2+1+3 || pv.Requests != c.calls {
		t.Errorf("%d reads (preview says %d), want 10", c.calls, pv.Requests)
	}
	singles := 0
	for _, q := range c.queries {
		var sel []string
		for _, k := range []string{"child_account_id", "child_account_name", "child_account_email"} {
			if q.Get(k) != "" {
				sel = append(sel, k)
			}
		}
		if len(sel) != 1 || q.Get("child_account_id") == "all" {
			t.Fatalf("read %v does not name its accounts with one selector", q)
		}
		n := strings.Count(q.Get(sel[0]), ";") + 1
		switch {
		case sel[0] == "child_account_id" && (n > 5 || q.Get("count") != strconv.Itoa(n)):
			t.Errorf("id read %v: count is not the list's length (or the list is over the chunk size)", q)
		case n == 1 && sel[0] != "child_account_id":
			singles++
		}
	}
	if singles != 5 {
		t.Errorf("%d single reads, want 5", singles)
	}
	if got := pv.Counts(); got[StateChange] != 1+11+4 || got[StateUnchanged] != 1 || got[StateMissing] != 1 {
		t.Errorf("counts %v", got)
	}
}

// TestReadPreviewUnrecognizedCodeStops: a code not known to be about a row
// is not split; the reads stop.
func TestReadPreviewUnrecognizedCodeStops(t *testing.T) {
	c := &readClient{accounts: someAccounts(10), fail: failCalls(apiError(9999), 1)}
	_, err := ReadPreview(context.Background(), loadPlan(t, rowsCSV("child_account_id,active", idRows(1000, 8)...)), c,
		fastConfig(Config{Rate: 1000, Workers: 1}), 0)
	var ae *AbortError
	if !errors.As(err, &ae) || c.calls != 1 {
		t.Errorf("err %v after %d reads, want an abort after 1", err, c.calls)
	}
}

// TestReadPreviewOptionalFields: accounts whose answer leaves the optional
// fields out show them as unknown changes, so that --skip-unchanged sends
// them. Before issue 12, a missing support_robokassa read as false and
// such rows were skipped.
func TestReadPreviewOptionalFields(t *testing.T) {
	_, c := startPreviewSim(t, voxsim.Config{Accounts: 20, OmitOptional: 5})
	p := loadPlan(t, rowsCSV("child_account_id,support_robokassa", "1004,false", "1005,false", "1010,false"))
	pv, err := ReadPreview(context.Background(), p, c, fastConfig(Config{Rate: 1000}), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, as := range pv.Accounts {
		got = append(got, fmt.Sprintf("%s=%s%v", as.Account, as.State, as.Changes))
	}
	want := "[1004=unchanged[] 1005=change[{support_robokassa <nil> false true}] 1010=change[{support_robokassa <nil> false true}]]"
	if fmt.Sprint(got) != want {
		t.Errorf("accounts %v\nwant %s", got, want)
	}
	if pv.Todo(0) || !pv.Todo(1) || !pv.Todo(2) {
		t.Error("rows with a missing field would be skipped")
	}
}

// TestReadPreviewReadsNoneForAllOnly: a plan of one "all" row sends no
// read at all, and does not abort.
func TestReadPreviewReadsNoneForAllOnly(t *testing.T) {
	c := &readClient{accounts: someAccounts(3)}
	pv, err := ReadPreview(context.Background(), loadPlan(t, rowsCSV("child_account_id,active", "all,false")), c, Config{}, 0)
	if err != nil || c.calls != 0 || len(pv.Accounts) != 1 || !pv.Accounts[0].Unlisted {
		t.Fatalf("err %v, %d reads, accounts %+v", err, c.calls, pv)
	}
}
