package voxsim

import (
	"strconv"
	"strings"
	"sync"
)

// Account is a child account as the simulator holds it: the AccountInfo
// fields of the API plus can_use_restricted and two counters. It never holds
// a password or a password hash.
type Account struct {
	AccountID                   int64   `json:"account_id"`
	AccountName                 string  `json:"account_name"`
	AccountEmail                string  `json:"account_email"`
	Active                      bool    `json:"active"`
	Frozen                      bool    `json:"frozen"`
	LanguageCode                string  `json:"language_code"`
	Location                    string  `json:"location"`
	MinBalanceToNotify          float64 `json:"min_balance_to_notify"`
	AccountNotifications        bool    `json:"account_notifications"`
	TariffChangingNotifications bool    `json:"tariff_changing_notifications"`
	NewsNotifications           bool    `json:"news_notifications"`
	SupportRobokassa            bool    `json:"support_robokassa"`
	SupportBankCard             bool    `json:"support_bank_card"`
	SupportInvoice              bool    `json:"support_invoice"`
	CanUseRestricted            bool    `json:"can_use_restricted"`
	// Applications is how many times a SetChildAccountInfo was applied to
	// the account.
	Applications int `json:"applications"`
	// PasswordChanges is how many times its password was set.
	PasswordChanges int `json:"password_changes"`
}

// Account flags.
const (
	flagActive uint16 = 1 << iota
	flagFrozen
	flagAccountNotifications
	flagTariffChangingNotifications
	flagNewsNotifications
	flagSupportRobokassa
	flagSupportBankCard
	flagSupportInvoice
	flagCanUseRestricted
)

const defaultFlags = flagActive | flagAccountNotifications | flagTariffChangingNotifications

// account is the compact form of an Account, 24 bytes: the id, name and
// initial email derive from the index, a changed email lives in
// store.emails, the location is an index into the zone table.
type account struct {
	minBalance   float64
	applications uint32
	pwChanges    uint32
	flags        uint16
	loc          uint16
	lang         [2]byte
}

// pwHash is a salted SHA-256 of a password, truncated: enough to recognise
// a password seen before, useless for recovering it.
type pwHash [16]byte

// store holds the child accounts. Its mutex guards everything in it.
type store struct {
	mu       sync.Mutex
	accts    []account
	emails   map[int32]string // changed emails, as set
	byEmail  map[string]int32 // lower-cased changed emails
	pwHist   map[int32][]pwHash
	changed  int64
	applied  int64
	pwSetTot int64
	unkept   int64 // Config.Unkept
}

func newStore(n int) *store {
	st := &store{
		accts:   make([]account, n),
		emails:  make(map[int32]string),
		byEmail: make(map[string]int32),
		pwHist:  make(map[int32][]pwHash),
	}
	initial := account{flags: defaultFlags, loc: zoneDefault, lang: [2]byte{'e', 'n'}}
	for i := range st.accts {
		st.accts[i] = initial
	}
	return st
}

// id converts an index to an account id.
func id(i int32) int64 { return int64(i) + FirstID }

func childName(i int32) string { return "child-" + strconv.FormatInt(id(i), 10) }

func childEmail(i int32) string {
	return "child-" + strconv.FormatInt(id(i), 10) + "@" + ChildEmailDomain
}

// index returns the index of account id, if it exists.
func (st *store) index(id int64) (int32, bool) {
	i := id - FirstID
	if i < 0 || i >= int64(len(st.accts)) {
		return 0, false
	}
	return int32(i), true
}

// parseID parses a child_account_id item: decimal digits only.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseDerived returns N from prefix+N+suffix where N is written
// canonically, as the simulator writes names and initial emails.
func parseDerived(s, prefix, suffix string) (int64, bool) {
	if len(s) <= len(prefix)+len(suffix) || !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		return 0, false
	}
	d := s[len(prefix) : len(s)-len(suffix)]
	if d[0] == '0' {
		return 0, false
	}
	return parseID(d)
}

// byName returns the index of the account named name.
func (st *store) byName(name string) (int32, bool) {
	n, ok := parseDerived(name, "child-", "")
	if !ok {
		return 0, false
	}
	return st.index(n)
}

// byMail returns the index of the account whose current email is email
// (case-insensitively). The caller holds st.mu.
func (st *store) byMail(email string) (int32, bool) {
	key := strings.ToLower(email)
	if i, ok := st.byEmail[key]; ok {
		return i, true
	}
	n, ok := parseDerived(key, "child-", "@"+ChildEmailDomain)
	if !ok {
		return 0, false
	}
	i, ok := st.index(n)
	if !ok {
		return 0, false
	}
	if _, changed := st.emails[i]; changed {
		return 0, false
	}
	return i, true
}

// emailTaken reports whether email belongs to the parent or to an account
// other than i. The caller holds st.mu.
func (st *store) emailTaken(email string, i int32) bool {
	if strings.EqualFold(email, AccountEmail) {
		return true
	}
	j, ok := st.byMail(email)
	return ok && j != i
}

// setEmail changes account i's email. The caller holds st.mu and has
// checked that email is free.
func (st *store) setEmail(i int32, email string) {
	if old, ok := st.emails[i]; ok {
		delete(st.byEmail, strings.ToLower(old))
		delete(st.emails, i)
	}
	if email == childEmail(i) {
		return // back to the initial email, which needs no entry
	}
	st.emails[i] = email
	st.byEmail[strings.ToLower(email)] = i
}

// usedPassword reports whether account i has had the password h.
func (st *store) usedPassword(i int32, h pwHash) bool {
	for _, old := range st.pwHist[i] {
		if old == h {
			return true
		}
	}
	return false
}

// counters fills the account figures of a Stats.
func (st *store) counters(out *Stats) {
	st.mu.Lock()
	out.AccountsChanged = st.changed
	out.Applications = st.applied
	out.PasswordChanges = st.pwSetTot
	st.mu.Unlock()
}

// entry is an account copied out of the store with its email, so that it
// can be rendered after the lock is released.
type entry struct {
	a     account
	i     int32
	email string // "" = initial
}

// copyOut appends account i to dst. The caller holds st.mu.
func (st *store) copyOut(dst []entry, i int32) []entry {
	return append(dst, entry{a: st.accts[i], i: i, email: st.emails[i]})
}

// snapshot copies the accounts out, all of them or only those changed.
func (st *store) snapshot(changedOnly bool) []entry {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := len(st.accts)
	if changedOnly {
		n = int(st.changed)
	}
	out := make([]entry, 0, n)
	for i := range st.accts {
		if !changedOnly || st.accts[i].applications > 0 {
			out = st.copyOut(out, int32(i))
		}
	}
	return out
}

// account renders an entry, with the zone names of z.
func (e *entry) account(zones []string) Account {
	a := &e.a
	email := e.email
	if email == "" {
		email = childEmail(e.i)
	}
	return Account{
		AccountID:                   id(e.i),
		AccountName:                 childName(e.i),
		AccountEmail:                email,
		Active:                      a.flags&flagActive != 0,
		Frozen:                      a.flags&flagFrozen != 0,
		LanguageCode:                string(a.lang[:]),
		Location:                    zones[a.loc],
		MinBalanceToNotify:          a.minBalance,
		AccountNotifications:        a.flags&flagAccountNotifications != 0,
		TariffChangingNotifications: a.flags&flagTariffChangingNotifications != 0,
		NewsNotifications:           a.flags&flagNewsNotifications != 0,
		SupportRobokassa:            a.flags&flagSupportRobokassa != 0,
		SupportBankCard:             a.flags&flagSupportBankCard != 0,
		SupportInvoice:              a.flags&flagSupportInvoice != 0,
		CanUseRestricted:            a.flags&flagCanUseRestricted != 0,
		Applications:                int(a.applications),
		PasswordChanges:             int(a.pwChanges),
	}
}

// Accounts returns every child account in id order. With many accounts
// this is a large slice; see Account and ChangedAccounts.
func (s *Server) Accounts() []Account { return s.render(s.store.snapshot(false)) }

// ChangedAccounts returns, in id order, the accounts a SetChildAccountInfo
// was applied to.
func (s *Server) ChangedAccounts() []Account { return s.render(s.store.snapshot(true)) }

func (s *Server) render(es []entry) []Account {
	zones := s.zones.names()
	out := make([]Account, len(es))
	for k := range es {
		out[k] = es[k].account(zones)
	}
	return out
}

// Account returns the child account with the given id.
func (s *Server) Account(accountID int64) (Account, bool) {
	st := s.store
	st.mu.Lock()
	i, ok := st.index(accountID)
	var e []entry
	if ok {
		e = st.copyOut(nil, i)
	}
	st.mu.Unlock()
	if !ok {
		return Account{}, false
	}
	return e[0].account(s.zones.names()), true
}
