"""Hypothesis strategies for valid sequence files, built from what the language declares
(the effects' parameter declarations, the palette, the easings), so new effects are covered
without touching the tests."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from sequences.easing import EASINGS
from sequences.effects import EFFECTS
from sequences.effects.base import Param
from sequences.palette import palette

colours = st.one_of(
    st.sampled_from(sorted(palette())).map(json.dumps),
    st.integers(1000, 6500).map(str),
    st.integers(0, 0xFFFFFF).filter(lambda v: v != 0).map(lambda v: json.dumps(f"#{v:06x}")),
)


def param_value(param: Param) -> st.SearchStrategy[str]:
    """A TOML literal for a valid value of `param`."""
    if param.kind == "number":
        return st.floats(param.minimum, param.maximum, allow_nan=False).map(repr)
    if param.kind == "integer":
        return st.integers(int(param.minimum), int(param.maximum)).map(str)
    if param.kind == "choice":
        return st.sampled_from(param.choices).map(json.dumps)
    if param.kind == "colour":
        return colours
    if param.kind == "colours":
        return st.lists(colours, min_size=1, max_size=6).map(lambda items: "[" + ", ".join(items) + "]")
    raise AssertionError(f"no strategy for parameter kind {param.kind}")


@st.composite
def effect_table(draw) -> str:
    """`effect = ...` and `params = {...}` lines for a random effect with random valid params."""
    name = draw(st.sampled_from(sorted(EFFECTS)))
    chosen = [p for p in EFFECTS[name].params if draw(st.booleans())]
    pairs = [f"{p.name} = {draw(param_value(p))}" for p in chosen]
    return f'effect = "{name}"\nparams = {{ {", ".join(pairs)} }}\n'


@st.composite
def light(draw, need_all: bool) -> str:
    parts = []
    if need_all or draw(st.booleans()):
        parts.append(f"colour = {draw(colours)}")
    if need_all or draw(st.booleans()):
        parts.append(f"level = {draw(st.floats(0, 100, allow_nan=False))!r}")
    return "{ " + ", ".join(parts) + " }"


@st.composite
def sequence_text(draw) -> str:
    """A valid sequence file: 1-6 phases of shares, seconds and random effects."""
    kind = draw(st.sampled_from(["wake", "dusk", "ambient"]))
    count = draw(st.integers(1, 6))
    lines = ['title = "Random"', 'description = "Made by hypothesis"', f'kind = "{kind}"',
             "duration = DURATION", f"seed = {draw(st.integers(0, 2**63 - 1))}"]
    fixed_s = 0
    for index in range(count):
        if draw(st.booleans()):
            duration = f'"{draw(st.integers(1, 100 // count))}%"'
        else:
            seconds = draw(st.integers(1, 50))
            fixed_s += seconds
            duration = str(seconds)
        lines += ["[[phase]]", f'name = "p{index}"', 'caption = "random"', f"duration = {duration}",
                  f"start = {draw(light(index == 0))}", f"end = {draw(light(False))}",
                  f'easing = "{draw(st.sampled_from(sorted(EASINGS)))}"']
        if index and draw(st.booleans()):
            lines.append(f"crossfade = {draw(st.floats(0.5, 60))!r}")
        lines.append(draw(effect_table()))
    # Long enough that the phases given as shares get some time too.
    lines[3] = f'duration = "{fixed_s + draw(st.integers(60, 3600))}s"'
    return "\n".join(lines) + "\n"
