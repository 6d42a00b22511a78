#!/usr/bin/env bash
# Fails on any call of a banned C function in the tracked .c and .h files (docs/HACKING.md):
#   sprintf vsprintf strcpy strcat strtok atoi atol gets
# Use snprintf, memcpy with sizes, strtol with checks instead. strtok_r is allowed (it keeps
# no hidden state); snprintf, vsnprintf, strncpy-like names and fgets are different words and
# do not match. A match is the name as a whole word followed by "(" (so a mention in prose,
# "never use sprintf", is not one). Prints file:line:text of each use; exits 1 if any.
#
# Usage: scripts/check-banned.sh [SOURCE_DIR]   (default: the repository holding this script)
set -euo pipefail

root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
cd "$root"

banned='sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets'
# Not preceded by an identifier character, followed by optional blanks and "(".
pattern="(^|[^A-Za-z0-9_])($banned)[[:space:]]*\\("

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # git grep searches the tracked files as they are in the work tree.
  hits=$(git grep -n -E "$pattern" -- '*.c' '*.h' || true)
else
  hits=$(grep -rn -E "$pattern" --include='*.c' --include='*.h' . || true)
fi

if [[ -n "$hits" ]]; then
  echo "check-banned: banned functions ($banned) used:"
  echo "$hits"
  exit 1
fi
echo "check-banned: no banned function"
