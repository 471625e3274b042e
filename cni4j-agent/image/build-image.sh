#!/usr/bin/env bash
# Builds the agent's container image without a Docker daemon and without a base image: stages a
# root file system from the build's own outputs and this (Debian 12) machine's files, then writes
# it as an image archive that is both an OCI image layout (index.json, blobs/) and a `docker
# save` archive (manifest.json): `docker load`, `podman load`, `ctr images import`,
# `kind load image-archive` and `skopeo copy oci-archive:` all take it.
#
# The image:
#   /opt/cni4j/jre          a Java runtime for the agent, jlinked from the build JDK
#   /opt/cni4j/agent/lib    cni4j-agent/target/agent-lib (the agent and its dependencies)
#   /opt/cni4j/dist         the plugin dist (dist/, with its own lib/jre), what `install` copies
#   /usr/sbin/nft, iptables-nft (iptables*, ip6tables* -> xtables-nft-multi), the xtables
#                           extensions, /bin/sh (dash: the dist's standalone launchers are scripts)
#   /usr/lib/...            every shared library those need (ldd), and the dynamic loader
#   /usr/share/doc/cni4j-image/PACKAGES   the Debian packages the files come from, with versions;
#                           their copyright files under /usr/share/doc/<package>/
# Layers: OS files, JRE, dist, agent (the agent changes most often, so it is last).
#
# Usage: build-image.sh <agent-lib dir> <dist dir> <JDK 25 home> <work dir> <image archive> <image name:tag>
set -euo pipefail
agent_lib=$(realpath "$1")
dist=$(realpath "$2")
jdk=$3
work=$(realpath -m "$4")
archive=$(realpath -m "$5")
image_ref=$6
epoch=${SOURCE_DATE_EPOCH:-0} # file times in the layers: reproducible archives

[ -x "$dist/lib/jre/bin/java" ] || { echo "no dist at $dist (run mvn install first)" >&2; exit 1; }
ls "$agent_lib"/cni4j-agent-*.jar >/dev/null || { echo "no agent jars in $agent_lib" >&2; exit 1; }

rm -rf "$work"
root="$work/rootfs"
mkdir -p "$root"/usr/{bin,sbin,lib/x86_64-linux-gnu,lib64,share/doc/cni4j-image} "$root"/{etc,tmp,proc,sys,dev,run,var} "$root/opt/cni4j/agent"
chmod 1777 "$root/tmp"
# merged /usr, as Debian 12 (ldd reports /lib/x86_64-linux-gnu/..., /lib64/ld-linux-x86-64.so.2)
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

# The agent's runtime: jdeps --print-module-deps over agent-lib gives java.base, java.desktop
# (jackson-databind's module requires it: java.beans annotations), java.net.http (fabric8's JDK
# HTTP client), java.sql (jackson's java.sql types), jdk.httpserver (the health endpoint) and
# jdk.net (the fast path's SO_PEERCRED); jdk.unsupported for sun.misc.Unsafe users. EC and RSA for
# TLS to the API server are in java.base.
"$jdk/bin/jlink" --add-modules java.base,java.desktop,java.net.http,java.sql,jdk.httpserver,jdk.net,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$root/opt/cni4j/jre"
cp -a "$agent_lib" "$root/opt/cni4j/agent/lib"
cp -a "$dist" "$root/opt/cni4j/dist" # -a keeps the hard links of dist/bin/* and the executable bits
rm -f "$root/opt/cni4j/dist/training.log"

# Host files, each recorded with its package for PACKAGES.
declare -A packages=()
record() { # host path: remember its package (dpkg knows /lib/... and /usr/lib/... spellings apart)
  local p=$1 real pkg=""
  real=$(realpath "$p")
  for q in "$p" "$real" "${real#/usr}" "/usr$p"; do
    pkg=$(dpkg-query -S "$q" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$pkg" ] && break
  done
  [ -n "$pkg" ] || { echo "no Debian package owns $p" >&2; exit 1; }
  packages[$pkg]=1
}
put() { # host path -> same path in the image (content of the symlink target; /lib -> /usr/lib)
  local p=$1 t
  t=${p/#\/lib64\//\/usr\/lib64\/}
  t=${t/#\/lib\//\/usr\/lib\/}
  t=${t/#\/bin\//\/usr\/bin\/}
  t=${t/#\/sbin\//\/usr\/sbin\/}
  [ -e "$root$t" ] && return 0
  mkdir -p "$(dirname "$root$t")"
  cp -L --preserve=mode "$p" "$root$t"
  record "$p"
}
put /usr/sbin/nft
put /usr/sbin/xtables-nft-multi
for tool in iptables ip6tables; do
  for suffix in "" -save -restore; do
    ln -s xtables-nft-multi "$root/usr/sbin/$tool-nft$suffix"
    ln -s "$tool-nft$suffix" "$root/usr/sbin/$tool$suffix" # the iptables-nft variant, as update-alternatives would
  done
done
# iptables loads its match/target extensions (MASQUERADE, comment, ...) with dlopen: not in ldd.
mkdir -p "$root/usr/lib/x86_64-linux-gnu/xtables"
for f in /usr/lib/x86_64-linux-gnu/xtables/*.so; do put "$f"; done
put /usr/bin/dash
ln -s dash "$root/usr/bin/sh"

# Shared libraries: ldd of every ELF file in the image; the JRE's own libraries resolve inside it
# (libjvm.so, which the others link to, is in its lib/server).
# java.desktop's X11, sound and splash-screen libraries (libawt_xawt, libjawt, libjsound,
# libsplashscreen) are only loaded by a GUI, never by the headless agent: their libraries (X11,
# ALSA) are left out. Nothing else may be missing.
put /lib64/ld-linux-x86-64.so.2
missing=""
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  case $f in */jre/lib/libawt_xawt.so | */jre/lib/libjawt.so | */jre/lib/libjsound.so | */jre/lib/libsplashscreen.so) continue ;; esac
  while read -r line; do
    case $line in
      *"=> not found"*) missing+="$f: $line"$'\n' ;;
      *"=> /"*)
        lib=$(sed -E 's/.*=> ([^ ]+) .*/\1/' <<<"$line")
        case $lib in "$root"/*) ;; *) put "$lib" ;; esac ;;
    esac
  done < <(case $f in */jre/lib/*) LD_LIBRARY_PATH=${f%/lib/*}/lib/server ldd "$f" ;; *) ldd "$f" ;; esac 2>/dev/null || true)
done < <(find "$root" -type f -print0)
[ -z "$missing" ] || { printf 'missing shared libraries:\n%s' "$missing" >&2; exit 1; }

# provenance and licences
{
  echo "# cni4j-agent image: files copied from these Debian packages (package version source)"
  for pkg in $(printf '%s\n' "${!packages[@]}" | sort); do
    dpkg-query -W -f='${binary:Package} ${Version} ${source:Package}\n' "$pkg"
    [ -f "/usr/share/doc/${pkg%%:*}/copyright" ] && {
      mkdir -p "$root/usr/share/doc/${pkg%%:*}"
      cp "/usr/share/doc/${pkg%%:*}/copyright" "$root/usr/share/doc/${pkg%%:*}/"
    }
  done
  echo "# Java runtimes (/opt/cni4j/jre and /opt/cni4j/dist/lib/jre), jlinked from:"
  grep -E '^(IMPLEMENTOR|IMPLEMENTOR_VERSION|JAVA_RUNTIME_VERSION)=' "$jdk/release"
} >"$root/usr/share/doc/cni4j-image/PACKAGES"
[ -f "$jdk/legal/java.base/LICENSE" ] && cp "$jdk/legal/java.base/LICENSE" "$root/usr/share/doc/cni4j-image/JDK-LICENSE"
# /etc: no users, no NSS; only what the tools read if present
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

# Layers: sorted file lists, fixed owners and times, gzip without a name or time stamp.
blobs="$work/archive/blobs/sha256"
mkdir -p "$blobs"
layer_digests=() diff_ids=() layer_sizes=()
layer() { # paths (relative to the root) whose trees form one layer; "-" = everything not in other layers
  local list="$work/layer.list" tmp="$work/layer.tar.gz" diff digest
  (cd "$root" && if [ "$1" = - ]; then
      find . \( -path ./opt/cni4j/jre -o -path ./opt/cni4j/dist -o -path ./opt/cni4j/agent/lib \) -prune -o -print
    else
      find "$@"
    fi) | LC_ALL=C sort >"$list"
  tar -C "$root" --no-recursion -T "$list" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
    --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$work/layer.tar"
  diff=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -n -9 -c "$work/layer.tar" >"$tmp" && rm "$work/layer.tar"
  digest=$(sha256sum "$tmp" | cut -d' ' -f1)
  mv "$tmp" "$blobs/$digest"
  layer_digests+=("$digest") diff_ids+=("sha256:$diff") layer_sizes+=("$(stat -c %s "$blobs/$digest")")
}
layer -
layer ./opt/cni4j/jre
layer ./opt/cni4j/dist
layer ./opt/cni4j/agent/lib

join() { local IFS=,; echo "$*"; }
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
config=$(cat <<JSON
{"architecture":"amd64","os":"linux","created":"$created",
 "config":{"Env":["PATH=/opt/cni4j/jre/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  "Entrypoint":["/opt/cni4j/jre/bin/java","--enable-native-access=ALL-UNNAMED","-XX:+UseSerialGC","-cp","/opt/cni4j/agent/lib/*","dev.cni4j.agent.AgentMain"],
  "Cmd":["run"],"WorkingDir":"/",
  "Labels":{"org.opencontainers.image.title":"cni4j-agent","org.opencontainers.image.ref.name":"$image_ref"}},
 "rootfs":{"type":"layers","diff_ids":[$(printf '"%s",' "${diff_ids[@]}" | sed 's/,$//')]},
 "history":[{"created":"$created","created_by":"cni4j-agent/image/build-image.sh: OS files (nft, iptables-nft, libraries)"},
  {"created":"$created","created_by":"cni4j-agent/image/build-image.sh: /opt/cni4j/jre"},
  {"created":"$created","created_by":"cni4j-agent/image/build-image.sh: /opt/cni4j/dist"},
  {"created":"$created","created_by":"cni4j-agent/image/build-image.sh: /opt/cni4j/agent/lib"}]}
JSON
)
config_digest=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" >"$blobs/$config_digest"
layers_json=() docker_layers=()
for i in "${!layer_digests[@]}"; do
  layers_json+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:${layer_digests[$i]}\",\"size\":${layer_sizes[$i]}}")
  docker_layers+=("\"blobs/sha256/${layer_digests[$i]}\"")
done
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":${#config}},\"layers\":[$(join "${layers_json[@]}")]}"
manifest_digest=$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)
printf '%s' "$manifest" >"$blobs/$manifest_digest"
tag=${image_ref##*:}
cat >"$work/archive/index.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":${#manifest},"annotations":{"org.opencontainers.image.ref.name":"$tag","io.containerd.image.name":"$image_ref"}}]}
JSON
printf '{"imageLayoutVersion":"1.0.0"}\n' >"$work/archive/oci-layout"
printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":[%s]}]\n' "$config_digest" "$image_ref" "$(join "${docker_layers[@]}")" \
  >"$work/archive/manifest.json"
mkdir -p "$(dirname "$archive")"
tar -C "$work/archive" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -cf "$archive" .
echo "image $image_ref: $archive ($(du -h "$archive" | cut -f1); uncompressed root $(du -sh "$root" | cut -f1)), manifest sha256:$manifest_digest"
