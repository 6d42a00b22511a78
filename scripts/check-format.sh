#!/usr/bin/env bash
# Checks that every tracked C file of common/ server/ clients/ tests/ bench/ is formatted as
# .clang-format says, with Debian 12's clang-format 14. Prints the offenders; exits 1 if any.
#
# Usage: scripts/check-format.sh [SOURCE_DIR]   (default: the repository holding this script)
# Fix:   clang-format -i FILE...
set -euo pipefail

root=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"}
cd "$root"

# Prefer the versioned binary: another major version formats some constructs differently.
clang_format=$(command -v clang-format-14 || command -v clang-format || true)
if [[ -z "$clang_format" ]]; then
  echo "check-format: clang-format not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if ! "$clang_format" --version | grep -q 'version 14\.'; then
  echo "check-format: warning: $("$clang_format" --version) is not clang-format 14" >&2
fi

# Tracked files only (a fresh clone has exactly these); outside git, every file.
dirs=(common server clients tests bench)
files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' file; do
    files+=("$file")
  done < <(git ls-files -z -- "${dirs[@]}" | grep -z '\.[ch]$' || true)
else
  while IFS= read -r -d '' file; do
    files+=("$file")
  done < <(find "${dirs[@]}" -name '*.[ch]' -type f -print0 2>/dev/null || true)
fi

offenders=()
for file in "${files[@]}"; do
  # A tracked file deleted in the work tree is not ours to judge.
  [[ -f "$file" ]] || continue
  if ! "$clang_format" --dry-run -Werror "$file" >/dev/null 2>&1; then
    offenders+=("$file")
  fi
done

if ((${#offenders[@]} > 0)); then
  echo "check-format: ${#offenders[@]} of ${#files[@]} files are not formatted:"
  printf '  %s\n' "${offenders[@]}"
  echo "fix with: clang-format -i ${offenders[*]}"
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
