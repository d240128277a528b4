package voximplant

import (
	"context"
	"testing"
	"time"
)

// BenchmarkSetChildAccountInfo measures one request against a local server
// answering {"result":1}, from parallel goroutines sharing one client.
func BenchmarkSetChildAccountInfo(b *testing.B) {
	c, _ := newServer(b, reply(200, `{"result":1}`), Config{Workers: 16})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.SetChildAccountInfo(context.Background(), oneID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTokenCached measures getting the cached token.
func BenchmarkTokenCached(b *testing.B) {
	s := newTokenSource(testCredentials(b), time.Hour, time.Now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.get(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenMint measures signing a new token (RSA-2048).
func BenchmarkTokenMint(b *testing.B) {
	s := newTokenSource(testCredentials(b), time.Hour, time.Now)
	b.ReportAllocs()
	for b.Loop() {
		s.drop()
		if _, err := s.get(); err != nil {
			b.Fatal(err)
		}
	}
}
