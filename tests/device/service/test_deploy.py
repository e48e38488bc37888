"""The systemd unit and the install script say what the service needs, and no more."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


from tests.ci import skip_or_fail

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
UNIT = DEPLOY / "emberwake.service"
PWM_DROP_IN = DEPLOY / "emberwake-pwm-as-root.conf"


def settings(path: Path, section: str = "Service") -> dict[str, list[str]]:
    """Every `key=value` of a section, each key's values in order (systemd keys repeat, e.g. DeviceAllow)."""
    found: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def one(path: Path, key: str, section: str = "Service") -> str:
    values = settings(path, section)[key]
    assert len(values) == 1, f"{key} is set {len(values)} times"
    return values[0]


def test_the_unit_is_a_notify_service_with_a_watchdog_restarted_on_failure():
    assert one(UNIT, "Type") == "notify"
    assert one(UNIT, "WatchdogSec") == "30"
    assert one(UNIT, "Restart") == "on-failure"
    assert one(UNIT, "Environment") == "EMBERWAKE_HOME=/var/lib/emberwake"
    assert one(UNIT, "ExecStart").split()[1:] == ["run", "--output", "neopixel"]
    assert one(UNIT, "WantedBy", "Install") == "multi-user.target"


def test_the_service_runs_as_its_own_user_in_the_led_groups():
    assert one(UNIT, "User") == "emberwake" and one(UNIT, "Group") == "emberwake"
    assert one(UNIT, "SupplementaryGroups").split() == ["spi", "gpio"]
    assert one(UNIT, "StateDirectory") == "emberwake"


def test_the_unit_is_hardened():
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes"), ("CapabilityBoundingSet", ""), ("DevicePolicy", "closed"),
                       ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"), ("RestrictSUIDSGID", "yes"),
                       ("ProtectKernelTunables", "yes"), ("ProtectKernelModules", "yes")]:
        assert one(UNIT, key) == value, key
    assert settings(UNIT)["DeviceAllow"] == ["char-spi rw", "char-gpiochip rw", "/dev/pio0 rw"]


def test_the_clock_check_may_still_ask_the_kernel():
    # device.clocksync reads adjtimex(2); ProtectClock= or a filter without adjtimex would refuse
    # it, and the service would fire alarms on a clock NTP never set.
    assert "ProtectClock" not in settings(UNIT)
    assert "adjtimex" in one(UNIT, "SystemCallFilter").split()


def test_only_the_pwm_driver_runs_as_root_with_dev_mem():
    assert one(PWM_DROP_IN, "User") == "root"
    assert one(PWM_DROP_IN, "SupplementaryGroups") == ""
    assert one(PWM_DROP_IN, "CapabilityBoundingSet") == "CAP_SYS_RAWIO"
    assert "/dev/mem rw" in settings(PWM_DROP_IN)["DeviceAllow"]


def systemd_verify(folder: Path) -> subprocess.CompletedProcess:
    if shutil.which("systemd-analyze") is None:
        skip_or_fail("systemd-analyze is not installed (apt-get install systemd; .ci/apt-packages lists it)")
    text = UNIT.read_text().replace("/opt/emberwake/venv/bin/emberwake", "/bin/true")
    (folder / "emberwake.service").write_text(text)
    return subprocess.run(["systemd-analyze", "verify", str(folder / "emberwake.service")],
                          capture_output=True, text=True, timeout=60)


def test_systemd_accepts_the_unit(tmp_path):
    result = systemd_verify(tmp_path)
    assert result.returncode == 0 and "emberwake" not in result.stderr, result.stderr


def test_systemd_accepts_the_unit_with_the_pwm_drop_in(tmp_path):
    (tmp_path / "emberwake.service.d").mkdir()
    shutil.copy(PWM_DROP_IN, tmp_path / "emberwake.service.d" / "pwm-as-root.conf")
    result = systemd_verify(tmp_path)  # verify reads the drop-in folder beside the unit
    assert result.returncode == 0 and "emberwake" not in result.stderr, result.stderr


def test_systemd_verify_would_catch_a_bad_key(tmp_path):
    (tmp_path / "emberwake.service.d").mkdir()
    (tmp_path / "emberwake.service.d" / "bad.conf").write_text("[Service]\nUserr=root\n")
    assert "Unknown key 'Userr'" in systemd_verify(tmp_path).stderr


def test_the_install_script_passes_shellcheck():
    if shutil.which("shellcheck") is None:
        skip_or_fail("shellcheck is not installed (apt-get install shellcheck; .ci/apt-packages lists it)")
    result = subprocess.run(["shellcheck", str(DEPLOY / "install.sh")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_the_install_script_makes_the_user_and_installs_the_pi_extra_the_unit_and_the_udev_rule():
    script = DEPLOY / "install.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, timeout=30).returncode == 0
    text = script.read_text()
    assert '"${SOURCE}[pi]"' in text and "systemctl enable" in text and "emberwake.service" in text
    assert "useradd --system" in text and "for group in spi gpio" in text
    assert "deploy/99-emberwake-pio.rules" in text and "deploy/emberwake-pwm-as-root.conf" in text
    assert 'GROUP="gpio"' in (DEPLOY / "99-emberwake-pio.rules").read_text()
