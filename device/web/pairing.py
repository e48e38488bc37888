"""Pairing a phone: a one-time 6-digit code (from `emberwake web pair`) buys a long random token,
either typed into the page or confirmed by a hold of the light's button.

Only a SHA-256 of each token is stored (the token is 256 random bits, so a fast hash is enough:
no dictionary can guess it; the hash only stops a copied alarms.db from being a key). Every
comparison is constant-time (hmac.compare_digest). Wrong codes are counted: after
FREE_ATTEMPTS of them, pairing locks for a delay that doubles with each further wrong code,
timed on the service's Clock. Codes and tokens are never logged.

Pairing by the button (for whoever would rather not type the code): while a code is open (issued
and neither used nor expired), a phone may ask to be confirmed at the light instead
(`request_button`). That opens one request, with an unguessable id (128 random bits) that only
the asking phone learns. A second request while one waits cancels both and uses the code up
(both are refused, with a one-line reason): a hold cannot tell the user's phone from another
device on the LAN that asked in the same minutes, so neither is let in, and a device on the LAN
can at most spoil a pairing, never take the user's place in it. The request lives as long as
its code, and CONFIRM_WAIT_S at most; a new code, or the code typed in, ends it. Each request
counts as a wrong code does (after FREE_ATTEMPTS, the same growing lockout), so asking again and
again cannot flash the ring all night; the ring plays the `ack-pair` cue (`on_request`, when it
is idle or showing the night light) so the person at the light knows it waits. A hold of the
button while a request waits approves it (`approve_waiting`, called through the Controls; the
hold then does nothing else) and uses the code up; the phone, polling with its id, then gets
its token (`poll_button`) within APPROVED_KEEP_S. A poll with an id that is not the waiting
request's (unknown, cancelled, expired) counts as a wrong code. Without an open code the request
is refused: the code is what proves someone at the light (or logged in to it) wants a phone paired.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass, replace
from typing import Callable

from device.clock import Clock
from device.store import Store
from sequences.tomlfile import printable

CODE_DIGITS = 6
CODE_VALID_S = 300.0
FREE_ATTEMPTS = 5
FIRST_LOCKOUT_S = 30.0
LONGEST_LOCKOUT_S = 3600.0
TOKEN_BYTES = 32
MAX_DEVICE_CHARS = 200
CONFIRM_WAIT_S = 120.0  # a request for the button waits this long at most (never past its code)
APPROVED_KEEP_S = 30.0  # an approved request waits this long for the phone's next poll
REQUEST_ID_BYTES = 16
NO_CODE_OPEN = "no pairing is open: run `emberwake web pair` on the light first, then ask again"
REQUEST_GONE = "request: no longer waiting (expired, cancelled, or unknown); ask again"
CONTESTED = ("request: another device asked to be paired by the button too, so pairing was cancelled "
             "for both; run `emberwake web pair` for a new code")


class PairingRefused(Exception):
    """A code that buys nothing: `status` (403 wrong or expired, 409 no code open, 429 locked)
    and a one-line message."""

    def __init__(self, status: int, message: str, retry_after_s: float = 0.0):
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Code:
    digits: str
    expires_s: float  # on the clock's monotonic time


@dataclass(frozen=True)
class ButtonRequest:
    """A phone waiting for a hold of the button: its id, the code it waits under, until when
    (monotonic s), and whether a hold has approved it."""

    ident: str
    code: Code
    expires_s: float
    approved: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Pairing:
    """The codes on offer, the wrong-code count, the request waiting for the button, and the
    paired tokens (in the store). Thread-safe; `_lock` is a leaf (on_request and the store are
    called after it is released)."""

    def __init__(self, store: Store, clock: Clock, log: logging.Logger | None = None,
                 on_request: Callable[[], object] | None = None):
        self.store = store
        self.clock = clock
        self.log = log or logging.getLogger("emberwake")
        self.on_request = on_request or (lambda: None)  # a phone asks for the button: cue the ring
        self._lock = threading.Lock()
        self._code: Code | None = None  # one code at a time: a new one replaces the last
        self._request: ButtonRequest | None = None  # one request at a time: a second one cancels it (request_button)
        self._wrong = 0
        self._locked_until_s = 0.0

    def new_code(self) -> Code:
        with self._lock:
            self._code = Code(f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}",
                              self.clock.monotonic() + CODE_VALID_S)
            code = self._code
        self.log.info("web: a pairing code was issued (valid %d min)", CODE_VALID_S // 60)
        return code

    def pair(self, digits: object, device: str = "") -> str:
        """A new token for the right code (which is then used up); PairingRefused otherwise.
        `device`: what the device says it is (its User-Agent), kept to tell pairings apart."""
        now_s = self.clock.monotonic()
        with self._lock:
            self._refuse_while_locked(now_s)
            code = self._open_code(now_s)
            right = (isinstance(digits, str) and code is not None
                     and hmac.compare_digest(digits.strip().encode(), code.digits.encode()))
            if right:
                self._code, self._wrong = None, 0
            else:
                wrong = self._count_wrong(now_s)
        if not right:
            self.log.warning("web: a wrong or expired pairing code (%d in a row)", wrong)
            raise PairingRefused(403, "code: wrong or expired; run `emberwake web pair` for a new one")
        return self._issue(device)

    def request_button(self) -> tuple[str, float]:
        """Open a request to be confirmed by a hold of the button: its id and how long it waits
        (s). PairingRefused: no code open (409), another request waiting (409: both are cancelled,
        and the code with them), or locked out (429). Counts as a wrong code until a hold approves it."""
        now_s = self.clock.monotonic()
        with self._lock:
            self._refuse_while_locked(now_s)
            code = self._open_code(now_s)
            attempts = self._count_wrong(now_s)
            contested = code is not None and self._waiting(now_s) is not None
            if contested:
                self._request = self._code = None
            elif code is not None:
                self._request = ButtonRequest(secrets.token_urlsafe(REQUEST_ID_BYTES), code,
                                              min(code.expires_s, now_s + CONFIRM_WAIT_S))
                request = self._request
        if contested:
            self.log.warning("web: two devices asked to be paired by the button at once: pairing cancelled "
                             "for both (%d in a row)", attempts)
            raise PairingRefused(409, CONTESTED)
        if code is None:
            self.log.warning("web: a phone asked to pair by the button with no code open (%d in a row)", attempts)
            raise PairingRefused(409, NO_CODE_OPEN)
        self.log.info("web: a phone asks to be paired by a hold of the button (%d in a row)", attempts)
        self.on_request()
        return request.ident, request.expires_s - now_s

    def approve_waiting(self) -> bool:
        """A hold of the button: approve the request waiting, if one does (which uses its code up).
        False: none waits, and the hold is the button's own."""
        now_s = self.clock.monotonic()
        with self._lock:
            request = self._waiting(now_s)
            if request is None or request.approved:
                return False
            self._request = replace(request, approved=True, expires_s=now_s + APPROVED_KEEP_S)
            self._code, self._wrong = None, 0
        return True

    def poll_button(self, ident: object, device: str = "") -> tuple[str | None, float]:
        """The asking phone's poll: (its new token, 0) once a hold approved request `ident`, else
        (None, seconds it still waits). PairingRefused: not the request waiting (403), locked (429)."""
        now_s = self.clock.monotonic()
        with self._lock:
            request = self._waiting(now_s)
            known = (isinstance(ident, str) and request is not None
                     and hmac.compare_digest(ident.encode(), request.ident.encode()))
            if not known:
                self._refuse_while_locked(now_s)
                wrong = self._count_wrong(now_s)
            elif request.approved:
                self._request = None
        if not known:
            self.log.warning("web: a poll for a pairing request not waiting (%d in a row)", wrong)
            raise PairingRefused(403, REQUEST_GONE)
        if not request.approved:
            return None, request.expires_s - now_s
        return self._issue(device), 0.0

    def knows(self, token: str | None) -> bool:
        """Is `token` one a phone was given? (Constant-time against each stored hash.)"""
        if not token:
            return False
        presented = token_hash(token).encode()
        found = False
        for stored in self.store.web_token_hashes():
            found |= hmac.compare_digest(presented, stored.encode())
        return found

    def devices(self, token: str | None = None) -> list[dict]:
        """The paired devices, oldest first: id, when paired (UTC, ISO), what each said it was,
        and whether it is the one holding `token`. Never a hash."""
        presented = token_hash(token).encode() if token else b""
        return [{"id": ident, "paired": paired.isoformat(), "device": device,
                 "this": bool(token) and hmac.compare_digest(presented, stored.encode())}
                for ident, stored, paired, device in self.store.web_tokens()]

    def revoke(self, device_id: int, by: str) -> bool:
        """Unpair one device: its token stops working at its next request. False: no such pairing."""
        revoked = self.store.forget_web_token(device_id)
        if revoked:
            self.log.info("web: paired device %d revoked by %s", device_id, by)
        return revoked

    def _open_code(self, now_s: float) -> Code | None:
        """The code on offer, if it has not expired. Under _lock."""
        code = self._code
        return code if code is not None and now_s < code.expires_s else None

    def _waiting(self, now_s: float) -> ButtonRequest | None:
        """The request waiting for the button (or for its phone's poll, approved), if it has not
        expired and, unapproved, its code is still the one on offer. Under _lock."""
        request = self._request
        if request is None or now_s >= request.expires_s or not (request.approved or self._code is request.code):
            return None
        return request

    def _refuse_while_locked(self, now_s: float) -> None:
        """Under _lock."""
        if now_s < self._locked_until_s:
            wait_s = self._locked_until_s - now_s
            raise PairingRefused(429, f"too many tries: pairing is locked for {wait_s:.0f} s more", wait_s)

    def _count_wrong(self, now_s: float) -> int:
        """One more wrong try: locks pairing out from the FREE_ATTEMPTS-th on. Under _lock."""
        self._wrong += 1
        if self._wrong >= FREE_ATTEMPTS:
            lockout_s = min(FIRST_LOCKOUT_S * 2 ** (self._wrong - FREE_ATTEMPTS), LONGEST_LOCKOUT_S)
            self._locked_until_s = now_s + lockout_s
        return self._wrong

    def _issue(self, device: str) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.store.add_web_token(token_hash(token), self.clock.now(), printable(device or "")[:MAX_DEVICE_CHARS])
        self.log.info("web: a phone was paired")
        return token
