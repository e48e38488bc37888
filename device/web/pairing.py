"""Pairing a phone: a one-time 6-digit code (from `emberwake web pair`) buys a long random token.

Only a SHA-256 of each token is stored (the token is 256 random bits, so a fast hash is enough:
no dictionary can guess it; the hash only stops a copied alarms.db from being a key). Every
comparison is constant-time (hmac.compare_digest). Wrong codes are counted: after
FREE_ATTEMPTS of them, pairing locks for a delay that doubles with each further wrong code,
timed on the service's Clock. Codes and tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass

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


class PairingRefused(Exception):
    """A code that buys nothing: `status` (403 wrong or expired, 429 locked) and a one-line message."""

    def __init__(self, status: int, message: str, retry_after_s: float = 0.0):
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Code:
    digits: str
    expires_s: float  # on the clock's monotonic time


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Pairing:
    """The codes on offer, the wrong-code count, and the paired tokens (in the store). Thread-safe."""

    def __init__(self, store: Store, clock: Clock, log: logging.Logger | None = None):
        self.store = store
        self.clock = clock
        self.log = log or logging.getLogger("emberwake")
        self._lock = threading.Lock()
        self._code: Code | None = None  # one code at a time: a new one replaces the last
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
            if now_s < self._locked_until_s:
                wait_s = self._locked_until_s - now_s
                raise PairingRefused(429, f"too many wrong codes: pairing is locked for {wait_s:.0f} s more",
                                     wait_s)
            code = self._code
            right = (isinstance(digits, str) and code is not None and now_s < code.expires_s
                     and hmac.compare_digest(digits.strip().encode(), code.digits.encode()))
            if not right:
                self._wrong += 1
                if self._wrong >= FREE_ATTEMPTS:
                    lockout_s = min(FIRST_LOCKOUT_S * 2 ** (self._wrong - FREE_ATTEMPTS), LONGEST_LOCKOUT_S)
                    self._locked_until_s = now_s + lockout_s
                wrong = self._wrong
            else:
                self._code, self._wrong = None, 0
        if not right:
            self.log.warning("web: a wrong or expired pairing code (%d in a row)", wrong)
            raise PairingRefused(403, "code: wrong or expired; run `emberwake web pair` for a new one")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.store.add_web_token(token_hash(token), self.clock.now(), printable(device or "")[:MAX_DEVICE_CHARS])
        self.log.info("web: a phone was paired")
        return token

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
