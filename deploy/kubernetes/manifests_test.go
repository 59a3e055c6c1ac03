package kubernetes_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/carecert/carecert/runner/target"
)

// decode reads a manifest strictly: an unknown or misspelt field is an error.
func decode(path string, into any) {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	Expect(yaml.UnmarshalStrict(data, into)).To(Succeed(), path)
}

func flag(args []string, name string) string {
	i := slices.Index(args, name)
	Expect(i).To(BeNumerically(">=", 0), "missing %s in %v", name, args)
	Expect(len(args)).To(BeNumerically(">", i+1))
	return args[i+1]
}

var _ = Describe("the Kubernetes manifests", func() {
	var shards, merge batchv1.Job
	var volume corev1.PersistentVolumeClaim
	var reader corev1.Pod
	// pods is every pod the manifests start, by file: what holds for one
	// container must hold for all of them.
	var pods map[string]corev1.PodSpec

	BeforeEach(func() {
		decode("shards-job.yaml", &shards)
		decode("merge-job.yaml", &merge)
		decode("volume.yaml", &volume)
		decode("reader-pod.yaml", &reader)
		pods = map[string]corev1.PodSpec{
			"shards-job.yaml": shards.Spec.Template.Spec,
			"merge-job.yaml":  merge.Spec.Template.Spec,
			"reader-pod.yaml": reader.Spec,
		}
	})

	It("run the carecert tag the README and Dockerfile build, never :latest, pulled only when absent", func() {
		readme, err := os.ReadFile("README.md")
		Expect(err).NotTo(HaveOccurred())
		dockerfile, err := os.ReadFile("Dockerfile")
		Expect(err).NotTo(HaveOccurred())
		build := regexp.MustCompile(`docker build -f deploy/kubernetes/Dockerfile --build-arg VERSION=(\S+) -t (carecert:\S+) \.`)
		m := build.FindStringSubmatch(string(readme))
		Expect(m).NotTo(BeNil(), "the README's build command")
		Expect(build.FindStringSubmatch(string(dockerfile))).To(Equal(m), "the Dockerfile's build comment")
		Expect(m[2]).To(Equal("carecert:"+m[1]), "the tag is the version the binary is stamped with")
		for _, j := range []batchv1.Job{shards, merge} {
			for _, c := range j.Spec.Template.Spec.Containers {
				Expect(c.Image).To(Equal(m[2]), j.Name)
			}
		}
		for file, pod := range pods {
			for _, c := range pod.Containers {
				Expect(c.Image).To(MatchRegexp(`^[^:@]+(:[0-9][^:]*|@sha256:[0-9a-f]{64})$`), "%s: a pinned image", file)
				Expect(c.Image).NotTo(HaveSuffix(":latest"), file)
				Expect(c.ImagePullPolicy).To(Equal(corev1.PullIfNotPresent), file)
			}
		}
	})

	It("run every container unprivileged, as the image's nonroot user, on a read-only root filesystem", func() {
		for file, pod := range pods {
			Expect(pod.SecurityContext).NotTo(BeNil(), file)
			Expect(pod.SecurityContext.FSGroup).To(HaveValue(BeEquivalentTo(65532)), "%s: the volume is writable by the container's group", file)
			for _, c := range pod.Containers {
				sc := c.SecurityContext
				Expect(sc).NotTo(BeNil(), "%s: %s has no securityContext", file, c.Name)
				Expect(sc.RunAsNonRoot).To(HaveValue(BeTrue()), file)
				Expect(sc.RunAsUser).To(HaveValue(BeEquivalentTo(65532)), "%s: distroless's nonroot user", file)
				Expect(sc.RunAsGroup).To(HaveValue(BeEquivalentTo(65532)), file)
				Expect(sc.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()), file)
				Expect(sc.AllowPrivilegeEscalation).To(HaveValue(BeFalse()), file)
				Expect(sc.Privileged).To(Or(BeNil(), HaveValue(BeFalse())), file)
				Expect(sc.Capabilities).NotTo(BeNil(), file)
				Expect(sc.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")), file)
				Expect(sc.Capabilities.Add).To(BeEmpty(), file)
				Expect(sc.SeccompProfile).NotTo(BeNil(), file)
				Expect(sc.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault), file)
			}
		}
	})

	It("give carecert a bounded writable /tmp beside the volume, since the root filesystem is read-only", func() {
		for _, j := range []batchv1.Job{shards, merge} {
			spec := j.Spec.Template.Spec
			var tmp *corev1.Volume
			for i := range spec.Volumes {
				if spec.Volumes[i].EmptyDir != nil {
					tmp = &spec.Volumes[i]
				}
			}
			Expect(tmp).NotTo(BeNil(), "%s: carecert spills large key sets to the temporary folder", j.Name)
			Expect(tmp.EmptyDir.SizeLimit).NotTo(BeNil(), j.Name)
			Expect(spec.Containers[0].VolumeMounts).To(ContainElement(corev1.VolumeMount{Name: tmp.Name, MountPath: "/tmp"}), j.Name)
		}
	})

	It("bound every Job in time and in retries", func() {
		for _, j := range []batchv1.Job{shards, merge} {
			Expect(j.Spec.ActiveDeadlineSeconds).To(HaveValue(BeNumerically(">", 0)), j.Name)
			Expect(j.Spec.BackoffLimit).NotTo(BeNil(), j.Name)
		}
		Expect(reader.Spec.ActiveDeadlineSeconds).To(HaveValue(BeNumerically("<=", 3600)), "the reader pod is short-lived")
		perIndex := *shards.Spec.BackoffLimitPerIndex * *shards.Spec.Completions
		Expect(*shards.Spec.BackoffLimit).To(BeNumerically(">=", perIndex), "the overall limit must not cut short the per-shard retries")
	})

	It("request and limit CPU and memory for every container, limits no lower than requests", func() {
		for file, pod := range pods {
			for _, c := range pod.Containers {
				for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					req, ok := c.Resources.Requests[name]
					Expect(ok).To(BeTrue(), "%s: %s request", file, name)
					limit, ok := c.Resources.Limits[name]
					Expect(ok).To(BeTrue(), "%s: %s limit", file, name)
					Expect(limit.Cmp(req)).To(BeNumerically(">=", 0), "%s: %s limit below request", file, name)
					Expect(req.Cmp(resource.MustParse("0"))).To(Equal(1), file)
				}
			}
		}
	})

	It("document how to copy the reports off the volume with the reader pod, which only reads it", func() {
		readme, err := os.ReadFile("README.md")
		Expect(err).NotTo(HaveOccurred())
		mount := reader.Spec.Containers[0].VolumeMounts[0]
		Expect(mount.ReadOnly).To(BeTrue())
		Expect(reader.Spec.Volumes[0].PersistentVolumeClaim.ClaimName).To(Equal(volume.Name))
		Expect(reader.Spec.Volumes[0].PersistentVolumeClaim.ReadOnly).To(BeTrue())
		mergeOut := flag(merge.Spec.Template.Spec.Containers[0].Args, "--out")
		Expect(strings.HasPrefix(mergeOut, mount.MountPath+"/")).To(BeTrue(), "the reader sees the merged reports")
		Expect(string(readme)).To(ContainSubstring("kubectl apply -f deploy/kubernetes/reader-pod.yaml"))
		Expect(string(readme)).To(ContainSubstring("kubectl cp " + reader.Name + ":" + mergeOut + " "))
		Expect(string(readme)).To(ContainSubstring("kubectl delete pod " + reader.Name))
	})

	It("are Jobs and a claim of the kinds they say", func() {
		Expect(shards.Kind).To(Equal("Job"))
		Expect(shards.APIVersion).To(Equal("batch/v1"))
		Expect(merge.Kind).To(Equal("Job"))
		Expect(volume.Kind).To(Equal("PersistentVolumeClaim"))
		Expect(volume.Spec.AccessModes).To(ContainElement(corev1.ReadWriteMany), "every shard pod mounts the feed")
	})

	It("run one shard per pod, covering every shard exactly once", func() {
		spec := shards.Spec
		Expect(spec.CompletionMode).NotTo(BeNil())
		Expect(*spec.CompletionMode).To(Equal(batchv1.IndexedCompletion))
		Expect(spec.Completions).NotTo(BeNil())
		n := int(*spec.Completions)
		Expect(*spec.Parallelism).To(Equal(*spec.Completions))
		c := spec.Template.Spec.Containers[0]
		Expect(c.Args[0]).To(Equal("run"))
		shard := flag(c.Args, "--shard")
		seen := map[int]bool{}
		for k := 0; k < n; k++ {
			s, err := target.ParseShard(shard, func(name string) string {
				if name == "JOB_COMPLETION_INDEX" {
					return strconv.Itoa(k)
				}
				return ""
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(s.Count).To(Equal(n), "the shard count in the arguments must match completions")
			seen[s.Index] = true
		}
		Expect(seen).To(HaveLen(n))
		Expect(spec.Template.Spec.RestartPolicy).To(Equal(corev1.RestartPolicyNever))
		Expect(spec.BackoffLimitPerIndex).NotTo(BeNil(), "a failed shard is retried alone")
	})

	It("merge the folder the shards write to, on the same volume", func() {
		shardArgs := shards.Spec.Template.Spec.Containers[0].Args
		mergeArgs := merge.Spec.Template.Spec.Containers[0].Args
		Expect(mergeArgs[0]).To(Equal("merge"))
		Expect(mergeArgs[1]).To(Equal(flag(shardArgs, "--out")))
		for _, j := range []batchv1.Job{shards, merge} {
			vols := j.Spec.Template.Spec.Volumes
			Expect(vols[0].PersistentVolumeClaim.ClaimName).To(Equal(volume.Name))
			mounts := j.Spec.Template.Spec.Containers[0].VolumeMounts
			Expect(mounts[0].Name).To(Equal(vols[0].Name))
			Expect(mounts[0].MountPath).To(Equal("/data"))
		}
	})

	It("catch a misspelt field", func() {
		var j batchv1.Job
		err := yaml.UnmarshalStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completionMod: Indexed\n"), &j)
		Expect(err).To(MatchError(ContainSubstring("completionMod")))
	})
})
