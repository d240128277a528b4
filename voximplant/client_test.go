package voximplant

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// captured is what a test server saw of one request.
type captured struct {
	method, path, ctype, auth, ua string
	body                          string
	form                          url.Values
}

func capture(r *http.Request) captured {
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	return captured{
		method: r.Method, path: r.URL.Path, ctype: r.Header.Get("Content-Type"),
		auth: r.Header.Get("Authorization"), ua: r.Header.Get("User-Agent"),
		body: string(b), form: form,
	}
}

func TestRequestShape(t *testing.T) {
	clk := newClock()
	var got captured
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got = capture(r)
		reply(200, `{"result":1}`)(w, r)
	}, Config{Now: clk.Now, UserAgent: "voxbatch/1.2.3", TokenTTL: 20 * time.Minute})

	params := url.Values{
		"child_account_id":      {"11;12;13"},
		"active":                {"false"},
		"location":              {""},
		"language_code":         {"", "en"},
		"min_balance_to_notify": {},
		"news_notifications":    {"true"},
	}
	if err := c.SetChildAccountInfo(context.Background(), params); err != nil {
		t.Fatalf("SetChildAccountInfo: %v", err)
	}
	if got.method != http.MethodPost || got.path != "/platform_api/SetChildAccountInfo" {
		t.Errorf("request %s %s, want POST /platform_api/SetChildAccountInfo", got.method, got.path)
	}
	if got.ctype != "application/x-www-form-urlencoded" {
		t.Errorf("content type %q", got.ctype)
	}
	if got.ua != "voxbatch/1.2.3" {
		t.Errorf("user agent %q", got.ua)
	}
	want := url.Values{
		"child_account_id":   {"11;12;13"},
		"active":             {"false"},
		"language_code":      {"en"},
		"news_notifications": {"true"},
	}
	if got.form.Encode() != want.Encode() {
		t.Errorf("form = %s, want %s", got.form.Encode(), want.Encode())
	}
	for _, k := range []string{"location", "min_balance_to_notify"} {
		if strings.Contains(got.body, k) {
			t.Errorf("empty parameter %s sent: %s", k, got.body)
		}
	}
	tok, ok := strings.CutPrefix(got.auth, "Bearer ")
	if !ok {
		t.Fatalf("authorization %q is not a bearer token", got.auth)
	}
	checkToken(t, tok, clk.Now(), 20*time.Minute)
}

func TestDefaultUserAgent(t *testing.T) {
	var ua string
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		ua = r.UserAgent()
		reply(200, `{"result":1}`)(w, r)
	}, Config{})
	if err := c.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1"}}); err != nil {
		t.Fatal(err)
	}
	if ua != DefaultUserAgent {
		t.Errorf("user agent %q, want %q", ua, DefaultUserAgent)
	}
}

// TestTokenSharedAndRenewed runs requests across a token's expiry with an
// injected clock and checks what the server sees.
func TestTokenSharedAndRenewed(t *testing.T) {
	clk := newClock()
	var mu sync.Mutex
	seen := map[string]int{}
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("Authorization")]++
		mu.Unlock()
		reply(200, `{"result":1}`)(w, r)
	}, Config{Now: clk.Now, TokenTTL: 3 * time.Minute})
	call := func() {
		t.Helper()
		if err := c.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1"}}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	clk.Advance(time.Minute)
	call() // same token
	clk.Advance(2 * time.Minute)
	call() // past 2/3 of the lifetime: renewed
	c.RenewToken()
	clk.Advance(time.Second)
	call() // renewed on demand
	if len(seen) != 3 || c.tokens.mintCount() != 3 {
		t.Errorf("server saw %d tokens, %d mints; want 3 and 3", len(seen), c.tokens.mintCount())
	}
}

func TestConcurrentRequestsMintOnce(t *testing.T) {
	c, _ := newServer(t, reply(200, `{"result":1}`), Config{Workers: 100})
	var wg sync.WaitGroup
	start := make(chan struct{})
	var failed atomic.Int32
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := c.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1"}}); err != nil {
				failed.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if failed.Load() != 0 || c.tokens.mintCount() != 1 {
		t.Errorf("%d failed, %d mints; want 0 and 1", failed.Load(), c.tokens.mintCount())
	}
}

func TestGetChildrenAccounts(t *testing.T) {
	var got captured
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got = capture(r)
		reply(200, `{"result":[{"account_id":11,"account_name":"a11","account_email":"a11@example.com",
			"active":true,"frozen":false,"language_code":"en","location":"Etc/GMT-8","min_balance_to_notify":12.5,
			"account_notifications":true,"tariff_changing_notifications":false,"news_notifications":true,
			"support_robokassa":true,"support_bank_card":false,"support_invoice":true,"extra":"ignored"},
			{"account_id":12}],"total_count":40,"count":2}`)(w, r)
	}, Config{})
	res, err := c.GetChildrenAccounts(context.Background(), url.Values{"child_account_id": {"11;12"}, "count": {"2"}, "offset": {""}})
	if err != nil {
		t.Fatal(err)
	}
	if got.path != "/platform_api/GetChildrenAccounts" || got.form.Encode() != "child_account_id=11%3B12&count=2" {
		t.Errorf("request %s %s", got.path, got.form.Encode())
	}
	want := AccountInfo{AccountID: 11, AccountName: "a11", AccountEmail: "a11@example.com", Active: true,
		Frozen: Some(false), LanguageCode: Some("en"), Location: Some("Etc/GMT-8"), MinBalanceToNotify: Some(12.5),
		AccountNotifications: Some(true), TariffChangingNotifications: Some(false), NewsNotifications: Some(true),
		SupportRobokassa: Some(true), SupportBankCard: Some(false), SupportInvoice: Some(true)}
	if res.TotalCount != 40 || res.Count != 2 || len(res.Result) != 2 || res.Result[0] != want ||
		res.Result[1] != (AccountInfo{AccountID: 12}) {
		t.Errorf("GetChildrenAccounts = %+v", res)
	}
}

func TestGetChildrenAccountsErrors(t *testing.T) {
	tests := []struct {
		name, body string
		class      Class
	}{
		{"empty list", `{"result":[],"total_count":0,"count":0}`, 0},
		{"result is 1", `{"result":1}`, Transient},
		{"result null", `{"result":null}`, Transient},
		{"api error", `{"error":{"code":194,"msg":"Invalid child_account_id"}}`, RowData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newServer(t, reply(200, tt.body), Config{})
			_, err := c.GetChildrenAccounts(context.Background(), url.Values{"child_account_id": {"1"}})
			if v := Classify(err); v.Class != tt.class {
				t.Errorf("error %v classified %v, want %v", err, v.Class, tt.class)
			}
		})
	}
}

func TestPasswordScrubbed(t *testing.T) {
	const pw = "S3cret!Pass"
	c, _ := newServer(t, reply(200, `{"error":{"code":523,"msg":"Password S3cret!Pass is too weak","field_name":"new_child_account_password"}}`), Config{})
	err := c.SetChildAccountInfo(context.Background(), url.Values{"child_account_id": {"1"}, "new_child_account_password": {pw}})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 523 || ae.FieldName != "new_child_account_password" {
		t.Fatalf("error %v, want APIError 523", err)
	}
	if strings.Contains(err.Error(), pw) || !strings.Contains(ae.Msg, "***") {
		t.Errorf("error %q shows the password", err)
	}
}
