# Pinned versions of every peer the local test stack builds (sourced by stack/*.sh).
# Changing a version here invalidates that component's build stamp; the next
# `make stack-up` rebuilds only that component.

# Where builds and the Go caches live (outside the repo, survives `git clean`).
: "${STACK_CACHE:=/var/cache/argoexec-ts}"

ETCD_VERSION=v3.6.16                      # go.etcd.io/etcd/server/v3 (throwaway go.mod)
K8S_VERSION=v1.36.3                       # k8s.io/kubernetes (throwaway go.mod + 33 staging replaces)
CONTAINERD_VERSION=v2.2.9                 # github.com/containerd/containerd/v2 (e2e cluster; image volumes need 2.1+)
RUNC_VERSION=v1.3.6                       # github.com/opencontainers/runc (what containerd $CONTAINERD_VERSION pins)
# The reference argoexec and workflow-controller. v4.1.2 (default) is built from the source tarball in
# ../shared/argo-v4.1.2/src (the Go module proxy answers 403 for argo-workflows/v4@v4.1.x; every
# dependency is served). Any other version (ARGO_VERSION=v4.0.5, the optional second reference)
# comes from the Go module proxy. Each version has its own directory, so both can stay built.
: "${ARGO_VERSION:=v4.1.2}"
ARGO_MODULE=github.com/argoproj/argo-workflows/v4
ARGO_SRC_VERSION=v4.1.2                   # the version the shared tarball holds
ARGO_SRC_COMMIT=f016ad89eb                # its commit (../shared/argo-v4.1.2/README.md)
ARGO_BIN=$STACK_CACHE/bin/argo-$ARGO_VERSION
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c   # last commit of the archived repo (= @latest)
VERSITYGW_VERSION=v1.8.0
FAKE_GCS_VERSION=v1.56.1
GO_HTTPBIN_VERSION=v2.26.0                # Argo's quick-start uses v2.14.1, which the proxy no longer verifies
AZURITE_VERSION=3.35.0                    # 3.36+ need newer Node engines; run with the project's Node 24
HADOOP_VERSION=3.4.1                      # HDFS test peer: org.apache.hadoop:hadoop-client-minicluster (Maven Central), stack/hdfs.sh
