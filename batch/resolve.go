package batch

import (
	"context"
	"strconv"

	"github.com/voxbatch/voxbatch/plan"
)

// ResolveKinds settles a plan whose rows name accounts by more than one
// selector kind (plan.Plan.MixesKinds): it reads which account each name
// and email row still to do (cfg.Todo) reaches, with the reads of a
// preview (named, paced, retried), and hands the ids to plan.Plan.Resolve.
// Two rows that reach one account with the same change are merged, so it
// is sent once; with different changes they conflict: a
// *plan.ValidationError, or, with skipInvalid, invalid rows. It returns the
// number of reads made. A plan that does not mix kinds is left as it is,
// with no read.
func ResolveKinds(ctx context.Context, p *plan.Plan, client Client, cfg Config, skipInvalid bool, maxErrors int) (int, error) {
	if !p.MixesKinds() {
		return 0, nil
	}
	todo := cfg.Todo
	cfg.Todo = func(i int) bool { return p.Rows[i].Kind != plan.ByID && (todo == nil || todo(i)) }
	pv, err := ReadPreview(ctx, p, client, cfg, 0)
	if err != nil {
		return 0, err
	}
	return pv.Requests, p.Resolve(pv.AccountIDs(), skipInvalid, maxErrors)
}

// AccountIDs gives the id of the account the preview found for row i, ""
// when it read none (a row not read, or a missing account).
func (pv *Preview) AccountIDs() func(i int) string {
	ids := make(map[int]string, len(pv.Accounts))
	for _, as := range pv.Accounts {
		if as.AccountID != 0 {
			ids[as.Row] = strconv.FormatInt(as.AccountID, 10)
		}
	}
	return func(i int) string { return ids[i] }
}
