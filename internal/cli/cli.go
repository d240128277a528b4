package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// env is what a command may touch of the process: its streams and
// environment. Tests build one with buffers.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// lookupEnv tells set-but-empty from unset (os.LookupEnv).
	lookupEnv func(string) (string, bool)
	// isTerminal tells whether stderr is a terminal (progress bar or log lines).
	isTerminal bool
	// jsonLog is set by commands run with --log-format json: then every
	// line on stderr, errors included, is a JSON object.
	jsonLog bool
	build   Build
}

func newEnv(b Build) *env {
	return &env{
		build:      b,
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		lookupEnv:  os.LookupEnv,
		isTerminal: isTerminal(os.Stderr),
	}
}

// command is one subcommand: its flag set is built anew for every call so
// that tests can run commands side by side.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis after "voxbatch NAME"
	example string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []*command {
	return []*command{
		validateCommand(),
		runCommand(),
		simCommand(),
		demoCommand(),
		versionCommand(),
	}
}

// dispatch runs the subcommand named by args[0] and returns the exit code.
func dispatch(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		printTopUsage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			c := findCommand(args[1])
			if c == nil {
				return finish(e, usageErrorf("unknown command %q", args[1]).withHint("run 'voxbatch help' to list the commands"))
			}
			return finish(e, c.run(ctx, e, []string{"-h"}))
		}
		printTopUsage(e.stdout)
		return exitOK
	}
	c := findCommand(name)
	if c == nil {
		return finish(e, usageErrorf("unknown command %q", name).withHint("run 'voxbatch help' to list the commands"))
	}
	return finish(e, c.run(ctx, e, args[1:]))
}

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printTopUsage(w io.Writer) {
	fmt.Fprintf(w, "voxbatch applies a reviewed plan of changes to Voximplant child accounts.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  voxbatch %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'voxbatch COMMAND -h' for the flags of a command.\n\n%s", exitCodesHelp)
}

const exitCodesHelp = `Exit codes:
  0    every row applied (with --dry-run: the plan is valid)
  1    the run finished but some rows were not applied
  2    usage error or invalid plan; nothing was sent
  3    aborted: failure threshold reached, or a fatal auth/permission error
  4    the plan does not match --expect-digest or the journal, or the journal is locked; nothing was sent
  130  interrupted by SIGINT/SIGTERM; a rerun resumes
`

// envName is the environment variable that sets a flag: --chunk-size is
// VOXBATCH_CHUNK_SIZE.
func envName(flagName string) string {
	return "VOXBATCH_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagSet is a command's flags with the help text that goes with them.
type flagSet struct {
	*flag.FlagSet
	cmd *command
	e   *env
}

// newFlagSet makes a flag set whose -h output lists every flag with its
// environment variable, the exit codes and an example. The flag package
// never prints on its own: parseFlags prints the help once on -h, and a
// flag error is reported as an error, not with the whole help on stdout.
func newFlagSet(c *command, e *env) *flagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: c, e: e}
}

// setDefault changes a flag's default without marking it as set, so that
// its environment variable still applies.
func (fs *flagSet) setDefault(name, value string) {
	f := fs.Lookup(name)
	if err := f.Value.Set(value); err != nil {
		panic(fmt.Sprintf("default of --%s: %v", name, err))
	}
	f.DefValue = value
}

// usage prints the command's help on stdout.
func (fs *flagSet) usage() {
	c, w := fs.cmd, fs.e.stdout
	fmt.Fprintf(w, "Usage: voxbatch %s %s\n\n%s\n\nFlags (each also read from the environment variable shown):\n", c.name, c.usage, c.summary)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	for _, n := range names {
		f := fs.Lookup(n)
		typ, usage := flag.UnquoteUsage(f)
		arg := "--" + n
		if typ != "" {
			arg += " " + typ
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %s\n      %s%s\n      env %s\n", arg, usage, def, envName(n))
	}
	fmt.Fprintf(w, "\n%s", exitCodesHelp)
	if c.example != "" {
		fmt.Fprintf(w, "\nExample:\n%s\n", c.example)
	}
}

// errHelp reports that -h was asked for and the usage has been printed.
var errHelp = errors.New("help requested")

// parseFlags parses args with flags allowed before and after positional
// arguments ("run plan.csv --dry-run"), then fills every flag not given on
// the command line from its VOXBATCH_* environment variable. "--" ends the
// flags. It returns the positional arguments.
func parseFlags(fs *flagSet, e *env, args []string) ([]string, error) {
	var pos []string
	for {
		before := args
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.usage()
				return nil, errHelp
			}
			return nil, usageErrorf("%v", err).withHint(fmt.Sprintf("run 'voxbatch %s -h' for the flags", fs.Name()))
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		// flag stops at the first non-flag, or after "--": take one
		// positional and go on, unless it was "--".
		if consumed := len(before) - len(args); consumed > 0 && before[consumed-1] == "--" {
			pos = append(pos, args...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if fs.Lookup(pinningFlags[0]) != nil {
		if err := checkPinningEnv(e, set); err != nil {
			return nil, err
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] {
			return
		}
		name := envName(f.Name)
		v, ok := lookupEnv(e, name)
		if !ok {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = usageErrorf("environment variable %s=%q: %v", name, v, serr).withHint(
				fmt.Sprintf("it sets --%s; unset it or give a valid value", f.Name))
		}
	})
	return pos, err
}

func lookupEnv(e *env, name string) (string, bool) {
	v := e.getenv(name)
	return v, v != ""
}

// pinningFlags are the flags whose variable, set but empty, must not pass
// for unset: a template that left VOXBATCH_EXPECT_DIGEST empty would
// otherwise run an unpinned plan.
var pinningFlags = []string{"expect-digest", "review"}

func checkPinningEnv(e *env, set map[string]bool) error {
	if e.lookupEnv == nil {
		return nil
	}
	for _, f := range pinningFlags {
		if set[f] {
			continue // the command line wins
		}
		if v, ok := e.lookupEnv(envName(f)); ok && strings.TrimSpace(v) == "" {
			return usageErrorf("environment variable %s is set but empty", envName(f)).withHint(
				"give the reviewed value, or unset the variable to run without a pin")
		}
	}
	return nil
}

// notef tells the person at the terminal something that is neither a
// command's output nor an error: a text line on stderr, or a JSON log line
// under --log-format json.
func (e *env) notef(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if e.jsonLog {
		newLogger(e.stderr, "json", "info").Info(msg)
		return
	}
	fmt.Fprintln(e.stderr, msg)
}
