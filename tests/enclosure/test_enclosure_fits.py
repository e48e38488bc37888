"""The bought parts fit their seats with the stated tolerance, and the openings line up.

Everything is measured on the rendered meshes (ray casts, sections, containment) in the
assembled frame: origin under the centre of the base, +Z up, the button facing -Y.
"""

from __future__ import annotations

import numpy as np
import pytest

from enclosure_probe import polar, radial_extent, section_segments

DOWN, UP = (0, 0, -1), (0, 0, 1)
BACK, FRONT = (0, 1, 0), (0, -1, 0)
# Where the supply's plug enters each board, along its connector edge (board drawings).
POWER_X_MM = {"zero2w": 54.0, "pi4": 11.2}


def test_ring_sits_in_its_seat_with_the_stated_clearance(config):
    holder = config["ring_holder"]
    d = holder.dims
    inner, outer = radial_extent(section_segments(holder.mesh, d["deck_mm"] + d["seat_lip_mm"] / 2))
    assert inner - d["ring_od_mm"] / 2 == pytest.approx(d["tolerance_mm"], abs=0.02)
    assert outer == pytest.approx(d["seat_outer_r_mm"], abs=0.02)
    assert d["seat_lip_mm"] <= d["ring_thickness_mm"], "lip must not shade the LEDs"
    # The ring lies flat on the plate, and a ring one tolerance wider still goes in.
    ring_bottom = d["base_height_mm"]
    r_mid = (d["ring_od_mm"] + d["ring_id_mm"]) / 4
    for angle in range(0, 360, 45):
        if abs((angle - d["cable_slot_angle_deg"] + 180) % 360 - 180) < d["cable_slot_arc_deg"]:
            continue
        hit = holder.probe.first_hit(polar(r_mid, angle, ring_bottom + 10), DOWN)
        assert ring_bottom + 10 - hit == pytest.approx(ring_bottom, abs=1e-3)
    grown = d["ring_od_mm"] / 2 + d["tolerance_mm"] - 0.01
    ring_points = [polar(r, a, ring_bottom + h) for r in (d["ring_id_mm"] / 2, r_mid, grown)
                   for a in range(0, 360, 10) for h in (0.05, d["seat_lip_mm"] - 0.05, d["ring_thickness_mm"])]
    assert not holder.probe.contains(ring_points).any(), "ring collides with its seat"
    snug = [polar(d["ring_od_mm"] / 2 + d["tolerance_mm"] + 0.05, a, ring_bottom + 1) for a in range(0, 360, 30)]
    assert holder.probe.contains(snug).all(), "seat is looser than the stated tolerance"


def test_ring_holder_drops_into_the_neck_and_sits_on_the_bosses(config):
    base, holder = config["base"], config["ring_holder"]
    d = base.dims
    z = (d["deck_bottom_z_mm"] + d["base_height_mm"]) / 2
    neck_inner, _ = radial_extent(section_segments(base.assembled, z))
    _, plate_outer = radial_extent(section_segments(holder.assembled, z))
    assert neck_inner - plate_outer == pytest.approx(d["tolerance_mm"], abs=0.02)
    assert holder.assembled.bounds[1][2] == pytest.approx(d["base_height_mm"] + d["seat_lip_mm"], abs=1e-3)
    for angle in d["screw_angles_deg"]:
        beside_hole = polar(d["screw_r_mm"] + d["screw_clearance_d_mm"] / 2 + 1.0, angle, 60)
        holder_bottom = 60 - holder.probe.distances(beside_hole, DOWN)[-1]
        boss_top = 60 - base.probe.first_hit(beside_hole, DOWN)
        assert holder_bottom == pytest.approx(boss_top, abs=1e-3), f"holder floats at {angle} deg"


def test_screws_pass_the_holder_and_bite_into_the_bosses(config):
    base, holder = config["base"], config["ring_holder"]
    d = base.dims
    top = d["base_height_mm"] + 10
    for angle in d["screw_angles_deg"]:
        axis = polar(d["screw_r_mm"], angle, top)
        assert holder.probe.first_hit(axis, DOWN) is None, "no clearance hole in the holder"
        pilot_bottom = top - base.probe.first_hit(axis, DOWN)
        assert d["deck_bottom_z_mm"] - pilot_bottom >= d["screw_engagement_mm"], "pilot hole too shallow"
        for side in (0, 90, 180, 270):
            offset = np.array([np.cos(np.radians(side)), np.sin(np.radians(side)), 0])
            thread = axis + offset * (d["screw_pilot_d_mm"] / 2 + 0.2)
            assert holder.probe.first_hit(thread, DOWN) is None, "clearance hole too small"
            bite = top - base.probe.first_hit(thread, DOWN)
            assert bite == pytest.approx(d["deck_bottom_z_mm"], abs=1e-3), "screw misses the boss"


def test_diffuser_slides_over_the_neck_and_snaps_onto_the_bead(config):
    base, diffuser = config["base"], config["diffuser"]
    d = base.dims
    below_bead = d["shoulder_z_mm"] + 1.5
    skirt_inner, _ = radial_extent(section_segments(diffuser.assembled, below_bead))
    _, neck_outer = radial_extent(section_segments(base.assembled, below_bead))
    assert skirt_inner - neck_outer == pytest.approx(d["tolerance_mm"], abs=0.03)
    _, bead_tip = radial_extent(section_segments(base.assembled, d["bead_z_mm"]))
    groove, _ = radial_extent(section_segments(diffuser.assembled, d["bead_z_mm"]))
    assert skirt_inner < bead_tip < groove, "bead must be passed over and then caught"
    rim = diffuser.assembled.bounds[0][2]
    assert rim == pytest.approx(d["shoulder_z_mm"], abs=1e-3)
    shoulder = polar(d["outer_d_mm"] / 2 - d["diffuser_mm"] / 2, 90, 100)
    assert 100 - base.probe.first_hit(shoulder, DOWN) == pytest.approx(rim, abs=1e-3), "rim rests on the shoulder"


def test_diffuser_thickness_and_distance_from_the_leds(config):
    diffuser = config["diffuser"]
    d = diffuser.dims
    crossings = diffuser.probe.distances((0, 0, 0), UP)
    thickness = crossings[1] - crossings[0]
    assert thickness == pytest.approx(d["diffuser_mm"], abs=1e-3)
    assert 1.2 <= thickness <= 2.0, "translucent white PLA/PETG wants 1.2-2 mm"
    r_led = (d["ring_od_mm"] + d["ring_id_mm"]) / 4
    for angle in range(0, 360, 30):
        gap = diffuser.probe.first_hit(polar(r_led, angle, d["led_top_z_mm"]), UP)
        assert gap == pytest.approx(d["diffuser_gap_mm"], abs=1e-3)
        assert 10 <= gap <= 20, "LEDs must sit 10-20 mm behind the diffuser to blend"


def test_board_fits_between_the_walls_with_the_stated_tolerance(config):
    base = config["base"]
    d = base.dims
    half = d["board_length_mm"] / 2 + d["board_end_overhang_mm"] + d["tolerance_mm"]
    back = d["board_back_y_mm"] + d["board_port_overhang_mm"] + d["tolerance_mm"]
    front = d["board_back_y_mm"] - d["board_width_mm"] - d["tolerance_mm"]
    xs, ys = np.linspace(-half, half, 14), np.linspace(front, back, 8)
    zs = np.linspace(d["board_bottom_z_mm"] + 0.01, d["board_top_z_mm"] + d["board_stack_mm"], 6)
    grid = np.array(np.meshgrid(xs, ys, zs)).reshape(3, -1).T
    assert not base.probe.contains(grid).any(), "board or its stack collides with the base"


def test_standoffs_meet_the_board_holes(config):
    base = config["base"]
    d = base.dims
    above = d["board_bottom_z_mm"] + 1
    pilot_r = d["board_pilot_d_mm"] / 2
    for x, y in d["board_holes_xy"]:
        centre = np.array([x, y, above])
        assert above - base.probe.first_hit(centre, DOWN) == pytest.approx(d["floor_mm"], abs=1e-3)
        for angle in range(0, 360, 60):
            def landing(r):
                return above - base.probe.first_hit(centre + polar(r, angle, 0), DOWN)
            assert landing(pilot_r - 0.05) == pytest.approx(d["floor_mm"], abs=1e-3), "pilot too small"
            assert landing(pilot_r + 0.1) == pytest.approx(d["board_bottom_z_mm"], abs=1e-3), "no standoff"
            assert landing(d["standoff_d_mm"] / 2 + 0.3) == pytest.approx(d["floor_mm"], abs=1e-3)


def test_button_hole_lines_up_with_the_button_and_its_room(config):
    base = config["base"]
    d = base.dims
    hole_r = d["button_hole_d_mm"] / 2
    start_y = -d["outer_d_mm"] / 2 - 5
    body_end_y = d["button_panel_inner_y_mm"] + d["button_depth_mm"]
    for angle in range(0, 360, 30):
        offset = polar(1, angle, 0)[[0, 2, 1]]  # circle in the XZ plane
        through = np.array([0, start_y, d["button_z_mm"]]) + offset * (hole_r - 0.05)
        hit = base.probe.first_hit(through, BACK)
        assert hit is None or start_y + hit > body_end_y, "button hole blocked"
        wall = np.array([0, start_y, d["button_z_mm"]]) + offset * (hole_r + 0.15)
        outside, inside = base.probe.distances(wall, BACK)[:2] + start_y
        assert outside == pytest.approx(d["front_flat_y_mm"], abs=1e-3), "bezel needs a flat face"
        assert inside - outside == pytest.approx(d["button_panel_mm"], abs=1e-3)
        assert 2.0 <= inside - outside <= 5.0, "panel outside the button's thread range"
        nut = np.array([0, d["button_panel_inner_y_mm"] + 0.05, d["button_z_mm"]]) + offset * (
            d["button_nut_d_mm"] / 2 - 0.2)
        hit = base.probe.first_hit(nut, BACK)
        assert hit is None or hit > d["button_depth_mm"], "nut or button body hits something"
        seat = base.probe.first_hit(nut + np.array([0, 1, 0]), FRONT)
        assert seat == pytest.approx(1.05, abs=1e-3), "nut has no flat to tighten against"
    assert body_end_y <= d["board_back_y_mm"] - d["board_width_mm"], "button body runs into the board"


def test_power_entry_lines_up_with_the_board_power_socket(config):
    base = config["base"]
    d = base.dims
    port_x, port_y, port_z = d["power_port_xyz"]
    # The board is turned 180 degrees: its connector edge faces the back wall.
    assert port_x == pytest.approx(d["board_length_mm"] / 2 - POWER_X_MM[d["board"]], abs=1e-3)
    assert port_y == pytest.approx(d["board_back_y_mm"] + d["board_port_overhang_mm"], abs=1e-3)
    assert port_z > d["board_top_z_mm"]
    half_w, half_h = d["power_plug_w_mm"] / 2 - 0.05, d["power_plug_h_mm"] / 2 - 0.05
    for dx, dz in [(0, 0), (-half_w, -half_h), (-half_w, half_h), (half_w, -half_h), (half_w, half_h)]:
        assert base.probe.first_hit((port_x + dx, port_y, port_z + dz), BACK) is None, "plug path blocked"
    for dx, dz in [(d["power_slot_w_mm"] / 2 + 0.3, 0), (0, d["power_slot_h_mm"] / 2 + 0.3)]:
        for sign in (-1, 1):
            hit = base.probe.first_hit((port_x + sign * dx, port_y, port_z + sign * dz), BACK)
            assert hit is not None, "power slot much larger than the plug"


def test_cable_path_runs_from_the_ring_pads_down_to_the_board(config):
    base, holder = config["base"], config["ring_holder"]
    d = base.dims
    r0, r1 = d["cable_slot_r_mm"]
    assert d["ring_id_mm"] / 2 < r0 < r1 < d["ring_od_mm"] / 2, "slot must sit under the ring's pads"
    arc_mm = np.radians(d["cable_slot_arc_deg"]) * (r0 + r1) / 2
    assert arc_mm >= 12, "room for the 5V, GND and DIN pads"
    top = d["base_height_mm"] + 10
    for r in np.linspace(r0 + 0.3, r1 - 0.3, 3):
        for da in (-0.4, 0, 0.4):
            start = polar(r, d["cable_slot_angle_deg"] + da * d["cable_slot_arc_deg"], top)
            assert holder.probe.first_hit(start, DOWN) is None, "cable slot blocked"
            floor_hit = top - base.probe.first_hit(start, DOWN)
            assert floor_hit == pytest.approx(d["floor_mm"], abs=1e-3), "wires cannot drop to the board"


def test_vents_open_beside_the_board(config):
    base = config["base"]
    d = base.dims
    z_low, z_high = d["vent_z_mm"]
    assert z_low < d["board_top_z_mm"] + 2 and z_high > d["board_top_z_mm"] + 10
    for angle in d["vent_angles_deg"]:
        for z in np.linspace(z_low + 0.5, z_high - d["vent_w_mm"], 4):
            hit = base.probe.first_hit(polar(d["inner_r_mm"] - 3, angle, z), polar(1, angle, 0))
            assert hit is None, f"vent at {angle} deg blocked at z={z:.1f}"
    between = d["vent_angles_deg"][0] + (d["vent_angles_deg"][1] - d["vent_angles_deg"][0]) / 2
    assert base.probe.first_hit(polar(d["inner_r_mm"] - 3, between, (z_low + z_high) / 2),
                                polar(1, between, 0)) is not None, "ribs between the vents missing"
