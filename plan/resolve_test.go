package plan

import (
	"errors"
	"strings"
	"testing"
)

func loadCSV(t *testing.T, text string, opts Options) *Plan {
	t.Helper()
	opts.Format = "csv"
	p, err := Load("plan.csv", strings.NewReader(text), opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolve(t *testing.T) {
	const text = "child_account_id,child_account_name,child_account_email,active\n" +
		"1000,,,false\n" + // line 2
		",child-1000,,false\n" + // line 3: the same account, the same change
		",,c1001@x.test,true\n" + // line 4
		"1001,,,false\n" + // line 5: the same account as line 4, another change
		",,c1001@x.test,true\n" // line 6: merged into line 4 by Load
	ids := map[string]string{"child-1000": "1000", "c1001@x.test": "1001"}
	idOf := func(p *Plan) func(int) string {
		return func(i int) string { return ids[p.Rows[i].Account] }
	}
	p := loadCSV(t, text, Options{})
	if !p.MixesKinds() {
		t.Fatal("the plan mixes kinds")
	}
	digest := p.Digest
	err := p.Resolve(idOf(p), false, 100)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Count != 3 || !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v, want 3 conflicts (lines 4, 5 and 6)", err)
	}
	for _, re := range ve.Errors {
		if re.Line == 5 && !strings.Contains(re.Error(), "lines 4 and 6") {
			t.Errorf("line 5: %v", re)
		}
	}
	if !p.Rows[3].Valid() {
		t.Error("without skipInvalid, Resolve changed the rows")
	}

	p = loadCSV(t, text, Options{SkipInvalid: true})
	if err := p.Resolve(idOf(p), true, 100); err != nil {
		t.Fatal(err)
	}
	if p.Digest != digest {
		t.Error("Resolve changed the digest")
	}
	for _, i := range []int{2, 3, 4} {
		if p.Rows[i].Valid() || !errors.Is(p.Rows[i].Err, ErrConflict) {
			t.Errorf("row of line %d is not invalid: %+v", p.Rows[i].Line, p.Rows[i])
		}
	}
	if p.Rows[1].Dup != 0 || len(p.Dups(0)) != 1 || !p.Rows[0].Valid() {
		t.Errorf("line 3 is not merged into line 2: dup %d, dups %v", p.Rows[1].Dup, p.Dups(0))
	}
	if reqs := Chunk(p, nil, 50); len(reqs) != 1 || len(reqs[0].Rows) != 1 {
		t.Errorf("requests %+v: want line 2 alone", reqs)
	}
}

func TestEscapeControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                "plain",
		"clear\x1b[2Jscreen":   `clear\x1b[2Jscreen`,
		"a\u202eb\u0085c\x7fé": `a\u202eb\u0085c\x7fé`,
		"Привет, мир\t!":       `Привет, мир\t!`,
		"":                     "",
	} {
		if got := EscapeControls(in); got != want {
			t.Errorf("EscapeControls(%q) = %q, want %q", in, got, want)
		}
	}
}
