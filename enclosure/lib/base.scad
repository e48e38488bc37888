// Base: a round cup, printed floor-down without supports. Holds the board on four standoffs,
// the button in a flat front panel, the power plug through a back slot, and carries the ring
// holder on three screw bosses inside a neck that the diffuser snaps over.

module base() {
    difference() {
        base_outer();
        difference() {
            base_cavity();
            // Solid features are carved out of the cavity so they merge with the wall.
            board_standoffs();
            screw_bosses();
            button_panel();
        }
        front_flat();
        button_hole();
        power_slot();
        vents();
        board_pilots();
        screw_pilots();
    }
}

module base_outer() {
    lead_in_mm = 0.6;
    rotate_extrude($fn = facets) polygon([
        [0, 0], [outer_r_mm - 0.6, 0], [outer_r_mm, 0.6],  // chamfer against elephant's foot
        [outer_r_mm, shoulder_z_mm], [neck_outer_r_mm, shoulder_z_mm],
        [neck_outer_r_mm, bead_z_mm - bead_mm], [neck_outer_r_mm + bead_mm, bead_z_mm],
        [neck_outer_r_mm, bead_z_mm + bead_mm],
        [neck_outer_r_mm, base_height_mm - lead_in_mm],
        [neck_outer_r_mm - lead_in_mm, base_height_mm], [0, base_height_mm],
    ]);
}

module base_cavity() {
    k = hole_scale(facets);
    // The neck is thinner-walled than the body, so the wall steps in under it at 45 degrees.
    rotate_extrude($fn = facets) polygon([
        [0, floor_mm], [inner_r_mm * k, floor_mm],
        [inner_r_mm * k, shoulder_z_mm - neck_chamfer_mm],
        [neck_inner_r_mm * k, shoulder_z_mm],
        [neck_inner_r_mm * k, base_height_mm + 1], [0, base_height_mm + 1],
    ]);
}

module board_standoffs() {
    for (xy = board_holes_xy)
        translate([xy[0], xy[1], 0]) cylinder(d = standoff_d_mm, h = board_bottom_z_mm, $fn = 32);
}

module board_pilots() {
    n = 16;
    for (xy = board_holes_xy)
        translate([xy[0], xy[1], floor_mm])
            cylinder(d = board_pilot_d_mm * hole_scale(n), h = standoff_height_mm + 1, $fn = n);
}

// Each boss hangs off the wall on a 45-degree corbel so it prints without support.
module screw_bosses() {
    height_mm = deck_bottom_z_mm - boss_bottom_z_mm;
    // Anchored a little inside the wall, past the cavity's polygon corners.
    anchor_r = inner_r_mm + 0.5;
    overhang_mm = anchor_r - (screw_r_mm - screw_boss_d_mm / 2);
    for (a = screw_angles_deg) rotate([0, 0, a]) hull() {
        translate([screw_r_mm, 0, boss_bottom_z_mm])
            cylinder(d = screw_boss_d_mm, h = height_mm, $fn = 32);
        translate([anchor_r, -screw_boss_d_mm / 2, boss_bottom_z_mm - overhang_mm])
            cube([wall_mm + 1, screw_boss_d_mm, height_mm + overhang_mm]);
    }
}

module screw_pilots() {
    n = 16;
    for (a = screw_angles_deg) rotate([0, 0, a])
        translate([screw_r_mm, 0, deck_bottom_z_mm - screw_engagement_mm - 0.5])
            cylinder(d = screw_pilot_d_mm * hole_scale(n), h = screw_engagement_mm + 2, $fn = n);
}

// A flat, thicker patch of front wall so the button's nut and bezel seat square.
module button_panel() {
    translate([-button_face_w_mm / 2, -outer_r_mm - 1, 0])
        cube([button_face_w_mm, button_panel_inner_y_mm + outer_r_mm + 1,
              shoulder_z_mm - neck_chamfer_mm]);
}

module front_flat() {
    translate([-outer_r_mm - 1, -outer_r_mm - 1, -1])
        cube([2 * outer_r_mm + 2, front_flat_y_mm + outer_r_mm + 1, shoulder_z_mm + 1]);
}

module button_hole() {
    n = 48;
    translate([0, 0, button_z_mm]) rotate([-90, 0, 0])
        translate([0, 0, -outer_r_mm - 1])
            cylinder(d = button_hole_d_mm * hole_scale(n), h = outer_r_mm + 1 + button_panel_inner_y_mm + 1,
                     $fn = n);
}

// Lined up with the board's power socket so the supply's plug goes straight in.
module power_slot() {
    corner_r_mm = 0.5;
    x = power_port_xyz[0];
    z = power_port_xyz[2];
    translate([x, power_port_xyz[1] + 0.5, z]) rotate([-90, 0, 0])
        linear_extrude(outer_r_mm)
            offset(r = corner_r_mm, $fn = 16)
                square([power_slot_w_mm - 2 * corner_r_mm, power_slot_h_mm - 2 * corner_r_mm], center = true);
}

// Tall side slots let warm air rise out past the board; their pointed tops need no bridging.
module vents() {
    lo = vent_z_mm[0];
    hi = vent_z_mm[1];
    for (a = vent_angles_deg) rotate([0, 0, a])
        translate([inner_r_mm - 2, 0, 0]) rotate([90, 0, 90])
            linear_extrude(wall_mm + 4)
                polygon([[-vent_w_mm / 2, lo], [vent_w_mm / 2, lo], [vent_w_mm / 2, hi - vent_w_mm / 2],
                         [0, hi], [-vent_w_mm / 2, hi - vent_w_mm / 2]]);
}
