package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/voxbatch/voxbatch/plan"
)

// Flags and the environment: every flag of a command also reads
// VOXBATCH_<FLAG>; the command line wins. Flags may stand before or after
// the positional arguments.

// envName is the environment variable that sets a flag: --chunk-size is
// VOXBATCH_CHUNK_SIZE.
func envName(flagName string) string { return envPrefixed("VOXBATCH_", flagName) }

// simEnvPrefix is the prefix of the simulator's variables, so that
// VOXBATCH_LATENCY set for a run does not slow a demo's simulator.
const simEnvPrefix = "VOXBATCH_SIM_"

func envPrefixed(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// envName is the variable that sets flag name of this command: the
// simulator's flags (see simFlags) read VOXBATCH_SIM_*.
func (fs *flagSet) envName(name string) string {
	if fs.sim[name] {
		return envPrefixed(simEnvPrefix, name)
	}
	return envName(name)
}

// simFlags registers, with register, flags of the simulator.
func (fs *flagSet) simFlags(register func()) {
	for _, n := range fs.registered(register) {
		fs.sim[n] = true
	}
}

// registered calls register and returns the names of the flags it added.
func (fs *flagSet) registered(register func()) []string {
	before := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { before[f.Name] = true })
	register()
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if !before[f.Name] {
			names = append(names, f.Name)
		}
	})
	return names
}

// flagSet is a command's flags with the help text that goes with them.
type flagSet struct {
	*flag.FlagSet
	cmd *command
	e   *env
	// fromEnv names the variable that set a flag, for flags that one did.
	fromEnv map[string]string
	groups  []*flagGroup
	sim     map[string]bool // the simulator's flags
}

// source names where flag name's value came from: "--name", or the
// environment variable that set it.
func (fs *flagSet) source(name string) string {
	if v, ok := fs.fromEnv[name]; ok {
		return v
	}
	return "--" + name
}

// newFlagSet makes a flag set whose -h output lists every flag with its
// environment variable, the exit codes and an example. The flag package
// never prints on its own: parseFlags prints the help once on -h, and a
// flag error is reported as an error, not with the whole help on stdout.
func newFlagSet(c *command, e *env) *flagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: c, e: e, fromEnv: map[string]string{}, sim: map[string]bool{}}
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

// A flagGroup is a titled part of a command's help, with an example.
type flagGroup struct {
	title, example string
	names          []string
}

// group registers, with register, the flags of one part of the help.
func (fs *flagSet) group(title, example string, register func()) {
	fs.groups = append(fs.groups, &flagGroup{title: title, example: example, names: fs.registered(register)})
}

// usage prints the command's help on stdout: the flags by group (flags
// outside any group last), each with its variable, then the command's exit
// codes and examples.
func (fs *flagSet) usage() {
	c, w := fs.cmd, fs.e.stdout
	fmt.Fprintf(w, "Usage: voxbatch %s %s\n\n%s\n", c.name, c.usage, c.summary)
	grouped := map[string]bool{}
	for _, g := range fs.groups {
		fmt.Fprintf(w, "\n%s flags:\n", g.title)
		fs.printFlags(w, g.names)
		if g.example != "" {
			fmt.Fprintf(w, "  for example:\n    %s\n", g.example)
		}
		for _, n := range g.names {
			grouped[n] = true
		}
	}
	var rest []string
	fs.VisitAll(func(f *flag.Flag) {
		if !grouped[f.Name] {
			rest = append(rest, f.Name)
		}
	})
	if len(rest) > 0 {
		title := "Flags"
		if len(fs.groups) > 0 {
			title = "Other flags"
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		fs.printFlags(w, rest)
	}
	fmt.Fprintf(w, "\nEach flag is also read from the environment variable shown; the command line wins.\n")
	fmt.Fprintf(w, "\n%s", c.exitCodes())
	if c.example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", c.example)
	}
}

// printFlags prints the flags named, in alphabetical order.
func (fs *flagSet) printFlags(w io.Writer, names []string) {
	names = slices.Sorted(slices.Values(names))
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
		fmt.Fprintf(w, "  %s\n      %s%s\n      env %s\n", arg, usage, def, fs.envName(n))
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
			return nil, fs.parseError(err)
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
		name := fs.envName(f.Name)
		v, ok := lookupEnv(e, name)
		if !ok {
			return
		}
		fs.fromEnv[f.Name] = name
		if b, isBool := plan.ParseBool(v); isBoolFlag(f) && isBool {
			v = strconv.FormatBool(b) // the words plans take: yes, on, 1…
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = usageErrorf("environment variable %s=%q: %v", name, v, serr).withHint(
				fmt.Sprintf("it sets --%s; unset it or give a valid value", f.Name))
		}
	})
	if err != nil {
		return nil, err
	}
	return pos, fs.checkFinite()
}

// checkFinite refuses a number flag set to NaN or an infinity, which
// strconv accepts: "--rate NaN" would stall a run, "--max-failure-rate
// NaN" silently turn the threshold off.
func (fs *flagSet) checkFinite() error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok || err != nil {
			return
		}
		if v, ok := g.Get().(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			err = usageErrorf("%s %v: want a finite number", fs.source(f.Name), v)
		}
	})
	return err
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

// isBoolFlag tells a flag that takes no value.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parseError is a flag the command line got wrong, with the closest flag
// suggested for one that does not exist.
func (fs *flagSet) parseError(err error) error {
	hint := fmt.Sprintf("run 'voxbatch %s -h' for the flags", fs.Name())
	const undefined = "flag provided but not defined: "
	if name, ok := strings.CutPrefix(err.Error(), undefined); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if c := plan.Closest(name, names); c != "" {
			hint = fmt.Sprintf("did you mean --%s? %s", c, hint)
		}
		return usageErrorf("unknown flag --%s", name).withHint(hint)
	}
	return usageErrorf("%v", err).withHint(hint)
}
