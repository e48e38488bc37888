"""Exports: the GIF of the ring and the PNG timeline, checked for frames, size and colours."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageSequence

from device.cli import main
from device.pipeline import Pipeline
from sequences.catalog import find
from sequences.engine import Renderer
from sim import timeline_png as png
from sim.export import GIF_FPS, ExportError, export_gif, gif_frame_count
from sequences.colour import srgb_codes
from sim.glow import led_centres
from sim.rings import LedAppearance


def expected_srgb(config, renderer, t_s):
    """The colour of one LED of a solid frame: its pipeline codes, seen as the LEDs show them."""
    codes = Pipeline(config.output, config.ring.pixels).codes(renderer.frame(t_s))
    return srgb_codes(LedAppearance(config.output).to_linear(codes))[0].astype(int)


def test_the_gif_has_a_frame_per_twentieth_of_a_second_at_the_chosen_speed(tmp_path, solid_file, config, capsys):
    path = tmp_path / "ring.gif"
    code = main(["--home", str(tmp_path), "preview", str(solid_file), "--speed", "4", "--size", "64",
                 "--export", str(path)])
    assert code == 0
    assert capsys.readouterr().out.strip() == f"{path}: 100 frames at 20 fps, 4x"
    gif = Image.open(path)
    frames = [np.asarray(frame.convert("RGB")).astype(int) for frame in ImageSequence.Iterator(gif)]
    assert len(frames) == gif_frame_count(20.0, 4.0) == 100
    assert gif.size == (64, 64) and gif.info["duration"] == 1000 / GIF_FPS and gif.info["loop"] == 0
    renderer = Renderer(find(str(solid_file)), None, config.ring.pixels)
    red, blue = expected_srgb(config, renderer, 5.0), expected_srgb(config, renderer, 15.0)
    centres = np.round(led_centres(config.ring.pixels, 64)).astype(int)
    # Frame 49 is the last fifth of a second of red; frame 50 starts the blue at 10 s exactly.
    for index, colour in ((0, red), (49, red), (50, blue), (99, blue)):
        for x, y in centres:
            seen = frames[index][y - 1:y + 1, x - 1:x + 1].reshape(-1, 3).mean(axis=0)
            assert np.abs(seen - colour).max() < 40, (index, x, y, seen, colour)
            assert np.argmax(seen) == np.argmax(colour)


def test_a_gif_with_too_many_frames_says_which_speed_would_do(tmp_path, config):
    renderer = Renderer(find("lavender-dawn"), None, config.ring.pixels)
    with pytest.raises(ExportError, match="use --speed 30 or more"):
        export_gif(renderer, config, tmp_path / "x.gif", speed_x=1.0)


def test_the_timeline_shows_each_led_over_time_and_the_level_under_it(tmp_path, solid_file, config, capsys):
    path = tmp_path / "timeline.png"
    assert main(["--home", str(tmp_path), "preview", str(solid_file), "--export", str(path)]) == 0
    picture = np.asarray(Image.open(path).convert("RGB")).astype(int)
    row_h = round(png.BAND_H / config.ring.pixels)
    band_top = png.HEADER_H + png.PHASES_H
    assert picture.shape == (band_top + row_h * 24 + 2 * png.GAP_H + 2 * png.CHART_H + png.AXIS_H,
                             png.LEFT + png.PLOT_W + png.RIGHT, 3)
    renderer = Renderer(find(str(solid_file)), None, config.ring.pixels)
    for t_s in (1.0, 5.0, 9.5, 10.5, 15.0, 19.5):
        x = png.LEFT + int(t_s / 20.0 * png.PLOT_W)
        column = picture[band_top:band_top + row_h * 24, x]
        assert np.abs(column - expected_srgb(config, renderer, t_s)).max() <= 2, t_s
    # The level curve: L* 50 while red, 30 while blue, drawn where the chart puts those levels.
    lstar_top = band_top + row_h * 24 + png.GAP_H
    for t_s, level in ((5.0, 50), (15.0, 30)):
        x = png.LEFT + int(t_s / 20.0 * png.PLOT_W)
        chart = picture[lstar_top:lstar_top + png.CHART_H, x]
        brightest_y = lstar_top + int(np.argmax(chart.max(axis=1)))
        assert abs(brightest_y - (lstar_top + png.CHART_H - 4 - level / 100 * (png.CHART_H - 8))) <= 2


def test_an_export_to_an_unknown_kind_of_file_is_one_line_and_fails(tmp_path, solid_file, capsys):
    assert main(["--home", str(tmp_path), "preview", str(solid_file), "--export", str(tmp_path / "x.mp4")]) == 1
    assert capsys.readouterr().err == "emberwake: cannot export to x.mp4: the file name must end .gif or .png\n"
