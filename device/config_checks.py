"""The checks config.toml's values pass (device/config.py): each takes what TOML gave and returns
the value the light uses, or raises ValueError with the one line the user sees after the key."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from device import paths
from sequences.tomlfile import number
from sequences.units import show


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("Europe"), a name too long
        return None


def timezone(value: Any) -> str:
    if not isinstance(value, str) or zone(value) is None:
        raise ValueError(f"{show(value)} is not a time zone name such as \"Europe/Berlin\"")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {show(value)}")
    return value


def white_balance(value: Any) -> tuple[float, float, float]:
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError("expected three gains [r, g, b], each 0-1")
    gain = number(0.0, 1.0)
    return tuple(gain(v) for v in value)


def pin(value: Any) -> str:
    if not isinstance(value, str) or not value.replace("_", "").isalnum() or len(value) > 20:
        raise ValueError(f"expected a board pin name such as \"D18\", got {show(value)}")
    return value


def host(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9.:_-]{1,253}", value):
        raise ValueError(f"expected a host name or address such as \"broker.lan\", got {value!r}")
    return value


def secret(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected text")  # the value itself is never repeated: it may be a password
    return value


def tls(value: Any) -> bool | Path:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        if not Path(value).expanduser().is_file():
            raise ValueError(f"there is no CA file at {value}")
        return Path(value).expanduser()
    raise ValueError(f"expected true, false or a CA file's path, got {value!r}")


def topic_level(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", value):
        raise ValueError(f"expected 1-64 of a-z A-Z 0-9 _ -, got {value!r}")
    return value


def listen(value: Any) -> tuple[str, int]:
    """'0.0.0.0:8080' or '[::]:8080' -> (address, port)."""
    address, _, port = str(value).rpartition(":") if isinstance(value, str) else ("", "", "")
    address = address.strip("[]")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"expected ADDRESS:PORT such as \"0.0.0.0:8080\", got {value!r}") from None
    if not port.isdigit() or not (int(port) == 0 or 1024 <= int(port) <= 65535):
        raise ValueError(f"the port in {value!r} must be 1024-65535")
    return address, int(port)


def hosts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(h, str) and h and " " not in h for h in value):
        raise ValueError("expected a list of host names such as [\"bedside.lan\"]")
    return tuple(h.lower() for h in value)


def folder(value: Any) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a folder path as a string")
    return paths.expanded(value)
