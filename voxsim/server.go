package voxsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// ErrStarted is returned by Start on a Server that was already started or
// closed.
var ErrStarted = errors.New("voxsim: server already started")

// Server is a simulated Management API. It is an http.Handler, so it can be
// mounted on an httptest.Server (wire ConnState to count connections) or run
// on its own listener with Start. All methods are safe for concurrent use.
type Server struct {
	cfg     Config
	pub     *rsa.PublicKey
	keyID   string
	creds   []byte
	salt    [16]byte
	store   *store
	zones   zoneTable
	limiter *limiter
	rng     faultSource
	tokens  tokenCache
	stats   stats

	mu     sync.Mutex // guards srv and closed
	srv    *http.Server
	closed bool
}

// New builds a Server with cfg's accounts, all in their initial state. It
// generates a 2048-bit RSA key unless cfg.Key is set.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	key := cfg.Key
	if key == nil {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("voxsim: generate key: %w", err)
		}
	}
	keyID := cfg.KeyID
	if keyID == "" {
		keyID = newUUID()
	}
	s := &Server{
		cfg:   cfg,
		pub:   &key.PublicKey,
		keyID: keyID,
		store: newStore(cfg.Accounts),
	}
	s.store.unkept = int64(cfg.Unkept)
	s.creds, err = credentialsJSON(key, keyID, cfg.AccountID)
	if err != nil {
		return nil, err
	}
	if _, err := rand.Read(s.salt[:]); err != nil {
		return nil, fmt.Errorf("voxsim: salt: %w", err)
	}
	s.limiter = newLimiter(&cfg)
	s.rng.init(cfg.Seed)
	s.stats.init()
	return s, nil
}

// credentialsJSON renders the credentials.json of the service account.
func credentialsJSON(key *rsa.PrivateKey, keyID string, accountID int64) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("voxsim: encode key: %w", err)
	}
	c := struct {
		AccountEmail string `json:"account_email"`
		AccountID    int64  `json:"account_id"`
		KeyID        string `json:"key_id"`
		PrivateKey   string `json:"private_key"`
	}{AccountEmail, accountID, keyID, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("voxsim: encode credentials: %w", err)
	}
	return append(b, '\n'), nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// AccountID returns the parent account id, the iss every token must carry.
func (s *Server) AccountID() int64 { return s.cfg.AccountID }

// KeyID returns the key id, the kid every token must carry.
func (s *Server) KeyID() string { return s.keyID }

// CredentialsJSON returns a credentials.json (account_email, account_id,
// key_id and a PKCS#8 PEM private_key) that authenticates against s. It
// holds the private key: write it only where a credentials file belongs.
func (s *Server) CredentialsJSON() []byte {
	return append([]byte(nil), s.creds...)
}

// WriteCredentials writes CredentialsJSON to path with mode 0600 (also when
// the file already existed with another mode).
func (s *Server) WriteCredentials(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("voxsim: write credentials: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("voxsim: write credentials: %w", err)
	}
	if _, err := f.Write(s.creds); err != nil {
		f.Close()
		return fmt.Errorf("voxsim: write credentials: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("voxsim: write credentials: %w", err)
	}
	return nil
}

// Start listens on addr (such as "127.0.0.1:0"), serves s in the background
// and returns the API endpoint, "http://HOST:PORT/platform_api/". An
// unspecified host (":0", "0.0.0.0:0") is reported as 127.0.0.1. Start may be
// called once; Close stops the server.
func (s *Server) Start(addr string) (endpoint string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil || s.closed {
		return "", ErrStarted
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("voxsim: listen: %w", err)
	}
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return "", fmt.Errorf("voxsim: listen: %w", err)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	s.srv = &http.Server{
		Handler:           s,
		ConnState:         s.ConnState,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go s.srv.Serve(ln) //nolint:errcheck // ErrServerClosed after Close
	return "http://" + net.JoinHostPort(host, port) + "/platform_api/", nil
}

// Close stops a started server, closing its listener and connections at
// once. It is safe to call more than once and on a server never started.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	s.srv = nil
	return err
}

// ConnState counts new connections for Stats.Connections. Start wires it;
// set it as an httptest.Server's Config.ConnState to count there.
func (s *Server) ConnState(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		s.stats.conns.Add(1)
	}
}

// ServeHTTP serves the API under /platform_api/ and the inspection endpoints
// under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, apiPrefix):
		s.serveAPI(w, r, p[len(apiPrefix):])
	case strings.HasPrefix(p, simPrefix):
		s.serveSim(w, r, p[len(simPrefix):])
	default:
		http.NotFound(w, r)
	}
}

const (
	apiPrefix = "/platform_api/"
	simPrefix = "/_sim/"
)
