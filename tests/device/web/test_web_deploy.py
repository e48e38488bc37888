"""The avahi announcement of the phone page, and install.sh putting it in place with [web] listen's port."""

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
