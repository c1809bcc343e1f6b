#!/usr/bin/env bash
# Hostile input (docs/RELIABILITY.md): schemathesis against the hub's OpenAPI document with
# every check (scripts/schemathesis.toml says why the one allowance is there), then the two
# cargo-fuzz targets for five minutes each. tests/tests/openapi.rs runs the same schemathesis
# check, shorter, with the tests.
# Needs: python3 with pip (pip install schemathesis==4.32.5), cargo-fuzz (cargo install cargo-fuzz;
# it runs on the stable toolchain here through RUSTC_BOOTSTRAP=1).
# Usage: scripts/hostile-input.sh [fuzz seconds per target, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
cargo build --release -q -p antrian-hub
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
hub=./target/release/antrian-hub
echo admin-password | $hub --data-dir "$work" user add admin --role admin > /dev/null
$hub --data-dir "$work" serve --listen 127.0.0.1:18201 --clock 2026-11-25T09:05:00+07:00 > /dev/null 2>&1 &
sleep 2
token=$(curl -s -H 'Content-Type: application/json' -d '{"username":"admin","password":"admin-password"}' \
    127.0.0.1:18201/api/v1/auth/login | sed 's/.*"token":"\([^"]*\)".*/\1/')
# Logout would end the run's own session; the event stream never ends (tested elsewhere).
st --config-file scripts/schemathesis.toml run http://127.0.0.1:18201/api/v1/openapi.json \
    -H "Authorization: Bearer $token" --checks all \
    --exclude-path /api/v1/auth/logout --exclude-path '/api/v1/offices/{office}/events' \
    --request-timeout 10 --max-examples 100 --workers 2
cd hub
for target in qr_verify csv_import; do
    RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" -- -max_total_time="$seconds"
done
