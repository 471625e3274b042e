#!/usr/bin/env bash
# Tests the image archive build-image.sh wrote, without a container runtime: checks the archive's
# digests (blobs, layer diff_ids) and its docker manifest against the OCI one, unpacks the layers
# in order into a temp dir and runs, chrooted there (a private mount and PID namespace with /proc
# and /dev/null, as any runtime provides; the host's network namespace, so only calls that change
# and list nothing there):
#   - the agent on the image's JRE: its usage (exit 2), and a probe (ImageProbe.java) of Jackson,
#     the fabric8 model and client, TLS; JRE modules or libraries missing would fail these;
#   - nft, iptables(-save/-restore), ip6tables(-save/-restore) --version (the nf_tables variant);
#   - `AgentMain install` from /opt/cni4j/dist into /tmp/cni/bin (as the init container does),
#     then the installed loopback plugin's CNI VERSION on the dist's own runtime.
# Nothing from the host file system is visible in the chroot: it proves the image is complete.
# Also checks that the paths deploy/daemonset.yaml runs from /opt/cni4j exist in the image.
# Usage: test-image.sh <image archive> <JDK 25 home (compiles the probe)> <agent-lib dir> [daemonset.yaml]
set -euo pipefail
archive=$(realpath "$1")
jdk=$2
agent_lib=$(realpath "$3")
daemonset=${4:+$(realpath "$4")}
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "image test FAILED: $*" >&2; exit 1; }

mkdir "$tmp/archive" "$tmp/root"
tar -C "$tmp/archive" -xf "$archive"
cd "$tmp/archive"
for b in blobs/sha256/*; do
  [ "$(sha256sum "$b" | cut -d' ' -f1)" = "${b##*/}" ] || fail "blob $b does not match its digest"
done
manifest=$(jq -r '.manifests[0].digest' index.json)
manifest=blobs/sha256/${manifest#sha256:}
config=$(jq -r '.config.digest' "$manifest")
config=blobs/sha256/${config#sha256:}
[ "$(jq -r '.[0].Config' manifest.json)" = "$config" ] || fail "manifest.json and index.json name different configs"
[ "$(jq -r '.[0].Layers[]' manifest.json)" = "$(jq -r '.layers[].digest | sub("sha256:"; "blobs/sha256/")' "$manifest")" ] \
  || fail "manifest.json and the OCI manifest list different layers"
mapfile -t layers < <(jq -r '.layers[].digest | sub("sha256:"; "blobs/sha256/")' "$manifest")
mapfile -t diff_ids < <(jq -r '.rootfs.diff_ids[]' "$config")
[ "${#layers[@]}" = "${#diff_ids[@]}" ] || fail "${#layers[@]} layers, ${#diff_ids[@]} diff_ids"
for i in "${!layers[@]}"; do
  [ "sha256:$(gzip -dc "${layers[$i]}" | sha256sum | cut -d' ' -f1)" = "${diff_ids[$i]}" ] || fail "layer $i: diff_id"
  tar -C "$tmp/root" --numeric-owner -xzf "${layers[$i]}"
done
# An independent reader of the OCI layout, where installed (Debian package umoci).
if command -v umoci >/dev/null; then
  umoci unpack $([ "$(id -u)" = 0 ] || echo --rootless) --image "$tmp/archive:$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' index.json)" \
    "$tmp/umoci" >/dev/null 2>&1 || fail "umoci cannot unpack the image"
  rm -rf "$tmp/umoci"
  echo "umoci unpacks the OCI layout"
fi
entrypoint=$(jq -r '.config.Entrypoint[0]' "$config")
[ -x "$tmp/root$entrypoint" ] || fail "entrypoint $entrypoint is not in the image"
# The DaemonSet's image paths (its java, -cp dir, --source dir) must be in the image.
if [ -n "$daemonset" ]; then
  for p in $(grep -o '"/opt/cni4j/[^"*]*' "$daemonset" | tr -d '"' | sort -u); do
    [ -e "$tmp/root$p" ] || fail "$daemonset names $p, which is not in the image"
    echo "daemonset path in the image: $p"
  done
fi
echo "image: $(du -h "$archive" | cut -f1) archive, ${#layers[@]} layers, $(du -sh "$tmp/root" | cut -f1) unpacked"

mkdir -p "$tmp/root/tmp/probe"
"$jdk/bin/javac" -cp "$agent_lib/*" -d "$tmp/root/tmp/probe" "$here/ImageProbe.java"

# The checks, run by the image's /bin/sh inside the chroot (shell built-ins only: the image has no
# coreutils).
cat >"$tmp/root/tmp/checks.sh" <<'CHECKS'
set -euf # -f: the class path '/opt/cni4j/agent/lib/*' in $agent is for java, not the shell
export PATH=/opt/cni4j/jre/bin:/usr/sbin:/usr/bin:/sbin:/bin
java=/opt/cni4j/jre/bin/java
agent="--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -cp /opt/cni4j/agent/lib/* dev.cni4j.agent.AgentMain"
$java -version
rc=0; out=$(NODE_NAME=image-test $java $agent --help 2>&1) || rc=$?
echo "agent --help: exit $rc: $out"
[ $rc = 2 ] && case $out in *"usage"*"run|install|uninstall"*) ;; *) exit 11 ;; esac || exit 11
$java -cp '/tmp/probe:/opt/cni4j/agent/lib/*' ImageProbe
for tool in nft iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  v=$($tool --version 2>&1) || { echo "$tool --version failed: $v"; exit 12; }
  echo "$tool: $v"
  case $tool:$v in nft:nftables*|*"(nf_tables)"*) ;; *) echo "$tool: not the nf_tables variant"; exit 12 ;; esac
done
NODE_NAME=image-test CNI4J_BIN_DIR=/tmp/cni/bin CNI4J_CONF_DIR=/tmp/cni/net.d \
  $java $agent install --source /opt/cni4j/dist
[ -x /tmp/cni/bin/loopback ] && [ -x /tmp/cni/lib/jre/bin/java ] || exit 13
v=$(CNI_COMMAND=VERSION /tmp/cni/bin/loopback </dev/null) || { echo "loopback VERSION failed: $v"; exit 14; }
echo "installed loopback VERSION: $v"
case $v in *'"supportedVersions"'*) ;; *) exit 14 ;; esac
echo "all image checks passed"
CHECKS

run_in_image() {
  unshare --mount --pid --fork --propagation private sh -c '
    root=$1
    mount -t proc proc "$root/proc"
    : >"$root/dev/null"; mount --bind /dev/null "$root/dev/null"
    exec chroot "$root" /bin/sh /tmp/checks.sh' sh "$tmp/root"
}
if [ "$(id -u)" = 0 ]; then
  run_in_image
elif unshare --user --map-root-user true 2>/dev/null; then
  export -f run_in_image; export tmp
  unshare --user --map-root-user bash -c run_in_image
else
  echo "image test SKIPPED: needs root or user namespaces for chroot" >&2
fi
