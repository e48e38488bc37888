"""Properties every frame of every sequence has: built-ins and random valid files alike."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sequences.catalog import builtin_names, load_builtin
from sequences.effects.base import MAX_CHANGE_PER_5MS
from sequences.engine import Renderer
from sequences.loader import load_text
from tests.sequences.sequence_strategies import sequence_text

BUILTINS = {name: load_builtin(name) for name in builtin_names()}
pixel_counts = st.integers(12, 60)
instants = st.floats(-10.0, 4 * 3600.0, allow_nan=False)


def check_frame(frame: np.ndarray, pixels: int) -> None:
    assert frame.shape == (pixels, 3)
    assert np.all(np.isfinite(frame))
    assert frame.min() >= 0.0 and frame.max() <= 1.0


def check_continuity(renderer: Renderer, t_s: float) -> None:
    if renderer.flashes or any(t_s < cut <= t_s + 0.005 for cut in renderer.cuts_s):
        return  # the file asked for a jump
    change = np.abs(renderer.frame(t_s + 0.005) - renderer.frame(t_s)).max()
    assert change <= MAX_CHANGE_PER_5MS, f"a pixel changed by {change:.3f} between {t_s}s and 5 ms later"


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(BUILTINS)), pixels=pixel_counts, t_s=instants,
       minutes=st.floats(5, 120))
def test_builtin_frames_are_finite_in_range_repeatable_and_smooth(name, pixels, t_s, minutes):
    renderer = Renderer(BUILTINS[name], minutes * 60, pixels)
    frame = renderer.frame(t_s)
    check_frame(frame, pixels)
    assert np.array_equal(frame, Renderer(BUILTINS[name], minutes * 60, pixels).frame(t_s))
    check_continuity(renderer, t_s)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=sequence_text(), pixels=pixel_counts, times=st.lists(instants, min_size=1, max_size=5))
def test_random_sequences_are_finite_in_range_repeatable_and_smooth(text, pixels, times):
    sequence = load_text(text, "random.toml")
    renderer = Renderer(sequence, None, pixels)
    again = Renderer(load_text(text, "random.toml"), None, pixels)
    for t_s in times + [renderer.duration_s * f for f in (0.0, 0.5, 1.0)]:
        frame = renderer.frame(t_s)
        check_frame(frame, pixels)
        assert np.array_equal(frame, again.frame(t_s))
        check_continuity(renderer, t_s)


@settings(max_examples=60, deadline=None)
@given(text=sequence_text(), pixels=pixel_counts)
def test_continuity_across_every_phase_boundary(text, pixels):
    # Boundaries are where jumps would hide: look just before, at and after each one.
    renderer = Renderer(load_text(text, "random.toml"), None, pixels)
    for placed in renderer.placed:
        for offset_s in (-placed.crossfade_in_s / 2 - 0.003, -0.003, 0.0, placed.crossfade_in_s / 2 - 0.003):
            check_continuity(renderer, placed.start_s + offset_s)
