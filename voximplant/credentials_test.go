package voximplant

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadCredentialsAccepts(t *testing.T) {
	tests := []struct {
		name  string
		patch func(m map[string]any)
	}{
		{"pkcs1", func(m map[string]any) {}},
		{"pkcs8", func(m map[string]any) { m["private_key"] = pkcs8PEM(t, rsaKey(t)) }},
		{"quoted account id", func(m map[string]any) { m["account_id"] = fmt.Sprint(testAccountID) }},
		{"no email", func(m map[string]any) { delete(m, "account_email") }},
		{"escaped newlines", func(m map[string]any) {
			m["private_key"] = strings.ReplaceAll(pkcs1PEM(t), "\n", `\n`)
		}},
		{"key after a certificate block", func(m map[string]any) {
			m["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2}})) + pkcs8PEM(t, rsaKey(t))
		}},
		{"unknown fields ignored", func(m map[string]any) { m["account_name"] = "ops" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validFields(t)
			tt.patch(m)
			c, err := LoadCredentials(writeFile(t, credentialsJSON(t, m), 0o600))
			if err != nil {
				t.Fatalf("LoadCredentials: %v", err)
			}
			if c.AccountID != testAccountID || c.KeyID != testKeyID {
				t.Errorf("got account %d key %q", c.AccountID, c.KeyID)
			}
			if !c.key.Equal(rsaKey(t)) {
				t.Error("key differs from the one written")
			}
		})
	}
}

func TestLoadCredentialsErrors(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pkcs1PEM(t)
	// A PKCS#1 key with its body damaged, and one labelled as PKCS#8.
	lines := strings.Split(pkcs1, "\n")
	lines[3] = strings.Repeat("A", len(lines[3]))
	damaged := strings.Join(lines, "\n")
	mislabelled := strings.Replace(strings.Replace(pkcs1, "RSA PRIVATE KEY", "PRIVATE KEY", 2), "RSA PRIVATE", "PRIVATE", 2)

	file := func(m map[string]any) string { return credentialsJSON(t, m) }
	with := func(k string, v any) string {
		m := validFields(t)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return file(m)
	}
	tests := []struct {
		name    string
		content string // "" with missing: no file at all
		missing bool
		want    error
		text    string
	}{
		{"missing file", "", true, fs.ErrNotExist, "cannot read"},
		{"trailing comma", "{\n\"key_id\": \"x\",\n}", false, ErrCredentialsJSON, "invalid JSON on line 3"},
		{"raw newlines in key", "{\"private_key\": \"" + pkcs1 + "\"}", false, ErrCredentialsJSON, "invalid JSON on line 1"},
		{"empty", "", false, ErrCredentialsJSON, "invalid JSON"},
		{"array", "[1,2]", false, ErrCredentialsJSON, "not a JSON object"},
		{"key not a string", with("private_key", 42), false, ErrCredentialsJSON, "field private_key must be a string"},
		{"account id not a number", with("account_id", true), false, ErrCredentialsJSON, "account_id"},
		{"account id negative", with("account_id", -5), false, ErrCredentialsJSON, "positive integer"},
		{"account id fractional", with("account_id", 1.5), false, ErrCredentialsJSON, "positive integer"},
		{"missing account_id", with("account_id", nil), false, ErrMissingField, "missing field: account_id"},
		{"missing key_id", with("key_id", nil), false, ErrMissingField, "missing field: key_id"},
		{"empty key_id", with("key_id", " "), false, ErrMissingField, "key_id"},
		{"missing private_key", with("private_key", nil), false, ErrMissingField, "missing field: private_key"},
		{"not PEM", with("private_key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), false, ErrBadKey, "no PEM"},
		{"damaged PKCS#1", with("private_key", damaged), false, ErrBadKey, "invalid PKCS#1"},
		{"PKCS#1 labelled PKCS#8", with("private_key", mislabelled), false, ErrBadKey, "invalid PKCS#8"},
		{"encrypted", with("private_key", string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}))), false, ErrBadKey, "encrypted"},
		{"EC PKCS#8", with("private_key", pkcs8PEM(t, ecKey)), false, ErrNotRSA, "EC key"},
		{"EC SEC1", with("private_key", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}))), false, ErrNotRSA, "EC PRIVATE KEY"},
		{"Ed25519", with("private_key", pkcs8PEM(t, edKey)), false, ErrNotRSA, "Ed25519"},
	}
	secrets := []string{strings.Split(pkcs1, "\n")[1], "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", rsaKey(t).D.String()[:20]}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nope.json")
			if !tt.missing {
				path = writeFile(t, tt.content, 0o600)
			}
			c, err := LoadCredentials(path)
			if err == nil {
				t.Fatalf("LoadCredentials = %v, want error", c)
			}
			var ce *CredentialsError
			if !errors.As(err, &ce) || ce.Path != path {
				t.Errorf("error %T %v is not a *CredentialsError for %s", err, err, path)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q does not wrap %v", err, tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.text) || !strings.Contains(msg, path) {
				t.Errorf("error %q lacks %q or the path", msg, tt.text)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q shows key material", msg)
				}
			}
		})
	}
}

func TestLoadCredentialsNoPath(t *testing.T) {
	_, err := LoadCredentials("")
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), CredentialsEnv) {
		t.Errorf("LoadCredentials(\"\") = %v, want ErrNoCredentials naming %s", err, CredentialsEnv)
	}
}

func TestCredentialsPath(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == CredentialsEnv {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		flag, env, want string
	}{
		{"a.json", "b.json", "a.json"},
		{"", "b.json", "b.json"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := CredentialsPath(tt.flag, env(tt.env)); got != tt.want {
			t.Errorf("CredentialsPath(%q, env %q) = %q, want %q", tt.flag, tt.env, got, tt.want)
		}
	}
	t.Setenv(CredentialsEnv, "from-env.json")
	if got := CredentialsPath("", nil); got != "from-env.json" {
		t.Errorf("CredentialsPath with os.Getenv = %q", got)
	}
}

func TestCredentialsWarning(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		warn bool
	}{
		{0o600, false},
		{0o400, false},
		// Group-readable only: a Secret mounted with defaultMode 0400 and
		// fsGroup is 0440; the group is the pod's own.
		{0o440, false},
		{0o640, false},
		{0o660, false},
		{0o604, true},
		{0o644, true},
		{0o444, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%04o", tt.mode), func(t *testing.T) {
			path := writeFile(t, credentialsJSON(t, validFields(t)), tt.mode)
			c, err := LoadCredentials(path)
			if err != nil {
				t.Fatal(err)
			}
			w := c.Warning()
			if (w != "") != tt.warn {
				t.Errorf("Warning() = %q, want warning %v", w, tt.warn)
			}
			if tt.warn && (!strings.Contains(w, path) || !strings.Contains(w, "readable by others")) {
				t.Errorf("warning %q does not name the file and who can read it", w)
			}
			if strings.Contains(w, "group") {
				t.Errorf("warning %q speaks of the group, which is not warned about", w)
			}
		})
	}
	if w := (&Credentials{}).Warning(); w != "" {
		t.Errorf("Warning() of credentials not from a file = %q", w)
	}
}

func TestCredentialsNeverPrintKey(t *testing.T) {
	c := testCredentials(t)
	k := rsaKey(t)
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("loaded", "creds", c, "value", *c)
	type holder struct{ c Credentials }
	outputs := []string{
		fmt.Sprintf("%v %+v %#v %s %d %x %q", c, c, c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v %s %d %x %q", *c, *c, *c, *c, *c, *c, *c),
		fmt.Sprintf("%v %+v %#v", holder{*c}, holder{*c}, []*Credentials{c}),
		logged.String(),
	}
	for _, out := range outputs {
		for _, secret := range []string{k.D.String()[:16], k.D.Text(16)[:16], k.Primes[0].String()[:16], "PRIVATE KEY"} {
			if strings.Contains(out, secret) {
				t.Fatalf("output shows key material: %s", out)
			}
		}
	}
	if !strings.Contains(outputs[0], testKeyID) || !strings.Contains(logged.String(), testKeyID) {
		t.Errorf("output lacks the key id: %s / %s", outputs[0], logged.String())
	}
}
