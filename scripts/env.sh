# Sourced by the scripts: finds JDK 25 and installs what the build, the tests and the demo need
# on a fresh Debian 12 machine (run as root). Idempotent; apt runs only when something is missing.

find_jdk25() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-25-* /usr/lib/jvm/jdk-25*; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    if "$c/bin/java" -version 2>&1 | grep -q 'version "25'; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk25); then
  echo "error: JDK 25 not found (looked at \$JAVA_HOME and /usr/lib/jvm/*25*)." >&2
  echo "Install Temurin 25 into /usr/lib/jvm/temurin-25-jdk-amd64 or point JAVA_HOME at a JDK 25." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

# Debian packages: build tools, the kernel tools the tests cross-check with, the reference
# plugins (interop and benchmarks), and traffic tools for the data-plane checks.
cni4j_packages="maven iproute2 iptables nftables libnftables1 containernetworking-plugins iperf3 busybox-static conntrack curl podman util-linux jq umoci containerd runc"
missing=""
for p in $cni4j_packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: missing packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  echo "installing:$missing" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
fi
