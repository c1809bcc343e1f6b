#!/usr/bin/env bash
# The kiosk as an applicant sees it, under Xvfb, driven through X11 like the real scanner
# (xdotool types the booking QR text and Enter): welcome, the ticket number, a refusal, and
# the printed ticket rendered to PNG. Writes docs/images/kiosk-*.png.
# Needs: xvfb imagemagick xdotool poppler-utils (apt-get install ...).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p antrian-hub -p antrian-kiosk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18778
./target/release/antrian-hub --data-dir "$work/data" demo --listen 127.0.0.1:$port \
    --clock 2026-11-25T09:05:00+07:00 > "$work/demo.out" 2>/dev/null &
sleep 3
qr=$(grep -A1 "sample booking" "$work/demo.out" | tail -1 | tr -d ' ')
Xvfb :96 -screen 0 1280x1024x24 > /dev/null 2>&1 &
sleep 1
export DISPLAY=:96
./target/release/antrian-kiosk --config "$work/data/kiosk.toml" 2> "$work/kiosk.log" &
sleep 4
# No window manager under Xvfb: give the kiosk the keyboard, as the desktop session would.
xdotool windowfocus --sync "$(xdotool search --name 'Antrian - Kiosk' | head -1)"
import -window root docs/images/kiosk-welcome.png
xdotool type --delay 8 "$qr"; xdotool key Return
sleep 3
import -window root docs/images/kiosk-result.png
xdotool mousemove 640 808 click 1   # "Selesai"
sleep 1
xdotool type --delay 8 "${qr/0900/1000}"; xdotool key Return   # altered: the signature no longer matches
sleep 2
import -window root docs/images/kiosk-error.png
ticket=$(ls "$work/data/tiket/"*.pdf | head -1)
pdftoppm -png -r 110 -singlefile "$ticket" docs/images/kiosk-ticket
echo "screenshots in docs/images/kiosk-{welcome,result,error,ticket}.png"
