#!/bin/bash
# The container's health check: GET /readyz on the port of MUTUA_LISTEN, healthy on 200.
# Plain bash (its /dev/tcp), so the image needs no curl or wget.
# Usage: mutua-healthcheck [PATH]   (default /readyz; /healthz for liveness only)
set -euo pipefail
path=${1:-/readyz}
port=${MUTUA_LISTEN##*:}
port=${port:-8080}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
IFS=' ' read -r -t 4 _ status _ <&3
[[ "$status" == 200 ]]
