#!/usr/bin/env bash
# Every test of Kioskhub: web typecheck, lint, unit tests and build; rustfmt; clippy; the Rust
# tests on SQLite and again on PostgreSQL; the end-to-end tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "web: install, typecheck, lint, unit tests, build, size budgets"
(cd web && npm ci --no-audit --no-fund && npm run typecheck && npm run lint && npm test && npm run build && node scripts/budgets.mjs)

step "tools: socat (pseudo-terminal pairs for the relay tests)"
if ! command -v socat >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat >/dev/null
  else
    echo "socat is missing: install Debian's socat package (sudo apt-get install socat)" >&2
    exit 1
  fi
fi

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets -- -D warnings

step "Rust tests on SQLite"
cargo test --workspace

step "Rust API tests on PostgreSQL"
# The PostgreSQL run is part of the suite, never skipped: an unreachable server fails it.
export KIOSKHUB_TEST_POSTGRES="${KIOSKHUB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
cargo test -p kioskhub --test api
# Each test made its own database; remove them (best effort, when psql is there).
if command -v psql >/dev/null 2>&1; then
  psql "$KIOSKHUB_TEST_POSTGRES/postgres" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'kh_test_%'" 2>/dev/null \
    | while read -r db; do psql "$KIOSKHUB_TEST_POSTGRES/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
fi

step "end-to-end in Chromium"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install Debian's chromium package (sudo apt-get install chromium)" >&2
    exit 1
  fi
fi
cargo build -p kioskhub
(cd web && KIOSKHUB_BIN="$PWD/../target/debug/kioskhub" npm run e2e)
