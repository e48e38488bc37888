"""The systemd unit and the install script say what the service needs."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "emberwake.service")
    return parser


def test_the_unit_is_a_notify_service_with_a_watchdog_restarted_on_failure():
    service = unit()["Service"]
    assert service["Type"] == "notify"
    assert service["WatchdogSec"] == "30"
    assert service["Restart"] == "on-failure"
    assert service["User"] == "root"
    assert service["Environment"] == "EMBERWAKE_HOME=/var/lib/emberwake"
    assert service["ExecStart"].split()[1:] == ["run", "--output", "neopixel"]
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit(tmp_path):
    text = (DEPLOY / "emberwake.service").read_text().replace("/opt/emberwake/venv/bin/emberwake", "/bin/true")
    (tmp_path / "emberwake.service").write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "emberwake.service")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "emberwake.service" not in result.stderr, result.stderr


def test_the_install_script_is_valid_bash_and_installs_the_pi_extra():
    script = DEPLOY / "install.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    assert '"$SOURCE[pi]"' in text and "systemctl enable" in text and "emberwake.service" in text
