#!/usr/bin/env bash
# Installs Emberwake on a Raspberry Pi (Raspberry Pi OS Bookworm or later) as a systemd service:
#   sudo deploy/install.sh
# It makes a virtual environment in /opt/emberwake, installs this checkout into it with the `pi`
# extra (the LED drivers), makes the `emberwake` system user (groups spi and gpio: the spi and pio
# drivers need no root), puts `emberwake` on the PATH (using /var/lib/emberwake as its home),
# installs deploy/emberwake.service and starts it. The service runs as root only when
# config.toml says [ring] driver = "pwm". It turns the phone page on for the LAN ([web] listen =
# "0.0.0.0:8080", written into config.toml when it has no [web] section; an empty [web] section
# keeps the page on 127.0.0.1) and announces it with avahi (deploy/emberwake-web.avahi.service).
# Run it again to upgrade, or after changing the driver.
set -euo pipefail

PREFIX=${EMBERWAKE_PREFIX:-/opt/emberwake}
STATE=/var/lib/emberwake
SERVICE_USER=emberwake
UNIT_DIR=/etc/systemd/system
SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: run it as root: sudo $0" >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "install.sh: Emberwake needs Python 3.11 or later (Raspberry Pi OS Bookworm)" >&2
  exit 1
fi

echo "== system packages (venv, and compilers for the LED drivers where no wheel fits)"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends python3-venv python3-dev gcc g++ avahi-daemon >/dev/null

echo "== $PREFIX/venv"
install -d -m 755 "$PREFIX"
[[ -x "$PREFIX/venv/bin/python" ]] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --quiet --upgrade pip
"$PREFIX/venv/bin/pip" install --quiet --upgrade "${SOURCE}[pi]"
install -m 644 "$SOURCE/README.md" "$PREFIX/README.md"

echo "== the $SERVICE_USER user (groups: spi for /dev/spidev0.0, gpio for /dev/pio0 and /dev/gpiochip*)"
if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi
for group in spi gpio; do
  getent group "$group" >/dev/null || groupadd --system "$group"
  usermod --append --groups "$group" "$SERVICE_USER"
done
install -d -m 755 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE"
chown -R "$SERVICE_USER:$SERVICE_USER" "$STATE"  # an older install's files were root's
# The Pi 5's /dev/pio0 for the gpio group (harmless on other boards).
install -m 644 "$SOURCE/deploy/99-emberwake-pio.rules" /etc/udev/rules.d/99-emberwake-pio.rules
udevadm control --reload-rules
udevadm trigger --subsystem-match='*-pio'

echo "== /usr/local/bin/emberwake"
cat > /usr/local/bin/emberwake <<WRAPPER
#!/bin/sh
# Emberwake's command, with the service's home unless told otherwise. Run by root on that home,
# it runs as the service's user, so the files it writes stay the service's (unless the service
# itself runs as root, for the pwm driver).
export EMBERWAKE_HOME="\${EMBERWAKE_HOME:-$STATE}"
if [ "\$(id -u)" = 0 ] && [ "\$EMBERWAKE_HOME" = "$STATE" ] && [ ! -e "$UNIT_DIR/emberwake.service.d/pwm-as-root.conf" ]; then
  exec runuser -u "$SERVICE_USER" -- "$PREFIX/venv/bin/emberwake" "\$@"
fi
exec "$PREFIX/venv/bin/emberwake" "\$@"
WRAPPER
chmod 755 /usr/local/bin/emberwake

echo "== emberwake.service"
sed "s#/opt/emberwake#$PREFIX#g" "$SOURCE/deploy/emberwake.service" > "$UNIT_DIR/emberwake.service"
chmod 644 "$UNIT_DIR/emberwake.service"
driver=$(EMBERWAKE_HOME="$STATE" "$PREFIX/venv/bin/python" -c \
  'import os, pathlib; from device.config import load_config
print(load_config(pathlib.Path(os.environ["EMBERWAKE_HOME"])).ring.driver)' 2>/dev/null) || driver=auto
if [[ $driver == pwm ]]; then
  echo "   [ring] driver = \"pwm\": rpi_ws281x needs root, so the service runs as root"
  install -d -m 755 "$UNIT_DIR/emberwake.service.d"
  install -m 644 "$SOURCE/deploy/emberwake-pwm-as-root.conf" "$UNIT_DIR/emberwake.service.d/pwm-as-root.conf"
else
  echo "   [ring] driver = \"$driver\": the service runs as $SERVICE_USER"
  rm -f "$UNIT_DIR/emberwake.service.d/pwm-as-root.conf"
fi
# The phone page on the LAN, unless config.toml has a [web] section already (the user's choice).
web_on_the_lan() {
  local config="$1"
  if [[ -e $config ]] && grep -qE '^[[:space:]]*(\[web\]|web[[:space:]]*[.=])' "$config"; then
    return
  fi
  echo "   the phone page on the LAN: [web] listen = \"0.0.0.0:8080\" added to $config"
  printf '\n[web]   # the phone page (an empty [web] keeps it on 127.0.0.1 only)\n%s\n' \
    'listen = "0.0.0.0:8080"   # every phone must pair first: emberwake web pair' >> "$config"
  chown "$SERVICE_USER:$SERVICE_USER" "$config"
}
web_on_the_lan "$STATE/config.toml"
web_port=$(EMBERWAKE_HOME="$STATE" "$PREFIX/venv/bin/python" -c \
  'import os, pathlib; from device.config import load_config
listen = load_config(pathlib.Path(os.environ["EMBERWAKE_HOME"])).web.listen
print(listen[1] if listen else "")' 2>/dev/null) || web_port=""
# Raspberry Pi OS names every Pi "raspberrypi"; renamed, the page is at emberwake.local as the README
# says (avahi answers for the host name). A name the user chose is theirs: kept, and printed below.
if [[ -n $web_port && $(hostname) == raspberrypi ]] && command -v hostnamectl >/dev/null; then
  hostnamectl set-hostname emberwake
  sed -i -E 's/(\s)raspberrypi(\s|$)/\1emberwake\2/' /etc/hosts
  echo "   host name: raspberrypi -> emberwake (so the page is at emberwake.local)"
fi
if [[ -n $web_port ]]; then  # avahi-daemon was installed above
  echo "   [web] listen: the phone page at http://$(hostname).local:$web_port/, announced by avahi (pair a phone: emberwake web pair)"
  sed "s#<port>8080</port>#<port>$web_port</port>#" "$SOURCE/deploy/emberwake-web.avahi.service" \
    > /etc/avahi/services/emberwake.service
  chmod 644 /etc/avahi/services/emberwake.service
else
  echo "   the phone page is on 127.0.0.1 only; for phones on the LAN set [web] listen = \"0.0.0.0:8080\" in $STATE/config.toml"
  rm -f /etc/avahi/services/emberwake.service
fi
systemctl daemon-reload
systemctl enable emberwake.service >/dev/null
systemctl restart emberwake.service

for boot in /boot/firmware/config.txt /boot/config.txt; do
  [[ -f "$boot" ]] || continue
  if [[ $driver == pwm ]] && grep -qE '^\s*dtparam=audio=on' "$boot"; then
    echo "note: GPIO 18's PWM is shared with the analogue audio; set dtparam=audio=off in $boot and reboot" >&2
  fi
  if [[ $driver != pwm && ! -e /dev/pio0 ]] && ! grep -qE '^\s*dtparam=spi=on' "$boot"; then
    echo "note: the spi driver needs SPI: add dtparam=spi=on to $boot and reboot (Pi 3: also core_freq=250; Pi 4: core_freq_min=500)" >&2
  fi
  break
done
echo "== done: systemctl status emberwake, journalctl -u emberwake -f, emberwake alarm add 06:30"
