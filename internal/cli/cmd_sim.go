package cli

import (
	"context"
	"flag"
	"fmt"
	"net"

	"github.com/voxbatch/voxbatch/voxsim"
)

// simOptions are the flags of voxbatch sim.
type simOptions struct {
	listen         string
	listenPublic   bool
	credentialsOut string
	sim            voxsim.Config
}

func (o *simOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8089", "listen `address`; loopback only unless --listen-public")
	fs.BoolVar(&o.listenPublic, "listen-public", false, "allow a listen address that is not loopback")
	fs.IntVar(&o.sim.Accounts, "accounts", 1000, "`N` child accounts to create, ids from 1000")
	fs.StringVar(&o.credentialsOut, "credentials-out", "sim-credentials.json", "write a credentials.json that works against the simulator to `FILE`")
	registerSimFaults(fs, &o.sim)
	// Not among the shared faults: demo has the client's --burst.
	fs.IntVar(&o.sim.Burst, "burst", 0, "the rate limit's bucket holds `N` requests (0: a tenth of --rate-limit, at least 1)")
}

// registerSimFaults adds the fault-injection flags shared by sim and demo.
func registerSimFaults(fs *flag.FlagSet, c *voxsim.Config) {
	fs.Float64Var(&c.RateLimit, "rate-limit", 0, "throttle requests beyond `N` per second (0: no limit)")
	fs.BoolVar(&c.FixedWindow, "fixed-window", false, "count --rate-limit in fixed one-second windows instead of a token bucket")
	fs.IntVar(&c.ThrottleCode, "throttle-code", 0, "answer throttled requests with this API `code`: 340, 162 or 416 (0: 340)")
	fs.IntVar(&c.ThrottleStatus, "throttle-status", 0, "answer throttled requests with this HTTP `status` (429) instead of an API code")
	fs.BoolVar(&c.NoRetryAfter, "no-retry-after", false, "leave Retry-After out of --throttle-status answers")
	fs.DurationVar(&c.Latency, "latency", 0, "delay every answer by this much")
	fs.DurationVar(&c.LatencyJitter, "latency-jitter", 0, "add a random delay up to this much")
	fs.Float64Var(&c.FaultRate, "fault-rate", 0, "answer this `fraction` of requests with code 2, applying nothing")
	fs.Float64Var(&c.DropRate, "drop-rate", 0, "apply this `fraction` of requests, then close the connection without an answer")
	fs.IntVar(&c.MaxList, "max-list", 0, "answer code 101 to lists longer than `N` (0: no limit)")
	fs.Float64Var(&c.ResendRate, "resend-rate", 0, "answer this `fraction` of requests with code 484 (probable re-send), applying nothing")
	fs.BoolVar(&c.ErrorsEnvelope, "errors-envelope", false, `answer errors in the array form {"errors": [{"code", "msg"}]}`)
	fs.BoolVar(&c.ListAll, "list-all", false, "accept GetChildrenAccounts without a selector and with child_account_id=all (refused by default, as the reference says)")
	fs.BoolVar(&c.RefuseReadLists, "refuse-read-lists", false, "answer code 101 to name and email lists in GetChildrenAccounts")
	fs.BoolVar(&c.SubstringNames, "substring-names", false, "match a read's child_account_name as a part of the name")
	fs.IntVar(&c.OmitOptional, "omit-optional", 0, "leave the optional fields out of the answers for accounts whose id is a multiple of `N`")
	fs.IntVar(&c.Unkept, "unkept", 0, "accept changes to accounts whose id is a multiple of `N` without keeping them (to rehearse --verify)")
	fs.Int64Var(&c.Seed, "seed", 0, "seed of the injected faults (0: random)")
}

func simCommand() *command {
	c := &command{
		name:    "sim",
		summary: "serve a local Management API simulator to rehearse plans on",
		usage:   "[flags]",
		exits:   simExitCodes,
		example: "  voxbatch sim --accounts 1000 --credentials-out sim-credentials.json &\n" +
			"  voxbatch run samples/disable.csv --credentials sim-credentials.json --endpoint http://127.0.0.1:8089/platform_api/",
	}
	c.setup = func(fs *flagSet, e *env) func(context.Context, []string) error {
		var opts simOptions
		fs.simFlags(func() { opts.register(fs.FlagSet) }) // VOXBATCH_SIM_*
		return func(ctx context.Context, pos []string) error {
			if len(pos) > 0 {
				return usageErrorf("sim takes no arguments, got %v", pos)
			}
			return runSim(ctx, e, &opts)
		}
	}
	return c
}

func runSim(ctx context.Context, e *env, opts *simOptions) error {
	if err := checkListen(opts.listen, opts.listenPublic); err != nil {
		return err
	}
	if opts.sim.Accounts < 0 {
		return usageErrorf("--accounts must not be negative")
	}
	s, err := voxsim.New(opts.sim)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := s.WriteCredentials(opts.credentialsOut); err != nil {
		return fmt.Errorf("write simulator credentials: %w", err)
	}
	endpoint, err := s.Start(opts.listen)
	if err != nil {
		return usageErrorf("listen on %s: %v", opts.listen, err)
	}
	fmt.Fprintf(e.stdout, "endpoint: %s\n", endpoint)
	fmt.Fprintf(e.stderr, "simulator: %d accounts, credentials in %s; stop with Ctrl-C\n", opts.sim.Accounts, opts.credentialsOut)
	<-ctx.Done()
	return s.Close()
}

// checkListen refuses a listen address that is not loopback unless public
// listening was asked for: the simulator accepts any token it minted.
func checkListen(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("--listen %q: %v", addr, err)
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErrorf("--listen %s is not a loopback address", addr).withHint("add --listen-public to serve the simulator on other interfaces")
}
