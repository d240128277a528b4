package voxsim

import (
	"bufio"
	"encoding/json"
	"net/http"
)

// serveSim serves the inspection endpoints:
//
//	GET  /_sim/accounts            every account, as a JSON array of Account
//	GET  /_sim/accounts?changed=1  only the accounts changed at least once
//	GET  /_sim/stats               Stats as JSON
//	POST /_sim/reset-stats         ResetStats, answered {"result": 1}
//
// The accounts are streamed in pages, each page consistent in itself; a
// listing taken while requests change accounts may mix states across pages.
func (s *Server) serveSim(w http.ResponseWriter, r *http.Request, name string) {
	switch name {
	case "accounts":
		if !allow(w, r, http.MethodGet) {
			return
		}
		changed, _ := parseBool(r.URL.Query().Get("changed"))
		s.writeAccounts(w, changed)
	case "stats":
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, s.Stats())
	case "reset-stats":
		if !allow(w, r, http.MethodPost) {
			return
		}
		s.ResetStats()
		writeJSON(w, map[string]int{"result": 1})
	default:
		http.NotFound(w, r)
	}
}

// allow answers 405 unless r's method is m (GET also allows HEAD).
func allow(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m || m == http.MethodGet && r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", m)
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	_, _ = w.Write(append(b, '\n'))
}

const accountsPage = 4096

func (s *Server) writeAccounts(w http.ResponseWriter, changedOnly bool) {
	w.Header()["Content-Type"] = jsonContentType
	bw := bufio.NewWriterSize(w, 64<<10)
	zones := s.zones.names()
	page := make([]entry, 0, accountsPage)
	var b []byte
	first := true
	_ = bw.WriteByte('[')
	for next := 0; next >= 0; {
		page, next = s.store.page(page[:0], next, changedOnly)
		if len(page) > 0 && len(zones) <= int(maxZone(page)) {
			zones = s.zones.names() // a zone was added since
		}
		for k := range page {
			b = b[:0]
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendAccount(b, &page[k], zones, true)
			if _, err := bw.Write(b); err != nil {
				return // the client went away
			}
		}
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush()
}

func maxZone(page []entry) uint16 {
	var m uint16
	for k := range page {
		m = max(m, page[k].a.loc)
	}
	return m
}

// page appends up to accountsPage accounts from index from on (only changed
// ones with changedOnly) and returns the index to continue from, or -1.
func (st *store) page(dst []entry, from int, changedOnly bool) ([]entry, int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := from; i < len(st.accts); i++ {
		if len(dst) == accountsPage {
			return dst, i
		}
		if !changedOnly || st.accts[i].applications > 0 {
			dst = st.copyOut(dst, int32(i))
		}
	}
	return dst, -1
}
