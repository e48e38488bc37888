#!/usr/bin/env python3
"""Render the Emberwake enclosure to STL files and preview PNGs with the openscad command line.

    python3 enclosure/render.py [--ring 24] [--board zero2w] [--out DIR] [--no-png]

Writes DIR/ring<N>-<board>/{base,ring_holder,diffuser}.stl plus a PNG of each part and of the
assembly, exploded and section views. Needs only the standard library and `openscad`; PNG
export on a machine without a display starts its own Xvfb (Debian package `xvfb`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

ENCLOSURE_DIR = Path(__file__).resolve().parent
MODEL = ENCLOSURE_DIR / "emberwake_enclosure.scad"
DEFAULT_OUT = ENCLOSURE_DIR / "out"
PREVIEW_DIR = ENCLOSURE_DIR / "previews"
PARTS = ("base", "ring_holder", "diffuser")
VIEWS = ("assembly", "exploded", "section")
RING_SIZES = (12, 16, 24)
BOARDS = ("zero2w", "pi4")

# Front three-quarter view from slightly above, so the button and the glow both show.
CAMERA = {
    "default": "0,0,0,62,0,330,0",
    "section": "0,0,0,72,0,282,0",
    "ring_holder": "0,0,0,40,0,330,0",
    "base": "0,0,0,55,0,150,0",  # from behind: power slot, vents and a screw boss
}
_DIM_LINE = re.compile(r'^ECHO: "dim (\w+)=(.*)"$')
_PROBLEM_LINE = re.compile(r"^(WARNING|ERROR|TRACE)\b")


class RenderError(RuntimeError):
    """openscad failed or printed a warning."""


@dataclass(frozen=True)
class Rendered:
    """One rendered STL and the dimensions the model echoed while making it."""

    part: str
    ring_leds: int
    board: str
    path: Path
    dims: dict[str, Any]
    seconds: float


def find_openscad() -> str | None:
    """Path of the openscad binary ($OPENSCAD wins), or None."""
    return os.environ.get("OPENSCAD") or shutil.which("openscad")


def parse_dimensions(log: str) -> dict[str, Any]:
    """Collect the model's `dim name=value` echo lines into a dict of JSON values."""
    dims: dict[str, Any] = {}
    for line in log.splitlines():
        match = _DIM_LINE.match(line.strip())
        if match:
            name, raw = match.groups()
            try:
                dims[name] = json.loads(raw)
            except json.JSONDecodeError:
                dims[name] = raw
    return dims


def _defines(part: str, ring_leds: int, board: str, stl_dir: Path | None = None) -> list[str]:
    args = ["-D", f'part="{part}"', "-D", f"ring_leds={ring_leds}", "-D", f'board="{board}"']
    if stl_dir is not None:
        args += ["-D", f'stl_dir="{stl_dir.resolve()}"']
    return args


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    log = proc.stdout + proc.stderr
    problems = [line for line in log.splitlines() if _PROBLEM_LINE.match(line)]
    if proc.returncode != 0 or problems:
        raise RenderError(f"{' '.join(command)} failed (exit {proc.returncode}):\n{log}")
    return log


def render_stl(part: str, ring_leds: int, board: str, out_dir: Path,
               openscad: str | None = None) -> Rendered:
    """Render one part to out_dir/<part>.stl; a warning from openscad counts as failure."""
    binary = openscad or find_openscad()
    if binary is None:
        raise RenderError("openscad not found: apt-get install openscad")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{part}.stl"
    started = time.monotonic()
    log = _run([binary, "-o", str(path), *_defines(part, ring_leds, board), str(MODEL)])
    return Rendered(part, ring_leds, board, path, parse_dimensions(log), time.monotonic() - started)


def render_png(view: str, ring_leds: int, board: str, stl_dir: Path, path: Path,
               env: dict[str, str], size: tuple[int, int] = (640, 480),
               openscad: str | None = None) -> Path:
    """Preview one part or view as a PNG, importing the STLs already rendered into stl_dir."""
    binary = openscad or find_openscad()
    if binary is None:
        raise RenderError("openscad not found: apt-get install openscad")
    camera = CAMERA.get(view, CAMERA["default"])
    path.parent.mkdir(parents=True, exist_ok=True)
    _run([binary, "-o", str(path), f"--imgsize={size[0]},{size[1]}", f"--camera={camera}",
          "--viewall", "--autocenter", "--colorscheme=Tomorrow Night", "--projection=p",
          *_defines(view, ring_leds, board, stl_dir), str(MODEL)], env=env)
    return path


@contextmanager
def display_env() -> Iterator[dict[str, str]]:
    """Environment with a usable X display: the caller's, or a private Xvfb for the duration."""
    env = dict(os.environ)
    if env.get("DISPLAY"):
        yield env
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise RenderError("PNG export needs an X display: apt-get install xvfb (or pass --no-png)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 20)
        number = os.read(read_fd, 32).decode().strip() if ready else ""
        if not number.isdigit():
            raise RenderError("Xvfb did not start")
        env["DISPLAY"] = f":{number}"
        yield env
    finally:
        os.close(read_fd)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def ring_dir(out_root: Path, ring_leds: int, board: str) -> Path:
    """Folder one ring size and board render into."""
    return out_root / f"ring{ring_leds}-{board}"


def render_all(rings: list[int], board: str, out_root: Path, pngs: bool = True,
               jobs: int = 2) -> list[Rendered]:
    """Render every part for each ring size (in parallel), then the preview PNGs."""
    openscad = find_openscad()
    tasks = [(part, ring, board, ring_dir(out_root, ring, board), openscad)
             for ring in rings for part in PARTS]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rendered = list(pool.map(lambda task: render_stl(*task), tasks))
    if pngs:
        with display_env() as env:
            for ring in rings:
                folder = ring_dir(out_root, ring, board)
                for view in PARTS + VIEWS:
                    render_png(view, ring, board, folder, folder / f"{view}.png", env,
                               openscad=openscad)
    return rendered


def write_readme_previews(out_root: Path, board: str = "zero2w") -> list[Path]:
    """Small PNGs for enclosure/README.md, from STLs already rendered under out_root."""
    wanted = [("assembly", 24), ("assembly", 12), ("exploded", 24), ("section", 24),
              ("base", 24), ("ring_holder", 16)]
    written = []
    with display_env() as env:
        for view, ring in wanted:
            path = PREVIEW_DIR / f"{view}-ring{ring}.png"
            written.append(render_png(view, ring, board, ring_dir(out_root, ring, board), path,
                                      env, size=(480, 360)))
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ring", type=int, action="append", choices=RING_SIZES,
                        help="LED count of the ring (repeatable; default: all sizes)")
    parser.add_argument("--board", choices=BOARDS, default="zero2w")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--no-png", action="store_true", help="STL files only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--readme-previews", action="store_true",
                        help=f"also refresh the README pictures in {PREVIEW_DIR}")
    args = parser.parse_args(argv)
    rings = args.ring or list(RING_SIZES)
    if args.readme_previews:
        rings = sorted(set(rings) | {12, 16, 24})
    try:
        started = time.monotonic()
        rendered = render_all(rings, args.board, args.out, pngs=not args.no_png, jobs=args.jobs)
        for item in rendered:
            print(f"{item.path}  ({item.seconds:.1f} s, outer diameter {item.dims['outer_d_mm']} mm)")
        if args.readme_previews:
            for path in write_readme_previews(args.out, args.board):
                print(path)
        print(f"done in {time.monotonic() - started:.1f} s")
    except RenderError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
