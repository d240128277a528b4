package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/voxbatch/voxbatch/voxsim"
	"go.yaml.in/yaml/v3"
)

// The manifests under samples/kubernetes are decoded strictly (unknown
// fields are errors) into the structs below. They hold exactly the fields
// the samples use, with the types Kubernetes gives them (a subset of
// k8s.io/api, without depending on it), so that a misspelt or misplaced
// field fails here, as `kubectl apply --validate=strict` would fail it. A
// field the samples start to use must be added here first.

// manifestKinds are the kinds the samples hold, with their apiVersion.
var manifestKinds = map[string]struct {
	apiVersion string
	new        func() any
}{
	"Job":                   {"batch/v1", func() any { return new(jobObject) }},
	"CronJob":               {"batch/v1", func() any { return new(cronJobObject) }},
	"Secret":                {"v1", func() any { return new(secretObject) }},
	"ConfigMap":             {"v1", func() any { return new(configMapObject) }},
	"PersistentVolumeClaim": {"v1", func() any { return new(pvcObject) }},
}

type typeMeta struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
}

type objectMeta struct {
	Name string `yaml:"name"`
}

// k8sString is a string that must be written as one: Kubernetes refuses
// `value: 10` where a string is due (an env value, a ConfigMap entry),
// which decoding into a Go string would accept.
type k8sString string

func (s *k8sString) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return fmt.Errorf("line %d: %q is not a string (%s); quote it", n.Line, n.Value, n.ShortTag())
	}
	*s = k8sString(n.Value)
	return nil
}

type jobObject struct {
	typeMeta `yaml:",inline"`
	Metadata objectMeta `yaml:"metadata"`
	Spec     jobSpec    `yaml:"spec"`
}

type cronJobObject struct {
	typeMeta `yaml:",inline"`
	Metadata objectMeta  `yaml:"metadata"`
	Spec     cronJobSpec `yaml:"spec"`
}

type cronJobSpec struct {
	Schedule                   string `yaml:"schedule"`
	ConcurrencyPolicy          string `yaml:"concurrencyPolicy"`
	StartingDeadlineSeconds    *int64 `yaml:"startingDeadlineSeconds"`
	SuccessfulJobsHistoryLimit *int32 `yaml:"successfulJobsHistoryLimit"`
	FailedJobsHistoryLimit     *int32 `yaml:"failedJobsHistoryLimit"`
	JobTemplate                struct {
		Spec jobSpec `yaml:"spec"`
	} `yaml:"jobTemplate"`
}

type jobSpec struct {
	BackoffLimit            *int32            `yaml:"backoffLimit"`
	ActiveDeadlineSeconds   *int64            `yaml:"activeDeadlineSeconds"`
	TTLSecondsAfterFinished *int32            `yaml:"ttlSecondsAfterFinished"`
	PodFailurePolicy        *podFailurePolicy `yaml:"podFailurePolicy"`
	Template                struct {
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

type podFailurePolicy struct {
	Rules []struct {
		Action      string `yaml:"action"`
		OnExitCodes *struct {
			ContainerName string  `yaml:"containerName"`
			Operator      string  `yaml:"operator"`
			Values        []int32 `yaml:"values"`
		} `yaml:"onExitCodes"`
		OnPodConditions []struct {
			Type string `yaml:"type"`
		} `yaml:"onPodConditions"`
	} `yaml:"rules"`
}

type podSpec struct {
	RestartPolicy                 string              `yaml:"restartPolicy"`
	TerminationGracePeriodSeconds *int64              `yaml:"terminationGracePeriodSeconds"`
	AutomountServiceAccountToken  *bool               `yaml:"automountServiceAccountToken"`
	SecurityContext               *podSecurityContext `yaml:"securityContext"`
	Containers                    []container         `yaml:"containers"`
	Volumes                       []volume            `yaml:"volumes"`
}

type podSecurityContext struct {
	RunAsNonRoot   *bool           `yaml:"runAsNonRoot"`
	RunAsUser      *int64          `yaml:"runAsUser"`
	RunAsGroup     *int64          `yaml:"runAsGroup"`
	FSGroup        *int64          `yaml:"fsGroup"`
	SeccompProfile *seccompProfile `yaml:"seccompProfile"`
}

type seccompProfile struct {
	Type string `yaml:"type"`
}

type container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Args            []string `yaml:"args"`
	Env             []struct {
		Name  string    `yaml:"name"`
		Value k8sString `yaml:"value"`
	} `yaml:"env"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int32  `yaml:"containerPort"`
	} `yaml:"ports"`
	SecurityContext *securityContext `yaml:"securityContext"`
	Resources       *struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type securityContext struct {
	RunAsNonRoot             *bool           `yaml:"runAsNonRoot"`
	AllowPrivilegeEscalation *bool           `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool           `yaml:"readOnlyRootFilesystem"`
	SeccompProfile           *seccompProfile `yaml:"seccompProfile"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
}

type volume struct {
	Name      string `yaml:"name"`
	ConfigMap *struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
	Secret *struct {
		SecretName  string `yaml:"secretName"`
		DefaultMode *int32 `yaml:"defaultMode"`
	} `yaml:"secret"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
}

type secretObject struct {
	typeMeta   `yaml:",inline"`
	Metadata   objectMeta           `yaml:"metadata"`
	Type       string               `yaml:"type"`
	StringData map[string]k8sString `yaml:"stringData"`
}

type configMapObject struct {
	typeMeta `yaml:",inline"`
	Metadata objectMeta           `yaml:"metadata"`
	Data     map[string]k8sString `yaml:"data"`
}

type pvcObject struct {
	typeMeta `yaml:",inline"`
	Metadata objectMeta `yaml:"metadata"`
	Spec     struct {
		AccessModes []string `yaml:"accessModes"`
		Resources   struct {
			Requests map[string]string `yaml:"requests"`
		} `yaml:"resources"`
	} `yaml:"spec"`
}

// decodeManifests decodes every document of a manifest file strictly, into
// the struct of its kind: a first pass reads the kinds, a second decodes
// each document with unknown fields refused (so errors give the file's
// line numbers).
func decodeManifests(data []byte) ([]any, error) {
	var heads []typeMeta
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var h typeMeta
		if err := dec.Decode(&h); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		heads = append(heads, h)
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	var objs []any
	for i, h := range heads {
		k, ok := manifestKinds[h.Kind]
		if !ok {
			return nil, fmt.Errorf("document %d: kind %q is none of the samples' kinds", i+1, h.Kind)
		}
		if h.APIVersion != k.apiVersion {
			return nil, fmt.Errorf("document %d: %s has apiVersion %q, want %q", i+1, h.Kind, h.APIVersion, k.apiVersion)
		}
		obj := k.new()
		if err := strict.Decode(obj); err != nil {
			return nil, fmt.Errorf("%s: %w", h.Kind, err)
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

// samples are the Kubernetes samples, one object of each kind.
type samples struct {
	job       *jobObject
	cronJob   *cronJobObject
	secret    *secretObject
	configMap *configMapObject
	pvc       *pvcObject
}

func loadSamples(t *testing.T) *samples {
	t.Helper()
	files, err := filepath.Glob("samples/kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var s samples
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decodeManifests(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			kind, name := s.add(o)
			if name == "" {
				t.Errorf("%s: a %s without metadata.name", f, kind)
			}
			if other, ok := seen[kind]; ok {
				t.Errorf("%s: a second %s (the first is in %s)", f, kind, other)
			}
			seen[kind] = f
		}
	}
	for k := range manifestKinds {
		if seen[k] == "" {
			t.Fatalf("no %s among the samples", k)
		}
	}
	return &s
}

func (s *samples) add(o any) (kind, name string) {
	switch o := o.(type) {
	case *jobObject:
		s.job = o
		return o.Kind, o.Metadata.Name
	case *cronJobObject:
		s.cronJob = o
		return o.Kind, o.Metadata.Name
	case *secretObject:
		s.secret = o
		return o.Kind, o.Metadata.Name
	case *configMapObject:
		s.configMap = o
		return o.Kind, o.Metadata.Name
	case *pvcObject:
		s.pvc = o
		return o.Kind, o.Metadata.Name
	}
	panic(fmt.Sprintf("unknown object %T", o))
}

func TestKubernetesSamples(t *testing.T) {
	s := loadSamples(t)
	vars := runVariables()
	for _, js := range []struct {
		name string
		spec jobSpec
	}{{"Job", s.job.Spec}, {"CronJob", s.cronJob.Spec.JobTemplate.Spec}} {
		ps := js.spec.Template.Spec
		var problems []string
		problems = append(problems, restrictedProblems(ps)...)
		problems = append(problems, jobProblems(js.spec)...)
		problems = append(problems, wiringProblems(s, ps, vars)...)
		for _, c := range ps.Containers {
			problems = append(problems, imageProblems(c.Image)...)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", js.name, p)
		}
	}
	if p := s.cronJob.Spec.ConcurrencyPolicy; p != "Forbid" {
		t.Errorf("CronJob concurrencyPolicy %q, want Forbid", p)
	}
	if d := s.cronJob.Spec.JobTemplate.Spec.ActiveDeadlineSeconds; d != nil && *d >= 24*3600 {
		t.Errorf("CronJob activeDeadlineSeconds %d: a nightly run must end before the next one", *d)
	}
	if a, b := s.job.Spec.Template.Spec.Containers[0].Image, s.cronJob.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image; a != b {
		t.Errorf("the Job runs %s, the CronJob %s", a, b)
	}
}

// restrictedProblems tells what keeps Pod Security's "restricted" profile
// from admitting a pod. What the structs cannot hold (host namespaces,
// hostPath volumes, privileged, added capabilities) already fails
// decoding; the rest is checked here, as the admission controller does:
// non-root, no privilege escalation, capabilities dropped, a seccomp
// profile, the pod's settings counting for every container.
func restrictedProblems(ps podSpec) []string {
	var problems []string
	psc := ps.SecurityContext
	if psc == nil {
		psc = &podSecurityContext{}
	}
	if psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		problems = append(problems, "runAsUser 0")
	}
	for _, c := range ps.Containers {
		sc := c.SecurityContext
		if sc == nil {
			sc = &securityContext{}
		}
		add := func(format string, a ...any) {
			problems = append(problems, fmt.Sprintf("container %s: ", c.Name)+fmt.Sprintf(format, a...))
		}
		if nonRoot := sc.RunAsNonRoot; nonRoot != nil && !*nonRoot || nonRoot == nil && !isTrue(psc.RunAsNonRoot) {
			add("runAsNonRoot must be true (pod or container)")
		}
		if p := sc.AllowPrivilegeEscalation; p == nil || *p {
			add("allowPrivilegeEscalation must be false")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			add("capabilities must drop ALL")
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil {
			seccomp = psc.SeccompProfile
		}
		if seccomp == nil || seccomp.Type != "RuntimeDefault" && seccomp.Type != "Localhost" {
			add("seccompProfile must be RuntimeDefault or Localhost (pod or container)")
		}
		if p := sc.ReadOnlyRootFilesystem; p == nil || !*p {
			add("readOnlyRootFilesystem: voxbatch writes only to its volume")
		}
	}
	if psc.SeccompProfile != nil && psc.SeccompProfile.Type == "Unconfined" {
		problems = append(problems, "seccompProfile Unconfined")
	}
	return problems
}

func isTrue(b *bool) bool { return b != nil && *b }

// jobProblems checks that a Job is bounded in time and in what it leaves,
// and that its failure policy names its container.
func jobProblems(js jobSpec) []string {
	var problems []string
	if d := js.ActiveDeadlineSeconds; d == nil || *d <= 0 {
		problems = append(problems, "no activeDeadlineSeconds: a run that hangs holds the volume for ever")
	}
	if ttl := js.TTLSecondsAfterFinished; ttl == nil || *ttl <= 0 {
		problems = append(problems, "no ttlSecondsAfterFinished: finished Jobs and their pods pile up")
	}
	if js.BackoffLimit == nil {
		problems = append(problems, "no backoffLimit")
	}
	if js.Template.Spec.RestartPolicy != "Never" {
		problems = append(problems, "restartPolicy must be Never, so that the failure policy sees exit codes")
	}
	if js.PodFailurePolicy == nil {
		return append(problems, "no podFailurePolicy")
	}
	for _, r := range js.PodFailurePolicy.Rules {
		if r.OnExitCodes == nil {
			continue
		}
		if !slices.ContainsFunc(js.Template.Spec.Containers, func(c container) bool { return c.Name == r.OnExitCodes.ContainerName }) {
			problems = append(problems, fmt.Sprintf("podFailurePolicy names container %q, which the pod does not have", r.OnExitCodes.ContainerName))
		}
		if !slices.Equal(r.OnExitCodes.Values, []int32{1, 2, 3, 4}) || r.Action != "FailJob" {
			problems = append(problems, fmt.Sprintf("exit codes %v end the Job with %s, want 1-4 with FailJob", r.OnExitCodes.Values, r.Action))
		}
	}
	return problems
}

// versionTag is a tag that names a release.
var versionTag = regexp.MustCompile(`^v\d+\.\d+\.\d+`)

// imageProblems checks an image reference: a registry, and a version tag
// (or a digest), not latest.
func imageProblems(image string) []string {
	var problems []string
	repo, digest, hasDigest := strings.Cut(image, "@")
	name, tag := repo, ""
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		name, tag = repo[:i], repo[i+1:]
	}
	host, _, hasHost := strings.Cut(name, "/")
	if !hasHost || !strings.ContainsAny(host, ".:") && host != "localhost" {
		problems = append(problems, fmt.Sprintf("image %s names no registry; the node would look on Docker Hub", image))
	}
	switch {
	case hasDigest && strings.HasPrefix(digest, "sha256:"):
	case tag == "" || tag == "latest":
		problems = append(problems, fmt.Sprintf("image %s: give a version tag, not latest", image))
	case !versionTag.MatchString(tag):
		problems = append(problems, fmt.Sprintf("image %s: tag %q names no version (vX.Y.Z)", image, tag))
	}
	return problems
}

// runVariables are the variables that set a flag of run.
func runVariables() map[string]bool {
	e, _, _ := testEnv(nil)
	fs := newFlagSet(runCommand(), e)
	var opts runOptions
	opts.register(fs)
	vars := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { vars[fs.envName(f.Name)] = true })
	return vars
}

// wiringProblems checks that a pod's parts fit together and fit voxbatch:
// volumes name the samples' objects, the plan and the credentials are keys
// of the ConfigMap and the Secret, every VOXBATCH_ variable is one that run
// reads, and the report goes to the volume under a name of its plan's.
func wiringProblems(s *samples, ps podSpec, vars map[string]bool) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	volumes := map[string]volume{}
	for _, v := range ps.Volumes {
		volumes[v.Name] = v
		switch {
		case v.ConfigMap != nil && v.ConfigMap.Name != s.configMap.Metadata.Name,
			v.Secret != nil && v.Secret.SecretName != s.secret.Metadata.Name,
			v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName != s.pvc.Metadata.Name:
			add("volume %s names no object of the samples", v.Name)
		}
		if v.Secret != nil && (v.Secret.DefaultMode == nil || *v.Secret.DefaultMode != 0o400) {
			add("the credentials' defaultMode must be 0400")
		}
	}
	for _, c := range ps.Containers {
		mounts := map[string]volume{} // by mount path
		for _, m := range c.VolumeMounts {
			v, ok := volumes[m.Name]
			if !ok {
				add("container %s mounts volume %s, which the pod does not have", c.Name, m.Name)
			}
			mounts[m.MountPath] = v
		}
		keyIn := func(file string, keys func(volume) []string) bool {
			v := mounts[path.Dir(file)]
			return slices.Contains(keys(v), path.Base(file))
		}
		cmKeys := func(v volume) []string { return keysIf(v.ConfigMap != nil, s.configMap.Data) }
		secretKeys := func(v volume) []string { return keysIf(v.Secret != nil, s.secret.StringData) }
		if len(c.Args) != 2 || c.Args[0] != "run" || !keyIn(c.Args[1], cmKeys) {
			add("args %q: want run and a plan of the ConfigMap", c.Args)
		}
		env := map[string]string{}
		for _, v := range c.Env {
			env[v.Name] = string(v.Value)
			if strings.HasPrefix(v.Name, "VOXBATCH_") && !vars[v.Name] {
				add("%s is no variable of voxbatch run", v.Name)
			}
		}
		if !keyIn(env["VOXIMPLANT_CREDENTIALS"], secretKeys) {
			add("VOXIMPLANT_CREDENTIALS %q is no key of the Secret's volume", env["VOXIMPLANT_CREDENTIALS"])
		}
		problems = append(problems, reportProblems(env, mounts)...)
	}
	return problems
}

// reportProblems checks where the pod's run puts its report: in the
// volume, named by the plan (VOXBATCH_REPORT_DIR), so that a new plan
// gets its own report and journal instead of exit 4.
func reportProblems(env map[string]string, mounts map[string]volume) []string {
	var problems []string
	for _, fixed := range []string{"VOXBATCH_REPORT", "VOXBATCH_STATE"} {
		if v, ok := env[fixed]; ok {
			problems = append(problems, fmt.Sprintf("%s=%s: one file for every plan, so the next plan fails with exit 4; use VOXBATCH_REPORT_DIR", fixed, v))
		}
	}
	if dir := env["VOXBATCH_REPORT_DIR"]; mounts[dir].PersistentVolumeClaim == nil {
		problems = append(problems, fmt.Sprintf("VOXBATCH_REPORT_DIR %q is not the state volume's mount path", dir))
	}
	if sum, ok := env["VOXBATCH_SUMMARY"]; ok && mounts[path.Dir(sum)].PersistentVolumeClaim == nil {
		problems = append(problems, fmt.Sprintf("VOXBATCH_SUMMARY %q is not on the state volume", sum))
	}
	return problems
}

func keysIf[V any](ok bool, m map[string]V) []string {
	if !ok {
		return nil
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestManifestDecodingIsStrict changes job.yaml in ways Kubernetes would
// refuse, or silently ignore, and expects each to fail decoding.
func TestManifestDecodingIsStrict(t *testing.T) {
	orig, err := os.ReadFile("samples/kubernetes/job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeManifests(orig); err != nil {
		t.Fatalf("job.yaml as it is: %v", err)
	}
	for _, tt := range []struct {
		name, old, new, want string
	}{
		{"misspelt field", "activeDeadlineSeconds:", "activeDeadlineSecond:", "activeDeadlineSecond"},
		{"misspelt nested field", "readOnlyRootFilesystem:", "readOnlyRootFileSystem:", "readOnlyRootFileSystem"},
		{"misplaced field", "      restartPolicy: Never", "      restartPolicy: Never\n      ttlSecondsAfterFinished: 60", "ttlSecondsAfterFinished"},
		{"field Kubernetes does not know", "fsGroup: 65532", "fsGroup: 65532\n        fsUser: 65532", "fsUser"},
		{"wrong type", "backoffLimit: 10", `backoffLimit: "10"`, "into int32"},
		{"number for a string", `value: "10"`, "value: 10", "not a string"},
		{"wrong apiVersion", "apiVersion: batch/v1", "apiVersion: batch/v1beta1", "batch/v1beta1"},
		{"wrong kind", "kind: Job", "kind: Jobs", "Jobs"},
		{"duplicate key", "backoffLimit: 10", "backoffLimit: 10\n  backoffLimit: 6", "already defined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(orig, []byte(tt.old)) {
				t.Fatalf("job.yaml has no %q", tt.old)
			}
			_, err := decodeManifests(bytes.Replace(orig, []byte(tt.old), []byte(tt.new), 1))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
}

// TestManifestChecksCatch makes sure each check fails on what it is there
// for, such as the samples as they were before they passed "restricted".
func TestManifestChecksCatch(t *testing.T) {
	vars := runVariables()
	for _, tt := range []struct {
		name   string
		change func(js *jobSpec)
		want   string
	}{
		{"no seccomp profile", func(js *jobSpec) {
			js.Template.Spec.SecurityContext.SeccompProfile = nil
			js.Template.Spec.Containers[0].SecurityContext.SeccompProfile = nil
		}, "seccompProfile"},
		{"privilege escalation", func(js *jobSpec) { js.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil }, "allowPrivilegeEscalation"},
		{"capabilities kept", func(js *jobSpec) { js.Template.Spec.Containers[0].SecurityContext.Capabilities = nil }, "drop ALL"},
		{"root allowed", func(js *jobSpec) {
			js.Template.Spec.SecurityContext.RunAsNonRoot = nil
			js.Template.Spec.Containers[0].SecurityContext.RunAsNonRoot = nil
		}, "runAsNonRoot"},
		{"unbounded", func(js *jobSpec) { js.ActiveDeadlineSeconds = nil }, "activeDeadlineSeconds"},
		{"never deleted", func(js *jobSpec) { js.TTLSecondsAfterFinished = nil }, "ttlSecondsAfterFinished"},
		{"latest", func(js *jobSpec) { js.Template.Spec.Containers[0].Image = "voxbatch:latest" }, "not latest"},
		{"a fixed report", func(js *jobSpec) { setEnv(js, "VOXBATCH_REPORT", "/state/report.csv") }, "exit 4"},
		{"report dir off the volume", func(js *jobSpec) { setEnv(js, "VOXBATCH_REPORT_DIR", "/tmp") }, "VOXBATCH_REPORT_DIR"},
		{"a misspelt variable", func(js *jobSpec) { setEnv(js, "VOXBATCH_RATES", "10") }, "VOXBATCH_RATES"},
		{"failure policy's container", func(js *jobSpec) { js.Template.Spec.Containers[0].Name = "main" }, "does not have"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSamples(t) // a fresh copy to change
			js := &s.job.Spec
			tt.change(js)
			ps := js.Template.Spec
			problems := slices.Concat(restrictedProblems(ps), jobProblems(*js), wiringProblems(s, ps, vars), imageProblems(ps.Containers[0].Image))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q, want one naming %q", problems, tt.want)
			}
		})
	}
}

func setEnv(js *jobSpec, name, value string) {
	c := &js.Template.Spec.Containers[0]
	c.Env = append(c.Env, struct {
		Name  string    `yaml:"name"`
		Value k8sString `yaml:"value"`
	}{name, k8sString(value)})
}

func TestImageReference(t *testing.T) {
	for _, tt := range []struct {
		image string
		ok    bool
	}{
		{"registry.example.com/voxbatch:v1.0.0", true},
		{"registry.example.com/ops/voxbatch:v1.2.3-rc.1", true},
		{"localhost:5000/voxbatch:v0.9.0", true},
		{"registry.example.com/voxbatch@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true},
		{"voxbatch:latest", false},
		{"voxbatch:v1.0.0", false},
		{"registry.example.com/voxbatch", false},
		{"registry.example.com/voxbatch:latest", false},
		{"registry.example.com/voxbatch:stable", false},
		{"localhost:5000/voxbatch", false},
	} {
		if p := imageProblems(tt.image); (len(p) == 0) != tt.ok {
			t.Errorf("%s: problems %q, want ok %v", tt.image, p, tt.ok)
		}
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{
		"AS build", "CGO_ENABLED=0", "FROM scratch", "USER 65532:65532", `ENTRYPOINT ["/voxbatch"]`,
		// the version stamped into the binary and the image
		"ARG VERSION", "-X main.version=${VERSION}", `org.opencontainers.image.version="${VERSION}"`,
		// a writable /tmp for the demo: scratch has none
		"chmod 1777 /out/tmp", "COPY --from=build --chown=65532:65532 /out/tmp /tmp", "ENV TMPDIR=/tmp",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// The final stage declares VERSION again, or the label reads "".
	if final := s[strings.Index(s, "FROM scratch"):]; !strings.Contains(final, "ARG VERSION") {
		t.Error("the final stage does not declare ARG VERSION")
	}
	// The build command it shows tags the image the manifests run, and the
	// user it runs as is the pods' user.
	samples := loadSamples(t)
	job := samples.job.Spec.Template.Spec
	if img := job.Containers[0].Image; !strings.Contains(s, "--build-arg VERSION="+img[strings.LastIndex(img, ":")+1:]+" -t "+img+" .") {
		t.Errorf("Dockerfile shows no build of %s", img)
	}
	if strings.Contains(s, ":latest") {
		t.Error("Dockerfile names a latest tag")
	}
	sc := job.SecurityContext
	for _, id := range []struct {
		name string
		v    *int64
	}{{"runAsUser", sc.RunAsUser}, {"runAsGroup", sc.RunAsGroup}, {"fsGroup", sc.FSGroup}} {
		if id.v == nil || *id.v != 65532 {
			t.Errorf("the pod's %s is not 65532, the image's user and group", id.name)
		}
	}
}

// planDigest is the digest voxbatch validate prints for a plan.
func planDigest(t *testing.T, plan string) string {
	t.Helper()
	e, out, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"validate", plan}); code != exitOK {
		t.Fatalf("validate %s: exit %d\n%s", plan, code, errb)
	}
	m := regexp.MustCompile(`sha256:([0-9a-f]{64})`).FindStringSubmatch(out.String() + errb.String())
	if m == nil {
		t.Fatalf("validate %s printed no digest:\n%s%s", plan, out, errb)
	}
	return m[1]
}

// TestReportDirGivesEachPlanItsReport runs two plans one after the other
// with the samples' setting, VOXBATCH_REPORT_DIR: each gets its own report
// and journal, named by its digest, where a fixed VOXBATCH_REPORT refuses
// the second plan (exit 4).
func TestReportDirGivesEachPlanItsReport(t *testing.T) {
	_, endpoint, creds := startInProcessSim(t, voxsim.Config{Accounts: 100})
	plans := t.TempDir()
	planA := filepath.Join(plans, "a.csv")
	os.WriteFile(planA, []byte("child_account_id,active\n1000,false\n1001,false\n"), 0o644)
	planB := filepath.Join(plans, "b.csv")
	os.WriteFile(planB, []byte("child_account_id,active\n1000,true\n1002,false\n"), 0o644)
	run := func(vars map[string]string, plan string) (int, string) {
		vars["VOXIMPLANT_CREDENTIALS"], vars["VOXBATCH_ENDPOINT"] = creds, endpoint
		e, _, errb := testEnv(vars)
		return dispatch(context.Background(), e, []string{"run", plan}), errb.String()
	}

	dir := t.TempDir()
	for _, plan := range []string{planA, planB, planA} { // the third resumes to nothing left
		if code, errb := run(map[string]string{"VOXBATCH_REPORT_DIR": dir}, plan); code != exitOK {
			t.Fatalf("%s with VOXBATCH_REPORT_DIR: exit %d\n%s", plan, code, errb)
		}
	}
	var want []string
	for _, plan := range []string{planA, planB} {
		name := "report-" + planDigest(t, plan)[:12] + ".csv"
		want = append(want, name, name+".state")
		if rows := readReport(t, filepath.Join(dir, name)); len(rows) != 2 || rows[0]["status"] != "skipped" && plan == planA {
			t.Errorf("%s: %v", name, rows)
		}
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, en := range entries {
		got = append(got, en.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("--report-dir holds %q, want %q", got, want)
	}

	// What the samples did before: one report, one journal, for every plan.
	fixed := filepath.Join(t.TempDir(), "report.csv")
	if code, errb := run(map[string]string{"VOXBATCH_REPORT": fixed}, planA); code != exitOK {
		t.Fatalf("first plan: exit %d\n%s", code, errb)
	}
	if code, _ := run(map[string]string{"VOXBATCH_REPORT": fixed}, planB); code != exitMismatch {
		t.Errorf("second plan on a fixed report: exit %d, want %d", code, exitMismatch)
	}
}

func TestReportDirRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	missing := filepath.Join(dir, "missing")
	for _, tt := range []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"missing", []string{"--report-dir", missing}, nil, "--report-dir " + missing + ": no such file or directory"},
		{"a file", []string{"--report-dir", file}, nil, "--report-dir " + file + ": not a directory"},
		{"with --report", []string{"--report-dir", dir, "--report", "r.csv"}, nil, "--report-dir and --report: give one"},
		{"both variables", nil, map[string]string{"VOXBATCH_REPORT_DIR": dir, "VOXBATCH_REPORT": "r.csv"}, "--report-dir and --report"},
		{"missing, from the variable", nil, map[string]string{"VOXBATCH_REPORT_DIR": missing}, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, _, errb := testEnv(tt.vars)
			code := dispatch(context.Background(), e, append([]string{"run", "samples/disable.csv", "--credentials", "creds.json"}, tt.args...))
			if code != exitUsage || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, exitUsage, tt.want, errb)
			}
		})
	}
	// A dry run has no default report: --report-dir places nothing.
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"run", "--dry-run", "samples/disable.csv", "--report-dir", dir}); code != exitOK {
		t.Fatalf("dry run: exit %d\n%s", code, errb)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a dry run wrote into --report-dir: %v", entries)
	}
	// run -h lists it among the output flags, with its variable.
	e, out, _ := testEnv(nil)
	dispatch(context.Background(), e, []string{"run", "-h"})
	help := out.String()
	i, j, k := strings.Index(help, "Output flags:"), strings.Index(help, "--report-dir"), strings.Index(help, "Logging flags:")
	if i < 0 || j < i || k < j || !strings.Contains(help[j:k], "VOXBATCH_REPORT_DIR") {
		t.Errorf("run -h does not list --report-dir (VOXBATCH_REPORT_DIR) among the output flags:\n%s", help)
	}
}

// TestDemoWithoutTempDir runs the demo as the image does: no /tmp, so a
// TMPDIR naming a missing folder; and with no TMPDIR at all.
func TestDemoWithoutTempDir(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	t.Setenv("TMPDIR", filepath.Join(work, "nonexistent"))
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"demo", "--rate", "500"}); code != exitOK {
		t.Fatalf("demo with TMPDIR missing: exit %d\n%s", code, errb)
	}
	if !strings.Contains(errb.String(), "the temporary directory cannot be used") {
		t.Errorf("the demo did not say where its files went:\n%s", errb)
	}
	reports, _ := filepath.Glob(filepath.Join(work, "voxbatch-demo-*", "report.csv"))
	if len(reports) != 1 || len(readReport(t, reports[0])) != 400 {
		t.Errorf("demo reports under the working directory: %v", reports)
	}

	os.Unsetenv("TMPDIR") // restored by t.Setenv's cleanup
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"demo", "--rate", "500"}); code != exitOK {
		t.Fatalf("demo without TMPDIR: exit %d\n%s", code, errb)
	}
	m := regexp.MustCompile(`report: (\S+)report\.csv`).FindStringSubmatch(errb.String())
	if m == nil || !strings.HasPrefix(m[1], os.TempDir()) {
		t.Fatalf("demo without TMPDIR: no report in %s:\n%s", os.TempDir(), errb)
	}
	os.RemoveAll(m[1])

	// With --report-dir, the demo's report is the run's default, there.
	reportDir := t.TempDir()
	e, _, errb = testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"demo", "--dir", t.TempDir(), "--report-dir", reportDir, "--rate", "500"}); code != exitOK {
		t.Fatalf("demo --report-dir: exit %d\n%s", code, errb)
	}
	if got, _ := filepath.Glob(filepath.Join(reportDir, "report-*.csv.state")); len(got) != 1 {
		t.Errorf("demo --report-dir: journal %v", got)
	}
}

// TestDemoNowhereToWrite: with no temporary directory and a working
// directory that cannot be written, the demo says to give it --dir.
func TestDemoNowhereToWrite(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to a read-only folder")
	}
	work := t.TempDir()
	os.Chmod(work, 0o500)
	t.Cleanup(func() { os.Chmod(work, 0o700) })
	t.Chdir(work)
	t.Setenv("TMPDIR", filepath.Join(work, "nonexistent"))
	e, _, errb := testEnv(nil)
	if code := dispatch(context.Background(), e, []string{"demo"}); code != exitUsage || !strings.Contains(errb.String(), "--dir") {
		t.Errorf("exit %d, want %d with a hint to --dir:\n%s", code, exitUsage, errb)
	}
}
