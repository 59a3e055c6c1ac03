// Package kubernetes holds carecert's Kubernetes manifests (an Indexed Job with
// one shard per pod, a merge Job, the shared volume, a read-only pod for copying
// the reports off it) and the image build file.
// Its tests decode the manifests strictly with the Kubernetes API types, so a
// typo fails CI instead of a cluster.
package kubernetes
