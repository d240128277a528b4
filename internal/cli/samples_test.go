package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// manifest is the part of a Kubernetes object the sample tests look at.
type manifest struct {
	Kind string         `yaml:"kind"`
	Spec map[string]any `yaml:"spec"`
}

func TestKubernetesSamples(t *testing.T) {
	files, err := filepath.Glob("samples/kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	kinds := map[string]manifest{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var m manifest
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			kinds[m.Kind] = m
		}
	}
	for _, k := range []string{"Job", "CronJob", "Secret", "ConfigMap", "PersistentVolumeClaim"} {
		if _, ok := kinds[k]; !ok {
			t.Errorf("no %s among the samples", k)
		}
	}
	if p := kinds["CronJob"].Spec["concurrencyPolicy"]; p != "Forbid" {
		t.Errorf("CronJob concurrencyPolicy %v, want Forbid", p)
	}
	job, _ := os.ReadFile("samples/kubernetes/job.yaml")
	for _, want := range []string{"restartPolicy: Never", "backoffLimit:", "VOXBATCH_EXPECT_DIGEST", "persistentVolumeClaim", "values: [1, 2, 3, 4]"} {
		if !strings.Contains(string(job), want) {
			t.Errorf("job.yaml lacks %q", want)
		}
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{"AS build", "CGO_ENABLED=0", "FROM scratch", "USER 65532:65532", `ENTRYPOINT ["/voxbatch"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
