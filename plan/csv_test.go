package plan_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

// row is what a test expects of a loaded row.
type row struct {
	line    int
	kind    plan.SelectorKind
	account string
	change  string // Change.String()
	dup     int32
}

func rowsOf(p *plan.Plan) []row {
	var out []row
	for _, r := range p.Rows {
		c := ""
		if r.Change != nil {
			c = r.Change.String()
		}
		out = append(out, row{r.Line, r.Kind, r.Account, c, r.Dup})
	}
	return out
}

func TestCSVForms(t *testing.T) {
	want := []row{
		{2, plan.ByID, "11", "active=false", -1},
		{3, plan.ByName, "shop, eu", "active=false language_code=no", -1},
	}
	tests := []struct {
		name, csv string
		want      []row
	}{
		{"comma LF", "child_account_id,child_account_name,active,language_code\n11,,false,\n,\"shop, eu\",false,no\n", want},
		{"semicolon CRLF BOM", "\ufeffchild_account_id;child_account_name;active;language_code\r\n11;;false;\r\n;shop, eu;false;no\r\n", want},
		{"header spelled loosely", " Child Account ID , child-account-NAME,ACTIVE,Language Code\n11,,false,\n,\"shop, eu\",false,no\n", want},
		{"semicolon in a quoted header", "\"child_account_id\",\"child_account_name\",active,\"language;code\"\n", nil}, // see below
		{"columns in another order and fewer cells", "language_code,active,child_account_name,child_account_id\n,false,,11\nno,false,\"shop, eu\"\n", want},
		{"blank and empty rows skipped", "child_account_id,child_account_name,active,language_code\n\n11,,false,\n,,,\n,\"shop, eu\",false,no\n,,,\n", []row{
			{3, plan.ByID, "11", "active=false", -1},
			{5, plan.ByName, "shop, eu", "active=false language_code=no", -1},
		}},
		{"trailing empty column", "child_account_id,active,\n11,false,\n", []row{{2, plan.ByID, "11", "active=false", -1}}},
		{"Excel sep line", "\ufeffsep=;\r\nchild_account_id;child_account_name;active;language_code\r\n11;;false;\r\n;shop, eu;false;no\r\n", []row{
			{3, plan.ByID, "11", "active=false", -1},
			{4, plan.ByName, "shop, eu", "active=false language_code=no", -1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.name, "semicolon in a quoted header") {
				// a ';' inside quotes does not count: the delimiter stays ','
				_, err := load(t, "p.csv", tt.csv, plan.Options{})
				if !errors.Is(err, plan.ErrUnknownColumn) || !strings.Contains(err.Error(), `column "language;code"`) {
					t.Fatalf("got %v, want the unknown column \"language;code\"", err)
				}
				return
			}
			p := mustLoad(t, "p.csv", tt.csv, plan.Options{})
			got := rowsOf(p)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("rows\n got %v\nwant %v", got, tt.want)
			}
			for i, r := range p.Rows {
				if r.Index != i {
					t.Errorf("row %d has Index %d", i, r.Index)
				}
			}
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	csv := "child_account_id,active,language_code,location\n" +
		"1,true,en,Europe/Berlin\n" +
		"x,maybe,en,Europe/Berlin\n" +
		"3,true,zz,Nowhere/Land\n" +
		"4,true,en,Europe/Berlin\n"
	_, err := load(t, "p.csv", csv, plan.Options{})
	ve := validationError(t, err)
	want := []string{
		`p.csv:3: child_account_id: "x" is not a positive integer or "all"`,
		`p.csv:3: active: "maybe" is not a boolean (use true/false, yes/no, on/off or 1/0)`,
		`p.csv:4: language_code: "zz" is not a language code in the API's list`,
		`p.csv:4: location: "Nowhere/Land" is not an IANA time zone (e.g. America/Los_Angeles, Etc/GMT-8)`,
	}
	if got := problemLines(ve); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	if ve.Count != 4 || !strings.HasSuffix(err.Error(), "\n4 problems in p.csv") {
		t.Errorf("count %d, error:\n%v", ve.Count, err)
	}
	if !errors.Is(err, plan.ErrLocation) || errors.Is(err, plan.ErrEmail) {
		t.Error("errors.Is does not see the problems")
	}
}

func TestMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("child_account_id,active\n")
	for range 250 {
		b.WriteString("1,nope\n")
	}
	tests := []struct {
		max, shown int
		tail       string
	}{
		{0, 100, "250 problems in p.csv (first 100 shown)"},
		{3, 3, "250 problems in p.csv (first 3 shown)"},
		{-1, 250, "250 problems in p.csv"},
		{1000, 250, "250 problems in p.csv"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			_, err := load(t, "p.csv", b.String(), plan.Options{MaxErrors: tt.max})
			ve := validationError(t, err)
			if ve.Count != 250 || len(ve.Errors) != tt.shown {
				t.Errorf("count %d shown %d, want 250 and %d", ve.Count, len(ve.Errors), tt.shown)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != tt.shown+1 || lines[len(lines)-1] != tt.tail {
				t.Errorf("%d lines, last %q; want %d and %q", len(lines), lines[len(lines)-1], tt.shown+1, tt.tail)
			}
		})
	}
	_, err := load(t, "p.csv", "child_account_id,active\n1,nope\n", plan.Options{})
	if got := err.Error(); !strings.HasSuffix(got, "\n1 problem in p.csv") {
		t.Errorf("singular count line missing: %q", got)
	}
}

func TestSkipInvalid(t *testing.T) {
	csv := "child_account_id,active\n" +
		"1,false\n" +
		"2,maybe\n" +
		"3,false\n" +
		"1,true\n" + // conflict with line 2: both invalid
		"all,false\n"
	p := mustLoad(t, "p.csv", csv, plan.Options{SkipInvalid: true})
	if len(p.Rows) != 5 {
		t.Fatalf("%d rows, want 5", len(p.Rows))
	}
	wantErr := []error{plan.ErrConflict, plan.ErrBool, nil, plan.ErrConflict, plan.ErrAll}
	// an invalid row keeps the selector it could read; "all" refused is a
	// selector's problem
	wantKind := []plan.SelectorKind{plan.ByID, plan.ByID, plan.ByID, plan.ByID, 0}
	for i, r := range p.Rows {
		if r.Kind != wantKind[i] {
			t.Errorf("row %d: Kind %v, want %v", i, r.Kind, wantKind[i])
		}
		if r.Index != i {
			t.Errorf("row %d: Index %d", i, r.Index)
		}
		if wantErr[i] == nil {
			if !r.Valid() || r.Err != nil {
				t.Errorf("row %d: want valid, got %+v", i, r)
			}
			continue
		}
		if r.Err == nil || !errors.Is(r.Err, wantErr[i]) || r.Change != nil || r.Valid() {
			t.Errorf("row %d: want invalid with %v, got %+v", i, wantErr[i], r)
		}
	}
	if p.Rows[1].Account != "2" || p.Rows[4].Account != "all" {
		t.Errorf("invalid rows keep their account as written: %q %q", p.Rows[1].Account, p.Rows[4].Account)
	}
	s := p.Summarize(10)
	if s.Rows != 5 || s.Valid != 1 || s.Invalid != 4 || s.Requests != 1 || s.Groups != 1 {
		t.Errorf("summary %+v", s)
	}
	reqs := plan.Chunk(p, nil, 10)
	if len(reqs) != 1 || fmt.Sprint(reqs[0].Accounts(p)) != "[3]" {
		t.Errorf("requests %+v", reqs)
	}

	// a problem of the header cannot be skipped
	_, err := load(t, "p.csv", "child_account_id,activ\n1,false\n", plan.Options{SkipInvalid: true})
	if !errors.Is(err, plan.ErrUnknownColumn) {
		t.Errorf("unknown column under SkipInvalid: got %v", err)
	}
}

func TestDuplicates(t *testing.T) {
	csv := "child_account_id,child_account_email,active,language_code\n" +
		"10,,false,en\n" + // line 2
		",a@example.com,false,en\n" + // line 3
		"010,,false,EN\n" + // line 4: dup of line 2 (same ID, same normalized change)
		",A@EXAMPLE.com,false,en\n" + // line 5: dup of line 3 (emails in any case)
		"11,,false,en\n" + // line 6
		"10,,false,en\n" // line 7: dup of line 2
	p := mustLoad(t, "p.csv", csv, plan.Options{})
	wantDup := []int32{-1, -1, 0, 1, -1, 0}
	for i, r := range p.Rows {
		if r.Dup != wantDup[i] {
			t.Errorf("row %d: Dup %d, want %d", i, r.Dup, wantDup[i])
		}
	}
	if p.Rows[0].Change != p.Rows[1].Change || p.Rows[0].Change != p.Rows[4].Change {
		t.Error("identical changes are not one *Change")
	}
	if got := fmt.Sprint(p.Dups(0), p.Dups(1), p.Dups(4)); got != "[2 5] [3] []" {
		t.Errorf("Dups: %s", got)
	}
	s := p.Summarize(50)
	if s.Duplicates != 3 || s.Valid != 6 || s.Requests != 2 || s.ByKind[plan.ByID] != 4 || s.ByKind[plan.ByEmail] != 2 {
		t.Errorf("summary %+v", s)
	}
	reqs := plan.Chunk(p, nil, 50)
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if got := fmt.Sprint(reqs[0].Accounts(p), reqs[0].Lines(p), reqs[1].Accounts(p), reqs[1].Lines(p)); got != "[10 11] [2 4 6 7] [a@example.com] [3 5]" {
		t.Errorf("requests: %s", got)
	}
}

func TestEmptyValueLeavesUnchanged(t *testing.T) {
	p := mustLoad(t, "p.csv", "child_account_id,active,language_code,location\n1,,en,\n", plan.Options{})
	c := p.Rows[0].Change
	if _, ok := c.Get(plan.Active); ok {
		t.Error("an empty cell set active")
	}
	if got := fmt.Sprint(c.Params()); got != "[language_code]" {
		t.Errorf("params %s", got)
	}
}
