package plan

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML reader works on yaml.Node trees, not on Go values: each value is
// read by its parameter's type from its raw text (so `language_code: no`
// stays Norwegian and `active: no` is false), and each node knows its line.

const yamlShape = "a plan is a mapping with defaults: (optional) and accounts: (a list of rows)"

func readYAML(b *builder, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if looksUTF16(data) { // with a byte-order mark, yaml.v3 reads UTF-16 itself
		b.ps.addFatal(0, "", "", newProblem(ErrSyntax, utf16Message))
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			b.ps.addFatal(0, "", "", newProblem(ErrSyntax, "empty plan: "+yamlShape))
		} else {
			yamlError(b, err)
		}
		return nil
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		if err != nil {
			yamlError(b, err)
		} else {
			b.ps.addFatal(more.Line, "", "", newProblem(ErrSyntax, "a second YAML document; a plan is one document"))
		}
		return nil
	}
	if len(doc.Content) == 0 {
		b.ps.addFatal(0, "", "", newProblem(ErrSyntax, "empty plan: "+yamlShape))
		return nil
	}
	root := deref(doc.Content[0])
	var accounts, defaults *yaml.Node
	switch root.Kind {
	case yaml.SequenceNode:
		accounts = root
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := deref(root.Content[i]), deref(root.Content[i+1])
			switch k.Value {
			case "accounts":
				accounts = v
			case "defaults":
				defaults = v
			default:
				b.ps.addFatal(k.Line, "key "+quote(k.Value), "", newProblem(ErrSyntax, "unknown key; "+yamlShape))
			}
		}
	default:
		b.ps.addFatal(root.Line, "", "", newProblem(ErrSyntax, yamlShape))
		return nil
	}
	if defaults != nil {
		b.readDefaults(defaults)
	}
	switch {
	case accounts == nil:
		b.ps.addFatal(root.Line, "", "", newProblem(ErrSyntax, "no accounts: "+yamlShape))
	case isNull(accounts):
		// "accounts:" with nothing under it: a plan of no rows
	case accounts.Kind != yaml.SequenceNode:
		b.ps.addFatal(accounts.Line, "accounts", "", newProblem(ErrSyntax, "not a list; "+yamlShape))
	default:
		var raw rawRow
		for _, item := range accounts.Content {
			b.readRow(&raw, deref(item))
			b.add(&raw)
		}
	}
	return nil
}

// yamlError reports a YAML syntax error at its line, which yaml.v3 gives
// only in the message ("yaml: line 3: ...").
func yamlError(b *builder, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	if i, _ := ControlAt(msg); i >= 0 { // the parser's words should not quote the plan raw, but if they do
		msg = quote(msg)
	}
	b.ps.addFatal(line, "", "", newProblem(ErrSyntax, msg))
}

// deref follows an alias to its anchored node. Only one step: an alias
// names an anchor defined before it, which is not itself an alias.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style == 0 && (n.Value == "" || n.Value == "~" || n.Value == "null")
}

// scalar returns the raw text of a value node: "" for an empty value or a
// plain ~, the text as written otherwise (YAML's type guess is ignored).
// ok is false for a list or mapping.
func scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Style == 0 && n.Value == "~" {
		return "", true
	}
	return n.Value, true
}

// reporter records a problem at a line; it calls msg, which may be costly
// (a suggestion), only for a problem that is shown.
type reporter func(line int, field string, msg func() error)

// entries calls fn for each key of a mapping that names a known column,
// and records problems with the others. Problems of defaults are problems
// of the whole plan; those of a row are the row's.
func (b *builder) entries(m *yaml.Node, report reporter, fn func(c column, v *yaml.Node, s string)) {
	seen := map[column]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		c, ok := lookupColumn(k.Value)
		switch {
		case !ok:
			report(k.Line, "key "+quote(k.Value), func() error {
				return newProblem(ErrUnknownColumn, "unknown parameter; did you mean "+quote(suggest(k.Value))+"?")
			})
			continue
		case seen[c] > 0:
			report(k.Line, c.String(), func() error {
				return newProblem(ErrSyntax, "set twice (also on line "+strconv.Itoa(seen[c])+")")
			})
			continue
		}
		seen[c] = k.Line
		s, ok := scalar(v)
		if !ok {
			report(v.Line, c.String(), func() error {
				return newProblem(ErrSyntax, "a list or mapping where a single value belongs")
			})
			continue
		}
		if c.sel != 0 || c.param != NewChildAccountPassword {
			s = strings.TrimSpace(s)
		}
		fn(c, v, s)
	}
}

func (b *builder) readDefaults(d *yaml.Node) {
	if isNull(d) {
		return
	}
	if d.Kind != yaml.MappingNode {
		b.ps.addFatal(d.Line, "defaults", "", newProblem(ErrSyntax, "not a mapping of parameter: value"))
		return
	}
	fatal := func(line int, field string, msg func() error) {
		if b.ps.keeps(0) {
			b.ps.addFatal(line, field, "", msg())
		} else {
			b.ps.skip(true)
		}
	}
	b.entries(d, fatal, func(c column, v *yaml.Node, s string) {
		switch {
		case c.sel != 0:
			b.ps.addFatal(v.Line, c.String(), "", newProblem(ErrSyntax, "a selector cannot be a default"))
		case s != "":
			b.setDefault(c.param, field{s, v.Line})
		}
	})
}

// readRow fills raw from one item of accounts:.
func (b *builder) readRow(raw *rawRow, n *yaml.Node) {
	*raw = rawRow{line: n.Line}
	if n.Kind != yaml.MappingNode {
		raw.broken = true
		raw.pre = append(raw.pre, &RowError{File: b.file, Line: n.Line, Err: newProblem(ErrSyntax,
			"an account must be a mapping of parameter: value")})
		return
	}
	pre := func(line int, field string, msg func() error) {
		// the row's first problem is its Err: always built
		if len(raw.pre) == 0 || b.ps.keeps(len(raw.pre)) {
			raw.pre = append(raw.pre, &RowError{File: b.file, Line: line, Field: field, Err: msg()})
		} else {
			raw.more++
		}
	}
	b.entries(n, pre, func(c column, v *yaml.Node, s string) {
		if s == "" {
			return
		}
		if c.sel != 0 {
			raw.sel[c.sel] = field{s, v.Line}
			return
		}
		raw.val[c.param] = field{s, v.Line}
		raw.given = true
	})
}
