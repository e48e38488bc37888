"""Renders every enclosure part once per test session, in parallel, for the tests to measure."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
import trimesh

from enclosure_probe import CONFIG_IDS, CONFIGS, Part, load_render_module, skip_or_fail


@pytest.fixture(scope="session")
def render_module() -> ModuleType:
    return load_render_module()


@pytest.fixture(scope="session")
def stl_root() -> Iterator[Path]:
    # Not pytest's tmp_path: a concurrent pytest run may prune its numbered folders mid-render.
    with tempfile.TemporaryDirectory(prefix="emberwake-enclosure-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
def rendered(render_module: ModuleType, stl_root: Path) -> dict[tuple[str, int], dict[str, Part]]:
    """{(board, ring): {part name: Part}} for every configuration."""
    openscad = render_module.find_openscad()
    if openscad is None:
        skip_or_fail("openscad is not installed (apt-get install openscad; .ci/apt-packages lists it)")
    tasks = [(part, ring, board, render_module.ring_dir(stl_root, ring, board), openscad)
             for board, ring in CONFIGS for part in render_module.PARTS]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda task: render_module.render_stl(*task), tasks))
    parts: dict[tuple[str, int], dict[str, Part]] = {}
    for result in results:
        mesh = trimesh.load_mesh(result.path, process=True)
        parts.setdefault((result.board, result.ring_leds), {})[result.part] = Part(
            result.part, mesh, result.dims)
    return parts


@pytest.fixture(params=CONFIGS, ids=CONFIG_IDS)
def config(request: pytest.FixtureRequest, rendered: dict) -> dict[str, Part]:
    """The three parts of one configuration."""
    return rendered[request.param]
