// Package plan reads a voxbatch plan, checks it against the rules of
// SetChildAccountInfo, and cuts it into requests.
//
// A plan is a CSV file or a YAML document of rows. Each row names one
// child account by exactly one selector (child_account_id, a positive
// integer or "all"; child_account_name; child_account_email) and sets one
// or more of the method's other parameters (Param). CSV headers and YAML
// keys are the API parameter names, matched without regard to case,
// surrounding spaces, or spaces and hyphens in place of underscores. An
// empty value leaves a parameter unchanged. YAML plans may give defaults:
// for every row that does not set a parameter.
//
// Load reads and validates in one pass: every value is normalized
// (booleans "true"/"false", language codes in lower case, decimals in
// their shortest form), rows with identical changes share one *Change,
// a second row for the same account with the same change is merged into
// the first (Row.Dup), and a second row with a different change is an
// error. Every problem of the plan is reported at once, with its file and
// line, in a *ValidationError. Plan.Digest names the normalized plan: what
// will be done to which account, never a password.
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
