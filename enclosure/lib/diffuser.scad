// Diffuser: an even-walled cap in translucent white, printed top-down so its face comes off
// the bed smooth and its rounded edge never overhangs more than 45 degrees (the curve's slope
// starts at 45 degrees at the bed and turns vertical). The rim snaps over the base's neck.
// Print frame: z = 0 is the lamp's top; assembled z = diffuser_top_z_mm - z, y mirrored.

module diffuser() {
    rotate_extrude($fn = facets) diffuser_profile();
}

// Outer cross-section, mirrored about the axis so offset() leaves the axis alone.
module diffuser_outer_2d(extend_mm) {
    steps = 12;
    r = outer_r_mm;
    h = diffuser_round_mm;
    edge = [for (i = [0 : steps]) let(t = h * i / steps) [r - pow(h - t, 2) / (2 * h), t]];
    polygon(concat(
        edge,
        [[r, diffuser_height_mm + extend_mm], [-r, diffuser_height_mm + extend_mm]],
        [for (i = [steps : -1 : 0]) [-edge[i][0], edge[i][1]]]));
}

module diffuser_profile() {
    inner_r = outer_r_mm - diffuser_mm;
    groove_t = diffuser_height_mm - neck_mm / 2;  // opposite the base's bead
    groove_mm = bead_mm + tolerance_mm / 2;
    lead_in_mm = 0.6;
    intersection() {
        square([outer_r_mm + 1, diffuser_height_mm]);
        difference() {
            diffuser_outer_2d(0);
            scale([hole_scale(facets), 1])
                offset(r = -diffuser_mm, $fn = 24) diffuser_outer_2d(diffuser_mm + 5);
            // Flanks steeper than 45 degrees so the groove prints inside the vertical wall.
            polygon([[inner_r - 0.01, groove_t - groove_mm - 0.3], [inner_r + groove_mm, groove_t],
                     [inner_r - 0.01, groove_t + groove_mm + 0.3]]);
            polygon([[inner_r - 0.01, diffuser_height_mm - lead_in_mm], [inner_r + lead_in_mm, diffuser_height_mm + 0.01],
                     [inner_r - 0.01, diffuser_height_mm + 0.01]]);
        }
    }
}
