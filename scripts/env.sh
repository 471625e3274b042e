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

# Adoptium's documented way onto Debian: their apt repository, package temurin-25-jdk (it
# installs into /usr/lib/jvm/temurin-25-jdk-<arch>).
adoptium_commands() {
  cat <<'CMDS'
apt-get update && apt-get install -y ca-certificates curl
mkdir -p /etc/apt/keyrings
curl -fsSL https://packages.adoptium.net/artifactory/api/gpg/key/public -o /etc/apt/keyrings/adoptium.asc
echo "deb [signed-by=/etc/apt/keyrings/adoptium.asc] https://packages.adoptium.net/artifactory/deb $(. /etc/os-release && echo "$VERSION_CODENAME") main" > /etc/apt/sources.list.d/adoptium.list
apt-get update && apt-get install -y temurin-25-jdk
CMDS
}

# True when packages.adoptium.net answers on port 443 within 5 s (bash's /dev/tcp: no curl needed).
adoptium_reachable() {
  timeout 5 bash -c 'exec 3<>/dev/tcp/packages.adoptium.net/443' 2>/dev/null
}

if ! JAVA_HOME=$(find_jdk25); then
  echo "JDK 25 not found (looked at \$JAVA_HOME and /usr/lib/jvm/*25*)." >&2
  if [ "$(id -u)" = 0 ] && adoptium_reachable; then
    echo "installing Temurin 25 from Adoptium's Debian repository (packages.adoptium.net):" >&2
    adoptium_commands | sed 's/^/  /' >&2
    if ! (set -e; export DEBIAN_FRONTEND=noninteractive; eval "$(adoptium_commands)") >&2; then
      echo "error: installing Temurin 25 failed (see above)." >&2
      exit 1
    fi
  fi
  if ! JAVA_HOME=$(find_jdk25); then
    if [ "$(id -u)" != 0 ]; then
      echo "error: run as root to have it installed, or install it yourself, as root:" >&2
    else
      echo "error: packages.adoptium.net cannot be reached from here within 5 s. Install Temurin 25" >&2
      echo "where it can be (or point JAVA_HOME at a JDK 25), as root:" >&2
    fi
    adoptium_commands | sed 's/^/  /' >&2
    exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

# Debian packages: build tools, the kernel tools the tests cross-check with, the reference
# plugins (interop and benchmarks), traffic tools for the data-plane checks, systemd for
# systemd-socket-activate (the fast path's socket activation test; no systemd needs to run), and
# containerd with runc (the CRI end-to-end test runs its own, in its own namespaces).
cni4j_packages="maven iproute2 iptables nftables libnftables1 containernetworking-plugins iperf3 busybox-static conntrack curl podman util-linux jq umoci systemd containerd runc"
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
