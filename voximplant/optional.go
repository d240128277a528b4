package voximplant

import "encoding/json"

// Opt is a field that an answer may leave out: Set tells whether the API
// gave it, Value is its value then (the zero value otherwise). A missing
// field is unknown, not false or zero. JSON null counts as missing.
type Opt[T any] struct {
	Value T
	Set   bool
}

// Some returns an Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Value: v, Set: true} }

// Get returns the value and whether the API gave it.
func (o Opt[T]) Get() (T, bool) { return o.Value, o.Set }

// IsZero reports a missing field, so that `json:",omitzero"` leaves it out.
func (o Opt[T]) IsZero() bool { return !o.Set }

// UnmarshalJSON decodes the value; null leaves the field missing.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Some(v)
	return nil
}

// MarshalJSON encodes the value, or null for a missing field.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}
