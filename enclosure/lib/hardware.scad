// Bought parts the housing is built around. Figures are the makers' published dimensions;
// measure your own part if it differs and override the named value with -D or in the main file.

// Adafruit NeoPixel rings: [leds, outer_d_mm, inner_d_mm, thickness_mm (PCB + LEDs)].
RINGS = [
    [12, 37.0, 23.0, 3.6],
    [16, 44.5, 31.75, 3.6],
    [24, 66.0, 52.5, 3.6],
];

// Boards, in the board's own drawing frame: origin at the lower-left corner seen from the
// component side, connector edge along y = 0.
// [name, length_mm, width_mm, pcb_mm, hole_inset_mm, hole_pitch_mm [x, y],
//  power_x_mm (centre of the power connector along the connector edge),
//  power_port_h_mm (connector height above the PCB), port_overhang_mm (connectors past the edge),
//  end_overhang_mm (connectors past the short edges)]
BOARDS = [
    // Raspberry Pi Zero 2 W: micro-USB "PWR IN" 54 mm from the SD-card end.
    ["zero2w", 65, 30, 1.0, 3.5, [58, 23], 54.0, 2.6, 1.0, 1.0],
    // Raspberry Pi 4 B (USB-C at 11.2 mm); a Pi 3 B/B+ (micro-USB at 10.6 mm) fits the same slot.
    ["pi4", 85, 56, 1.4, 3.5, [58, 49], 11.2, 3.2, 1.0, 2.5],
];

function table_row(table, key, what) =
    let(hits = [for (row = table) if (row[0] == key) row])
    assert(len(hits) == 1, str("unknown ", what, ": ", key))
    hits[0];

function ring_spec(leds) = table_row(RINGS, leds, "ring size");
function board_spec(name) = table_row(BOARDS, name, "board");
