package voxsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// idList returns n ids from first on, joined by ";".
func idList(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.Itoa(FirstID + first + i))
	}
	return b.String()
}

// longToken is one token for a whole benchmark, as a caching client uses.
func longToken(e *env) string {
	return "Bearer " + e.token(time.Now(), func(_ *jwt.Token, c jwt.MapClaims) { c["exp"] = time.Now().Unix() + 3000 })
}

// BenchmarkServeHTTP measures the handler alone: SetChildAccountInfo with
// 50 ids, no network.
func BenchmarkServeHTTP(b *testing.B) {
	const accounts = 100_000
	e := start(b, Config{Accounts: accounts})
	auth := longToken(e)
	bodies := make([]string, accounts/50)
	for k := range bodies {
		bodies[k] = "child_account_id=" + idList(k*50, 50) + "&active=false&language_code=de"
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodPost, "/platform_api/SetChildAccountInfo", strings.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		e.s.ServeHTTP(w, req)
		if w.Body.String() != `{"result":1}` {
			b.Fatal(w.Body.String())
		}
	}
}

// BenchmarkHTTP measures SetChildAccountInfo with 50 ids over loopback,
// client and server on the same machine, in parallel.
func BenchmarkHTTP(b *testing.B) {
	const accounts = 100_000
	e := start(b, Config{Accounts: accounts})
	e.client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	auth := longToken(e)
	var next atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := int(next.Add(1)) % (accounts / 50)
			body := "child_account_id=" + idList(k*50, 50) + "&active=false"
			req, _ := http.NewRequest(http.MethodPost, e.endpoint+"SetChildAccountInfo", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", auth)
			resp, err := e.client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(raw) != `{"result":1}` {
				b.Fatal(string(raw))
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(e.s.Stats().MaxConcurrency), "max-concurrency")
}

// BenchmarkNewMillion measures building a million accounts (the key is
// shared, so this is the store alone).
func BenchmarkNewMillion(b *testing.B) {
	key := sharedKey(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{Key: key, Accounts: 1_000_000}); err != nil {
			b.Fatal(err)
		}
	}
}
