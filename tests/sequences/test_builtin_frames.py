"""Every built-in sequence's frames, held to the ones recorded in tests/sequences/data/builtin_frames.npz.

A change to the engine or the effects that is meant to leave the light alone (a faster path, a new
home for scratch memory) must leave every frame bit-identical. The recorded frames come in the
order one renderer drew them: runs of consecutive 200 fps frames inside each phase and across
each cross-fade (so the effects' per-slot and per-cell caches are used as in play), the ends, then
times scattered at random (so every cache is also missed). On the machine and numpy the file was
recorded with (and CPU: numpy's SIMD paths), frames must match exactly (SHA-256 of each frame); elsewhere exp() and friends may
round differently in the last bit, and they must match the stored float32 copy.

After a change that is meant to change the light: `.venv/bin/python -m tests.sequences.test_builtin_frames`
records the file again (and says so in the commit).
"""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import numpy as np
import pytest

from sequences.catalog import builtin_names, load_builtin
from sequences.engine import Renderer

FRAMES_FILE = Path(__file__).parent / "data" / "builtin_frames.npz"
PIXELS = 24
FPS = 200.0
RUN_FRAMES = 4
SCATTERED = 24
FLOAT32_TOLERANCE = 1e-6  # float32 keeps 24 bits: about 6e-8 at full duty, far under this


def frame_times(renderer: Renderer, seed: int) -> np.ndarray:
    """The times one renderer draws, in drawing order."""
    runs = []
    for placed in renderer.placed:
        middle_s = (placed.start_s + placed.end_s) / 2
        runs.append(middle_s + np.arange(RUN_FRAMES) / FPS)
        if placed.crossfade_in_s > 0:
            runs.append(placed.start_s + (np.arange(RUN_FRAMES) - RUN_FRAMES // 2) / FPS)
    runs.append(np.array([-1.0, 0.0, renderer.duration_s, renderer.duration_s + 1.0]))
    scattered = np.random.default_rng(seed).uniform(-5.0, renderer.duration_s + 5.0, SCATTERED)
    return np.concatenate(runs + [scattered])


def render(name: str, own_memory: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(times, frames) of a built-in at its default length, drawn in order by one caller: in memory
    of its own (renderer.frames(), whose effects keep lookups between frames) or each in fresh memory."""
    renderer = Renderer(load_builtin(name), None, PIXELS)
    times = frame_times(renderer, seed=sum(name.encode()))
    draw = renderer.frames().frame if own_memory else renderer.frame
    return times, np.array([draw(float(t_s)) for t_s in times])


def digest(frame: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(frame, dtype=np.float64).tobytes()).hexdigest()[:32]


def cpu_features() -> str:
    """The SIMD paths numpy takes on this CPU: exp() and friends round differently in the last bit
    on AVX-512 than on AVX2, though the machine and numpy are the same."""
    from numpy._core._multiarray_umath import __cpu_features__
    return " ".join(sorted(name for name, enabled in __cpu_features__.items() if enabled))


def recorded_here(stored) -> bool:
    """True on the kind of machine, CPU and numpy the frames were recorded with: then they must match exactly."""
    return (str(stored["machine"]) == platform.machine() and str(stored["numpy"]) == np.__version__
            and str(stored["cpu_features"]) == cpu_features())


@pytest.fixture(scope="module")
def stored():
    with np.load(FRAMES_FILE) as data:
        return dict(data)


def test_every_built_in_has_recorded_frames(stored):
    assert sorted(str(n) for n in stored["names"]) == builtin_names()
    # Without what it was recorded on, recorded_here() is never true and no frame is held exactly.
    assert {"machine", "numpy", "cpu_features"} <= set(stored)


@pytest.mark.parametrize("own_memory", [True, False], ids=["frames", "fresh"])
@pytest.mark.parametrize("name", builtin_names())
def test_frames_match_the_recorded_ones(name, own_memory, stored):
    times, frames = render(name, own_memory)
    assert np.array_equal(times, stored[f"{name}/times"])
    if recorded_here(stored):
        digests = [digest(f) for f in frames]
        wrong = [i for i, (got, want) in enumerate(zip(digests, stored[f"{name}/sha256"])) if got != want]
        assert not wrong, (f"{name}: {len(wrong)} of {len(times)} frames differ, first at t = {times[wrong[0]]} s "
                           f"by {np.abs(frames[wrong[0]] - stored[f'{name}/float32'][wrong[0]]).max():.3g}")
    else:
        np.testing.assert_allclose(frames, stored[f"{name}/float32"], rtol=0, atol=FLOAT32_TOLERANCE)


def record() -> None:
    arrays = {"names": np.array(builtin_names()), "machine": np.array(platform.machine()),
              "numpy": np.array(np.__version__), "cpu_features": np.array(cpu_features())}
    for name in builtin_names():
        times, frames = render(name)
        arrays[f"{name}/times"] = times
        arrays[f"{name}/sha256"] = np.array([digest(f) for f in frames])
        arrays[f"{name}/float32"] = frames.astype(np.float32)
    np.savez_compressed(FRAMES_FILE, **arrays)
    print(f"recorded {sum(len(arrays[f'{n}/times']) for n in builtin_names())} frames in {FRAMES_FILE}")


if __name__ == "__main__":
    record()
