// Package plan reads a voxbatch plan, checks it against the rules of
// SetChildAccountInfo, and cuts it into requests.
//
// A plan is a CSV file, a YAML document or an Excel workbook (.xlsx) of
// rows. Each row names one
// child account by exactly one selector (child_account_id, a positive
// integer or "all"; child_account_name; child_account_email) and sets one
// or more of the method's other parameters (Param). CSV headers and YAML
// keys are the API parameter names, matched without regard to case,
// surrounding spaces, or spaces and hyphens in place of underscores. An
// empty value leaves a parameter unchanged. YAML plans may give defaults:
// for every row that does not set a parameter.
//
// # Workbooks
//
// A workbook plan is read from one sheet: Options.Sheet (in any case), or
// the first. Its first row with a cell is the header, mapped as a CSV
// header is (the same names, spellings and "did you mean"); the rows under
// it are filled as CSV rows are. Cells are read by their type: a number in
// its shortest form (an ID is 1000, never 1000.0 or 1E+3; an integer stays
// exact), a boolean as true or false, text as it is (the text "007" stays
// 007), a formula by the value Excel saved with it. Empty rows and columns,
// trailing or not, are ignored. A row and its line are the sheet's row
// number, and its problems read FILE:SHEET!ROW: column: problem
// (book.xlsx:Disable!5: language_code: …; RowError.Sheet). A formula saved
// without its value, an error value (#N/A) or a boolean cell that is not
// 0 or 1 makes its row invalid. A workbook that cannot be read is a
// problem of the plan as a whole (ErrWorkbook) that says what the file
// is: an old binary .xls, a password-protected workbook (both OLE2
// compound files, told apart by their streams), a file that is not a zip
// (text: a CSV named .xlsx), a damaged zip, a sheet that is missing (the
// sheets are listed) or is a chart. The same rows give the same digest as
// CSV.
//
// excelize (github.com/xuri/excelize/v2) opens the workbook: the zip and
// its size limits, the workbook part, the sheet list. The sheet's XML is
// then read here, one token at a time: excelize's row reader
// (Rows.Columns) returns strings only, and cannot tell the number 7 from
// the text "007", nor a formula without a saved value from an empty cell;
// GetCellType loads the whole sheet into memory. WriteTable writes a
// workbook plan with excelize's stream writer (write_xlsx.go).
//
// Load reads and validates in one pass: every value is normalized
// (booleans "true"/"false", language codes in lower case, decimals in
// their shortest form), rows with identical changes share one *Change,
// and a second row for the same account with the same change is merged
// into the first (Row.Dup). Every problem of the plan is reported at
// once, with its file and line, in a *ValidationError, which tells
// whether Options.SkipInvalid would load the plan (Skippable); a refused
// time zone comes with the zone probably meant (the name in its right
// case, the Etc/GMT zone of a UTC offset, whose sign POSIX inverts, a
// city's zone, the closest name). An invalid row keeps the selector it
// could read, for its report. Plan.Digest names the normalized plan: what
// will be done to which account, never a password.
//
// Every value is text a person can read: at most MaxValueLen bytes (an
// email at most MaxEmailLen characters), and no control character: no C0
// (tab and line ends included), DEL or C1 character, no bidirectional
// embedding, override or isolate (U+202A–U+202E, U+2066–U+2069) and no
// U+200E or U+200F, which would make a terminal act, or show a value in
// another order than it is sent. Numbers are finite. Every message quotes
// a value or a column name with such characters escaped (\x1b, \u202e),
// and shortened. A plan must have rows; a UTF-16 plan is named as such.
//
// Conflicts are never sent. Two rows that name the same account (the same
// ID, name, or email in any case) with different changes conflict: which
// one is right is a guess, so every row of that account is invalid, each
// naming the lines of the others (under Options.SkipInvalid they are kept,
// invalid, and none is sent). "all" changes every child account, so a row
// of any selector kind conflicts with the "all" row when it sets one of
// the parameters the "all" row sets to another value; the "all" row is
// then invalid too. A row that sets the same values as "all", or other
// parameters only, does not conflict: both are sent, and the result does
// not depend on their order. An ID and a name (or an email) may name one
// account too, which only the API can tell: Plan.MixesKinds reports such
// a plan, for the caller to resolve before it sends.
//
// Chunk groups the valid rows by (selector kind, change) and splits each
// group into requests of at most a chunk size of accounts, the least
// number of requests possible; Summarize counts the same without building
// them. Rows that set a new email or password, and "all", go alone.
//
// The CSV reader is the hot path for plans of millions of rows: it uses
// encoding/csv with a reused record rather than gocsv's reflection, maps
// the header once, and checks each distinct value's expensive rules (time
// zones) only once.
package plan
