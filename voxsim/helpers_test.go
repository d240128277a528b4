package voxsim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// sharedKey returns one 2048-bit key for the whole test binary.
func sharedKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey
}

// env is a started simulator with a client for it.
type env struct {
	t        testing.TB
	s        *Server
	endpoint string
	base     string // http://host:port
	client   *http.Client
}

func start(t testing.TB, cfg Config) *env {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = sharedKey(t)
	}
	if cfg.Accounts == 0 {
		cfg.Accounts = 50
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		s.Close()
	})
	return &env{t: t, s: s, endpoint: endpoint,
		base:   strings.TrimSuffix(endpoint, "/platform_api/"),
		client: &http.Client{Transport: tr}}
}

// token mints a valid token for e's server at time now, edited by mod.
func (e *env) token(now time.Time, mod func(tok *jwt.Token, c jwt.MapClaims)) string {
	e.t.Helper()
	c := jwt.MapClaims{"iss": e.s.AccountID(), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = e.s.KeyID()
	if mod != nil {
		mod(tok, c)
	}
	var key any = sharedKey(e.t)
	switch tok.Method {
	case jwt.SigningMethodNone:
		key = jwt.UnsafeAllowNoneSignatureType
	case jwt.SigningMethodHS256:
		key = []byte("secret")
	}
	s, err := tok.SignedString(key)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// answer is a decoded API answer.
type answer struct {
	HTTPStatus int
	Header     http.Header
	Raw        string
	Result     json.RawMessage `json:"result"`
	TotalCount int             `json:"total_count"`
	Count      int             `json:"count"`
	Error      *struct {
		Code      int    `json:"code"`
		Msg       string `json:"msg"`
		FieldName string `json:"field_name"`
	} `json:"error"`
}

// code is the answer's error code, 0 for success.
func (a *answer) code() int {
	if a.Error == nil {
		return 0
	}
	return a.Error.Code
}

// do sends a request with a fresh valid token and decodes the answer.
func (e *env) do(method string, body io.Reader, contentType, query string) *answer {
	e.t.Helper()
	return e.doAuth("Bearer "+e.token(time.Now(), nil), method, body, contentType, query)
}

func (e *env) doAuth(auth, method string, body io.Reader, contentType, query string) *answer {
	e.t.Helper()
	u := e.endpoint + method
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := &answer{HTTPStatus: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, a); err != nil {
			e.t.Fatalf("answer %q: %v", raw, err)
		}
	}
	return a
}

// form sends a url-encoded body exactly as given (raw ";" kept).
func (e *env) form(method, body string) *answer {
	e.t.Helper()
	return e.do(method, strings.NewReader(body), "application/x-www-form-urlencoded", "")
}

// set sends SetChildAccountInfo with v url-encoded.
func (e *env) set(v url.Values) *answer {
	e.t.Helper()
	return e.form("SetChildAccountInfo", v.Encode())
}

// setStep is one SetChildAccountInfo form body and the code it must get.
type setStep struct {
	body string
	code int
}

// setSteps sends each step in turn and stops the test at the first step
// answered with another code.
func (e *env) setSteps(steps []setStep) {
	e.t.Helper()
	for i, st := range steps {
		if a := e.form("SetChildAccountInfo", st.body); a.code() != st.code {
			e.t.Fatalf("step %d (%s): code %d, want %d (%s)", i, st.body, a.code(), st.code, a.Raw)
		}
	}
}

// multipartBody builds a multipart form from pairs.
func multipartBody(t testing.TB, kv ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(kv); i += 2 {
		if err := mw.WriteField(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// account fetches an account through the Go API.
func (e *env) account(id int64) Account {
	e.t.Helper()
	a, ok := e.s.Account(id)
	if !ok {
		e.t.Fatalf("account %d not found", id)
	}
	return a
}

// getJSON fetches a /_sim endpoint into v.
func (e *env) getJSON(path string, v any) {
	e.t.Helper()
	resp, err := e.client.Get(e.base + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		e.t.Fatal(err)
	}
}

// initial is the initial state of account id.
func initial(id int64) Account {
	n := strconv.FormatInt(id, 10)
	return Account{AccountID: id, AccountName: "child-" + n, AccountEmail: "child-" + n + "@example.test",
		Active: true, LanguageCode: "en", Location: "Etc/GMT", AccountNotifications: true,
		TariffChangingNotifications: true}
}
