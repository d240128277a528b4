package voximplant

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var oneID = url.Values{"child_account_id": {"1"}}

// block is a handler that reads the request, signals arrived, and waits for
// the request's context to end (the client gave up) without answering.
func block(arrived chan<- struct{}, writeSome bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		if writeSome {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"res`))
			w.(http.Flusher).Flush()
		}
		if arrived != nil {
			arrived <- struct{}{}
		}
		<-r.Context().Done()
	}
}

func TestNoAnswer(t *testing.T) {
	tests := []struct {
		name    string
		h       http.HandlerFunc
		timeout time.Duration
		ctx     func(arrived <-chan struct{}) context.Context
		errIs   error
		want    Verdict
	}{
		{
			name: "server never answers", h: block(nil, false), timeout: 100 * time.Millisecond,
			errIs: ErrTimeout, want: Verdict{Class: Transient, Unknown: true},
		},
		{
			name: "server stops in the body", h: block(nil, true), timeout: 100 * time.Millisecond,
			errIs: ErrTimeout, want: Verdict{Class: Transient, Unknown: true},
		},
		{
			name: "caller cancels in flight", timeout: time.Minute,
			ctx: func(arrived <-chan struct{}) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				go func() { <-arrived; cancel() }()
				return ctx
			},
			errIs: context.Canceled, want: Verdict{Class: Canceled, Unknown: true},
		},
		{
			name: "caller deadline", h: block(nil, false), timeout: time.Minute,
			ctx: func(<-chan struct{}) context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			errIs: context.DeadlineExceeded, want: Verdict{Class: Canceled, Unknown: true},
		},
		{
			name: "caller canceled before", h: block(nil, false), timeout: time.Minute,
			ctx: func(<-chan struct{}) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			errIs: context.Canceled, want: Verdict{Class: Canceled},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			h := tt.h
			if h == nil {
				h = block(arrived, false)
			}
			c, _ := newServer(t, h, Config{Timeout: tt.timeout})
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx(arrived)
			}
			err := c.SetChildAccountInfo(ctx, oneID)
			var te *TransportError
			if !errors.As(err, &te) || te.Op != "SetChildAccountInfo" {
				t.Fatalf("error %T %v, want *TransportError", err, err)
			}
			if !errors.Is(err, tt.errIs) {
				t.Errorf("error %v does not wrap %v", err, tt.errIs)
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %+v, want %+v", err, got, tt.want)
			}
		})
	}
}

// hangUp is a handler that reads the request and drops the connection,
// with a reset when rst is set.
func hangUp(rst bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if tc, ok := conn.(*net.TCPConn); ok && rst {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

func TestConnectionDropped(t *testing.T) {
	for _, rst := range []bool{false, true} {
		c, _ := newServer(t, hangUp(rst), Config{})
		err := c.SetChildAccountInfo(context.Background(), oneID)
		var te *TransportError
		if !errors.As(err, &te) || !te.Written {
			t.Fatalf("rst %v: error %T %v, want a written *TransportError", rst, err, err)
		}
		if got := Classify(err); got != (Verdict{Class: Transient, Unknown: true}) {
			t.Errorf("rst %v: Classify(%v) = %+v, want transient, unknown", rst, err, got)
		}
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := New(testCredentials(t), Config{Endpoint: "http://" + addr + "/platform_api/"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SetChildAccountInfo(context.Background(), oneID)
	var te *TransportError
	if !errors.As(err, &te) || te.Written {
		t.Fatalf("error %T %v, want an unwritten *TransportError", err, err)
	}
	if got := Classify(err); got != (Verdict{Class: Transient}) {
		t.Errorf("Classify(%v) = %+v, want transient, known", err, got)
	}
}

func TestTLS(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(func() http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			proto.Store(r.Proto)
			reply(200, `{"result":1}`)(w, r)
		}
	}())
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	creds := testCredentials(t)

	// The tuned transport does not trust the test certificate: fatal.
	c, err := New(creds, Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SetChildAccountInfo(context.Background(), oneID)
	if got := Classify(err); got.Class != Fatal {
		t.Errorf("untrusted certificate: Classify(%v) = %+v, want fatal", err, got)
	}

	// Trusting it, the tuned transport speaks HTTP/2.
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c.hc.Transport.(*http.Transport).TLSClientConfig.RootCAs = pool
	if err := c.SetChildAccountInfo(context.Background(), oneID); err != nil {
		t.Fatalf("trusted certificate: %v", err)
	}
	if p, _ := proto.Load().(string); p != "HTTP/2.0" {
		t.Errorf("protocol %q, want HTTP/2.0", p)
	}

	// https:// to a plain HTTP server: fatal.
	plain := httptest.NewServer(reply(200, `{"result":1}`))
	defer plain.Close()
	u, _ := url.Parse(plain.URL)
	u.Scheme = "https"
	c, err = New(creds, Config{Endpoint: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SetChildAccountInfo(context.Background(), oneID)
	if got := Classify(err); got.Class != Fatal {
		t.Errorf("https to an http server: Classify(%v) = %+v, want fatal", err, got)
	}
}

// TestConnectionReuse checks that workers reuse their connections.
func TestConnectionReuse(t *testing.T) {
	const workers, each = 8, 25
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(reply(200, `{"result":1}`))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(testCredentials(t), Config{Endpoint: srv.URL, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := c.SetChildAccountInfo(context.Background(), oneID); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests over %d connections", workers*each, conns.Load())
	if n := conns.Load(); n > 2*workers {
		t.Errorf("%d requests opened %d connections, want at most %d", workers*each, n, 2*workers)
	}
}
