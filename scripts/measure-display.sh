#!/usr/bin/env bash
# Measures the waiting-room display under Xvfb (docs/PERFORMANCE.md): CPU when idle, CPU and
# frame time during a burst of 20 calls, resident memory. Needs xvfb (apt-get install xvfb).
# Usage: scripts/measure-display.sh            (builds the release binaries first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p antrian-hub -p antrian-display
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18777
./target/release/antrian-hub demo --no-simulation --listen 127.0.0.1:$port --clock 2026-11-25T09:05:00+07:00 > "$work/demo.out" 2>/dev/null &
sleep 2
display_token=$(grep "device display-1" "$work/demo.out" | awk '{print $NF}')
kiosk_token=$(grep "device kiosk-1" "$work/demo.out" | awk '{print $NF}')
cat > "$work/display.toml" <<TOML
hub_url = "http://127.0.0.1:$port"
token = "$display_token"
office = "kanim-jaksel"
voice = false
fullscreen = false
running_text = "Selamat datang. Waspada calo!"
TOML
Xvfb :97 -screen 0 1920x1080x24 > /dev/null 2>&1 &
sleep 1
DISPLAY=:97 ANTRIAN_FRAME_STATS=1 ./target/release/antrian-display --config "$work/display.toml" 2> "$work/display.log" &
sleep 8
pid=$(pgrep -f "release/antrian-display --config $work" | tail -1)
cpu() { # seconds -> % of one core
    local a b
    a=$(awk '{print $14+$15}' /proc/$pid/stat); sleep "$1"; b=$(awk '{print $14+$15}' /proc/$pid/stat)
    python3 -c "print(f'{($b-$a)/$(getconf CLK_TCK)/$1*100:.2f}')"
}
echo "idle: $(cpu 60) % of one core over 60 s"
for _ in $(seq 1 20); do
    curl -s -H "Authorization: Bearer $kiosk_token" -H 'Content-Type: application/json' -d '{"service":"D"}' \
        127.0.0.1:$port/api/v1/walkins > /dev/null
done
staff=$(curl -s -H 'Content-Type: application/json' -d '{"username":"loket","password":"loket-demo"}' \
    127.0.0.1:$port/api/v1/auth/login | sed 's/.*"token":"\([^"]*\)".*/\1/')
cpu 15 > "$work/burst" &
for _ in $(seq 1 20); do
    id=$(curl -s -X POST -H "Authorization: Bearer $staff" 127.0.0.1:$port/api/v1/counters/8/call-next | sed 's/.*"id":"\([^"]*\)".*/\1/')
    curl -s -X POST -H "Authorization: Bearer $staff" 127.0.0.1:$port/api/v1/tickets/$id/finish > /dev/null
    sleep 0.2
done
wait %4 2>/dev/null || sleep 12
echo "burst of 20 calls in ~5 s: $(cat "$work/burst") % of one core over 15 s"
sleep 10
grep frames "$work/display.log" | tail -2
grep VmRSS /proc/$pid/status
