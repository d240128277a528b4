package voxsim

import (
	"slices"
	"strconv"
	"strings"
)

const defaultCount = 20

// childQuery is a GetChildrenAccounts request, read and checked.
type childQuery struct {
	ids, names, emails string // raw ";" lists; ids "" under all
	all                bool   // every child: no selector or "all", with Config.ListAll
	ignoreInvalid      bool
	substring          bool // Config.SubstringNames
	count, offset      int
}

// getChildrenAccounts answers GetChildrenAccounts. As the current reference
// requires, at least one of child_account_id, child_account_name and
// child_account_email must name the accounts (Config.ListAll lifts this).
// Each is a ";" list (names and emails unless Config.RefuseReadLists):
// unknown ids, names and emails are simply absent, and the filters given
// must all match. Names match exactly (by substring with
// Config.SubstringNames), emails without regard to case. count (default
// 20) and offset page the matches in id order. ignore_invalid_accounts=true
// skips malformed ids instead of answering 194; brief_output and
// medium_output are accepted and ignored. With Config.OmitOptional, some
// accounts come without their optional fields.
func (s *Server) getChildrenAccounts(p *params, c *call, b []byte) ([]byte, *apiError) {
	q, e := s.readChildQuery(p, c)
	if e != nil {
		return b, e
	}
	page, total, e := s.store.children(&q)
	if e != nil {
		return b, e
	}
	zones := s.zones.names()
	b = append(b, `{"result":[`...)
	for k := range page {
		if k > 0 {
			b = append(b, ',')
		}
		if n := s.cfg.OmitOptional; n > 0 && id(page[k].i)%int64(n) == 0 {
			b = append(appendRequired(b, &page[k]), '}')
		} else {
			b = appendAccount(b, &page[k], zones, false)
		}
	}
	b = append(b, `],"total_count":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(len(page)), 10)
	return append(b, '}'), nil
}

// readChildQuery reads the parameters of a GetChildrenAccounts request and
// applies the reference's rules on selectors.
func (s *Server) readChildQuery(p *params, c *call) (childQuery, *apiError) {
	q := childQuery{count: defaultCount, substring: s.cfg.SubstringNames,
		ids: p.get("child_account_id"), names: p.get("child_account_name"), emails: p.get("child_account_email")}
	var ok bool
	if q.count, ok = intParam(p, "count", defaultCount); !ok {
		return q, invalid("count")
	}
	if q.offset, ok = intParam(p, "offset", 0); !ok {
		return q, invalid("offset")
	}
	if v := p.get("ignore_invalid_accounts"); v != "" {
		if q.ignoreInvalid, ok = parseBool(v); !ok {
			return q, invalid("ignore_invalid_accounts")
		}
	}
	if q.ids == "all" {
		if !s.cfg.ListAll {
			return q, errReadAll
		}
		q.ids, q.all = "", true
	}
	if q.ids == "" && q.names == "" && q.emails == "" {
		if !s.cfg.ListAll {
			return q, errNoReadSelector
		}
		q.all = true
	}
	for _, f := range [...]struct {
		name, list string
		isList     bool // a ";" list is refused with RefuseReadLists
	}{{"child_account_id", q.ids, false}, {"child_account_name", q.names, true}, {"child_account_email", q.emails, true}} {
		if f.list == "" {
			continue
		}
		n := strings.Count(f.list, ";") + 1
		c.list = max(c.list, n)
		if (s.cfg.MaxList > 0 && n > s.cfg.MaxList) || (f.isList && n > 1 && s.cfg.RefuseReadLists) {
			return q, invalid(f.name)
		}
	}
	return q, nil
}

// intParam reads a non-negative integer parameter, def when absent.
func intParam(p *params, name string, def int) (int, bool) {
	v := p.get(name)
	if v == "" {
		return def, true
	}
	n, ok := parseID(v)
	if !ok || n > 1<<31-1 {
		return 0, false
	}
	return int(n), true
}

// children copies out the page [offset, offset+count) of the accounts that
// pass the filters, and counts them all.
func (st *store) children(q *childQuery) ([]entry, int, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var cands []int32
	filtered := false
	if q.ids != "" {
		var ids []int32
		for list, more := q.ids, true; more; {
			var item string
			item, list, more = strings.Cut(list, ";")
			n, ok := parseID(item)
			if !ok {
				if q.ignoreInvalid {
					continue
				}
				return nil, 0, errUnknownID
			}
			if i, ok := st.index(n); ok {
				ids = append(ids, i)
			}
		}
		cands, filtered = narrow(cands, filtered, ids), true
	}
	if q.names != "" {
		cands, filtered = narrow(cands, filtered, st.matchNames(q.names, q.substring)), true
	}
	if q.emails != "" {
		cands, filtered = narrow(cands, filtered, st.matchEmails(q.emails)), true
	}
	total := len(st.accts)
	if filtered {
		total = len(cands)
	}
	if q.offset >= total {
		return nil, total, nil
	}
	end := total
	if q.count < total-q.offset {
		end = q.offset + q.count
	}
	page := make([]entry, 0, end-q.offset)
	for k := q.offset; k < end; k++ {
		i := int32(k)
		if filtered {
			i = cands[k]
		}
		page = st.copyOut(page, i)
	}
	return page, total, nil
}

// matchNames returns the accounts a list of names selects: exactly, or
// every account whose name contains an item. The caller holds st.mu.
func (st *store) matchNames(list string, substring bool) []int32 {
	var out []int32
	for _, item := range strings.Split(list, ";") {
		if !substring {
			if i, ok := st.byName(item); ok {
				out = append(out, i)
			}
			continue
		}
		item = strings.ToLower(item)
		for i := range st.accts {
			if item != "" && strings.Contains(childName(int32(i)), item) {
				out = append(out, int32(i))
			}
		}
	}
	return out
}

// matchEmails returns the accounts a list of emails selects. The caller
// holds st.mu.
func (st *store) matchEmails(list string) []int32 {
	var out []int32
	for _, item := range strings.Split(list, ";") {
		if i, ok := st.byMail(item); ok {
			out = append(out, i)
		}
	}
	return out
}

// narrow applies a filter's matches to the candidates so far: the matches
// (sorted, without duplicates) if there was no filter yet, else the
// candidates among them.
func narrow(cands []int32, filtered bool, matches []int32) []int32 {
	slices.Sort(matches)
	matches = slices.Compact(matches)
	if !filtered {
		return matches
	}
	out := cands[:0]
	for _, i := range cands {
		if _, ok := slices.BinarySearch(matches, i); ok {
			out = append(out, i)
		}
	}
	return out
}

// appendAccount appends an account as JSON: the API's AccountInfo fields,
// and with full also can_use_restricted, applications and password_changes.
func appendAccount(b []byte, e *entry, zones []string, full bool) []byte {
	a := &e.a
	b = appendRequired(b, e)
	b = appendBool(b, `,"frozen":`, a.flags&flagFrozen != 0)
	b = append(b, `,"language_code":"`...)
	b = append(b, a.lang[0], a.lang[1], '"')
	b = append(b, `,"location":`...)
	b = appendString(b, zones[a.loc])
	b = append(b, `,"min_balance_to_notify":`...)
	b = strconv.AppendFloat(b, a.minBalance, 'f', -1, 64)
	b = appendBool(b, `,"account_notifications":`, a.flags&flagAccountNotifications != 0)
	b = appendBool(b, `,"tariff_changing_notifications":`, a.flags&flagTariffChangingNotifications != 0)
	b = appendBool(b, `,"news_notifications":`, a.flags&flagNewsNotifications != 0)
	b = appendBool(b, `,"support_robokassa":`, a.flags&flagSupportRobokassa != 0)
	b = appendBool(b, `,"support_bank_card":`, a.flags&flagSupportBankCard != 0)
	b = appendBool(b, `,"support_invoice":`, a.flags&flagSupportInvoice != 0)
	if full {
		b = appendBool(b, `,"can_use_restricted":`, a.flags&flagCanUseRestricted != 0)
		b = append(b, `,"applications":`...)
		b = strconv.AppendUint(b, uint64(a.applications), 10)
		b = append(b, `,"password_changes":`...)
		b = strconv.AppendUint(b, uint64(a.pwChanges), 10)
	}
	return append(b, '}')
}

// appendRequired opens an account's JSON object with the fields the API's
// schema always gives (the simulator has no "created"): account_id,
// account_name, account_email and active. The object is left open.
func appendRequired(b []byte, e *entry) []byte {
	b = append(b, `{"account_id":`...)
	b = strconv.AppendInt(b, id(e.i), 10)
	b = append(b, `,"account_name":"child-`...)
	b = strconv.AppendInt(b, id(e.i), 10)
	b = append(b, `","account_email":`...)
	if e.email == "" {
		b = append(b, `"child-`...)
		b = strconv.AppendInt(b, id(e.i), 10)
		b = append(b, "@"+ChildEmailDomain+`"`...)
	} else {
		b = appendString(b, e.email)
	}
	return appendBool(b, `,"active":`, e.a.flags&flagActive != 0)
}

func appendBool(b []byte, key string, v bool) []byte {
	b = append(b, key...)
	return strconv.AppendBool(b, v)
}
