// Emberwake bedside housing: a round base holding a Raspberry Pi and a push button, a ring
// holder carrying an Adafruit NeoPixel ring, and a translucent diffuser cap over it.
//
// One part to STL:   openscad -o base.stl -D 'part="base"' -D ring_leds=16 emberwake_enclosure.scad
// Parts: base, ring_holder, diffuser; views: assembly, exploded, section. Lengths in millimetres.
// Assembled frame: origin at the centre of the base's underside, +Z up, the button faces -Y.
// Every part is modelled in its print orientation; the *_z_mm values echoed below place it.

include <lib/hardware.scad>

/* [What to build] */
part = "assembly"; // [assembly, exploded, section, base, ring_holder, diffuser]
ring_leds = 24; // [12, 16, 24]
board = "zero2w"; // [zero2w, pi4]
// Folder of already rendered STLs; the views then import them instead of rebuilding (faster).
stl_dir = "";
// Segments in a full circle; raise (e.g. 180) for a smoother final print.
facets = 96;

/* [NeoPixel ring] */
ring_od_mm = ring_spec(ring_leds)[1];
ring_id_mm = ring_spec(ring_leds)[2];
ring_thickness_mm = ring_spec(ring_leds)[3];

/* [Board] */
board_length_mm = board_spec(board)[1];
board_width_mm = board_spec(board)[2];
board_pcb_mm = board_spec(board)[3];
board_hole_inset_mm = board_spec(board)[4];
board_hole_pitch_mm = board_spec(board)[5];
board_power_x_mm = board_spec(board)[6];
board_power_port_h_mm = board_spec(board)[7];
board_port_overhang_mm = board_spec(board)[8];
board_end_overhang_mm = board_spec(board)[9];
// Headroom above the PCB for the GPIO header and a stacked proto bonnet with the level shifter.
board_stack_mm = 24;
// Air between the board's outline (with overhanging connectors) and the inside of the wall.
board_clearance_mm = 1.0;
standoff_height_mm = 5;
standoff_d_mm = 5.5;
// Pilot for M2.5 self-tapping screws.
board_pilot_d_mm = 2.2;

/* [Walls and fits] */
wall_mm = 2.4;
floor_mm = 2.0;
// Clearance per side between every pair of mating surfaces.
tolerance_mm = 0.2;
// Translucent white PLA/PETG: 1.2-2 mm diffuses without dimming too much.
diffuser_mm = 1.6;
// LED tops to the inside of the diffuser; 10-20 mm blends the pixels into one glow.
diffuser_gap_mm = 15;
// Height of the rounded top edge of the diffuser.
diffuser_round_mm = 10;
// Height of the base's neck the diffuser slides over.
neck_mm = 6;
neck_wall_mm = 2.0;
// Snap bead on the neck, caught by a groove in the diffuser.
bead_mm = 0.4;
deck_mm = 3.0;
seat_wall_mm = 2.0;
seat_lip_mm = 2.0;

/* [Button: 12 mm panel-mount push button] */
button_hole_d_mm = 12;
// Nut across corners: the flat inside the panel must take it.
button_nut_d_mm = 17;
button_panel_mm = 3.0;
// Room behind the panel for the button body, lugs and wires.
button_depth_mm = 22;
button_face_w_mm = 20;

/* [Power entry: the supply's plug into the board's power socket] */
power_plug_w_mm = 12;
power_plug_h_mm = 8;

/* [Screws: ring holder to base, M3 countersunk self-tapping] */
screw_clearance_d_mm = 3.4;
screw_pilot_d_mm = 2.5;
screw_head_d_mm = 6.4;
screw_engagement_mm = 8;
screw_boss_d_mm = 7.0;
screw_angles_deg = [90, 230, 310];

/* [Cable and vents] */
cable_slot_angle_deg = 270;
cable_slot_arc_mm = 16;
vent_w_mm = 2.5;
vent_slots_per_side = 5;
vent_pitch_deg = 8;

include <lib/layout.scad>
include <lib/base.scad>
include <lib/ring_holder.scad>
include <lib/diffuser.scad>
include <lib/views.scad>

report_dimensions();

// Colours only tint previews; STL export ignores them.
if (part == "base") color(BASE_COLOUR) part_or_stl("base") base();
else if (part == "ring_holder") color(HOLDER_COLOUR) part_or_stl("ring_holder") ring_holder();
else if (part == "diffuser") color(DIFFUSER_COLOUR) part_or_stl("diffuser") diffuser();
else if (part == "assembly") assembly_view(0);
else if (part == "exploded") assembly_view(22);
else if (part == "section") section_view();
else assert(false, str("unknown part: ", part));
