package cli

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, usageErrorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger builds the stderr logger of --log-format and --log-level.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	l, err := parseLevel(level)
	if err != nil {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// wantsJSONLog tells, before the flags are parsed, whether --log-format
// json is asked for on the command line or in VOXBATCH_LOG_FORMAT, so that
// even a flag error is reported as JSON.
func wantsJSONLog(e *env, args []string) bool {
	format := e.getenv(envName("log-format"))
	for i, a := range args {
		switch {
		case a == "--":
			return format == "json"
		case a == "--log-format" || a == "-log-format":
			if i+1 < len(args) {
				format = args[i+1]
			}
		case strings.HasPrefix(a, "--log-format=") || strings.HasPrefix(a, "-log-format="):
			format = a[strings.Index(a, "=")+1:]
		}
	}
	return format == "json"
}
