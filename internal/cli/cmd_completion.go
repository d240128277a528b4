package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

func completionCommand() *command {
	c := &command{
		name:    "completion",
		summary: "print a shell completion script for bash, zsh or fish",
		usage:   "bash|zsh|fish",
		exits:   plainExitCodes,
		example: "  source <(voxbatch completion bash)          # bash, now; add it to ~/.bashrc to keep it\n" +
			"  voxbatch completion zsh > \"${fpath[1]}/_voxbatch\"\n" +
			"  voxbatch completion fish > ~/.config/fish/completions/voxbatch.fish",
	}
	c.setup = func(_ *flagSet, e *env) func(context.Context, []string) error {
		return func(_ context.Context, pos []string) error {
			if len(pos) != 1 {
				return usageErrorf("completion takes one shell: bash, zsh or fish").withHint("voxbatch completion bash")
			}
			cmds := completionInfo(e)
			switch pos[0] {
			case "bash":
				writeBashCompletion(e.stdout, cmds)
			case "zsh":
				writeZshCompletion(e.stdout, cmds)
			case "fish":
				writeFishCompletion(e.stdout, cmds)
			default:
				return usageErrorf("completion for %q: want bash, zsh or fish", pos[0])
			}
			return nil
		}
	}
	return c
}

// cmdInfo is what a completion script knows of a command.
type cmdInfo struct {
	name, summary string
	flags         []flagInfo
}

type flagInfo struct {
	name, usage string
	isBool      bool
}

// completionInfo lists the commands and their flags as their flag sets
// register them, so that the scripts never lag behind the flags.
func completionInfo(e *env) []cmdInfo {
	var out []cmdInfo
	for _, c := range commands() {
		fs := newFlagSet(c, e)
		c.setup(fs, e)
		ci := cmdInfo{name: c.name, summary: c.summary}
		fs.VisitAll(func(f *flag.Flag) {
			_, usage := flag.UnquoteUsage(f)
			b, ok := f.Value.(interface{ IsBoolFlag() bool })
			ci.flags = append(ci.flags, flagInfo{name: f.Name, usage: shortUsage(usage), isBool: ok && b.IsBoolFlag()})
		})
		out = append(out, ci)
	}
	return out
}

// shortUsage is the first clause of a flag's help, fit for a menu.
func shortUsage(u string) string {
	if i := strings.IndexAny(u, ";("); i > 0 {
		u = u[:i]
	}
	return strings.TrimSpace(u)
}

func commandNames(cmds []cmdInfo) string {
	names := []string{"help"}
	for _, c := range cmds {
		names = append(names, c.name)
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

func writeBashCompletion(w io.Writer, cmds []cmdInfo) {
	fmt.Fprintf(w, `# bash completion for voxbatch: source <(voxbatch completion bash)
_voxbatch() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "%s --help --version" -- "$cur") )
    return
  fi
  case "${COMP_WORDS[1]}" in
`, commandNames(cmds))
	for _, c := range cmds {
		if c.name == "completion" {
			continue // completed with the shells below
		}
		var flags []string
		for _, f := range c.flags {
			flags = append(flags, "--"+f.name)
		}
		fmt.Fprintf(w, "    %s) opts=%q ;;\n", c.name, strings.Join(append(flags, "--help"), " "))
	}
	fmt.Fprint(w, `    completion) COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") ); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o default -F _voxbatch voxbatch
`)
}

func writeZshCompletion(w io.Writer, cmds []cmdInfo) {
	fmt.Fprint(w, "#compdef voxbatch\n# zsh completion for voxbatch: voxbatch completion zsh > \"${fpath[1]}/_voxbatch\"\n_voxbatch() {\n  local -a commands\n  commands=(\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "    '%s:%s'\n", c.name, strings.ReplaceAll(zshEscape(c.summary), ":", `\:`))
	}
	fmt.Fprint(w, "  )\n  if (( CURRENT == 2 )); then\n    _describe 'command' commands\n    return\n  fi\n  case $words[2] in\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "    %s)\n      _arguments \\\n", c.name)
		for _, f := range c.flags {
			arg := ""
			if !f.isBool {
				arg = ":value:"
			}
			fmt.Fprintf(w, "        '--%s[%s]%s' \\\n", f.name, zshEscape(f.usage), arg)
		}
		fmt.Fprint(w, "        '*:file:_files' ;;\n")
	}
	fmt.Fprint(w, "  esac\n}\nif [ \"$funcstack[1]\" = \"_voxbatch\" ]; then\n  _voxbatch \"$@\"\nelse\n  compdef _voxbatch voxbatch\nfi\n")
}

// zshEscape escapes a description inside a single-quoted _arguments spec.
func zshEscape(s string) string {
	return strings.NewReplacer("'", `'\''`, "[", `\[`, "]", `\]`).Replace(s)
}

func writeFishCompletion(w io.Writer, cmds []cmdInfo) {
	q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'" }
	fmt.Fprintln(w, "# fish completion for voxbatch: voxbatch completion fish > ~/.config/fish/completions/voxbatch.fish")
	fmt.Fprintln(w, "complete -c voxbatch -f -n __fish_use_subcommand -l version -d 'print the version'")
	for _, c := range cmds {
		fmt.Fprintf(w, "complete -c voxbatch -f -n __fish_use_subcommand -a %s -d %s\n", c.name, q(c.summary))
	}
	for _, c := range cmds {
		for _, f := range c.flags {
			req := " -r"
			if f.isBool {
				req = ""
			}
			fmt.Fprintf(w, "complete -c voxbatch -n '__fish_seen_subcommand_from %s' -l %s%s -d %s\n", c.name, f.name, req, q(f.usage))
		}
	}
	fmt.Fprintln(w, "complete -c voxbatch -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'")
}
