"""The running light: config, store, controller, timers, player and API wired together on one Clock.

`emberwake run` builds one with build_service() on the RealClock; the desktop simulator builds one
on its SimClock (service_for_sim); tests build one on a ManualClock. Every part takes its time from
that one clock, so the code that fires alarms on the Pi is the code the simulator and tests run.

Threads, and who holds which lock:
- main: waits for SIGTERM/SIGINT, then shutdown(). Holds no lock while it waits for anything.
- emberwake-light (Player): plays programs. Takes Player._lock only to pick up the next program,
  never while rendering or calling a program's on_end (which takes Controller._lock).
- emberwake-timers (Timers): calls Controller.tick() and the clock callbacks with no lock of its
  own held; Timers._lock guards only its plan.
- emberwake-api and its request threads: call the Controls and the AlarmBook.
- emberwake-web and its request threads ([web] listen): the same handler, on one more address.
  Both pass the web gate first (device/web/gate.py), whose Pairing._lock is a leaf; its token
  lookups take only Store._lock. A phone asking to be paired by the button cues the ring
  (Controls.cue_pairing: Controller._lock) after Pairing._lock is released; the button's thread
  takes Pairing._lock, as a leaf, to approve it. A settings change (device/settings.py) holds Settings._lock
  while it writes config.toml and hands the light its new brightness, budget, snooze and button
  timings (apply_settings: attributes swapped whole, no lock but the clock's condition to wake
  the button's thread).
- emberwake-preview: a request thread while it streams a sequence to the phone page
  (device/web/preview.py): renders its own frames and sleeps on the clock; Previews._lock is a
  leaf. Ending a stream wakes the clock (after that lock is released).
- Any thread that logs a WARNING or worse, whatever it holds, takes the lock of the Status
  screen's log handler (device/health.py), and under it only the clock's condition, to stamp
  the record with the time.
- emberwake-button (Button): acts on gestures through the Controls; gpiozero's (or the simulator's)
  threads only queue edges under Button._lock and wake the clock.
- emberwake-mqtt (MqttBridge, when [mqtt] host is set): sleeps on the clock; runs MQTT commands
  through the Controls and the AlarmBook as the API does, and publishes states, holding no lock of
  its own. paho's network thread only queues messages and wakes the clock; it takes none of ours.
Lock order: AlarmBook._writing -> Controller._lock -> Store._lock; Controller._lock -> Player._lock;
any lock -> the log handler's lock -> the clock's condition. Player._lock, Timers._lock,
Button._lock, Store._lock, Previews._lock and each clock's condition are leaves: nothing is
called while they are held (Player, Timers, Button and Previews wake the clock after releasing
their own lock). The Controls hold no lock of their own.

Shutdown is bounded and darkens the ring first: the player blanks the ring and stops (its thread
ends within a frame), then the button, the API (its previews end first), MQTT (it says `offline`;
its waits take a second and a quarter at most) and the timers stop (a tick under way finishes; no tick waits on anything
shutdown holds, because shutdown holds nothing while it joins), then the store closes.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable

from device import paths
from device.api import Api
from device.api_server import ApiServer
from device.book import AlarmBook, store_path
from device.clock import Clock, RealClock
from device.button import Button, ButtonTimings, attach_gpio_button
from device.config import ButtonSettings, Config
from device.controller import Controller, Place
from device.controls import Controls
from device.frame_loop import FrameLoop
from device.health import Health
from device.mqtt import MqttBridge
from device.output import PixelOutput
from device.pipeline import Pipeline
from device.settings import Settings
from device.player import Player
from device.store import Store, open_store
from device.timers import KEEP_OCCURRENCES_DAYS, Timers
from device.web.gallery import Gallery
from device.web.gate import Gate, allowed_hosts, page_url
from device.web.pairing import Pairing
from device.web.preview import Previews

LOG = logging.getLogger("emberwake")



@dataclass
class Service:
    """The parts of a running light. start() once, shutdown() once."""

    config: Config
    store: Store
    player: Player
    controller: Controller
    book: AlarmBook
    timers: Timers
    controls: Controls
    health: Health
    owns_player: bool = True
    button: Button | None = None  # the button's logic (fed by GPIO, or by the simulator)
    use_gpio: bool = True  # feed the button from gpiozero (not in the simulator)
    gpio_button: object | None = None  # gpiozero's Button, where there is one
    api_server: ApiServer | None = None
    mqtt: MqttBridge | None = None
    log: logging.Logger = field(default=LOG)
    _started: bool = False
    _last_next: tuple | None = None

    @property
    def port(self) -> int | None:
        """The API's port (the real one when built with port=0), or None without an API."""
        return self.api_server.port if self.api_server else None

    def start(self) -> "Service":
        self.health.start()
        if self.owns_player:
            self.player.start()
        place = self.controller.place
        self.log.info("emberwake starts: %d alarms, zone %s, clock %s%s", len(self.store.alarms()), place.zone.key,
                      "synchronised" if self.controller.clock.synchronized() else "NOT synchronised",
                      "" if place.require_sync else " (not required)")
        self.controller.tick()  # inside a rise window: resumes where it would be by now
        self.timers.start()
        if self.button is not None:
            self.button.start()
            if self.use_gpio:
                settings = self.config.button
                self.gpio_button = attach_gpio_button(settings.pin, self.button, settings.bounce_s, self.log)
        if self.api_server is not None:
            self.api_server.start()
            self.log.info("API and phone page on http://127.0.0.1:%d/", self.api_server.port)
            if self.api_server.web_address:
                self.log.info("phone page on %s (listening on %s port %d; pair a phone: emberwake web pair)",
                              page_url(self.api_server.web_address, self.config.web.hosts),
                              *self.api_server.web_address[:2])
                self._warn_if_root(self.api_server.web_address[0])
        if self.mqtt is not None:
            self.mqtt.start()
        self._log_next()
        self._started = True
        return self

    def _warn_if_root(self, host: str) -> None:
        """One WARNING when root serves the page beyond the loopback: a flaw anywhere in the web
        server would then be a flaw with the whole machine's rights."""
        if ipaddress.ip_address(host).is_loopback or getattr(os, "geteuid", lambda: -1)() != 0:
            return
        self.log.warning("the phone page is served on %s by a root process: a flaw in the web server would "
                         "give the network the whole machine; run the service as the emberwake user (install.sh "
                         "does, unless [ring] driver = \"pwm\" needs root: the spi driver does not)", host)

    def changed(self) -> None:
        """The alarms changed: show what should show now, and plan again."""
        self.controller.tick()
        self.timers.rebuild()
        self._log_next()
        if self.mqtt is not None:
            self.mqtt.poke(alarms_changed=True)

    def apply_settings(self, config: Config) -> None:
        """Use what applies at once of a changed config.toml (device.settings.APPLY_NOW: keys of
        [output] and [button]); the rest waits for a restart."""
        self.config = config
        self.player.loop.pipeline.retune(config.output)
        self.controls.snooze_minutes = config.button.snooze_minutes
        if self.button is not None:
            self.button.retime(button_timings(config.button))

    def clock_jumped(self, jump_s: float = 0.0) -> None:  # noqa: ARG002 - the timers' on_jump
        self.controller.tick(resync=True)
        self.timers.rebuild()
        self._log_next()

    def _log_next(self) -> None:
        occurrence = self.book.next_one()
        key = occurrence and (occurrence.key, occurrence.at, occurrence.start)
        if key == self._last_next:
            return
        self._last_next = key
        if occurrence is None:
            self.log.info("no alarm or bedtime is coming")
            return
        zone = self.controller.place.zone
        self.log.info("next: %s %d at %s (light from %s)", occurrence.alarm.kind, occurrence.alarm.id,
                      occurrence.at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z"),
                      occurrence.start.astimezone(zone).strftime("%H:%M"))

    def replan(self) -> None:
        today = self.controller.clock.now().astimezone(self.controller.place.zone).date()
        self.store.forget_occurrences_before(today - dt.timedelta(days=KEEP_OCCURRENCES_DAYS))

    def trouble(self) -> str | None:
        """Why the light is not healthy, in one line; None while it is."""
        return self.player.trouble()

    def shutdown(self) -> None:
        """Dark first, then stop taking requests and timers, then close the store (see the module
        docstring for why this cannot deadlock, and its bounds)."""
        if self.owns_player:
            self.player.shutdown()  # blanks the ring and closes the output
        else:
            self.player.stop()
        if self.gpio_button is not None:
            self.gpio_button.close()
        if self.button is not None:
            self.button.stop()
        if self.api_server is not None:
            self.api_server.close()
        if self.mqtt is not None:
            self.mqtt.stop()
        self.timers.stop()
        self.store.close()
        self.log.info("emberwake stopped")
        self.health.stop()


def button_timings(settings: ButtonSettings) -> ButtonTimings:
    """The button's times (seconds) as config.toml's [button] gives them."""
    return ButtonTimings(settings.hold_s, settings.long_hold_s, settings.double_press_s)


def build_service(config: Config, output: PixelOutput | None = None, *, clock: Clock | None = None,
                  player: Player | None = None, port: int | None = None, serve_api: bool = True,
                  gpio: bool = True, log: logging.Logger | None = None, config_file: Path | None = None) -> Service:
    """Wire a service for `config` on `clock` (default: the RealClock), showing light on `output`
    (or through an existing `player` on the same clock, which the service then neither starts
    nor shuts down).

    port: the API's port (default config.port; 0 picks a free one); serve_api=False: no API;
    gpio=False: the button's logic without gpiozero (the simulator feeds it); config_file: the file
    `config` came from (`--config`; default config.toml in its home), which the page's settings edit.
    Raises OSError if the port is taken, sqlite3.Error if the store cannot open.
    """
    log = log or LOG
    if player is None:
        if output is None:
            raise ValueError("build_service needs an output or a player")
        pipeline = Pipeline(config.output, output.pixel_count, output.channels)
        player = Player(FrameLoop(output, pipeline, clock or RealClock(), config.fps))
        owns_player = True
    else:
        owns_player = False
    clock = player.clock
    place = Place.of(config)
    store = open_store(store_path(config.home), clock, log)
    try:
        controller = Controller(store, player, player.loop.output.pixel_count, config.sequence_dirs, place, clock,
                                log=log)
        book = AlarmBook(store, place, clock, config.sequence_dirs)
        timers = Timers(controller, clock, zone=place.zone, log=log)
        pairing = Pairing(store, clock, log) if serve_api else None
        controls = Controls(controller, book, timers.rebuild, config.button.snooze_minutes, log, pairing)
        health = Health(clock, place.zone, log)
        service = Service(config, store, player, controller, book, timers, controls, health, owns_player, log=log)
        if config.button.enabled:
            service.button = Button(controls, clock, button_timings(config.button), log)
            service.use_gpio = gpio
        book.on_change = service.changed
        timers.on_replan, timers.on_jump, timers.on_synced = service.replan, service.clock_jumped, service.clock_jumped
        if serve_api:
            pairing.on_request = controls.cue_pairing  # the ring shows that a phone waits for the button
            gate = Gate(pairing, allowed_hosts(config.web.hosts))
            settings = Settings(config, config_file or paths.config_file(config.home), service.apply_settings)
            gallery = Gallery(config.sequence_dirs, player.loop.output.pixel_count, Previews(clock, log))
            api = Api(book, controls, settings, gallery, health, log)
            service.api_server = ApiServer(api, config.port if port is None else port, log, gate=gate,
                                           listen=config.web.listen)
        if config.mqtt.host:
            web_address = service.api_server.web_address if service.api_server else None
            service.mqtt = MqttBridge(config.mqtt, controls, book, clock, log=log,  # HA links to the phone page
                                      config_url=page_url(web_address, config.web.hosts) if web_address else None)
        return service
    except BaseException:
        store.close()
        raise


def service_for_sim(runtime) -> Callable[[], None]:
    """The simulator's seam (sim.run.run_sim(services=[service_for_sim])): the service on the
    simulated clock, lighting the simulator's player; returns its shutdown. The API is served
    on the configured port if it is free (so the CLI can set alarms on the simulated light)."""
    try:
        service = build_service(runtime.config, player=runtime.player, gpio=False)
    except OSError as error:
        LOG.warning("no API for the simulated light (port %d: %s)", runtime.config.port, error.strerror)
        service = build_service(runtime.config, player=runtime.player, serve_api=False, gpio=False)
    runtime.button = service.button  # the window's button and the space bar press it
    service.start()
    return service.shutdown


class _JournalFormatter(logging.Formatter):
    """'<6>emberwake: message': journald reads the syslog priority and adds the time itself."""

    _PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}

    def format(self, record: logging.LogRecord) -> str:
        priority = self._PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def configure_logging(stream: IO[str] | None = None, journal: bool | None = None,
                      level: int = logging.INFO) -> logging.Handler:
    """Log to stderr: priority-prefixed lines under systemd ($JOURNAL_STREAM), timestamped otherwise.
    Returns the handler (remove it from the root logger when done)."""
    if journal is None:
        journal = bool(os.environ.get("JOURNAL_STREAM"))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_JournalFormatter("%(name)s: %(message)s") if journal
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler
