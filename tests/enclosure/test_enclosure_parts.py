"""Every enclosure part renders, is a closed printable solid, and has the size its parameters say."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from enclosure_probe import CONFIG_IDS, CONFIGS, body_count, overhang_centroids, skip_or_fail

# Published figures the model must carry (Adafruit ring product pages, Raspberry Pi drawings).
RING_FACTS_MM = {12: (37.0, 23.0), 16: (44.5, 31.75), 24: (66.0, 52.5)}
BOARD_FACTS_MM = {"zero2w": ((65, 30), (58, 23)), "pi4": ((85, 56), (58, 49))}
PARTS = ("base", "ring_holder", "diffuser")


@pytest.mark.parametrize("part", PARTS)
def test_part_is_a_closed_solid_resting_on_the_bed(config, part):
    mesh = config[part].mesh
    assert mesh.is_watertight, f"{part} has holes in its surface"
    assert mesh.is_winding_consistent
    assert mesh.volume > 1000, f"{part} volume {mesh.volume:.0f} mm^3"
    assert mesh.bounds[0][2] == pytest.approx(0.0, abs=1e-6), "prints from z = 0"
    assert body_count(mesh) == 1, f"{part} falls apart into pieces"


def test_model_carries_the_published_part_dimensions(config):
    dims = config["base"].dims
    od, id_ = RING_FACTS_MM[dims["ring_leds"]]
    assert (dims["ring_od_mm"], dims["ring_id_mm"]) == pytest.approx((od, id_))
    size, pitch = BOARD_FACTS_MM[dims["board"]]
    assert (dims["board_length_mm"], dims["board_width_mm"]) == pytest.approx(size)
    holes = np.array(dims["board_holes_xy"])
    spans = holes.max(axis=0) - holes.min(axis=0)
    assert spans == pytest.approx(pitch, abs=1e-3), "mounting holes 58 x 23 / 58 x 49 apart"


def test_base_size_matches_parameters(config):
    base = config["base"]
    d = base.dims
    (x0, y0, z0), (x1, y1, z1) = base.mesh.bounds
    r = d["outer_d_mm"] / 2
    assert (x0, x1, y1) == pytest.approx((-r, r, r), abs=0.02)
    assert y0 == pytest.approx(d["front_flat_y_mm"], abs=0.02), "front flat for the button"
    assert z1 == pytest.approx(d["base_height_mm"], abs=1e-3)
    # Room for the board and its stack under the neck, nothing more.
    step_in = d["inner_r_mm"] - d["neck_inner_r_mm"]
    expected_height = d["board_top_z_mm"] + d["board_stack_mm"] + step_in + d["neck_mm"]
    assert z1 == pytest.approx(expected_height, abs=1e-3)
    # Measured wall and floor, away from every opening.
    mid = (d["floor_mm"] + d["vent_z_mm"][1]) / 2
    inner, outer = base.probe.distances((0, 0, mid), (0, 1, 0))[:2]
    assert outer - inner == pytest.approx(d["wall_mm"], abs=0.05)
    top, bottom = base.probe.distances((0, 0, mid), (0, 0, -1))[:2]
    assert bottom - top == pytest.approx(d["floor_mm"], abs=1e-3)
    assert min(outer - inner, bottom - top) >= 2.0 - 0.03, "walls under 2 mm print weak"


def test_ring_holder_and_diffuser_sizes_match_parameters(config):
    holder, diffuser = config["ring_holder"], config["diffuser"]
    d = holder.dims
    (x0, y0, _), (x1, y1, z1) = holder.mesh.bounds
    assert (x0, y0, x1, y1) == pytest.approx((-d["deck_r_mm"], -d["deck_r_mm"], d["deck_r_mm"], d["deck_r_mm"]), abs=0.02)
    assert z1 == pytest.approx(d["deck_mm"] + d["seat_lip_mm"], abs=1e-3)
    (x0, y0, _), (x1, y1, z1) = diffuser.mesh.bounds
    r = d["outer_d_mm"] / 2
    assert (x0, y0, x1, y1) == pytest.approx((-r, -r, r, r), abs=0.02)
    assert z1 == pytest.approx(d["diffuser_height_mm"], abs=1e-3)


def test_diffuser_and_ring_holder_print_without_supports(config):
    for part in ("diffuser", "ring_holder"):
        hanging = overhang_centroids(config[part].mesh)
        assert len(hanging) == 0, f"{part}: {len(hanging)} faces overhang past 45 degrees, e.g. {hanging[:3]}"


def test_base_overhangs_are_only_short_bridges(config):
    """Beyond 45 degrees only the tops of the button hole and the power slot (short bridges)."""
    d = config["base"].dims
    hanging = overhang_centroids(config["base"].mesh)
    x, y, z = hanging.T
    in_button_hole = (np.hypot(x, z - d["button_z_mm"]) <= d["button_hole_d_mm"] / 2 + 0.1) & (
        y <= d["button_panel_inner_y_mm"] + 0.01)
    px, py, pz = d["power_port_xyz"]
    in_power_slot = (np.abs(x - px) <= d["power_slot_w_mm"] / 2 + 0.05) & (z > pz) & (
        z <= pz + d["power_slot_h_mm"] / 2 + 0.05) & (y >= py)
    unexplained = hanging[~(in_button_hole | in_power_slot)]
    assert len(unexplained) == 0, f"unsupported overhangs at {unexplained[:5]}"
    assert in_button_hole.any() and in_power_slot.any(), "the holes were expected to be there"


def test_dimension_echo_parsing(render_module):
    log = 'ECHO: "dim outer_d_mm=80.6"\nECHO: "dim board="pi4""\nECHO: "dim holes=[[1, 2], [3, 4.5]]"\nECHO: 3\n'
    assert render_module.parse_dimensions(log) == {
        "outer_d_mm": 80.6, "board": "pi4", "holes": [[1, 2], [3, 4.5]]}


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


def test_assembly_preview_renders_headless(render_module, rendered, stl_root, tmp_path):
    if not os.environ.get("DISPLAY") and shutil.which("Xvfb") is None:
        skip_or_fail("PNG previews need an X display: apt-get install xvfb (.ci/apt-packages lists it)")
    board, ring = CONFIGS[2]
    folder = render_module.ring_dir(stl_root, ring, board)
    with render_module.display_env() as env:
        path = render_module.render_png("assembly", ring, board, folder, tmp_path / "assembly.png",
                                        env, size=(320, 240))
    width, height, pixels = _png_pixels(path)
    assert (width, height) == (320, 240)
    assert len(set(pixels)) > 50, "preview came out blank"


def test_every_configuration_was_rendered(rendered):
    assert sorted(rendered) == sorted(CONFIGS), CONFIG_IDS
