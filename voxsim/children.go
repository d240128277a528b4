package voxsim

import (
	"slices"
	"strconv"
	"strings"
)

const defaultCount = 20

// getChildrenAccounts answers GetChildrenAccounts: child_account_id (a list;
// unknown ids are simply absent, "all" selects all), child_account_name and
// child_account_email (single exact filters), count (default 20) and offset,
// in id order. ignore_invalid_accounts=true skips malformed ids instead of
// answering 194; brief_output and medium_output are accepted and ignored.
func (s *Server) getChildrenAccounts(p *params, c *call, b []byte) ([]byte, *apiError) {
	count, offset := defaultCount, 0
	if v := p.get("count"); v != "" {
		n, ok := parseID(v)
		if !ok || n > 1<<31-1 {
			return b, invalid("count")
		}
		count = int(n)
	}
	if v := p.get("offset"); v != "" {
		n, ok := parseID(v)
		if !ok || n > 1<<31-1 {
			return b, invalid("offset")
		}
		offset = int(n)
	}
	var ignoreInvalid bool
	if v := p.get("ignore_invalid_accounts"); v != "" {
		var ok bool
		if ignoreInvalid, ok = parseBool(v); !ok {
			return b, invalid("ignore_invalid_accounts")
		}
	}
	ids := p.get("child_account_id")
	if ids == "all" {
		ids = ""
	}
	if ids != "" {
		c.list = strings.Count(ids, ";") + 1
		if s.cfg.MaxList > 0 && c.list > s.cfg.MaxList {
			return b, invalid("child_account_id")
		}
	}
	page, total, e := s.store.children(ids, p.get("child_account_name"), p.get("child_account_email"), ignoreInvalid, offset, count)
	if e != nil {
		return b, e
	}
	zones := s.zones.names()
	b = append(b, `{"result":[`...)
	for k := range page {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendAccount(b, &page[k], zones, false)
	}
	b = append(b, `],"total_count":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(len(page)), 10)
	return append(b, '}'), nil
}

// children copies out the page [offset, offset+count) of the accounts that
// pass the filters, and counts them all.
func (st *store) children(ids, name, email string, ignoreInvalid bool, offset, count int) ([]entry, int, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var cands []int32
	filtered := false
	if ids != "" {
		filtered = true
		for list, more := ids, true; more; {
			var item string
			item, list, more = strings.Cut(list, ";")
			n, ok := parseID(item)
			if !ok {
				if ignoreInvalid {
					continue
				}
				return nil, 0, errUnknownID
			}
			if i, ok := st.index(n); ok {
				cands = append(cands, i)
			}
		}
		slices.Sort(cands)
		cands = slices.Compact(cands)
	}
	if name != "" {
		i, ok := st.byName(name)
		cands, filtered = narrow(cands, filtered, i, ok), true
	}
	if email != "" {
		i, ok := st.byMail(email)
		cands, filtered = narrow(cands, filtered, i, ok), true
	}
	total := len(st.accts)
	if filtered {
		total = len(cands)
	}
	if offset >= total {
		return nil, total, nil
	}
	end := total
	if count < total-offset {
		end = offset + count
	}
	page := make([]entry, 0, end-offset)
	for k := offset; k < end; k++ {
		i := int32(k)
		if filtered {
			i = cands[k]
		}
		page = st.copyOut(page, i)
	}
	return page, total, nil
}

// narrow applies a single-account filter to the candidates so far.
func narrow(cands []int32, filtered bool, i int32, ok bool) []int32 {
	switch {
	case !ok:
		return cands[:0]
	case !filtered:
		return append(cands[:0], i)
	case slices.Contains(cands, i):
		return append(cands[:0], i)
	}
	return cands[:0]
}

// appendAccount appends an account as JSON: the API's AccountInfo fields,
// and with full also can_use_restricted, applications and password_changes.
func appendAccount(b []byte, e *entry, zones []string, full bool) []byte {
	a := &e.a
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
	b = appendBool(b, `,"active":`, a.flags&flagActive != 0)
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

func appendBool(b []byte, key string, v bool) []byte {
	b = append(b, key...)
	return strconv.AppendBool(b, v)
}
