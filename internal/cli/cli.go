package cli

import (
	"context"
	"fmt"
	"io"
	"os"
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
	// stdinTerminal tells whether stdin is a terminal: someone to ask.
	stdinTerminal bool
	// jsonLog is set by commands run with --log-format json: then every
	// line on stderr, errors included, is a JSON object.
	jsonLog bool
	build   Build
}

func newEnv(b Build) *env {
	return &env{
		build:         b,
		stdin:         os.Stdin,
		stdout:        os.Stdout,
		stderr:        os.Stderr,
		getenv:        os.Getenv,
		lookupEnv:     os.LookupEnv,
		isTerminal:    isTerminal(os.Stderr),
		stdinTerminal: isTerminal(os.Stdin),
	}
}

// command is one subcommand: its flag set is built anew for every call so
// that tests can run commands side by side.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis after "voxbatch NAME"
	example string
	exits   string // the exit codes of its help; "" for run's
	// setup registers the command's flags on fs and returns what runs the
	// command, with the positional arguments, once the flags are parsed.
	setup func(fs *flagSet, e *env) func(ctx context.Context, pos []string) error
}

// exitCodes is the exit-code table of the command's help.
func (c *command) exitCodes() string {
	if c.exits != "" {
		return c.exits
	}
	return exitCodesHelp
}

// run parses args and runs the command. Under --log-format json (on the
// command line or in the environment) every line on stderr is JSON, a flag
// error included.
func (c *command) run(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(c, e)
	do := c.setup(fs, e)
	logFormat := fs.Lookup("log-format")
	if logFormat != nil {
		e.jsonLog = wantsJSONLog(e, args)
	}
	pos, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if logFormat != nil {
		e.jsonLog = logFormat.Value.String() == "json"
	}
	return do(ctx, pos)
}

func commands() []*command {
	return []*command{
		validateCommand(),
		runCommand(),
		exportCommand(),
		simCommand(),
		demoCommand(),
		versionCommand(),
		completionCommand(),
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
	case "--version", "-version":
		name, args = "version", args[:1]
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
	fmt.Fprintf(w, "\nRun 'voxbatch COMMAND -h' for the flags and exit codes of a command; 'voxbatch --version' for the version.\n"+
		"Those of run and demo:\n\n%s", exitCodesHelp)
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
