package report

// Status is the outcome of one plan row, as written in the status column.
type Status string

// The statuses a row can end with. See Statuses for the display order.
const (
	// Applied: the API accepted the change for this row.
	Applied Status = "applied"
	// Failed: the API refused the row, or it kept failing until the retries
	// ran out.
	Failed Status = "failed"
	// Mismatch: the API accepted the change, but the account read back
	// after the run (--verify) holds another value.
	Mismatch Status = "mismatch"
	// Invalid: the row did not validate and was kept under --skip-invalid.
	Invalid Status = "invalid"
	// NotAttempted: the run was aborted or interrupted before the row's turn.
	NotAttempted Status = "not_attempted"
	// Skipped: an earlier run of the same plan already applied the row.
	Skipped Status = "skipped"
	// Unchanged: the account was already in the desired state.
	Unchanged Status = "unchanged"
	// DryRun: the row would have been sent (--dry-run).
	DryRun Status = "dry_run"
)

var statuses = [...]Status{Applied, Failed, Mismatch, Invalid, NotAttempted, Skipped, Unchanged, DryRun}

// Statuses returns every status in display order, the order summaries list
// them in. The caller owns the returned slice.
func Statuses() []Status {
	out := make([]Status, len(statuses))
	copy(out, statuses[:])
	return out
}

// Valid reports whether s is one of the statuses listed by Statuses.
func (s Status) Valid() bool {
	for _, v := range statuses {
		if s == v {
			return true
		}
	}
	return false
}
