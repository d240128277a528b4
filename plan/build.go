package plan

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file turns raw rows, as the CSV and YAML readers find them, into
// Rows: it checks and normalizes values, applies defaults, merges duplicate
// accounts and feeds the digest, all in one pass in plan order.

// field is one raw value and the line it is on; s == "" means unset.
type field struct {
	s    string
	line int
}

// rawRow is a row as read, before any check.
type rawRow struct {
	line   int
	sel    [ByEmail + 1]field // indexed by SelectorKind; [0] unused
	val    [NumParams]field
	given  bool        // a non-selector value is present, valid or not
	pre    []*RowError // structural problems the reader found in the row
	more   int         // further problems the reader counted but did not build (see problems.keeps)
	broken bool        // the row could not be read at all; pre says why
}

// digestVersion starts every digest, so that a change of the encoding
// cannot collide with an older one.
const digestVersion = "voxbatch plan digest v1\n"

type builder struct {
	file string
	opts Options
	plan *Plan
	ps   problems

	in    interner
	zones zones
	decs  decimals

	defaults   [NumParams]string
	defaultSet uint16
	defaultBad bool // a default was rejected: rows may lack the change it meant

	// first row of each account, per selector kind; "all" is ID 0
	ids           idIndex
	names, emails map[string]int32
	// first row giving each new_child_account_email, by selector kind and
	// the address in lower case
	newEmails map[string]int32
	// rows that conflict with the first row of their account, by that
	// first row; settled by finish (conflict.go)
	conflicts map[int32][]conflictRow
	allRow    int32 // 1 + the first valid row of "all", or 0

	// accounts of the rows not yet given their Account, packed
	accBuf []byte
	accEnd []int

	h    hash.Hash
	dbuf []byte
}

func newBuilder(file string, opts Options) *builder {
	maxErr := opts.MaxErrors
	if maxErr == 0 {
		maxErr = DefaultMaxErrors
	}
	b := &builder{
		file:   file,
		opts:   opts,
		plan:   &Plan{Source: file, dups: map[int32][]int32{}},
		ps:     problems{file: file, max: maxErr},
		names:  map[string]int32{},
		emails: map[string]int32{},
		h:      sha256.New(),
		dbuf:   make([]byte, 0, 4<<10),
	}
	b.dbuf = append(b.dbuf, digestVersion...)
	return b
}

// norm checks one value of p and returns it normalized.
// Values that are not UTF-8 fail each rule on their own: the rules of
// booleans, language codes and decimals take ASCII only, and the others
// check. The rules of the text every value obeys (checkText) run first for
// free text; the other rules take a few ASCII characters only, which
// never include a control character, so checkText runs only to explain
// their refusal: the hot path of a plan of IDs and flags scans nothing.
func (b *builder) norm(p Param, s string) (string, error) {
	if len(s) > MaxValueLen {
		return "", checkText(s, p.Secret())
	}
	switch p {
	case NewChildAccountEmail:
		if err := checkText(s, false); err != nil {
			return "", err
		}
		return s, checkEmail(s)
	case NewChildAccountPassword:
		if err := checkText(s, true); err != nil {
			return "", err
		}
		return s, checkPassword(s)
	case LanguageCode:
		v, err := checkLanguage(s)
		return v, textFirst(s, err)
	case Location:
		return s, textFirst(s, b.zones.check(s))
	case MinBalanceToNotify:
		v, err := b.decs.check(s)
		return v, textFirst(s, err)
	}
	if v, ok := parseBool(s); ok {
		return v, nil
	}
	return "", textFirst(s, boolProblem(s))
}

// textFirst returns the problem checkText finds in s, which says more than
// err, the refusal of a rule; or err.
func textFirst(s string, err error) error {
	if err == nil {
		return nil
	}
	if te := checkText(s, false); te != nil {
		return te
	}
	return err
}

// shown is what a RowError may keep of a value of p.
func shown(p Param, s string) string {
	if p.Secret() {
		return ""
	}
	return s
}

// setDefault records a YAML default; a bad one is a problem of the plan.
func (b *builder) setDefault(p Param, f field) {
	v, err := b.norm(p, f.s)
	if err != nil {
		b.ps.addFatal(f.line, p.String(), shown(p, f.s), err)
		b.defaultBad = true
		return
	}
	b.defaults[p] = strings.Clone(v)
	b.defaultSet |= 1 << p
}

// fail records a problem of the row being added; first keeps the row's
// first problem.
func (b *builder) fail(first **RowError, line int, fieldName, value string, err error) *RowError {
	re := &RowError{File: b.file, Line: line, Field: fieldName, Value: shownValue(value), Err: err}
	b.ps.add(re)
	if *first == nil {
		*first = re
	}
	return re
}

// add checks r and appends it to the plan.
func (b *builder) add(r *rawRow) {
	var first *RowError
	for _, re := range r.pre {
		b.ps.add(re)
		if first == nil {
			first = re
		}
	}
	b.ps.count += r.more
	if r.broken {
		b.appendRow(Row{Index: len(b.plan.Rows), Line: r.line, Dup: -1, Err: first}, "")
		return
	}

	kind, acc, id := b.selector(r, &first)

	var vals [NumParams]string
	var set uint16
	for p := range NumParams {
		f := r.val[p]
		if f.s == "" {
			if b.defaultSet&(1<<p) != 0 {
				vals[p] = b.defaults[p]
				set |= 1 << p
			}
			continue
		}
		v, err := b.norm(p, f.s)
		if err != nil {
			b.fail(&first, f.line, p.String(), shown(p, f.s), err)
			continue
		}
		vals[p] = v
		set |= 1 << p
	}
	if set == 0 && !r.given && first == nil && !b.defaultBad {
		b.fail(&first, r.line, "", "", newProblem(ErrNoChange, "no change: the row sets nothing besides its selector"))
	}

	idx := int32(len(b.plan.Rows))
	row := Row{Index: int(idx), Line: r.line, Dup: -1}
	if first == nil {
		row.Change = b.in.intern(set, &vals)
		if prev, ok := b.firstOf(kind, acc, id, idx); ok {
			if pc := b.plan.Rows[prev].Change; pc == nil {
				// The earlier row was found invalid after it was
				// registered (a new email given twice).
				b.fail(&first, r.sel[kind].line, kind.String(), acc, newProblem(ErrConflict,
					"account "+quote(acc)+" is also on line "+strconv.Itoa(b.plan.Rows[prev].Line)+", which is invalid"))
			} else if pc == row.Change {
				row.Dup = prev
				b.plan.dups[prev] = append(b.plan.dups[prev], idx)
			} else {
				// every row of the account is invalid: finish says why
				re := b.fail(&first, r.sel[kind].line, kind.String(), acc, nil)
				b.conflict(prev, idx, row.Change, re)
			}
		}
	}
	if first == nil && row.Dup < 0 {
		b.checkNewEmail(&first, r, idx, kind, row.Change)
	}
	row.Kind = kind // 0 when the selector could not be read; an invalid row keeps it, for its report
	if first != nil {
		row.Change, row.Err = nil, first
	} else if kind == ByID && id == 0 && row.Dup < 0 {
		b.allRow = idx + 1
	}
	b.appendRow(row, acc)
}

// checkNewEmail refuses a new_child_account_email that an earlier row of
// the same selector kind gives to another account: an address belongs to
// one account, so the second request could only fail with 128 at run time.
// Across kinds (an id and a name) the rows may name one account, which
// cannot be known offline.
func (b *builder) checkNewEmail(first **RowError, r *rawRow, idx int32, kind SelectorKind, c *Change) {
	v, ok := c.Get(NewChildAccountEmail)
	if !ok {
		return
	}
	key := string(rune('0'+kind)) + strings.ToLower(v)
	if prev, ok := b.newEmails[key]; ok {
		f := r.val[NewChildAccountEmail]
		line := f.line
		if line == 0 {
			line = r.line
		}
		b.fail(first, line, NewChildAccountEmail.String(), v, newProblem(ErrConflict,
			quote(v)+" is also given to another account on line "+strconv.Itoa(b.plan.Rows[prev].Line)+
				"; an address belongs to one account"))
		return
	}
	if b.newEmails == nil {
		b.newEmails = map[string]int32{}
	}
	b.newEmails[key] = idx
}

// appendRowDigest appends row's part of the plan digest; acc is its
// account.
func appendRowDigest(buf []byte, row *Row, acc string) []byte {
	if row.Err != nil {
		return append(buf, 'X')
	}
	buf = append(buf, 'R', byte(row.Kind))
	buf = binary.AppendUvarint(buf, uint64(len(acc)))
	buf = append(buf, acc...)
	return row.Change.appendDigest(buf)
}

// appendRow appends row with its account and feeds it to the digest.
func (b *builder) appendRow(row Row, acc string) {
	b.dbuf = appendRowDigest(b.dbuf, &row, acc)
	if len(b.dbuf) >= 32<<10 {
		b.h.Write(b.dbuf)
		b.dbuf = b.dbuf[:0]
	}
	if len(b.plan.Rows) == cap(b.plan.Rows) {
		// double, not append's 1.25 for large slices: a plan of unknown
		// size (stdin) is then copied a few times, not dozens
		b.plan.Rows = slices.Grow(b.plan.Rows, max(len(b.plan.Rows), 1024))
	}
	b.plan.Rows = append(b.plan.Rows, row)
	b.addAccount(acc)
}

// selector checks the row's selector. It returns the kind, the canonical
// account and, for child_account_id, the number (0 for "all"). For an
// invalid selector kind is 0 and acc the first selector value as written.
func (b *builder) selector(r *rawRow, first **RowError) (kind SelectorKind, acc string, id uint64) {
	var other SelectorKind
	for k := ByID; k <= ByEmail; k++ {
		if r.sel[k].s != "" {
			if kind == 0 {
				kind = k
			} else if other == 0 {
				other = k
			}
		}
	}
	if kind == 0 {
		b.fail(first, r.line, "", "", newProblem(ErrSelector,
			"no selector: set one of child_account_id, child_account_name or child_account_email"))
		return 0, "", 0
	}
	f := r.sel[kind]
	if other != 0 {
		b.fail(first, r.line, "", "", newProblem(ErrSelector,
			"sets both "+kind.String()+" and "+other.String()+": a row names its account one way"))
		return 0, clip(f.s, MaxValueLen), 0
	}
	acc = f.s
	var err error
	if kind != ByID { // an ID takes digits only: checked below if refused
		err = checkText(f.s, false)
	}
	switch {
	case err != nil:
	case kind == ByName && !utf8.ValidString(f.s): // IDs and emails fail their own rules
		err = newProblem(ErrSyntax, "not valid UTF-8 (save the plan as UTF-8)")
	case strings.IndexByte(f.s, ';') >= 0:
		err = newProblem(ErrSelector, quote(f.s)+` contains ";": one account per row`)
	case kind == ByID:
		acc, id, err = parseID(f.s)
		if err != nil {
			err = textFirst(f.s, err)
		} else if acc == "all" && !b.opts.AllowAll {
			err = newProblem(ErrAll, `"all" selects every child account (hint: use --allow-all)`)
		}
	case kind == ByEmail:
		err = checkEmail(f.s)
	}
	if err != nil {
		b.fail(first, f.line, kind.String(), f.s, err)
		return 0, clip(f.s, MaxValueLen), 0 // an invalid row's account, not a 50 MB one
	}
	return kind, acc, id
}

// firstOf returns the first row naming the same account, or records row
// idx as that first row. The same account means the same ID, the same
// name or the same email (in any case); across kinds it cannot be known.
func (b *builder) firstOf(kind SelectorKind, acc string, id uint64, idx int32) (int32, bool) {
	var m map[string]int32
	switch kind {
	case ByID:
		return b.ids.firstOf(id, idx)
	case ByName:
		m = b.names
	default:
		m = b.emails
		acc = strings.ToLower(acc)
	}
	prev, ok := m[acc]
	if !ok {
		m[acc] = idx
	}
	return prev, ok
}

// expect makes room for about n rows.
func (b *builder) expect(n int) {
	if n > cap(b.plan.Rows) {
		b.plan.Rows = make([]Row, 0, n)
		b.ids.ids = make([]uint64, 0, n)
		b.ids.rows = make([]int32, 0, n)
	}
}

// idIndex finds the first row of an account ID. Plans usually list IDs in
// increasing order; those go into two sorted slices, far smaller and faster
// than a map of a million entries. Only IDs out of order use the map.
type idIndex struct {
	ids  []uint64 // increasing
	rows []int32  // rows[i] is the first row of ids[i]
	rest map[uint64]int32
}

func (x *idIndex) firstOf(id uint64, idx int32) (int32, bool) {
	if n := len(x.ids); n == 0 || id > x.ids[n-1] {
		if prev, ok := x.rest[id]; ok {
			return prev, true
		}
		x.ids = append(x.ids, id)
		x.rows = append(x.rows, idx)
		return 0, false
	}
	if i, ok := slices.BinarySearch(x.ids, id); ok {
		return x.rows[i], true
	}
	if prev, ok := x.rest[id]; ok {
		return prev, true
	}
	if x.rest == nil {
		x.rest = map[uint64]int32{}
	}
	x.rest[id] = idx
	return 0, false
}

// addAccount gives the row just appended its Account. Accounts are packed
// into shared strings of about 64 KiB, so that a million rows do not cost
// a million small allocations.
func (b *builder) addAccount(acc string) {
	b.accBuf = append(b.accBuf, acc...)
	b.accEnd = append(b.accEnd, len(b.accBuf))
	if len(b.accBuf) >= 64<<10 {
		b.flushAccounts()
	}
}

func (b *builder) flushAccounts() {
	s := string(b.accBuf)
	rows := b.plan.Rows[len(b.plan.Rows)-len(b.accEnd):]
	start := 0
	for i, end := range b.accEnd {
		rows[i].Account = s[start:end]
		start = end
	}
	b.accBuf, b.accEnd = b.accBuf[:0], b.accEnd[:0]
}

// finish completes the plan, or returns the problems found.
func (b *builder) finish() (*Plan, error) {
	b.flushAccounts()
	if len(b.plan.Rows) == 0 && b.ps.count == 0 {
		b.ps.addFatal(0, "", "", newProblem(ErrNoRows, "the plan has no rows"))
	}
	redo := b.settleConflicts()
	if b.ps.fatal || (b.ps.count > 0 && !b.opts.SkipInvalid) {
		return nil, b.ps.err()
	}
	if redo {
		b.redigest()
	}
	b.h.Write(b.dbuf)
	b.plan.Digest = "sha256:" + hex.EncodeToString(b.h.Sum(nil))
	return b.plan, nil
}
