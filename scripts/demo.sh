#!/usr/bin/env bash
# Run Kioskhub's demo: builds the web app when needed, then the server, and serves on
# 127.0.0.1:8080 with SQLite in ./data, simulated relay boards and demo data.
# Extra arguments go to `kioskhub demo` (e.g. --listen 0.0.0.0:8080, --data DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$root/web/dist/index.html" ] || [ -n "$(find "$root/web/src" "$root/web/public" "$root/web/index.html" "$root/web/kiosk.html" -newer "$root/web/dist/index.html" -print -quit)" ]; then
  (cd "$root/web" && npm ci --no-audit --no-fund && npm run build)
fi
cd "$root"
exec cargo run --release -p kioskhub -- demo "$@"
