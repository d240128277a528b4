package report

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFormatFor(t *testing.T) {
	tests := []struct {
		path, explicit string
		want           Format
		wantErr        string
	}{
		{path: "out.csv", want: CSV},
		{path: "dir/out.CSV", want: CSV},
		{path: "out.jsonl", want: JSONL},
		{path: "out.JSONL", want: JSONL},
		{path: "-", want: CSV},
		{path: "-", explicit: "jsonl", want: JSONL},
		{path: "out.txt", explicit: "CSV", want: CSV},
		{path: "out.csv", explicit: "jsonl", want: JSONL},
		{path: "out.xlsx", want: XLSX},
		{path: "dir/Out.XLSX", want: XLSX},
		{path: "-", explicit: "xlsx", want: XLSX},
		{path: "out.txt", wantErr: ".csv, .jsonl or .xlsx"},
		{path: "out", wantErr: ".csv, .jsonl or .xlsx"},
		{path: "out.json", wantErr: ".csv, .jsonl or .xlsx"},
		{path: "out.xls", wantErr: ".csv, .jsonl or .xlsx"},
		{path: "out.csv", explicit: "xml", wantErr: "csv, jsonl or xlsx"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.explicit, func(t *testing.T) {
			got, err := FormatFor(tt.path, tt.explicit)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrFormat naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FormatFor = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEncodeUnknownFormat(t *testing.T) {
	err := Encode(io.Discard, Format("xml"), 0, nil)
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
}

func TestStatuses(t *testing.T) {
	want := "applied failed mismatch invalid not_attempted skipped unchanged dry_run"
	var names []string
	for _, s := range Statuses() {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
		names = append(names, string(s))
	}
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Statuses() = %s, want %s", got, want)
	}
	if Status("done").Valid() {
		t.Error(`"done" is valid`)
	}
	Statuses()[0] = "x"
	if Statuses()[0] != Applied {
		t.Error("Statuses shares its backing array")
	}
}
