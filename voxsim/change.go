package voxsim

import (
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
)

// selKind is the kind of a selector parameter.
type selKind uint8

const (
	selID selKind = iota + 1
	selName
	selEmail
)

var selectorNames = [...]string{
	selID:    "child_account_id",
	selName:  "child_account_name",
	selEmail: "child_account_email",
}

var unknownAccount = [...]*apiError{selID: errUnknownID, selName: errUnknownName, selEmail: errUnknownEmail}

// selector is the one selector list of a SetChildAccountInfo request.
type selector struct {
	kind selKind
	list string // the raw list, items joined by ";"
	all  bool   // child_account_id=all
	n    int    // number of items
}

// readSelector finds exactly one non-empty selector parameter.
func readSelector(p *params) (selector, *apiError) {
	var sel selector
	for k := selID; k <= selEmail; k++ {
		if v := p.get(selectorNames[k]); v != "" {
			if sel.kind != 0 {
				return sel, errTwoSelectors
			}
			sel.kind, sel.list = k, v
		}
	}
	if sel.kind == 0 {
		return sel, errNoSelector
	}
	sel.all = sel.kind == selID && sel.list == "all"
	sel.n = strings.Count(sel.list, ";") + 1
	return sel, nil
}

// change is the validated change of a SetChildAccountInfo request.
type change struct {
	mask, vals uint16 // boolean parameters set, and their values
	email      string // "" = unchanged
	pw         pwHash
	hasPw      bool
	lang       [2]byte
	hasLang    bool
	loc        uint16
	hasLoc     bool
	balance    float64
	hasBalance bool
}

type boolParam struct {
	name string
	flag uint16
}

// The boolean parameters in the reference's order, before and after
// language_code, location and min_balance_to_notify.
var (
	boolsBefore = [...]boolParam{
		{"account_notifications", flagAccountNotifications},
		{"tariff_changing_notifications", flagTariffChangingNotifications},
		{"news_notifications", flagNewsNotifications},
		{"active", flagActive},
	}
	boolsAfter = [...]boolParam{
		{"support_robokassa", flagSupportRobokassa},
		{"support_bank_card", flagSupportBankCard},
		{"support_invoice", flagSupportInvoice},
		{"can_use_restricted", flagCanUseRestricted},
	}
)

// readChange validates the change parameters in the reference's order and
// answers the first invalid one. Unknown parameters are ignored.
func (s *Server) readChange(p *params) (change, *apiError) {
	var ch change
	if v := p.get("new_child_account_email"); v != "" {
		if !validEmail(v) {
			return ch, errBadNewEmail
		}
		ch.email = v
	}
	if v := p.get("new_child_account_password"); v != "" {
		if e := checkPassword(v); e != nil {
			return ch, e
		}
		ch.pw, ch.hasPw = s.hashPassword(v), true
	}
	if e := readBools(p, boolsBefore[:], &ch); e != nil {
		return ch, e
	}
	if v := p.get("language_code"); v != "" {
		if !validLanguage(v) {
			return ch, errBadLanguage
		}
		ch.lang, ch.hasLang = [2]byte{v[0], v[1]}, true
	}
	if v := p.get("location"); v != "" {
		loc, ok := s.zones.lookup(v)
		if !ok {
			return ch, invalid("location")
		}
		ch.loc, ch.hasLoc = loc, true
	}
	if v := p.get("min_balance_to_notify"); v != "" {
		f, ok := parseDecimal(v)
		if !ok {
			return ch, invalid("min_balance_to_notify")
		}
		ch.balance, ch.hasBalance = f, true
	}
	if e := readBools(p, boolsAfter[:], &ch); e != nil {
		return ch, e
	}
	return ch, nil
}

func readBools(p *params, list []boolParam, ch *change) *apiError {
	for _, bp := range list {
		v := p.get(bp.name)
		if v == "" {
			continue
		}
		b, ok := parseBool(v)
		if !ok {
			return invalid(bp.name)
		}
		ch.mask |= bp.flag
		if b {
			ch.vals |= bp.flag
		}
	}
	return nil
}

func (s *Server) hashPassword(pw string) pwHash {
	h := sha256.New()
	h.Write(s.salt[:])
	h.Write([]byte(pw))
	var sum [sha256.Size]byte
	var out pwHash
	copy(out[:], h.Sum(sum[:0]))
	return out
}

// setChildAccountInfo validates a request and applies it, or nothing.
func (s *Server) setChildAccountInfo(p *params, c *call) *apiError {
	sel, e := readSelector(p)
	if e != nil {
		return e
	}
	c.list = sel.n
	if s.cfg.MaxList > 0 && sel.n > s.cfg.MaxList {
		return invalid(selectorNames[sel.kind])
	}
	ch, e := s.readChange(p)
	if e != nil {
		return e
	}
	return s.store.apply(sel, &ch)
}

var idxPool = sync.Pool{New: func() any { s := make([]int32, 0, 64); return &s }}

// apply resolves the selected accounts, checks the rules that depend on
// them (email uniqueness, password history) and applies the change to all
// of them, or answers the first problem and applies nothing.
func (st *store) apply(sel selector, ch *change) *apiError {
	ip := idxPool.Get().(*[]int32)
	defer func() {
		if cap(*ip) <= 1<<16 {
			idxPool.Put(ip)
		}
	}()
	st.mu.Lock()
	defer st.mu.Unlock()

	idx, e := st.resolve(sel, (*ip)[:0])
	*ip = idx
	if e != nil {
		return e
	}
	n := len(idx)
	if sel.all {
		n = len(st.accts)
	}
	if ch.email != "" {
		if n != 1 {
			return errEmailNotUnique
		}
		var target int32 // the only account, also under "all"
		if !sel.all {
			target = idx[0]
		}
		if st.emailTaken(ch.email, target) {
			return errEmailNotUnique
		}
	}
	if ch.hasPw {
		if sel.all {
			for i := range st.pwHist {
				if st.usedPassword(i, ch.pw) {
					return errPasswordUsed
				}
			}
		} else {
			for _, i := range idx {
				if st.usedPassword(i, ch.pw) {
					return errPasswordUsed
				}
			}
		}
	}
	if sel.all {
		for i := range st.accts {
			st.applyOne(int32(i), ch)
		}
	} else {
		for _, i := range idx {
			st.applyOne(i, ch)
		}
	}
	return nil
}

// resolve appends the indexes of the selected accounts to idx, sorted and
// without duplicates; under "all" it appends nothing.
func (st *store) resolve(sel selector, idx []int32) ([]int32, *apiError) {
	if sel.all {
		return idx, nil
	}
	for list, more := sel.list, true; more; {
		var item string
		item, list, more = strings.Cut(list, ";")
		var i int32
		var ok bool
		switch sel.kind {
		case selID:
			var n int64
			if n, ok = parseID(item); ok {
				i, ok = st.index(n)
			}
		case selName:
			i, ok = st.byName(item)
		case selEmail:
			i, ok = st.byMail(item)
		}
		if !ok {
			return idx, unknownAccount[sel.kind]
		}
		idx = append(idx, i)
	}
	slices.Sort(idx)
	return slices.Compact(idx), nil
}

// applyOne applies ch to account i. The caller holds st.mu.
func (st *store) applyOne(i int32, ch *change) {
	a := &st.accts[i]
	if st.unkept > 0 && id(i)%st.unkept == 0 {
		ch = &change{} // Config.Unkept: accepted and counted, nothing kept
	}
	a.flags = a.flags&^ch.mask | ch.vals
	if ch.hasLang {
		a.lang = ch.lang
	}
	if ch.hasLoc {
		a.loc = ch.loc
	}
	if ch.hasBalance {
		a.minBalance = ch.balance
	}
	if ch.email != "" {
		st.setEmail(i, ch.email)
	}
	if ch.hasPw {
		st.pwHist[i] = append(st.pwHist[i], ch.pw)
		a.pwChanges++
		st.pwSetTot++
	}
	if a.applications == 0 {
		st.changed++
	}
	a.applications++
	st.applied++
}
