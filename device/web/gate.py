"""The gate every HTTP request passes before the JSON API sees it, and the page's files.

Who needs what:
- Trusted: a request from this machine's loopback that names the loopback in its Host
  (`localhost`, `127.0.0.1`, `[::1]`): the CLI. It needs no pairing, as before the page existed.
- Everyone else (a phone on the LAN; a browser on this machine that asked for
  `emberwake.local`) needs a paired token, as a cookie (the page) or `Authorization: Bearer`
  (scripts), for every /api request, reads included: the page is private. Only the page's own
  files and POST /api/pair (a code, or a request confirmed by the button) are open. The gate itself answers GET /api/devices (the pairings,
  the asker's own marked) and DELETE /api/devices/ID (unpair one), behind the same checks.
Against other web sites in the same browser: a Host outside the allowlist is refused (DNS
rebinding: a hostile name pointed at this light still says its own name in Host); a request
whose Origin (when sent) is not this Host, or that the browser marks cross-site
(Sec-Fetch-Site), is refused; a change must be a JSON POST or DELETE, which no form can send and
no fetch from elsewhere can send without a CORS preflight this server never grants; the
cookie is HttpOnly and SameSite=Strict. Every answer carries a CSP with no inline script and
frame-ancestors 'none'.
"""

from __future__ import annotations

import gzip
import importlib.resources
import ipaddress
import json
import socket
from dataclasses import dataclass, field
from typing import Any, Callable
from http.cookies import CookieError, SimpleCookie

from device.web.pairing import Pairing, PairingRefused

COOKIE = "emberwake_token"
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # browsers cap a cookie's life at 400 days
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)
_CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                  ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class Request:
    """What the gate reads of a request."""

    method: str
    path: str  # without its query
    headers: Any  # email.message.Message-like: .get(name)
    peer: str  # the client's address
    local: str  # the address of this machine the client reached
    door: str = "api"  # the door a request claims ("cli": device.api.DOOR_HEADER), used if it is trusted


@dataclass
class Reply:
    """An answer the gate gives itself (a refusal, a file, a pairing)."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, answer: Any, headers: list[tuple[str, str]] | None = None) -> "Reply":
        return cls(status, json.dumps(answer).encode("utf-8"), headers=headers or [])


def allowed_hosts(extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The names a request may give in Host: the loopback, emberwake.local, this machine's name
    (and NAME.local), its addresses as the resolver knows them, and `extra` ([web] hosts).
    (The address a request actually reached is allowed too, request by request.)"""
    name = socket.gethostname().lower()
    names = {*LOOPBACK_NAMES, "emberwake.local", name, f"{name}.local", *(h.lower() for h in extra)}
    try:
        names.update(str(info[4][0]).lower() for info in socket.getaddrinfo(name, None))
    except OSError:
        pass  # no resolvable name: the reached address still counts
    return frozenset(names)


def page_url(address: tuple[str, int], hosts: tuple[str, ...] = ()) -> str:
    """The phone page's URL when it is served on `address` ([web] listen, with its real port): that
    address itself, or, listening on every address, the first of [web] hosts, else this machine's
    name (NAME.local for a bare name, as mDNS answers it). Each is a name allowed_hosts() allows."""
    host, port = address[0], address[1]
    if ipaddress.ip_address(host).is_unspecified:
        name = socket.gethostname().lower()
        host = hosts[0] if hosts else name if "." in name else f"{name}.local"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def static_files() -> dict[str, tuple[bytes, str]]:
    """The page's files by URL path, read once from the package (device/web/static)."""
    folder = importlib.resources.files("device.web").joinpath("static")
    files = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _CONTENT_TYPES:
            files[f"/static/{entry.name}"] = (entry.read_bytes(), _CONTENT_TYPES[suffix])
    files["/"] = files["/static/index.html"]
    return files


class Gate:
    """Decides, for each request, whether the API may see it and through which door."""

    def __init__(self, pairing: Pairing, hosts: frozenset[str], files: dict[str, tuple[bytes, str]] | None = None):
        self.pairing = pairing
        self.hosts = hosts
        self.files = static_files() if files is None else files
        # Each file gzipped once (a third of the bytes over a Pi's Wi-Fi), for browsers that accept it.
        self.gzipped = {path: gzip.compress(body, mtime=0) for path, (body, _) in self.files.items()}

    def before(self, request: Request, read_body: Callable[[], Any]) -> Reply | str:
        """A Reply ends the request here; a string lets it through to the API with that door."""
        host = _host_name(request.headers.get("Host"))
        if host is None or (host not in self.hosts and host != request.local.lower()):
            return Reply.json(403, {"error": f"host {request.headers.get('Host')!r} is not this light's name"})
        if not request.path.startswith("/api/"):
            return self._file(request)
        origin = request.headers.get("Origin")
        if origin is not None and origin not in (f"http://{request.headers['Host']}",
                                                 f"https://{request.headers['Host']}"):
            return Reply.json(403, {"error": "a request from another site is refused"})
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return Reply.json(403, {"error": "a request from another site is refused"})
        trusted = _is_loopback(request.peer) and host in LOOPBACK_NAMES
        body = read_body()  # raises the API's 415/400 for a change that is not JSON
        path = request.path.rstrip("/")
        if path == "/api/pair" and request.method == "POST":
            return self._pair(body, request.headers.get("User-Agent") or "")
        if path in ("/api/pair/code", "/api/pair/forget"):
            if not trusted or request.method != "POST":
                return Reply.json(403, {"error": "pairing codes are given on the light itself: emberwake web pair"})
            if path.endswith("/forget"):
                return Reply.json(200, {"forgotten": self.pairing.store.forget_web_tokens()})
            code = self.pairing.new_code()
            valid_s = round(code.expires_s - self.pairing.clock.monotonic())
            return Reply.json(200, {"code": code.digits, "valid_s": valid_s})
        token = _token(request.headers)
        if trusted:
            door = request.door
        elif self.pairing.knows(token):
            door = "web"
        else:
            return Reply.json(401, {"error": "not paired: enter the code from `emberwake web pair`"})
        if path == "/api/devices" or path.startswith("/api/devices/"):
            return self._devices(request.method, path, body, None if trusted else token, door)
        return door

    def _devices(self, method: str, path: str, body: Any, token: str | None, door: str) -> Reply:
        """GET /api/devices: the paired devices; DELETE /api/devices/ID: unpair that one."""
        ident = path[len("/api/devices/"):]
        if method == "GET" and path == "/api/devices":
            return Reply.json(200, self.pairing.devices(token))
        if method != "DELETE" or not (ident.isascii() and ident.isdigit() and len(ident) < 12):
            return Reply.json(404, {"error": "paired devices: GET /api/devices, DELETE /api/devices/ID"})
        if body not in (None, {}):
            return Reply.json(400, {"error": "DELETE /api/devices/ID takes no fields"})
        if not self.pairing.revoke(int(ident), door):
            return Reply.json(404, {"error": f"there is no paired device {int(ident)}"})
        return Reply.json(200, {"id": int(ident), "revoked": True})

    def _file(self, request: Request) -> Reply:
        found = self.files.get(request.path)
        if found is None or request.method != "GET":
            return Reply.json(404, {"error": f"no such page {request.path!r}"})
        body, content_type = found
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return Reply(200, self.gzipped[request.path], content_type,
                         [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
        return Reply(200, body, content_type, [("Vary", "Accept-Encoding")])

    def _pair(self, body: Any, device: str) -> Reply:
        """POST /api/pair: {"code"}, or by the button {"confirm": "button"} (a request opens:
        202 with its id) then {"confirm": "button", "request": ID} (202 while it waits; the token
        once a hold approved it). device/web/pairing.py says how each is limited."""
        fields = body if isinstance(body, dict) else {}
        try:
            if "confirm" not in fields:
                token = self.pairing.pair(fields.get("code"), device)
            elif fields["confirm"] != "button" or "code" in fields:
                return Reply.json(400, {"error": 'confirm: "button" (and no code) is the one other way to pair'})
            elif "request" not in fields:
                ident, wait_s = self.pairing.request_button()
                return Reply.json(202, {"request": ident, "wait_s": round(wait_s)})
            else:
                token, wait_s = self.pairing.poll_button(fields["request"], device)
                if token is None:
                    return Reply.json(202, {"request": fields["request"], "wait_s": round(wait_s)})
        except PairingRefused as refused:
            headers = [("Retry-After", str(int(refused.retry_after_s + 1)))] if refused.status == 429 else []
            return Reply.json(refused.status, {"error": str(refused)}, headers)
        cookie = f"{COOKIE}={token}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict"
        return Reply.json(200, {"token": token}, [("Set-Cookie", cookie)])


def _host_name(host: str | None) -> str | None:
    """'Emberwake.local:8080' -> 'emberwake.local'; '[::1]:8080' -> '::1'; None if there is none."""
    if not host:
        return None
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else None
    return host.rsplit(":", 1)[0] if ":" in host else host


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _token(headers: Any) -> str | None:
    authorization = headers.get("Authorization") or ""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    try:
        cookie = SimpleCookie(headers.get("Cookie") or "")
    except CookieError:
        return None
    return cookie[COOKIE].value if COOKIE in cookie else None
