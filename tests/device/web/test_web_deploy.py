"""The avahi announcement of the phone page, install.sh putting it in place with [web] listen's port, and
install.sh turning the page on for the LAN when config.toml has no [web] section."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def test_the_avahi_file_announces_http_on_the_port_install_sh_replaces():
    text = (DEPLOY / "emberwake-web.avahi.service").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith(("<?xml", "<!DOCTYPE")))
    service = ElementTree.fromstring(body).find("service")
    assert service.findtext("type") == "_http._tcp" and service.findtext("port") == "8080"
    script = (DEPLOY / "install.sh").read_text(encoding="utf-8")
    assert "s#<port>8080</port>#<port>$web_port</port>#" in script
    assert "/etc/avahi/services/emberwake.service" in script


def web_on_the_lan(config: Path) -> str:
    """install.sh's web_on_the_lan, run by bash on `config` (chown left out: no emberwake user here)."""
    import re
    import subprocess
    script = (DEPLOY / "install.sh").read_text(encoding="utf-8")
    function = re.search(r"^web_on_the_lan\(\) \{\n.*?^\}\n", script, re.MULTILINE | re.DOTALL).group(0)
    program = f'SERVICE_USER=emberwake\nchown() {{ :; }}\n{function}\nweb_on_the_lan "$1"'
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", program, "install", str(config)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_install_sh_turns_the_page_on_for_the_lan_unless_config_toml_has_a_web_section(tmp_path):
    from device.config import load_config
    home = tmp_path / "home"
    home.mkdir()
    config = home / "config.toml"
    config.write_text('[clock]\ntimezone = "Europe/Berlin"', encoding="utf-8")  # no newline at its end
    assert "listen" in web_on_the_lan(config)
    assert load_config(home).web.listen == ("0.0.0.0", 8080) and load_config(home).timezone == "Europe/Berlin"
    once = config.read_text(encoding="utf-8")
    assert web_on_the_lan(config) == "" and config.read_text(encoding="utf-8") == once  # run again: as it was

    config.write_text("[web]\n", encoding="utf-8")  # the user's own [web]: the page stays on 127.0.0.1
    assert web_on_the_lan(config) == "" and load_config(home).web.listen is None
    config.unlink()  # no config.toml yet: one with the [web] section alone
    web_on_the_lan(config)
    assert load_config(home).web.listen == ("0.0.0.0", 8080)
