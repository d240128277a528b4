package voximplant

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestScrubSecretsInEveryForm(t *testing.T) {
	const pw = `Zx9!Secret pass"<&>`
	jsonPlain, _ := json.Marshal(pw)
	quoted := []string{
		pw,
		url.QueryEscape(pw), // Zx9%21Secret+pass%22%3C%26%3E
		url.PathEscape(pw),
		"Zx9%21Secret+pass%22%3c%26%3e", // lower-case hex digits
		string(jsonPlain[1 : len(jsonPlain)-1]),
		`Zx9!Secret pass\"<&>`,
		"new_child_account_password=" + url.QueryEscape(pw) + "&child_account_id=1",
	}
	for _, msg := range quoted {
		got := scrubSecrets("invalid request: "+msg, []string{pw})
		if strings.Contains(got, "Secret") {
			t.Errorf("scrub(%q) = %q: the password survives", msg, got)
		}
		if !strings.Contains(got, "***") {
			t.Errorf("scrub(%q) = %q: no *** in its place", msg, got)
		}
	}
	if got := scrubSecrets("abc is short", []string{"abc"}); got != "abc is short" {
		t.Errorf("a secret under 4 characters was replaced: %q", got)
	}
}
