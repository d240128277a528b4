package voxsim

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// params are a request's parameters in arrival order: body first, then the
// query. Empty values are dropped on arrival, since they count as absent.
type params struct {
	kv  []kv
	buf bytes.Buffer
}

type kv struct{ k, v string }

var paramsPool = sync.Pool{New: func() any { return &params{kv: make([]kv, 0, 16)} }}

func getParams() *params { return paramsPool.Get().(*params) }

func putParams(p *params) {
	clear(p.kv) // drop references, a password among them
	p.kv = p.kv[:0]
	if p.buf.Cap() > 1<<20 {
		p.buf = bytes.Buffer{}
	}
	p.buf.Reset()
	paramsPool.Put(p)
}

// get returns the first non-empty value of parameter k, or "".
func (p *params) get(k string) string {
	for i := range p.kv {
		if p.kv[i].k == k {
			return p.kv[i].v
		}
	}
	return ""
}

func (p *params) add(k, v string) {
	if k != "" && v != "" {
		p.kv = append(p.kv, kv{k, v})
	}
}

var errForm = errors.New("malformed parameters")

// read collects r's parameters: a url-encoded or multipart body and the
// query. A url-encoded body or query is split on "&" only, so a raw ";" in
// a value (as curl -d sends a list) stays part of it; net/url would reject
// it.
func (p *params) read(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	var err error
	switch {
	case ct == "" && r.ContentLength == 0:
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		p.buf.Reset()
		if _, err = p.buf.ReadFrom(r.Body); err == nil {
			err = p.parseURLEncoded(p.buf.String())
		}
	case strings.HasPrefix(ct, "multipart/form-data"):
		err = p.readMultipart(r, ct)
	default:
		// Another body is no form; drain it so the connection can be reused.
		_, err = io.Copy(io.Discard, r.Body)
	}
	if err != nil {
		return err
	}
	return p.parseURLEncoded(r.URL.RawQuery)
}

func (p *params) parseURLEncoded(s string) error {
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return errForm
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return errForm
		}
		p.add(k, v)
	}
	return nil
}

func (p *params) readMultipart(r *http.Request, ct string) error {
	_, mp, err := mime.ParseMediaType(ct)
	if err != nil || mp["boundary"] == "" {
		return errForm
	}
	mr := multipart.NewReader(r.Body, mp["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errForm
		}
		p.buf.Reset()
		if _, err := p.buf.ReadFrom(part); err != nil {
			return errForm
		}
		p.add(part.FormName(), p.buf.String())
	}
}
