"""Tests that need a system tool (openscad, systemd-analyze, shellcheck): skip without it, except in CI."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    """True when the CI variable is set to anything but an explicit no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing tool skips with the reason; in CI it is a failure."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)
