package voximplant

import (
	"encoding/json"
	"net/url"
	"strings"
)

// scrubSecrets replaces in s every secret of at least 4 characters by
// "***", in every form an API message could quote it: as sent, form- or
// query-escaped (%XX, with "+" or %20 for a space, in either case of hex
// digits), and JSON-escaped. A password must not reach a report or a
// journal because the API echoed the request back.
func scrubSecrets(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) < 4 {
			continue
		}
		for _, form := range secretForms(v) {
			s = strings.ReplaceAll(s, form, "***")
		}
	}
	return s
}

// secretForms lists the spellings of v that scrubSecrets looks for, longest
// first so that a longer form is replaced whole before a shorter one that
// it contains.
func secretForms(v string) []string {
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if j, err := json.Marshal(v); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		j := strings.TrimSpace(b.String())
		forms = append(forms, j[1:len(j)-1])
	}
	for _, f := range forms[1:3] {
		forms = append(forms, lowerHexEscapes(f))
	}
	seen := map[string]bool{}
	out := forms[:0]
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	// Longest first.
	for i := 1; i < len(out); i++ {
		for k := i; k > 0 && len(out[k]) > len(out[k-1]); k-- {
			out[k], out[k-1] = out[k-1], out[k]
		}
	}
	return out
}

// lowerHexEscapes writes the hex digits of every %XX escape in lower case.
func lowerHexEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}
