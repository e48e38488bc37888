// Ring holder: a white plate that drops into the base's neck, screwed to the bosses, with a
// seat that locates the ring and reflects its back-scattered light up into the diffuser.
// Printed bottom-down; the countersinks open upwards, so no supports.

module ring_holder() {
    difference() {
        union() {
            cylinder(r = deck_r_mm, h = deck_mm, $fn = facets);
            translate([0, 0, deck_mm]) ring_seat();
        }
        cable_slot();
        deck_screw_holes();
    }
}

module ring_seat() {
    n = facets;
    difference() {
        cylinder(r = seat_outer_r_mm, h = seat_lip_mm, $fn = n);
        translate([0, 0, -1]) cylinder(r = ring_seat_r_mm * hole_scale(n), h = seat_lip_mm + 2, $fn = n);
    }
}

// An arc under the ring's back, where its solder pads are: wires drop straight to the board.
module cable_slot() {
    r0 = cable_slot_r_mm[0];
    r1 = cable_slot_r_mm[1];
    rotate([0, 0, cable_slot_angle_deg - cable_slot_arc_deg / 2])
        rotate_extrude(angle = cable_slot_arc_deg, $fn = facets)
            translate([r0, -1]) square([r1 - r0, deck_mm + 2]);
}

module deck_screw_holes() {
    n = 32;
    k = hole_scale(n);
    sink_mm = (screw_head_d_mm - screw_clearance_d_mm) / 2;  // 90-degree countersink
    for (a = screw_angles_deg) rotate([0, 0, a]) translate([screw_r_mm, 0, 0]) {
        translate([0, 0, -1])
            cylinder(d = screw_clearance_d_mm * k, h = deck_mm + 2, $fn = n);
        translate([0, 0, deck_mm - sink_mm])
            cylinder(d1 = screw_clearance_d_mm * k, d2 = screw_head_d_mm * k, h = sink_mm + 0.01, $fn = n);
        translate([0, 0, deck_mm]) cylinder(d = screw_head_d_mm * k, h = 1, $fn = n);
    }
}
