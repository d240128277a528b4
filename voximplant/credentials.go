package voximplant

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/internal/bounded"
)

// CredentialsEnv is the environment variable that names the credentials file
// when no path is given, as in Voximplant's official clients.
const CredentialsEnv = "VOXIMPLANT_CREDENTIALS"

// Sentinel errors wrapped by [*CredentialsError].
var (
	// ErrNoCredentials: neither a path nor VOXIMPLANT_CREDENTIALS was given.
	ErrNoCredentials = errors.New("no credentials file given (use --credentials or set " + CredentialsEnv + ")")
	// ErrCredentialsJSON: the file is not the JSON object credentials.json holds.
	ErrCredentialsJSON = errors.New("not a credentials.json file")
	// ErrMissingField: a required field is absent or empty.
	ErrMissingField = errors.New("missing field")
	// ErrBadKey: private_key is not a readable, unencrypted PEM private key.
	ErrBadKey = errors.New("unreadable private_key")
	// ErrNotRSA: private_key holds a key of another type (EC, Ed25519).
	ErrNotRSA = errors.New("private_key is not an RSA key")
)

// CredentialsError is a failure to load credentials. Err wraps one of the
// sentinels above or the I/O error (errors.Is(err, fs.ErrNotExist) works).
// Its text names the file (Path) or, for credentials given as JSON content,
// where they came from (Source), and the problem; never the content or the
// key.
type CredentialsError struct {
	Path   string
	Source string // a flag or variable that held the JSON itself
	Err    error
}

func (e *CredentialsError) Error() string {
	switch {
	case e.Path != "":
		return "credentials " + e.Path + ": " + e.Err.Error()
	case e.Source != "":
		return "credentials from " + e.Source + ": " + e.Err.Error()
	}
	return "credentials: " + e.Err.Error()
}

// MaxCredentialsSize is the largest credentials.json read: a real one is
// about 2 KB, and a path such as /dev/zero must not be read for ever.
const MaxCredentialsSize = 64 << 10

// ErrCredentialsSize: the file or value is larger than MaxCredentialsSize.
var ErrCredentialsSize = fmt.Errorf("larger than %d KB: not a credentials.json", MaxCredentialsSize>>10)

func (e *CredentialsError) Unwrap() error { return e.Err }

// Credentials is a service account's credentials.json. The private key is
// unexported and never printed: String, GoString, Format and LogValue show the
// account and the key id only.
type Credentials struct {
	AccountEmail string
	AccountID    int64
	KeyID        string

	key  *rsa.PrivateKey
	path string
	mode fs.FileMode
}

// credentialsFile is the JSON layout of credentials.json.
type credentialsFile struct {
	AccountEmail string      `json:"account_email"`
	AccountID    json.Number `json:"account_id"` // a number; a quoted number is accepted too
	KeyID        string      `json:"key_id"`
	PrivateKey   string      `json:"private_key"`
}

// CredentialsPath returns the credentials to use: flagValue when it is not
// empty, else the value of VOXIMPLANT_CREDENTIALS read through getenv
// (os.Getenv when nil). It returns "" when neither is set. The value is a
// path, or the JSON itself (see IsCredentialsJSON).
func CredentialsPath(flagValue string, getenv func(string) string) string {
	if flagValue != "" {
		return flagValue
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv(CredentialsEnv)
}

// IsCredentialsJSON tells whether a credentials value is the JSON content
// itself (a Kubernetes Secret or a CI variable often holds that) rather
// than a path: it starts with "{".
func IsCredentialsJSON(value string) bool {
	return strings.HasPrefix(strings.TrimSpace(value), "{")
}

// LoadCredentialsFrom loads credentials from value, which source (a flag or
// variable name, such as "--credentials" or VOXIMPLANT_CREDENTIALS) gave:
// the JSON itself when IsCredentialsJSON, else a file's path. Its errors
// name the source or the path, never the value's content.
func LoadCredentialsFrom(source, value string) (*Credentials, error) {
	if !IsCredentialsJSON(value) {
		return LoadCredentials(value)
	}
	fail := func(err error) (*Credentials, error) {
		return nil, &CredentialsError{Source: source, Err: err}
	}
	if len(value) > MaxCredentialsSize {
		return fail(ErrCredentialsSize)
	}
	c, err := parseCredentials([]byte(value))
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// LoadCredentials reads and checks the credentials file at path. account_id,
// key_id and private_key are required; account_email is optional (it is only
// shown). The key may be PKCS#1 ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY")
// and must be RSA. Errors are *CredentialsError.
func LoadCredentials(path string) (*Credentials, error) {
	if path == "" {
		return nil, &CredentialsError{Err: ErrNoCredentials}
	}
	fail := func(err error) (*Credentials, error) {
		return nil, &CredentialsError{Path: path, Err: err}
	}
	data, err := bounded.ReadFile(path, MaxCredentialsSize)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in CredentialsError
		}
		if errors.Is(err, bounded.ErrTooLarge) {
			return fail(ErrCredentialsSize)
		}
		return fail(fmt.Errorf("cannot read: %w", err))
	}
	info, err := os.Stat(path)
	if err != nil {
		return fail(fmt.Errorf("cannot stat: %w", err))
	}
	c, err := parseCredentials(data)
	if err != nil {
		return fail(err)
	}
	c.path, c.mode = path, info.Mode().Perm()
	return c, nil
}

// parseCredentials decodes credentials.json. Its errors never quote the file's
// content: JSON syntax errors report a line, type errors a field name.
func parseCredentials(data []byte) (*Credentials, error) {
	var f credentialsFile
	if err := json.Unmarshal(data, &f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line := 1 + bytes.Count(data[:min(max(int(se.Offset)-1, 0), len(data))], []byte("\n"))
			return nil, fmt.Errorf("%w: invalid JSON on line %d", ErrCredentialsJSON, line)
		case errors.As(err, &te) && te.Field != "":
			return nil, fmt.Errorf("%w: field %s must be a %s", ErrCredentialsJSON, te.Field, jsonKind(te.Field))
		default:
			return nil, fmt.Errorf("%w: not a JSON object", ErrCredentialsJSON)
		}
	}
	for _, req := range []struct{ name, value string }{
		{"account_id", f.AccountID.String()},
		{"key_id", f.KeyID},
		{"private_key", f.PrivateKey},
	} {
		if strings.TrimSpace(req.value) == "" {
			return nil, fmt.Errorf("%w: %s", ErrMissingField, req.name)
		}
	}
	id, err := strconv.ParseInt(f.AccountID.String(), 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("%w: account_id must be a positive integer", ErrCredentialsJSON)
	}
	key, err := parsePrivateKey(f.PrivateKey)
	if err != nil {
		return nil, err
	}
	return &Credentials{AccountEmail: f.AccountEmail, AccountID: id, KeyID: f.KeyID, key: key}, nil
}

func jsonKind(field string) string {
	if field == "account_id" {
		return "number"
	}
	return "string"
}

// parsePrivateKey reads the first PEM private key block of s. Parse errors of
// crypto/x509 are not wrapped: they are not needed and would describe the
// key's bytes.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		// The key was pasted with its newlines escaped twice.
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	rest := []byte(s)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%w: no PEM private key block", ErrBadKey)
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, fmt.Errorf("%w: the key is encrypted; use the unencrypted key the control panel gives", ErrBadKey)
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: invalid PKCS#1 RSA key", ErrBadKey)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: invalid PKCS#8 key", ErrBadKey)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				return k, nil
			case *ecdsa.PrivateKey:
				return nil, fmt.Errorf("%w (found an EC key)", ErrNotRSA)
			case ed25519.PrivateKey:
				return nil, fmt.Errorf("%w (found an Ed25519 key)", ErrNotRSA)
			default:
				return nil, fmt.Errorf("%w (found a %T)", ErrNotRSA, k)
			}
		default:
			return nil, fmt.Errorf("%w (found a PEM %q block)", ErrNotRSA, block.Type)
		}
	}
}

// Warning returns a warning when the file the credentials came from is
// readable by others (any user of the machine), and "" otherwise (or when
// the credentials were not loaded from a file, or on Windows). A file
// readable by its group only is not warned about: a Kubernetes Secret
// mounted with fsGroup is group-readable by design (the group is the pod's
// own), and a warning every pod prints is a warning operators learn to
// ignore.
func (c *Credentials) Warning() string {
	if c == nil || c.path == "" || runtime.GOOS == "windows" || c.mode&0o004 == 0 {
		return ""
	}
	return fmt.Sprintf("credentials file %s is readable by others (mode %04o); run chmod 600 %s", c.path, c.mode, c.path)
}

// String describes the credentials without the key.
func (c Credentials) String() string {
	s := fmt.Sprintf("account %d, key %s", c.AccountID, c.KeyID)
	if c.AccountEmail != "" {
		s = fmt.Sprintf("account %d (%s), key %s", c.AccountID, c.AccountEmail, c.KeyID)
	}
	return s
}

// GoString is String, so that %#v does not print the key either.
func (c Credentials) GoString() string { return "voximplant.Credentials{" + c.String() + "}" }

// Format prints String for every verb, so that no verb prints the key.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue logs the account and the key id only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("account_id", c.AccountID),
		slog.String("account_email", c.AccountEmail),
		slog.String("key_id", c.KeyID),
	)
}
