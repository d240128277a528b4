package plan

import (
	"encoding/binary"
	"math/bits"
	"net/url"
	"strings"
)

// Change is the set of non-selector parameters a row sets, normalized:
// booleans "true"/"false", language codes in lower case, decimals in their
// shortest plain form. A Change is immutable. Within one Plan, rows with
// identical changes share one *Change, so pointer equality means the same
// change.
type Change struct {
	set  uint16   // bit p set: Param p is set
	key  string   // the encoding of set and values; vals are substrings of it
	vals []string // the values of the set parameters, in Param order
}

// KV is a parameter name and its value.
type KV struct{ Key, Value string }

func (c *Change) has(p Param) bool { return c.set&(1<<p) != 0 }

// Get returns the value of p and whether the change sets it. The value of
// the password is the password itself: it is for sending only.
func (c *Change) Get(p Param) (string, bool) {
	if p >= NumParams || !c.has(p) {
		return "", false
	}
	return c.vals[bits.OnesCount16(c.set&(1<<p-1))], true
}

// Params returns the parameters the change sets, in API order.
func (c *Change) Params() []Param {
	ps := make([]Param, 0, len(c.vals))
	for p := range NumParams {
		if c.has(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// Solo reports whether the change sets a new email or password. A row with
// such a change is never grouped with other rows: it is a request of its
// own.
func (c *Change) Solo() bool {
	return c.has(NewChildAccountEmail) || c.has(NewChildAccountPassword)
}

// AddTo sets every parameter of the change in v, the password included.
// It is for building the request to send, nothing else.
func (c *Change) AddTo(v url.Values) {
	i := 0
	for p := range NumParams {
		if c.has(p) {
			v.Set(p.String(), c.vals[i])
			i++
		}
	}
}

// Redacted returns the parameters the change sets in API order, with the
// value of a secret (the password) replaced by "***".
func (c *Change) Redacted() []KV {
	kvs := make([]KV, 0, len(c.vals))
	i := 0
	for p := range NumParams {
		if c.has(p) {
			v := c.vals[i]
			if p.Secret() {
				v = "***"
			}
			kvs = append(kvs, KV{p.String(), v})
			i++
		}
	}
	return kvs
}

// String renders the change as "name=value" pairs in API order, the
// password as ***.
func (c *Change) String() string {
	var b strings.Builder
	for i, kv := range c.Redacted() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kv.Key)
		b.WriteByte('=')
		b.WriteString(kv.Value)
	}
	return b.String()
}

// appendDigest appends the change's part of the plan digest: the key, with
// a password reduced to the fact that it is set.
func (c *Change) appendDigest(buf []byte) []byte {
	if !c.has(NewChildAccountPassword) {
		return append(buf, c.key...)
	}
	buf = append(buf, byte(c.set), byte(c.set>>8))
	i := 0
	for p := range NumParams {
		if c.has(p) {
			if !p.Secret() {
				buf = binary.AppendUvarint(buf, uint64(len(c.vals[i])))
				buf = append(buf, c.vals[i]...)
			}
			i++
		}
	}
	return buf
}

// interner hands out one *Change per distinct set of values. Its lookups
// use a reused buffer as the map key, which does not allocate; only a new
// change costs allocations.
type interner struct {
	m    map[string]*Change
	buf  []byte
	last *Change // rows with one change often come in runs
}

// intern returns the change setting the params in set to vals[p].
func (in *interner) intern(set uint16, vals *[NumParams]string) *Change {
	buf := append(in.buf[:0], byte(set), byte(set>>8))
	var ends [NumParams]int
	for p := range NumParams {
		if set&(1<<p) != 0 {
			buf = binary.AppendUvarint(buf, uint64(len(vals[p])))
			buf = append(buf, vals[p]...)
			ends[p] = len(buf)
		}
	}
	in.buf = buf
	if in.last != nil && in.last.key == string(buf) {
		return in.last
	}
	if c, ok := in.m[string(buf)]; ok {
		in.last = c
		return c
	}
	key := string(buf)
	c := &Change{set: set, key: key, vals: make([]string, 0, bits.OnesCount16(set))}
	for p := range NumParams {
		if set&(1<<p) != 0 {
			c.vals = append(c.vals, key[ends[p]-len(vals[p]):ends[p]])
		}
	}
	if in.m == nil {
		in.m = make(map[string]*Change)
	}
	in.m[key] = c
	in.last = c
	return c
}
