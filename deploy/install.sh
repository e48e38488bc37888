#!/usr/bin/env bash
# Installs Emberwake on a Raspberry Pi (Raspberry Pi OS Bookworm or later) as a systemd service:
#   sudo deploy/install.sh
# It makes a virtual environment in /opt/emberwake, installs this checkout into it with the `pi`
# extra (the LED driver), puts `emberwake` on the PATH (using /var/lib/emberwake as its home),
# installs deploy/emberwake.service and starts it. Run it again to upgrade.
set -euo pipefail

PREFIX=${EMBERWAKE_PREFIX:-/opt/emberwake}
STATE=/var/lib/emberwake
SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: run it as root: sudo $0" >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "install.sh: Emberwake needs Python 3.11 or later (Raspberry Pi OS Bookworm)" >&2
  exit 1
fi

echo "== system packages (venv, and a compiler for the LED driver where no wheel fits)"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends python3-venv python3-dev gcc >/dev/null

echo "== $PREFIX/venv"
install -d -m 755 "$PREFIX"
[[ -x "$PREFIX/venv/bin/python" ]] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --quiet --upgrade pip
"$PREFIX/venv/bin/pip" install --quiet --upgrade "$SOURCE[pi]"
install -m 644 "$SOURCE/README.md" "$PREFIX/README.md"

echo "== /usr/local/bin/emberwake and $STATE"
install -d -m 755 "$STATE"
cat > /usr/local/bin/emberwake <<WRAPPER
#!/bin/sh
# Emberwake's command, with the service's home unless told otherwise.
export EMBERWAKE_HOME="\${EMBERWAKE_HOME:-$STATE}"
exec "$PREFIX/venv/bin/emberwake" "\$@"
WRAPPER
chmod 755 /usr/local/bin/emberwake

echo "== emberwake.service"
sed "s#/opt/emberwake#$PREFIX#g" "$SOURCE/deploy/emberwake.service" > /etc/systemd/system/emberwake.service
chmod 644 /etc/systemd/system/emberwake.service
systemctl daemon-reload
systemctl enable emberwake.service >/dev/null
systemctl restart emberwake.service

for boot in /boot/firmware/config.txt /boot/config.txt; do
  if [[ -f "$boot" ]] && grep -qE '^\s*dtparam=audio=on' "$boot"; then
    echo "note: GPIO 18's PWM is shared with the analogue audio; set dtparam=audio=off in $boot and reboot" >&2
    break
  fi
done
echo "== done: systemctl status emberwake, journalctl -u emberwake -f, emberwake alarm add 06:30"
