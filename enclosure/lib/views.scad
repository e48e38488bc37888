// Assembly and exploded views with stand-ins for the bought parts, for previews and for
// checking fits by eye in the OpenSCAD GUI. Not printed.

BASE_COLOUR = [0.3, 0.33, 0.36];
HOLDER_COLOUR = [0.95, 0.95, 0.93];
DIFFUSER_COLOUR = [1.0, 0.97, 0.9, 0.45];

// Use a pre-rendered STL when stl_dir is set: imports preview far faster than the CSG tree.
module part_or_stl(name) {
    if (stl_dir == "") children();
    else import(str(stl_dir, "/", name, ".stl"), convexity = 10);
}

module assembly_view(explode_mm, cut = false) {
    clip(cut) color(BASE_COLOUR) part_or_stl("base") base();
    clip(cut) mock_board();
    clip(cut) mock_button();
    translate([0, 0, explode_mm]) {
        clip(cut) translate([0, 0, deck_bottom_z_mm]) color(HOLDER_COLOUR)
            part_or_stl("ring_holder") ring_holder();
        translate([0, 0, explode_mm]) clip(cut) mock_ring();
    }
    clip(cut) translate([0, 0, 3 * explode_mm + diffuser_top_z_mm]) mirror([0, 0, 1]) mirror([0, 1, 0])
        color(cut ? [1.0, 0.97, 0.9] : DIFFUSER_COLOUR) part_or_stl("diffuser") diffuser();
}

// Clipping each part on its own keeps OpenCSG's preview clean (one CSG product per part).
module clip(cut) {
    if (cut) intersection() {
        children();
        translate([0, -outer_r_mm - 5, -1]) cube([outer_r_mm + 5, 2 * outer_r_mm + 10, diffuser_top_z_mm + 5]);
    }
    else children();
}

// The assembly cut open through its axis, to show the fits inside.
module section_view() assembly_view(0, cut = true);

module mock_ring() {
    r_mid = (ring_od_mm + ring_id_mm) / 4;
    pcb_mm = 1.6;
    translate([0, 0, base_height_mm + 0.02]) {
        color([0.1, 0.1, 0.1]) difference() {
            cylinder(d = ring_od_mm, h = pcb_mm, $fn = 64);
            translate([0, 0, -1]) cylinder(d = ring_id_mm, h = pcb_mm + 2, $fn = 64);
        }
        color([1.0, 0.6, 0.2]) for (i = [0 : ring_leds - 1]) rotate([0, 0, i * 360 / ring_leds])
            translate([r_mid, 0, pcb_mm + (ring_thickness_mm - pcb_mm) / 2])
                cube([5, 5, ring_thickness_mm - pcb_mm], center = true);
    }
}

module mock_board() {
    color([0.1, 0.45, 0.2]) translate([0, board_back_y_mm - board_width_mm / 2, board_bottom_z_mm])
        translate([-board_length_mm / 2, -board_width_mm / 2, 0])
            cube([board_length_mm, board_width_mm, board_pcb_mm]);
    // The GPIO header runs along the edge away from the connectors.
    color([0.1, 0.1, 0.1]) translate([-25.4, board_back_y_mm - board_width_mm + 1, board_top_z_mm])
        cube([50.8, 5, 8.5]);
    color([0.75, 0.75, 0.78]) translate([power_port_xyz[0] - 4, power_port_xyz[1], board_top_z_mm])
        cube([8, 5, board_power_port_h_mm]);
}

module mock_button() {
    color([0.8, 0.8, 0.82]) translate([0, front_flat_y_mm, button_z_mm]) rotate([90, 0, 0])
        cylinder(d = 14, h = 2, $fn = 32);
    color([0.6, 0.1, 0.1]) translate([0, front_flat_y_mm - 2, button_z_mm]) rotate([90, 0, 0])
        cylinder(d = 9, h = 1.5, $fn = 32);
}
