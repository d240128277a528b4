package voximplant

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNormalizeEndpoint(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"", DefaultEndpoint, nil},
		{"https://api.voximplant.com/platform_api", DefaultEndpoint, nil},
		{"https://api.voximplant.com/platform_api/", DefaultEndpoint, nil},
		{"https://proxy.example.com:8443", "https://proxy.example.com:8443/", nil},
		{"http://127.0.0.1:8080/platform_api", "http://127.0.0.1:8080/platform_api/", nil},
		{"http://127.3.2.1/", "http://127.3.2.1/", nil},
		{"http://[::1]:9000/platform_api/", "http://[::1]:9000/platform_api/", nil},
		{"http://localhost:9000/x", "http://localhost:9000/x/", nil},
		{"http://LOCALHOST/", "http://LOCALHOST/", nil},
		{"http://api.voximplant.com/platform_api/", "", ErrInsecureEndpoint},
		{"http://10.0.0.1/", "", ErrInsecureEndpoint},
		{"http://128.0.0.1/", "", ErrInsecureEndpoint},
		{"http://localhost.example.com/", "", ErrInsecureEndpoint},
		{"http://[::2]/", "", ErrInsecureEndpoint},
		{"ftp://127.0.0.1/", "", ErrInvalidEndpoint},
		{"file:///etc/passwd", "", ErrInvalidEndpoint},
		{"api.voximplant.com/platform_api/", "", ErrInvalidEndpoint},
		{"https:///platform_api/", "", ErrInvalidEndpoint},
		{"http:///platform_api/", "", ErrInvalidEndpoint},
		{"https://user:hunter22@api.example.com/", "", ErrInvalidEndpoint},
		{"https://api.example.com/?a=1", "", ErrInvalidEndpoint},
		{"https://api.example.com/?token=hunter22", "", ErrInvalidEndpoint},
		{"https://api.example.com/#x", "", ErrInvalidEndpoint},
		{"https://api.example.com/%zz", "", ErrInvalidEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeEndpoint(tt.in)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("normalizeEndpoint(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("normalizeEndpoint(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter22") {
				t.Errorf("error %q shows the password", err)
			}
			if errors.Is(err, ErrInsecureEndpoint) && !strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q does not name the endpoint", err)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	creds := testCredentials(t)
	tests := []struct {
		name  string
		creds *Credentials
		cfg   Config
		ok    bool
	}{
		{"defaults", creds, Config{}, true},
		{"ttl max", creds, Config{TokenTTL: time.Hour}, true},
		{"ttl min", creds, Config{TokenTTL: 30 * time.Second}, true},
		{"ttl over an hour", creds, Config{TokenTTL: time.Hour + time.Second}, false},
		{"ttl too short", creds, Config{TokenTTL: 5 * time.Second}, false},
		{"negative timeout", creds, Config{Timeout: -time.Second}, false},
		{"insecure endpoint", creds, Config{Endpoint: "http://example.com/"}, false},
		{"no credentials", nil, Config{}, false},
		{"credentials without key", &Credentials{AccountID: 1, KeyID: "k"}, Config{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.creds, tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New = %v, %v; want ok %v", c, err, tt.ok)
			}
		})
	}
	c, err := New(creds, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != DefaultEndpoint || c.timeout != DefaultTimeout || c.userAgent != DefaultUserAgent ||
		c.tokens.ttl != DefaultTokenTTL {
		t.Errorf("defaults not applied: %s %s %s %s", c.Endpoint(), c.timeout, c.userAgent, c.tokens.ttl)
	}
}

func TestTransportTuning(t *testing.T) {
	for _, workers := range []int{0, 1, 16, 200} {
		c, err := New(testCredentials(t), Config{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		tr, ok := c.hc.Transport.(*http.Transport)
		if !ok {
			t.Fatalf("transport is %T", c.hc.Transport)
		}
		w := workers
		if w == 0 {
			w = DefaultWorkers
		}
		if tr.MaxIdleConnsPerHost < w || tr.MaxIdleConns < tr.MaxIdleConnsPerHost {
			t.Errorf("workers %d: idle per host %d, idle %d", workers, tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
		}
		if tr.MaxConnsPerHost != 0 && tr.MaxConnsPerHost < w {
			t.Errorf("workers %d: MaxConnsPerHost %d", workers, tr.MaxConnsPerHost)
		}
		if !tr.ForceAttemptHTTP2 || tr.TLSHandshakeTimeout == 0 || tr.DialContext == nil || tr.DisableKeepAlives {
			t.Errorf("workers %d: transport not tuned: %+v", workers, tr)
		}
	}
	rt := http.DefaultTransport
	c, err := New(testCredentials(t), Config{Transport: rt})
	if err != nil || c.hc.Transport != rt {
		t.Errorf("Config.Transport not used: %v", err)
	}
}
