#!/usr/bin/env bash
# Fails when a tracked C++ file (*.cpp, *.hpp, *.inc) is not formatted as .clang-format
# says; prints what clang-format would change. Fix with:
#   git ls-files '*.cpp' '*.hpp' '*.inc' | xargs clang-format -i
# CLANG_FORMAT chooses the binary (default: clang-format, Debian's version 14,
# which scripts/setup.sh installs). Outside a git checkout every *.cpp/*.hpp/*.inc
# under the source folders is checked.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$CLANG_FORMAT" >/dev/null || {
  echo "check_format: '$CLANG_FORMAT' not found (scripts/setup.sh installs clang-format)" >&2
  exit 1
}
files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f")
  done < <(git ls-files -z -- '*.cpp' '*.hpp' '*.inc')
else
  while IFS= read -r -d '' f; do
    files+=("$f")
  done < <(find src tokenizers data models pipelines apps tests bench \
    \( -name '*.cpp' -o -name '*.hpp' -o -name '*.inc' \) -print0 2>/dev/null)
fi
[ ${#files[@]} -gt 0 ] || {
  echo "check_format: no C++ files found" >&2
  exit 1
}
if ! "$CLANG_FORMAT" --dry-run -Werror "${files[@]}"; then
  echo "check_format: the files above are not clang-format clean;" \
    "run: git ls-files '*.cpp' '*.hpp' '*.inc' | xargs $CLANG_FORMAT -i" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files clean ($("$CLANG_FORMAT" --version | head -n 1))" >&2
