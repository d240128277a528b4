package cli

import (
	"context"
	"fmt"
)

// validateOptions are the flags of voxbatch validate.
type validateOptions struct {
	plan planOptions
}

func validateCommand() *command {
	c := &command{
		name:    "validate",
		summary: "check a plan against the API's rules; print its rows, groups, requests and digest",
		usage:   "[flags] PLAN",
		exits:   validateExitCodes,
		example: "  voxbatch validate samples/disable.csv\n  voxbatch validate --format yaml - < changes.yaml",
	}
	c.setup = func(fs *flagSet, e *env) func(context.Context, []string) error {
		var opts validateOptions
		opts.plan.register(fs.FlagSet)
		return func(ctx context.Context, pos []string) error {
			return runValidate(ctx, e, &opts, pos)
		}
	}
	return c
}

func runValidate(_ context.Context, e *env, opts *validateOptions, pos []string) error {
	p, err := opts.plan.load(e, pos)
	if err != nil {
		return err
	}
	s := p.Summarize(opts.plan.chunkSize)
	for _, row := range p.Rows {
		if row.Err != nil {
			fmt.Fprintf(e.stderr, "%v (invalid, skipped)\n", row.Err)
		}
	}
	printPlanSummary(e, p, s)
	if s.Invalid > 0 {
		return invalidRowsError(s.Invalid)
	}
	return nil
}
