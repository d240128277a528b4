package voxsim

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"negative accounts", Config{Accounts: -1}},
		{"too many accounts", Config{Accounts: MaxAccounts + 1}},
		{"negative rate", Config{RateLimit: -1}},
		{"negative burst", Config{Burst: -1}},
		{"throttle status 302", Config{ThrottleStatus: 302}},
		{"negative latency", Config{Latency: -time.Second}},
		{"negative jitter", Config{LatencyJitter: -time.Second}},
		{"fault rate over 1", Config{FaultRate: 1.5}},
		{"negative drop rate", Config{DropRate: -0.1}},
		{"negative max list", Config{MaxList: -1}},
		{"negative account id", Config{AccountID: -1}},
		{"negative unkept", Config{Unkept: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Key = sharedKey(t)
			if _, err := New(tt.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v, want ErrConfig", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		rate      float64
		burst     int
		wantBurst int
	}{
		{0, 0, 0},
		{5, 0, 1},
		{50, 0, 5},
		{55, 0, 6},
		{50, 3, 3},
	}
	for _, tt := range tests {
		c, err := Config{RateLimit: tt.rate, Burst: tt.burst}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if c.Burst != tt.wantBurst || c.Accounts != DefaultAccounts || c.ThrottleStatus != 200 || c.AccountID != DefaultAccountID {
			t.Errorf("rate %v burst %d: %+v", tt.rate, tt.burst, c)
		}
	}
}

func TestCredentials(t *testing.T) {
	s, err := New(Config{Accounts: 1}) // generates its own key
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteCredentials(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AccountEmail string `json:"account_email"`
		AccountID    int64  `json:"account_id"`
		KeyID        string `json:"key_id"`
		PrivateKey   string `json:"private_key"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.AccountEmail != AccountEmail || c.AccountID != DefaultAccountID || c.KeyID != s.KeyID() {
		t.Fatalf("credentials %+v", c)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(c.KeyID) {
		t.Fatalf("key id %q", c.KeyID)
	}
	block, _ := pem.Decode([]byte(c.PrivateKey))
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatal("private_key is no PKCS#8 PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !s.pub.Equal(key.(*rsa.PrivateKey).Public()) {
		t.Fatal("private_key does not match the server's key")
	}
	if s.pub.N.BitLen() != 2048 {
		t.Fatalf("key of %d bits", s.pub.N.BitLen())
	}
	if string(s.CredentialsJSON()) != string(raw) {
		t.Fatal("CredentialsJSON differs from the file")
	}
	if err := s.WriteCredentials(filepath.Join(t.TempDir(), "missing", "c.json")); err == nil || strings.Contains(err.Error(), "PRIVATE") {
		t.Fatalf("error %v", err)
	}
}

func TestStartAndClose(t *testing.T) {
	s, err := New(Config{Key: sharedKey(t), Accounts: 1, KeyID: "kid-1", AccountID: 42})
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyID() != "kid-1" || s.AccountID() != 42 {
		t.Fatalf("ids %q %d", s.KeyID(), s.AccountID())
	}
	endpoint, err := s.Start(":0")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/platform_api/$`).MatchString(endpoint) {
		t.Fatalf("endpoint %q", endpoint)
	}
	if _, err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start: %v", err)
	}
	resp, err := http.Get(endpoint + "GetChildrenAccounts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(endpoint + "GetChildrenAccounts"); err == nil {
		t.Fatal("server still answers after Close")
	}
	if _, err := s.Start("127.0.0.1:0"); !errors.Is(err, ErrStarted) {
		t.Fatalf("Start after Close: %v", err)
	}
	s2, _ := New(Config{Key: sharedKey(t), Accounts: 1})
	if _, err := s2.Start("256.0.0.1:0"); err == nil {
		t.Fatal("listening on a bad address")
	}
}

func TestRouting(t *testing.T) {
	e := start(t, Config{})
	if a := e.form("NoSuchMethod", ""); a.code() != 103 {
		t.Fatalf("unknown method: %s", a.Raw)
	}
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/_sim/nothing", http.StatusNotFound},
		{http.MethodPost, "/_sim/stats", http.StatusMethodNotAllowed},
		{http.MethodPost, "/_sim/accounts", http.StatusMethodNotAllowed},
		{http.MethodGet, "/_sim/reset-stats", http.StatusMethodNotAllowed},
		{http.MethodHead, "/_sim/stats", http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.base+tt.path, nil)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
	}
}

func TestInspectAccounts(t *testing.T) {
	e := start(t, Config{Accounts: accountsPage + 10})
	if a := e.form("SetChildAccountInfo", "child_account_id=1001;5100&location=Europe/Berlin&can_use_restricted=true"); a.code() != 0 {
		t.Fatal(a.Raw)
	}
	var all, changed []Account
	e.getJSON("/_sim/accounts", &all)
	e.getJSON("/_sim/accounts?changed=1", &changed)
	if len(all) != accountsPage+10 || all[0] != initial(1000) || all[len(all)-1].AccountID != FirstID+accountsPage+9 {
		t.Fatalf("%d accounts, first %+v", len(all), all[0])
	}
	want := initial(1001)
	want.Location, want.CanUseRestricted, want.Applications = "Europe/Berlin", true, 1
	if len(changed) != 2 || changed[0] != want || changed[1].AccountID != 5100 || all[1] != want {
		t.Fatalf("changed %+v", changed)
	}
	if got := e.s.ChangedAccounts(); len(got) != 2 || got[0] != want {
		t.Fatalf("ChangedAccounts %+v", got)
	}
	if _, ok := e.s.Account(999); ok {
		t.Fatal("account 999 exists")
	}
}

func TestMillionAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("a million accounts")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	began := time.Now()
	s, err := New(Config{Key: sharedKey(t), Accounts: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1,000,000 accounts created in %v", time.Since(began))
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := after.HeapAlloc - before.HeapAlloc; grown > 100<<20 {
		t.Fatalf("a million accounts take %d MiB", grown>>20)
	}
	t.Logf("heap grew by %d MiB", (after.HeapAlloc-before.HeapAlloc)>>20)
	runtime.KeepAlive(s)
	if a, ok := s.Account(1_000_999); !ok || a != initial(1_000_999) {
		t.Fatalf("last account %+v", a)
	}
}
