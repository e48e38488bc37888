"""Shared fixtures for the device unit tests: far-date clocks (tests.device.service.conftest) and an
AlarmBook on a fresh Store in Berlin that counts its on_change calls."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from device.book import AlarmBook
from device.controller import Place
from device.occurrences import Location
from device.store import Store
from tests.device.service.conftest import clock, years  # noqa: F401 - fixtures used by these tests

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_LOCATION = Location(52.52, 13.40)


class Changes:
    """An on_change callback that counts its calls."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def pin_factory():
    """gpiozero's MockFactory as every device's pin factory (the service's button finds it)."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory
    factory = MockFactory()
    Device.pin_factory = factory
    yield factory
    Device.pin_factory = None
    factory.close()


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory) -> Path:
    """A store file as Store makes it, made once: making one syncs the disk several times (tens
    of ms), which hundreds of tests would pay; test_store.py makes its own."""
    path = tmp_path_factory.mktemp("template") / "alarms.db"
    Store(path).close()
    return path


@pytest.fixture
def store(tmp_path, empty_store_file):
    """A fresh, empty Store of the test's own."""
    path = tmp_path / "alarms.db"
    shutil.copyfile(empty_store_file, path)
    opened = Store(path)
    yield opened
    opened.close()


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def book(store, clock, changes) -> AlarmBook:
    """An alarm book in Berlin (no location) on the far-date test clock."""
    return AlarmBook(store, Place(BERLIN, None, False), clock, on_change=changes)


@pytest.fixture
def sunset_book(store, clock, changes) -> AlarmBook:
    """The same book with Berlin's latitude and longitude, for bedtimes at sunset."""
    return AlarmBook(store, Place(BERLIN, BERLIN_LOCATION, False), clock, on_change=changes)
