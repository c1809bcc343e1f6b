#!/usr/bin/env bash
# The Debian packages (issue 17): builds them with cargo-deb and checks them as a packager
# would — lintian reports no error, systemd-analyze accepts every unit, and the hub's package
# unpacked into a clean root runs from there and prints its version. `.ci/run` calls it.
# Needs: cargo-deb (cargo install cargo-deb), lintian, dpkg, systemd, cage.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/debian
rm -rf "$out"
mkdir -p "$out"
packages=(antrian-hub antrian-central antrian-kiosk antrian-display)
# One release build for the four (shared dependencies compiled once), then each packaged.
cargo build --release --quiet $(printf -- '-p %s ' "${packages[@]}")
for package in "${packages[@]}"; do
    cargo deb --no-build --quiet -p "$package" --output "$out/"
done
ls -l "$out"

for deb in "$out"/*.deb; do
    echo "lintian $deb"
    # Errors fail; warnings are printed for the record.
    lintian --fail-on error --suppress-tags-from-file packaging/lintian-accepted "$deb"
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# The clean root has the system's own units (the targets a unit refers to) and nothing of ours
# but what the packages bring.
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
for deb in "$out"/*.deb; do
    dpkg-deb -x "$deb" "$root"
done
for program in antrian-hub antrian-central antrian-kiosk antrian-display; do
    "$root/usr/bin/$program" --version
done
# What the kiosk's and the display's units start (systemd-analyze checks that it exists).
cp "$(command -v cage)" "$root/usr/bin/cage"
for unit in "$root"/usr/lib/systemd/system/antrian-*.service; do
    # A template is checked through an instance of it (alone, systemd does not read it).
    case "$unit" in
        *@.service)
            instance="${unit%@.service}@8101.service"
            ln -s "$(basename "$unit")" "$instance"
            unit="$instance"
            ;;
    esac
    echo "systemd-analyze verify $(basename "$unit")"
    # An unknown key or a value it cannot parse is only a warning to systemd: any word at all
    # fails here.
    said=$(systemd-analyze verify --man=no --root="$root" "$unit" 2>&1) || { echo "$said"; exit 1; }
    if [ -n "$said" ]; then
        echo "$said" >&2
        exit 1
    fi
done

# On a machine of its own (CI: ANTRIAN_INSTALL_TEST=1, as root), the hub's package installed
# for real: its user and configuration appear, an office's edit of the configuration survives
# an upgrade, and the commands run as its user on its data.
if [ "${ANTRIAN_INSTALL_TEST:-}" = 1 ]; then
    # A first install: nothing of an earlier run of this test is left on the machine.
    clean_install() {
        dpkg --purge antrian-hub >/dev/null 2>&1 || true
        rm -rf /var/lib/antrian-hub /etc/antrian/hub.toml
        if getent passwd antrian >/dev/null; then deluser --system antrian >/dev/null 2>&1 || true; fi
    }
    clean_install
    dpkg -i "$out"/antrian-hub_*.deb
    getent passwd antrian
    grep -q '^\[office\]' /etc/antrian/hub.toml
    echo '# edited for this office' >> /etc/antrian/hub.toml
    dpkg -i "$out"/antrian-hub_*.deb
    grep -q '^# edited for this office$' /etc/antrian/hub.toml || { echo "the upgrade lost the office's configuration" >&2; exit 1; }
    runuser -u antrian -- antrian-hub --config /etc/antrian/hub.toml --data-dir /var/lib/antrian-hub keygen
    echo 'kepala-kantor-2026' | runuser -u antrian -- antrian-hub --config /etc/antrian/hub.toml \
        --data-dir /var/lib/antrian-hub user add kepala --role supervisor
    test "$(stat -c %U /var/lib/antrian-hub/antrian.db)" = antrian
    test "$(stat -c '%U:%G %a' /etc/antrian/hub.toml)" = "root:antrian 640"
    # A backup and a restore as the hub's user (its data dir is the one place it may write),
    # and a restore as root, which leaves the data the hub's user's all the same.
    hub() { antrian-hub --config /etc/antrian/hub.toml --data-dir /var/lib/antrian-hub "$@"; }
    runuser -u antrian -- antrian-hub --config /etc/antrian/hub.toml --data-dir /var/lib/antrian-hub \
        backup --out /tmp/antrian-hub-test.backup
    runuser -u antrian -- antrian-hub --config /etc/antrian/hub.toml --data-dir /var/lib/antrian-hub \
        restore --from /tmp/antrian-hub-test.backup
    hub restore --from /tmp/antrian-hub-test.backup
    test "$(stat -c %U /var/lib/antrian-hub/antrian.db)" = antrian
    test "$(stat -c %U /var/lib/antrian-hub/booking-signing.key)" = antrian
    rm -f /tmp/antrian-hub-test.backup
    dpkg -r antrian-hub
    clean_install
    echo "hub: installed, upgraded with the configuration kept, run, backed up and restored as its user, removed"

    # The kiosk's and the display's packages, with their dependencies from the archive (cage,
    # Xwayland, CUPS's client, espeak-ng): each gets its user in the device groups, its
    # configuration readable by that user only and its PAM session.
    for app in kiosk display; do
        dpkg --purge "antrian-$app" >/dev/null 2>&1 || true
        rm -f "/etc/antrian/$app.toml"
        apt-get install -y --no-install-recommends "./$out/antrian-${app}_"*.deb >/dev/null
        id "antrian-$app" | grep -q '(video)' || { echo "antrian-$app is not in the video group" >&2; exit 1; }
        test "$(stat -c '%U:%G %a' "/etc/antrian/$app.toml")" = "root:antrian-$app 640"
        grep -q '^hub_url' "/etc/antrian/$app.toml"
        test -e "/etc/pam.d/antrian-$app"
        "antrian-$app" --version
        dpkg --purge "antrian-$app" >/dev/null
        rm -f "/etc/antrian/$app.toml"
    done
    echo "kiosk and display: installed with their dependencies, configured, removed"
fi
echo "packages: built, lintian without errors, units verified, the hub runs from a clean root"
