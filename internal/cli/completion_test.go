package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	e, out, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"completion", shell}); code != exitOK {
		t.Fatalf("completion %s: exit %d\n%s", shell, code, errb)
	}
	return out.String()
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		s := completionScript(t, shell)
		for _, want := range []string{"validate", "run", "chunk-size", "dry-run", "latency"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s script lacks %q", shell, want)
			}
		}
		path, err := exec.LookPath(shell)
		if err != nil {
			continue // the syntax is checked where the shell is installed
		}
		file := filepath.Join(t.TempDir(), "voxbatch."+shell)
		os.WriteFile(file, []byte(s), 0o644)
		check := []string{"-n", file}
		if shell == "fish" {
			check = []string{"--no-execute", file}
		}
		if out, err := exec.Command(path, check...).CombinedOutput(); err != nil {
			t.Errorf("%s says the script is not valid: %v\n%s", shell, err, out)
		}
	}
	e, _, _ := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"completion", "tcsh"}); code != exitUsage {
		t.Errorf("completion tcsh: exit %d", code)
	}
}

// The bash script, sourced in bash, completes commands and flags.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	file := filepath.Join(t.TempDir(), "voxbatch.bash")
	os.WriteFile(file, []byte(completionScript(t, "bash")), 0o644)
	for _, tt := range []struct {
		words string
		want  string
	}{
		{"voxbatch va", "validate"},
		{"voxbatch run --chunk-s", "--chunk-size"},
		{"voxbatch completion fi", "fish"},
	} {
		script := "source " + file + "\nCOMP_WORDS=(" + tt.words + ")\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_voxbatch\necho \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "-c", script).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != tt.want {
			t.Errorf("%q completes to %q (%v), want %q", tt.words, out, err, tt.want)
		}
	}
}
