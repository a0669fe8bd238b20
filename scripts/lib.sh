# Shared by the scripts: paths and small helpers. Sourced, not run.
export PAIRSMITH_CACHE=${PAIRSMITH_CACHE:-$HOME/.cache/pairsmith}
export PAIRSMITH_VENV=${PAIRSMITH_VENV:-$PAIRSMITH_CACHE/venv-py$(python3 -c 'import sys;print(f"{sys.version_info[0]}{sys.version_info[1]}")')-v1}
export PAIRSMITH_PYTHON=${PAIRSMITH_PYTHON:-$PAIRSMITH_VENV/bin/python}
mkdir -p "$PAIRSMITH_CACHE"
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Swift build folder: cached across clones under ~/.cache/pairsmith, keyed by the Swift version and
# Package.swift, so a fresh clone reuses compiled dependencies. PAIRSMITH_CLEAN=1 starts from nothing.
swift_key=$( { swift --version 2>/dev/null | head -n 1; cat Package.swift; } | sha256sum | cut -c1-12)
export PAIRSMITH_SWIFT_BUILD=${PAIRSMITH_SWIFT_BUILD:-$PAIRSMITH_CACHE/swift-build-$swift_key}
if [ "${PAIRSMITH_CLEAN:-0}" = 1 ] && [ -d "$PAIRSMITH_SWIFT_BUILD" ]; then rm -rf "$PAIRSMITH_SWIFT_BUILD"; fi
