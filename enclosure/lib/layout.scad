// Derived layout shared by all parts. The housing's diameter is the larger of what the board
// (plus the button behind the front panel) and what the ring (plus the screws around it) need.

function fn_for(r) = max(24, ceil(facets * max(r, 10) / 40 / 4) * 4);
// Holes are polygons; widening them by 1/cos(180/n) keeps their flats at the nominal size,
// so a part always clears by at least tolerance_mm.
function hole_scale(n) = 1 / cos(180 / n);

// --- Plan view: how big the base must be ---
board_half_span_mm = board_length_mm / 2 + board_end_overhang_mm + tolerance_mm;
board_keepout_mm = wall_mm + board_clearance_mm;
function facet_depth(r) = r - sqrt(r * r - pow(button_face_w_mm / 2, 2));
// From the outside of the front flat to where the board may start.
function front_stack(r) = facet_depth(r) + button_panel_mm + button_depth_mm + board_clearance_mm;
// Smallest radius whose keep-out circle holds both board corners on one side (solve
// a^2 + (b - R)^2 <= (R - c)^2 for R).
function radius_for_corners(a, b, c) = (a * a + b * b - c * c) / (2 * (b - c));
function radius_for_board(r) =
    let(front = front_stack(r),
        back = front + board_width_mm + board_port_overhang_mm + tolerance_mm)
    max(radius_for_corners(board_half_span_mm, back, board_keepout_mm),
        radius_for_corners(board_half_span_mm, front, board_keepout_mm));
function iterate_radius(r, steps) = steps == 0 ? r : iterate_radius(radius_for_board(r), steps - 1);

ring_seat_r_mm = ring_od_mm / 2 + tolerance_mm;
seat_outer_r_mm = ring_seat_r_mm + seat_wall_mm;
screw_edge_mm = screw_head_d_mm / 2 + 1.0;
radius_for_ring_mm = seat_outer_r_mm + 0.8 + screw_head_d_mm / 2 + screw_edge_mm
    + tolerance_mm + neck_wall_mm + tolerance_mm + diffuser_mm;

outer_r_mm = max(iterate_radius(40, 8), radius_for_ring_mm);
outer_d_mm = 2 * outer_r_mm;
inner_r_mm = outer_r_mm - wall_mm;
neck_outer_r_mm = outer_r_mm - diffuser_mm - tolerance_mm;
neck_inner_r_mm = neck_outer_r_mm - neck_wall_mm;
deck_r_mm = neck_inner_r_mm - tolerance_mm;
screw_r_mm = deck_r_mm - screw_edge_mm;
front_flat_y_mm = -(outer_r_mm - facet_depth(outer_r_mm));
button_panel_inner_y_mm = front_flat_y_mm + button_panel_mm;

// --- Heights ---
board_bottom_z_mm = floor_mm + standoff_height_mm;
board_top_z_mm = board_bottom_z_mm + board_pcb_mm;
// The neck's thicker wall starts above the board's stack, so the board's footprint holds all the way up.
neck_chamfer_mm = max(0, inner_r_mm - neck_inner_r_mm);
shoulder_z_mm = board_top_z_mm + board_stack_mm + neck_chamfer_mm;
base_height_mm = shoulder_z_mm + neck_mm;
deck_bottom_z_mm = base_height_mm - deck_mm;
boss_bottom_z_mm = deck_bottom_z_mm - screw_engagement_mm - 1.5;
bead_z_mm = shoulder_z_mm + neck_mm / 2;
button_z_mm = floor_mm + button_nut_d_mm / 2 + 2;
led_top_z_mm = base_height_mm + ring_thickness_mm;
diffuser_top_z_mm = led_top_z_mm + diffuser_gap_mm + diffuser_mm;
diffuser_height_mm = diffuser_top_z_mm - shoulder_z_mm;
vent_z_mm = [floor_mm + 3, shoulder_z_mm - neck_chamfer_mm - 3];

// --- Board placement: rotated 180 degrees so its connector edge faces the back (+Y), pushed
// as far back as the wall allows to leave the front for the button ---
board_back_y_mm = sqrt(pow(inner_r_mm - board_clearance_mm, 2) - pow(board_half_span_mm, 2))
    - board_port_overhang_mm - tolerance_mm;
function board_to_assembly(p) = [board_length_mm / 2 - p[0], board_back_y_mm - p[1]];
board_holes_xy = [for (i = [0, 1], j = [0, 1])
    board_to_assembly([board_hole_inset_mm + i * board_hole_pitch_mm[0],
                       board_hole_inset_mm + j * board_hole_pitch_mm[1]])];
power_port_xyz = concat(board_to_assembly([board_power_x_mm, -board_port_overhang_mm]),
                        [board_top_z_mm + board_power_port_h_mm / 2]);
power_slot_w_mm = power_plug_w_mm + 2 * tolerance_mm;
power_slot_h_mm = power_plug_h_mm + 2 * tolerance_mm;

cable_slot_r_mm = [ring_id_mm / 2 + 0.5, ring_od_mm / 2 - 0.5];
cable_slot_arc_deg = cable_slot_arc_mm / ((cable_slot_r_mm[0] + cable_slot_r_mm[1]) / 2) * 180 / PI;
vent_angles_deg = [for (side = [0, 180], k = [0 : vent_slots_per_side - 1])
    side + (k - (vent_slots_per_side - 1) / 2) * vent_pitch_deg];

assert(board_back_y_mm - board_width_mm >= button_panel_inner_y_mm + button_depth_mm,
       "board runs into the button");
assert(seat_outer_r_mm + 0.8 + screw_head_d_mm / 2 <= screw_r_mm + 0.001,
       "ring seat runs into the screws");
assert(diffuser_mm >= 1.2 && diffuser_mm <= 2.0, "diffuser must be 1.2-2 mm for even light");

module report(name, value) echo(str("dim ", name, "=", value));

// Machine-readable dimensions (tests parse these lines from openscad's stderr).
module report_dimensions() {
    report("part", str("\"", part, "\""));
    report("ring_leds", ring_leds);
    report("board", str("\"", board, "\""));
    for (kv = [
        ["wall_mm", wall_mm], ["floor_mm", floor_mm], ["tolerance_mm", tolerance_mm],
        ["diffuser_mm", diffuser_mm], ["diffuser_gap_mm", diffuser_gap_mm],
        ["ring_od_mm", ring_od_mm], ["ring_id_mm", ring_id_mm],
        ["ring_thickness_mm", ring_thickness_mm], ["ring_seat_r_mm", ring_seat_r_mm],
        ["seat_lip_mm", seat_lip_mm], ["seat_outer_r_mm", seat_outer_r_mm],
        ["board_length_mm", board_length_mm], ["board_width_mm", board_width_mm],
        ["board_pcb_mm", board_pcb_mm], ["board_hole_pitch_mm", board_hole_pitch_mm],
        ["board_stack_mm", board_stack_mm], ["board_end_overhang_mm", board_end_overhang_mm],
        ["board_port_overhang_mm", board_port_overhang_mm],
        ["board_holes_xy", board_holes_xy], ["board_bottom_z_mm", board_bottom_z_mm],
        ["board_top_z_mm", board_top_z_mm], ["board_back_y_mm", board_back_y_mm],
        ["board_pilot_d_mm", board_pilot_d_mm], ["standoff_d_mm", standoff_d_mm],
        ["outer_d_mm", outer_d_mm], ["inner_r_mm", inner_r_mm],
        ["neck_outer_r_mm", neck_outer_r_mm], ["neck_inner_r_mm", neck_inner_r_mm],
        ["neck_mm", neck_mm], ["shoulder_z_mm", shoulder_z_mm], ["base_height_mm", base_height_mm],
        ["front_flat_y_mm", front_flat_y_mm], ["button_face_w_mm", button_face_w_mm],
        ["button_hole_d_mm", button_hole_d_mm], ["button_z_mm", button_z_mm],
        ["button_panel_mm", button_panel_mm], ["button_panel_inner_y_mm", button_panel_inner_y_mm],
        ["button_nut_d_mm", button_nut_d_mm], ["button_depth_mm", button_depth_mm],
        ["power_port_xyz", power_port_xyz], ["power_plug_w_mm", power_plug_w_mm],
        ["power_plug_h_mm", power_plug_h_mm], ["power_slot_w_mm", power_slot_w_mm],
        ["power_slot_h_mm", power_slot_h_mm],
        ["deck_r_mm", deck_r_mm], ["deck_mm", deck_mm], ["deck_bottom_z_mm", deck_bottom_z_mm],
        ["screw_r_mm", screw_r_mm], ["screw_angles_deg", screw_angles_deg],
        ["screw_clearance_d_mm", screw_clearance_d_mm], ["screw_pilot_d_mm", screw_pilot_d_mm],
        ["screw_engagement_mm", screw_engagement_mm],
        ["cable_slot_r_mm", cable_slot_r_mm], ["cable_slot_angle_deg", cable_slot_angle_deg],
        ["cable_slot_arc_deg", cable_slot_arc_deg],
        ["vent_angles_deg", vent_angles_deg], ["vent_z_mm", vent_z_mm], ["vent_w_mm", vent_w_mm],
        ["led_top_z_mm", led_top_z_mm], ["diffuser_top_z_mm", diffuser_top_z_mm],
        ["diffuser_height_mm", diffuser_height_mm], ["bead_z_mm", bead_z_mm], ["bead_mm", bead_mm],
    ]) report(kv[0], kv[1]);
}
