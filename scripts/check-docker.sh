#!/usr/bin/env bash
# Checks docker/ as far as a machine without a Docker engine can (ctest: lint/docker):
#   1. structure and consistency of the compose files, .env.example, haproxy.cfg and the
#      Dockerfile (scripts/check-docker-compose.py, PyYAML);
#   2. docker-compose v1 (Debian's docker-compose) validates each compose file; it does not
#      know the top-level `name:` of Compose v2, which is removed from its copy;
#   3. shellcheck on every shell script of docker/;
#   4. haproxy -c on docker/haproxy.cfg (the servers' names do not resolve here: warnings);
#   5. every package the Dockerfile installs exists in Debian 12 (apt-cache);
#   6. the runtime stage installs the package of every shared library mutuad links against;
#   7. the scripts the image ships, run for real with the built mutuad: mutua-keys (init is
#      idempotent, rotate adds a key, retire keeps the last one) and mutua-healthcheck
#      (healthy against a running mutuad, unhealthy against a closed port).
# A part whose tool is absent is skipped with the reason; any failure fails the whole.
# Usage: scripts/check-docker.sh [SOURCE_DIR] [PATH_TO_MUTUAD]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
mutuad=$(readlink -f "${2:-"$root/build/server/mutuad"}" || true)
docker_dir="$root/docker"
dockerfile="$docker_dir/Dockerfile"
status=0
fail() {
  echo "check-docker: FAIL: $*"
  status=1
}
skip() { echo "check-docker: skipped: $*"; }
work=$(mktemp -d)
server_pid=
# shellcheck disable=SC2317 # called by the trap below
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Structure.
if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  /usr/bin/python3 "$root/scripts/check-docker-compose.py" "$root" || fail "compose structure"
else
  skip "structure: PyYAML is missing (apt-get install python3-yaml)"
fi

# 2. docker-compose v1, with the required passwords of .env.example filled in.
if command -v docker-compose >/dev/null 2>&1; then
  sed -E 's/^(MONGO_ROOT_PASSWORD|MUTUA_MONGODB_PASSWORD|MUTUA_ADMIN_PASSWORD)=$/\1=check0/' \
    "$docker_dir/.env.example" >"$work/env"
  for f in compose.yml compose.sqlite.yml; do
    sed '/^name:/d' "$docker_dir/$f" >"$work/$f"
  done
  compose_config() {
    docker-compose --project-directory "$docker_dir" --env-file "$work/env" "$@" config -q
  }
  compose_config -f "$work/compose.yml" || fail "docker-compose rejects compose.yml"
  compose_config -f "$work/compose.yml" -f "$docker_dir/compose.test.yml" ||
    fail "docker-compose rejects compose.yml + compose.test.yml"
  compose_config -f "$work/compose.sqlite.yml" || fail "docker-compose rejects compose.sqlite.yml"
else
  skip "docker-compose is not installed (scripts/install-deps.sh installs it)"
fi

# 3. shellcheck.
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck "$docker_dir"/*.sh "$root/scripts/check-docker.sh" || fail "shellcheck"
else
  skip "shellcheck is not installed"
fi

# 4. haproxy.
if command -v haproxy >/dev/null 2>&1; then
  MUTUA_UPSTREAM_PROXY=172.30.80.1 haproxy -c -q -f "$docker_dir/haproxy.cfg" 2>"$work/haproxy.err" ||
    fail "haproxy -c: $(cat "$work/haproxy.err")"
else
  skip "haproxy is not installed (its -c checks docker/haproxy.cfg)"
fi

# 5. Packages named in apt-get install lines of one stage (by its name).
packages() {
  awk -v want="$1" '/^FROM /{stage = $NF} stage == want' "$dockerfile" |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep -o 'apt-get install[^&]*' |
    tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install)$' || true
}
if command -v apt-cache >/dev/null 2>&1; then
  for pkg in $(packages build) $(packages test) $(packages runtime); do
    apt-cache show "$pkg" >/dev/null 2>&1 || fail "package $pkg is unknown to apt (Debian 12)"
  done
else
  skip "apt-cache is absent: Debian packages not checked"
fi

# 6. Shared libraries of mutuad against the runtime stage's packages.
if [[ -x "$mutuad" ]] && command -v dpkg >/dev/null 2>&1; then
  # The runtime stage's packages and everything apt installs with them (their Depends and
  # PreDepends, recursively): libmongoc-1.0-0 brings libssl3, libsnappy1v5, libzstd1...
  listed=$(packages runtime | tr '\n' ' ')
  # shellcheck disable=SC2086 # one word per package
  runtime=" $listed $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $listed 2>/dev/null |
    awk '/^[a-z0-9]/ {print $1} /Depends:/ {print $2}' | sed 's/:.*//' | tr -d '<>' |
    sort -u | tr '\n' ' ') "
  for lib in $(ldd "$mutuad" | awk '/=>/ {print $3}'); do
    real=$(readlink -f "$lib")
    owner=$(dpkg -S "$real" 2>/dev/null | head -n1 | cut -d: -f1 || true)
    [[ -z "$owner" ]] && owner=$(dpkg -S "$lib" 2>/dev/null | head -n1 | cut -d: -f1 || true)
    case "$owner" in
      libc6 | libgcc-s1 | "") ;; # in debian:12-slim already
      *)
        [[ "$runtime" == *" $owner "* ]] ||
          fail "mutuad needs $lib from $owner, not installed by the runtime stage"
        ;;
    esac
  done
else
  skip "$mutuad not built: library check skipped"
fi

# 7. The image's scripts with the real mutuad.
key_count() { find "$work/data/keys" -maxdepth 1 -name '*.k4.secret' | wc -l; }
if [[ -x "$mutuad" ]]; then
  mkdir -p "$work/bin"
  ln -s "$mutuad" "$work/bin/mutuad"
  keys() { PATH="$work/bin:$PATH" MUTUA_DATA_DIR="$work/data" sh "$docker_dir/keys.sh" "$@" 2>>"$work/keys.log"; }
  if ! keys init >/dev/null || ! keys init >/dev/null; then
    fail "mutua-keys init"
  fi
  [[ $(key_count) -eq 1 ]] || fail "mutua-keys init twice: $(key_count) keys, 1 expected"
  keys rotate >/dev/null || fail "mutua-keys rotate"
  [[ $(key_count) -eq 2 ]] || fail "mutua-keys rotate: $(key_count) keys, 2 expected"
  oldest=$(keys list | head -n1)
  keys retire "$oldest" >/dev/null || fail "mutua-keys retire $oldest"
  [[ $(key_count) -eq 1 ]] || fail "mutua-keys retire: $(key_count) keys, 1 expected"
  if keys retire "$(keys list)" >/dev/null 2>&1 || [[ $(key_count) -ne 1 ]]; then
    fail "mutua-keys retired the last key"
  fi
  "$mutuad" --listen 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/port" \
    --admin-password check-docker-password --password-memlimit-kib 8 --threads 1 \
    --workers 1 --sendmail-command '' >"$work/mutuad.out" 2>"$work/mutuad.err" &
  server_pid=$!
  for _ in $(seq 1 200); do
    [[ -s "$work/port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -s "$work/port" ]]; then
    port=$(cat "$work/port")
    MUTUA_LISTEN="127.0.0.1:$port" bash "$docker_dir/healthcheck.sh" ||
      fail "mutua-healthcheck: unhealthy against a running mutuad"
    MUTUA_LISTEN="127.0.0.1:$port" bash "$docker_dir/healthcheck.sh" /healthz ||
      fail "mutua-healthcheck /healthz: unhealthy against a running mutuad"
    kill "$server_pid"
    wait "$server_pid" || true
    server_pid=
    if MUTUA_LISTEN="127.0.0.1:$port" bash "$docker_dir/healthcheck.sh" 2>/dev/null; then
      fail "mutua-healthcheck: healthy against a stopped mutuad"
    fi
  else
    fail "mutuad did not start: $(tail -n 3 "$work/mutuad.err")"
  fi
else
  skip "$mutuad not built: mutua-keys and mutua-healthcheck not run"
fi

[[ $status -eq 0 ]] && echo "check-docker: ok"
exit "$status"
