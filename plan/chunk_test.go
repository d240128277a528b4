package plan_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// randomPlan writes a CSV plan of n rows over a few changes, selector
// kinds and accounts (so with duplicates), some solo rows among them.
func randomPlan(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString("child_account_id,child_account_name,active,language_code,new_child_account_email\n")
	changes := []string{"true,,", "false,,", "false,en,", "true,de,"}
	for range n {
		acct := r.IntN(3 * n / 2)
		var sel string
		switch r.IntN(3) {
		case 0, 1:
			sel = fmt.Sprintf("%d,", 1+acct)
		default:
			sel = fmt.Sprintf(",shop%d", acct)
		}
		ch := changes[acct%len(changes)] // the same account gets the same change: merged, not a conflict
		if acct%17 == 0 {
			ch = fmt.Sprintf(",,owner%d@example.com", acct)
		}
		b.WriteString(sel + "," + ch + "\n")
	}
	return b.String()
}

// checkChunks checks every property Chunk promises for one plan, todo and
// size.
func checkChunks(t *testing.T, p *plan.Plan, todo func(int) bool, size int) []plan.Request {
	t.Helper()
	reqs := plan.Chunk(p, todo, size)
	// expected groups, computed the plain way
	type key struct {
		kind plan.SelectorKind
		c    *plan.Change
		row  int // for rows sent alone
	}
	var order []key
	groups := map[key][]int32{}
	for i, r := range p.Rows {
		if !r.Valid() || r.Dup >= 0 || (todo != nil && !todo(i)) {
			continue
		}
		k := key{r.Kind, r.Change, -1}
		if r.Change.Solo() || r.Account == "all" {
			k.row = i
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], int32(i))
	}
	want := 0
	for _, k := range order {
		want += (len(groups[k]) + size - 1) / size
	}
	if len(reqs) != want {
		t.Fatalf("size %d: %d requests, want the minimum %d", size, len(reqs), want)
	}
	// the requests, concatenated, are the groups in order
	var got, wantRows []int32
	for i, r := range reqs {
		if r.Seq != i+1 {
			t.Errorf("request %d has Seq %d", i, r.Seq)
		}
		if len(r.Rows) == 0 || len(r.Rows) > size {
			t.Errorf("request %d holds %d rows, size %d", r.Seq, len(r.Rows), size)
		}
		for _, ri := range r.Rows {
			row := p.Rows[ri]
			if row.Kind != r.Kind || row.Change != r.Change {
				t.Errorf("request %d mixes kinds or changes", r.Seq)
			}
			if (row.Change.Solo() || row.Account == "all") && len(r.Rows) != 1 {
				t.Errorf("request %d: a solo row shares a request", r.Seq)
			}
		}
		got = append(got, r.Rows...)
	}
	for _, k := range order {
		wantRows = append(wantRows, groups[k]...)
	}
	if !slices.Equal(got, wantRows) {
		t.Errorf("size %d: rows in requests\n got %v\nwant %v", size, got, wantRows)
	}
	return reqs
}

func TestChunkProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 30 {
		n := 1 + r.IntN(300)
		p := mustLoad(t, "p.csv", randomPlan(r, n), plan.Options{})
		for _, size := range []int{1, 2, 3, 7, 50, 1000} {
			a := checkChunks(t, p, nil, size)
			if b := plan.Chunk(p, nil, size); !reflect.DeepEqual(a, b) {
				t.Fatalf("trial %d size %d: Chunk is not deterministic", trial, size)
			}
			if s := p.Summarize(size); s.Requests != len(a) {
				t.Errorf("trial %d size %d: Summarize says %d requests, Chunk made %d", trial, size, s.Requests, len(a))
			}
			odd := func(i int) bool { return i%2 == 1 }
			checkChunks(t, p, odd, size)
		}
	}
}

func TestChunkOrderAndRequests(t *testing.T) {
	csv := "child_account_id,child_account_name,active,new_child_account_password,language_code\n" +
		"1,,false,,\n" + // row 0: group A
		",a,false,,\n" + // row 1: group B (another kind)
		"2,,true,,\n" + // row 2: group C
		"3,,false,,\n" + // row 3: group A
		"all,,,,de\n" + // row 4: alone; no other row sets language_code
		"4,,,Secr3t!pw,\n" + // row 5: alone (password)
		"5,,,Secr3t!pw,\n" + // row 6: alone (password), same change as row 5
		"6,,false,,\n" + // row 7: group A
		"2,,true,,\n" // row 8: dup of row 2
	p := mustLoad(t, "p.csv", csv, plan.Options{AllowAll: true})
	reqs := plan.Chunk(p, nil, 2)
	var got []string
	for _, r := range reqs {
		got = append(got, fmt.Sprintf("%d %s %v", r.Seq, r.Kind, r.Accounts(p)))
	}
	want := []string{
		"1 child_account_id [1 3]",
		"2 child_account_id [6]",
		"3 child_account_name [a]",
		"4 child_account_id [2]",
		"5 child_account_id [all]",
		"6 child_account_id [4]",
		"7 child_account_id [5]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests\n got %q\nwant %q", got, want)
	}
	if reqs[5].Change != reqs[6].Change {
		t.Error("identical password changes are not one *Change")
	}
	if got := reqs[0].Params(p).Encode(); got != "active=false&child_account_id=1%3B3" {
		t.Errorf("params %s", got)
	}
	if got := reqs[5].Params(p).Get("new_child_account_password"); got != "Secr3t!pw" {
		t.Errorf("the password to send is %q", got)
	}
	if got := reqs[3].Lines(p); fmt.Sprint(got) != "[4 10]" {
		t.Errorf("lines of the request with a duplicate: %v", got)
	}
	s := p.Summarize(2)
	want2 := plan.Summary{Rows: 9, Valid: 9, Duplicates: 1, Groups: 6, Requests: 7,
		ByKind: map[plan.SelectorKind]int{plan.ByID: 8, plan.ByName: 1}, MixedKinds: true}
	if !reflect.DeepEqual(s, want2) {
		t.Errorf("summary\n got %+v\nwant %+v", s, want2)
	}
	// sizes out of range are clamped
	if n := len(plan.Chunk(p, nil, 0)); n != 8 {
		t.Errorf("size 0: %d requests, want 8 (size 1)", n)
	}
	// a resumed run: only rows 3 and 7 left
	left := plan.Chunk(p, func(i int) bool { return i == 3 || i == 7 }, 2)
	if len(left) != 1 || fmt.Sprint(left[0].Accounts(p)) != "[3 6]" || left[0].Seq != 1 {
		t.Errorf("todo filter: %+v", left)
	}
}

func TestChangeAPI(t *testing.T) {
	p := mustLoad(t, "p.csv", "child_account_id,can_use_restricted,new_child_account_email,new_child_account_password,location\n"+
		"1,yes,new@example.com,Secr3t!pw,Asia/Tokyo\n", plan.Options{})
	c := p.Rows[0].Change
	if got := fmt.Sprint(c.Params()); got != "[new_child_account_email new_child_account_password location can_use_restricted]" {
		t.Errorf("params %s", got)
	}
	if !c.Solo() {
		t.Error("a change of email is not solo")
	}
	if got := fmt.Sprint(c.Redacted()); got != "[{new_child_account_email new@example.com} {new_child_account_password ***} {location Asia/Tokyo} {can_use_restricted true}]" {
		t.Errorf("redacted %s", got)
	}
	if v, ok := c.Get(plan.NewChildAccountPassword); !ok || v != "Secr3t!pw" {
		t.Errorf("Get(password) = %q, %v", v, ok)
	}
	if v, ok := c.Get(plan.Active); ok || v != "" {
		t.Errorf("Get(active) = %q, %v", v, ok)
	}
	if _, ok := c.Get(plan.NumParams); ok {
		t.Error("Get(NumParams) is set")
	}
}

func TestParamAndKind(t *testing.T) {
	var bools, secrets []string
	for p := range plan.NumParams {
		if p.IsBool() {
			bools = append(bools, p.String())
		}
		if p.Secret() {
			secrets = append(secrets, p.String())
		}
	}
	if got := fmt.Sprint(bools); got != "[account_notifications tariff_changing_notifications news_notifications active support_robokassa support_bank_card support_invoice can_use_restricted]" {
		t.Errorf("booleans %s", got)
	}
	if got := fmt.Sprint(secrets); got != "[new_child_account_password]" {
		t.Errorf("secrets %s", got)
	}
	if got := fmt.Sprint(plan.SelectorKind(0), plan.ByID, plan.ByName, plan.ByEmail, plan.NumParams); got != " child_account_id child_account_name child_account_email param(13)" {
		t.Errorf("names %q", got)
	}
}
