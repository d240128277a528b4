package plan_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/plan"
)

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// addSeeds adds the files of testdata matching pattern to the corpus.
func addSeeds(f *testing.F, pattern string) {
	paths, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds %s: %v", pattern, err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkLoad loads data and checks what holds for any input: no panic, an
// error is a *ValidationError with a sane count, a plan's rows, digest,
// chunks and summary agree.
func checkLoad(t *testing.T, name string, data []byte) {
	for _, opts := range []plan.Options{{}, {SkipInvalid: true, AllowAll: true, MaxErrors: 3}} {
		p, err := plan.Load(name, strings.NewReader(string(data)), opts)
		if err != nil {
			var ve *plan.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is not a *ValidationError: %v", err)
			}
			if ve.Count < 1 || len(ve.Errors) < 1 || len(ve.Errors) > ve.Count {
				t.Fatalf("count %d with %d errors", ve.Count, len(ve.Errors))
			}
			for _, re := range ve.Errors {
				if re.File != name || re.Err == nil {
					t.Fatalf("bad RowError %+v", re)
				}
			}
			continue
		}
		if !digestRE.MatchString(p.Digest) {
			t.Fatalf("digest %q", p.Digest)
		}
		sendable := 0
		for i, r := range p.Rows {
			if r.Index != i {
				t.Fatalf("row %d has Index %d", i, r.Index)
			}
			if r.Valid() == (r.Err != nil) {
				t.Fatalf("row %d: valid %v with Err %v", i, r.Valid(), r.Err)
			}
			if !opts.SkipInvalid && r.Err != nil {
				t.Fatalf("row %d invalid without SkipInvalid", i)
			}
			if r.Dup >= 0 && (int(r.Dup) >= i || p.Rows[r.Dup].Change != r.Change || p.Rows[r.Dup].Dup != -1) {
				t.Fatalf("row %d: bad Dup %d", i, r.Dup)
			}
			if r.Valid() && r.Dup < 0 {
				sendable++
			}
		}
		checkNoConflict(t, p)
		for _, size := range []int{1, 3} {
			reqs := plan.Chunk(p, nil, size)
			seen := map[int32]bool{}
			for _, rq := range reqs {
				if len(rq.Rows) == 0 || len(rq.Rows) > size {
					t.Fatalf("request of %d rows, size %d", len(rq.Rows), size)
				}
				for _, ri := range rq.Rows {
					if seen[ri] {
						t.Fatalf("row %d in two requests", ri)
					}
					seen[ri] = true
				}
				if v := rq.Params(p); len(v[rq.Kind.String()]) != 1 {
					t.Fatalf("request without its selector: %v", v)
				}
			}
			if len(seen) != sendable {
				t.Fatalf("requests cover %d rows, want %d", len(seen), sendable)
			}
			if s := p.Summarize(size); s.Requests != len(reqs) || s.Rows != len(p.Rows) {
				t.Fatalf("summary %+v for %d requests", s, len(reqs))
			}
		}
	}
}

// checkNoConflict fails when two valid rows give one account (or "all"
// and any account) different values of a parameter.
func checkNoConflict(t *testing.T, p *plan.Plan) {
	type account struct {
		kind plan.SelectorKind
		name string
	}
	first := map[account]*plan.Change{}
	var all *plan.Change
	for _, r := range p.Rows {
		if !r.Valid() {
			continue
		}
		a := account{r.Kind, r.Account}
		if r.Kind == plan.ByEmail {
			a.name = strings.ToLower(a.name)
		}
		if c, ok := first[a]; ok && c != r.Change {
			t.Fatalf("line %d: a valid conflict for %q: %v and %v", r.Line, r.Account, c, r.Change)
		}
		first[a] = r.Change
		if r.Kind == plan.ByID && r.Account == "all" {
			all = r.Change
		}
	}
	for _, r := range p.Rows {
		if !r.Valid() || all == nil || r.Change == all {
			continue
		}
		for _, param := range r.Change.Params() {
			v, _ := r.Change.Get(param)
			if va, ok := all.Get(param); ok && va != v {
				t.Fatalf("line %d: %s=%s against all's %s", r.Line, param, v, va)
			}
		}
	}
}

// fuzzLoad fuzzes checkLoad of a plan file called name, seeded with the
// testdata files of name's extension and with seeds.
func fuzzLoad(f *testing.F, name string, seeds ...string) {
	addSeeds(f, "*"+filepath.Ext(name))
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLoad(t, name, data)
	})
}

func FuzzLoadCSV(f *testing.F) {
	fuzzLoad(f, "fuzz.csv",
		"child_account_id;active\r\n\"1\";\"yes\"\r\n",
		"child_account_name,active\n\"a\"\"b\",no\n",
		"child_account_id,active,language_code\nall,false,\n1,true,\n2,,en\n2,false,\n2,,en\n")
}

func FuzzLoadYAML(f *testing.F) {
	fuzzLoad(f, "fuzz.yaml",
		"- child_account_id: 1\n  active: no\n",
		"accounts:\n  - &a {child_account_id: 1, active: true}\n  - *a\n")
}
