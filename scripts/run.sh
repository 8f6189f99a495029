#!/usr/bin/env bash
# One entry point for a fresh clone: install everything, then run the demo or the whole test suite.
#
#   bash scripts/run.sh demo    # install, then mine the bundled demo journey and write its report
#   bash scripts/run.sh test    # install, then lint, type-check, run every test and build the docs
#
# It installs into .venv (reused while pyproject.toml is unchanged), and the system tools the
# project needs when they are missing: Graphviz `dot` (and fonts for its pictures), a Java runtime
# (for Spark) and Chromium with its driver (for the report's browser test) through apt-get when
# run as root, otherwise a clear message saying how. Set PYTHON to choose the interpreter (default: python3, >= 3.10).
set -euo pipefail

cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in
  demo|test) ;;
  *) echo "usage: bash scripts/run.sh demo|test" >&2; exit 64 ;;
esac

say() { printf 'run.sh: %s\n' "$*" >&2; }

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  say "no $python found: install Python 3.10 or newer (e.g. apt-get install python3 python3-venv)"
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  say "$("$python" --version) is too old: journeymine needs Python 3.10 or newer (set PYTHON=...)"
  exit 1
fi

apt_install() {  # apt_install <command> <debian packages...>
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* (for $cmd) with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    say "'$cmd' is missing: install it with your package manager (Debian/Ubuntu: sudo apt-get install $*; macOS: brew install ${1%%-*}), then run this again"
    return 1
  fi
}

apt_install dot graphviz
# the Spark engine's tests run Spark in local mode, which needs a Java runtime (17 or newer)
apt_install java openjdk-17-jre-headless
# Helvetica/Arial-metric fonts for Graphviz pictures (the process-map snapshots use them)
if [ ! -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] && \
   [ ! -e /usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing fonts-liberation (for the pictures) with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-liberation >/dev/null
  else
    say "fonts-liberation is missing: pictures use a fallback font (sudo apt-get install fonts-liberation)"
  fi
fi
# the report's browser test (tests/test_report_browser.py) drives a real headless Chromium
apt_install chromium chromium
apt_install chromedriver chromium-driver

# Python packages, into .venv; reinstalled only when pyproject.toml changes.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$python" -m venv .venv
fi
stamp=".venv/.journeymine-installed"
want="$("$python" -c 'import glob, hashlib; print(hashlib.sha256(b"".join(open(f, "rb").read() for f in sorted(["pyproject.toml", *glob.glob("plugins/*/pyproject.toml")]))).hexdigest())')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing journeymine and its test, lint, type and docs tools into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[pm4py,sql,spark,test,lint,type,docs]"
  # the plugin packages in plugins/ (their dependencies come with journeymine; setuptools, which
  # builds them, with the test extra)
  for plugin in plugins/*/; do
    if [ -f "$plugin/pyproject.toml" ]; then
      say "installing the plugin package $plugin"
      .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e "$plugin"
    fi
  done
  echo "$want" > "$stamp"
fi

export PM4PY_DISABLE_BANNER=1
if [ "$mode" = demo ]; then
  exec .venv/bin/journeymine demo --out journeymine-demo
fi

say "lint (ruff)"
.venv/bin/ruff check src tests benchmarks plugins
say "types (mypy --strict on src/)"
.venv/bin/mypy
for plugin in plugins/*/; do
  if [ -f "$plugin/pyproject.toml" ] && grep -q '^\[tool\.mypy\]' "$plugin/pyproject.toml"; then
    say "types (mypy --strict on $plugin)"
    (cd "$plugin" && ../../.venv/bin/mypy)
  fi
done
say "tests (pytest, doctests and docs examples)"
.venv/bin/pytest -n 2 --dist loadfile
for plugin in plugins/*/; do
  if [ -d "$plugin/tests" ]; then
    say "tests of the plugin package $plugin"
    (cd "$plugin" && ../../.venv/bin/pytest -n 2 --dist loadfile)
  fi
done
say "docs (mkdocs build --strict)"
export NO_MKDOCS_2_WARNING=1
.venv/bin/mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
say "all green"
