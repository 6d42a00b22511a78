#!/usr/bin/env bash
# Checks docker/ as far as a machine without a Docker engine can:
#   - compose.yaml is valid YAML and builds docker/Dockerfile from the repository root;
#   - every COPY source of the Dockerfile exists;
#   - every package the Dockerfile installs exists in Debian 12 (apt-cache);
#   - the runtime stage installs the package of every shared library mutuad links against.
# Usage: scripts/check-docker.sh [SOURCE_DIR] [PATH_TO_MUTUAD]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
mutuad=${2:-"$root/build/server/mutuad"}
dockerfile="$root/docker/Dockerfile"
compose="$root/docker/compose.yaml"
status=0
fail() { echo "check-docker: $*"; status=1; }

/usr/bin/python3 - "$compose" <<'PY' || status=1
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
svc = doc["services"]["mutua"]
assert svc["build"]["context"] == "..", "build context must be the repository root"
assert svc["build"]["dockerfile"] == "docker/Dockerfile"
assert any(v.endswith(":/var/lib/mutua") for v in svc["volumes"]), "data volume missing"
PY

# COPY sources (build stage only copies from the context).
while read -r src; do
  [[ -e "$root/$src" ]] || fail "COPY source $src does not exist"
done < <(grep -E '^COPY [^-]' "$dockerfile" | awk '{print $2}')

# Packages named in apt-get install lines, per stage.
packages() { # stage index (1 = build, 2 = runtime)
  awk -v want="$1" '/^FROM /{stage++} stage==want' "$dockerfile" |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep -o 'apt-get install[^&]*' |
    tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install)$' || true
}
for pkg in $(packages 1) $(packages 2); do
  apt-cache show "$pkg" >/dev/null 2>&1 || fail "package $pkg is unknown to apt (Debian 12)"
done

if [[ -x "$mutuad" ]]; then
  runtime=" $(packages 2 | tr '\n' ' ') "
  for lib in $(ldd "$mutuad" | awk '/=>/ {print $3}'); do
    real=$(readlink -f "$lib")
    owner=$(dpkg -S "$real" 2>/dev/null | head -n1 | cut -d: -f1 || true)
    [[ -z "$owner" ]] && owner=$(dpkg -S "$lib" 2>/dev/null | head -n1 | cut -d: -f1 || true)
    case "$owner" in
      libc6 | libgcc-s1 | libstdc++6 | "" | libssl3 | zlib1g | libzstd1 | libsasl2-2 | libicu72 | libsnappy1v5 | libresolv* | libutf8proc2 | libsasl2-modules-db | libgssapi-krb5-2 | libkrb5-3 | libk5crypto3 | libcom-err2 | libkrb5support0 | libkeyutils1 | libdb5.3 | libstdc++* | libcrypt1 | libgcrypt20 | libgpg-error0 | liblz4-1 | libcap2 | libsystemd0 | liblzma5)
        ;; # in debian:12-slim already, or pulled in by a listed package
      *)
        [[ "$runtime" == *" $owner "* ]] || fail "mutuad needs $lib from $owner, not installed by the runtime stage"
        ;;
    esac
  done
else
  echo "check-docker: $mutuad not built, library check skipped"
fi
[[ $status -eq 0 ]] && echo "check-docker: ok"
exit "$status"
