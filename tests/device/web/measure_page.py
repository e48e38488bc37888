"""Measure the phone page: its weight, its time to interactive in Chromium at 360x740, and the
RSS of a real `emberwake run --output null` serving it (a subprocess, on the real clock), and its
RSS and CPU while the page plays a preview at 30 frames a second.

    .venv/bin/python -m tests.device.web.measure_page
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from device.api import service_running
from device.web.gate import static_files
from tests.device.service.conftest import free_port

CHROMIUM = "/usr/bin/chromium"


def rss_kB(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


def cpu_s(pid: int) -> float:
    """User and system CPU time the process has used (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    from playwright.sync_api import sync_playwright
    files = static_files()
    weight = sum(len(body) for path, (body, _) in files.items() if path != "/")
    packed = sum(len(gzip.compress(body, mtime=0)) for path, (body, _) in files.items() if path != "/")
    print(f"page weight: {weight} bytes, {packed} bytes as sent gzipped "
          f"({', '.join(f'{p[8:]} {len(b)}' for p, (b, _) in files.items() if p != '/')})")
    with tempfile.TemporaryDirectory() as folder:
        home, api_port, web_port = Path(folder), free_port(), free_port()
        (home / "config.toml").write_text(f'[clock]\ntimezone = "Europe/Berlin"\nrequire_sync = false\n'
                                          f'[service]\nport = {api_port}\n[web]\nlisten = "127.0.0.1:{web_port}"\n')
        command = [str(Path(sys.executable).parent / "emberwake"), "--home", str(home)]
        service = subprocess.Popen([*command, "run", "--output", "null"], stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not service_running(api_port):
                assert time.monotonic() < deadline and service.poll() is None, "the service did not start"
                time.sleep(0.05)
            print(f"service RSS, idle: {rss_kB(service.pid) / 1024:.1f} MiB")
            code = re.search(r"\d{6}", subprocess.run([*command, "web", "pair"], capture_output=True, text=True,
                                                       check=True).stdout).group(0)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=["--host-resolver-rules=MAP emberwake.local 127.0.0.1"])
                page = browser.new_page(viewport={"width": 360, "height": 740})
                url = f"http://emberwake.local:{web_port}/"
                started = time.monotonic()
                page.goto(url)
                page.wait_for_selector("#pair-code", state="visible")
                print(f"time to interactive, pair screen: {(time.monotonic() - started) * 1000:.0f} ms")
                page.fill("#pair-code", code)
                page.click("#pair button[type=submit]")
                page.wait_for_selector("#home", state="visible")
                started = time.monotonic()
                page.goto(url)
                page.wait_for_selector("#next-when:not(:empty)")
                print(f"time to interactive, home (paired): {(time.monotonic() - started) * 1000:.0f} ms")
                page.wait_for_timeout(7000)  # two of the page's own refreshes
                print(f"service RSS, the page open: {rss_kB(service.pid) / 1024:.1f} MiB")
                page.click("nav >> text=Sequences")
                page.click('[data-name="lavender-dawn"] [data-action=preview]')
                page.wait_for_selector("#preview-ring[data-t-s]")
                used_s, started = cpu_s(service.pid), time.monotonic()
                page.wait_for_timeout(5000)
                share = (cpu_s(service.pid) - used_s) / (time.monotonic() - started)
                print(f"service while a preview plays: RSS {rss_kB(service.pid) / 1024:.1f} MiB, "
                      f"CPU {share * 100:.1f}% of a core (light idle, 30 frames/s to the page)")
                browser.close()
        finally:
            service.terminate()
            service.wait(10)


if __name__ == "__main__":
    main()
