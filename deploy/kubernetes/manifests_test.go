package kubernetes_test

import (
	"os"
	"slices"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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

	BeforeEach(func() {
		decode("shards-job.yaml", &shards)
		decode("merge-job.yaml", &merge)
		decode("volume.yaml", &volume)
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
			Expect(vols).To(HaveLen(1))
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
