// Package report writes the per-row outcome report of a run and its summary.
// It knows nothing of HTTP or plans: callers hand it Records.
//
// # Report files
//
// A report has one row per plan row with the columns of Columns:
//
//	line, selector, account, status, error_code, error_message,
//	http_status, attempts, request, started_at, finished_at
//
// FormatFor picks the format from the file name (".csv", ".jsonl" or
// ".xlsx"; "-" is standard output, CSV unless told otherwise). In every
// format error_code, http_status, request and the two times are absent
// when zero: an empty cell in CSV and in a workbook, null in JSON Lines.
// line and attempts are always numbers (number cells in a workbook),
// strings always strings. Every JSON Lines object has every key, in column
// order. Times are RFC 3339 in UTC with milliseconds (TimeLayout), as
// text in a workbook too.
//
// CSV cells are escaped against formula injection (EscapeCell): a cell that
// starts with '=', '+', '-', '@', a tab or a carriage return gets a leading
// single quote. JSON Lines carries the raw values, and so does a workbook,
// whose every cell is written as a value (a number or a text), never as a
// formula: "=1+1" is the text =1+1, by construction.
//
// A workbook (XLSX: one sheet, "Report", the header row frozen and bold
// with an autofilter over the rows) is a zip whose index comes last: it
// cannot be appended to, so it is only ever written whole (Encode,
// WriteFile, Finalize), and Create refuses it. The live report of a run
// then streams CSV beside it (CreateLive): a run killed before Finalize
// leaves the workbook at the path as it was and its rows so far in
// ".<name>.tmp-live-*.csv"; the journal holds every outcome, and the
// rerun removes that file (Tidy) and writes the workbook at its end.
//
// # Sequence of a run
//
//	s, err := report.Create(path, format) // header written at once
//	s.Write(rec)                          // as each row is decided, from any goroutine
//	s.Close()                             // the run is over
//	report.Finalize(path, os.Stdout, format, n, rec) // every row again, in plan order
//
// The Stream gives crash safety: rows reach the operating system at least
// every FlushInterval, so a killed process leaves a usable report. Finalize
// then replaces the file atomically with the complete report in plan order.
// With "-" a stream cannot be rewritten: use only Finalize.
//
// # Summary
//
// Summary counts rows by status, requests, retries and throttled answers,
// and prints itself as JSON (WriteJSON), as text for people (Text) and as
// slog attributes (LogAttrs, LogValue).
//
// # Why not gocsv
//
// github.com/gocarina/gocsv was the first choice for writing reports. The
// end-to-end benchmark writes 1,000,000 rows twice (stream, then final
// rewrite) within a 15 CPU-second budget for the whole client, and gocsv
// costs too much of it: it reflects over every field and allocates a string
// per cell. Three CSV writers producing byte-identical output
// (TestCSVSameAsLibraries) were measured on a 2-core Xeon shared with other
// builds, median of 5 runs, record generation (about 0.04 s) included:
//
//	go test -run '^$' -bench . -benchtime 1000000x -count 5 ./report/
//
//	writer                                      per 1M rows   allocs/row
//	gocsv, MarshalCSVWithoutHeaders per 1024     1.77 s        22
//	encoding/csv, reused []string                0.46 s         2
//	appending encoder (used)                     0.31 s         1
//	JSON Lines, appending encoder                0.30 s         1
//	Stream.Write, CSV, one call per row          0.35 s         1
//
// gocsv alone would spend about 3.5 s of the budget on two passes. The
// appending encoder quotes exactly as encoding/csv does (a fuzz test holds
// it to that) and spends about 0.65 s on both passes.
package report
