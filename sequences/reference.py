"""The language reference, generated from what the code declares (effects, easings, palette),
so the documentation cannot drift from the loader. `emberwake effects` prints it; the
sequences README carries a copy that a test keeps identical."""

from __future__ import annotations

import importlib.resources
import tomllib

from sequences.colour import linear_to_srgb
from sequences.easing import EASING_DOCS
from sequences.effects import EFFECTS
from sequences.effects.base import Param
from sequences.palette import palette


def _colour_name(rgb) -> str:
    for name, colour in palette().items():
        if all(abs(a - b) < 1e-9 for a, b in zip(colour.rgb, rgb)):
            return f'"{name}"'
    return "#" + "".join(f"{round(float(c) * 255):02x}" for c in linear_to_srgb(rgb))


def _default(param: Param) -> str:
    if param.default is None:
        return "the phase's colour" if param.kind in ("colour", "colours") else "none"
    if param.kind == "colour":
        return f"`{_colour_name(param.default)}`"
    if param.kind == "colours":
        return "`[" + ", ".join(_colour_name(c) for c in param.default) + "]`"
    return f"`{param.default!r}`".replace("'", '"')


def _range(param: Param) -> str:
    if param.kind == "choice":
        return " / ".join(f"`{c}`" for c in param.choices)
    if param.kind in ("number", "integer"):
        unit = f" {param.unit}" if param.unit else ""
        return f"{param.minimum:g}-{param.maximum:g}{unit}"
    return "a colour" if param.kind == "colour" else "a list of 1-6 colours"


def effects_markdown() -> str:
    """One section per effect: its summary and a table of its parameters."""
    blocks = []
    for name in sorted(EFFECTS):
        effect = EFFECTS[name]
        lines = [f"### `{name}`", "", effect.summary + (" *(May flash.)*" if effect.flashes else ""), ""]
        if effect.params:
            lines += ["| parameter | range | default | what it does |", "| --- | --- | --- | --- |"]
            lines += [f"| `{p.name}` | {_range(p)} | {_default(p)} | {p.doc} |" for p in effect.params]
        else:
            lines.append("No parameters.")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def easings_markdown() -> str:
    return "\n".join(f"- `{name}`: {doc}" for name, doc in EASING_DOCS.items()) + "\n"


def palette_markdown() -> str:
    text = importlib.resources.files("sequences").joinpath("palette.toml").read_text(encoding="utf-8")
    rows = ["| name | colour |", "| --- | --- |"]
    for name, entry in tomllib.loads(text).items():
        rows.append(f"| `{name}` | {entry['kelvin']} K |" if "kelvin" in entry else f"| `{name}` | `{entry['hex']}` |")
    return "\n".join(rows) + "\n"


def sections() -> dict[str, str]:
    """Generated sections of the sequences README, by the name of their marker."""
    return {"effects": effects_markdown(), "easings": easings_markdown(), "palette": palette_markdown()}


def fill(document: str) -> str:
    """The document with every `<!-- NAME:begin -->...<!-- NAME:end -->` section regenerated."""
    for name, body in sections().items():
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        head, found, rest = document.partition(begin)
        if not found:
            raise ValueError(f"the document has no {begin} marker")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"the document has no {end} marker")
        document = f"{head}{begin}\n{body}{end}{tail}"
    return document


if __name__ == "__main__":  # python -m sequences.reference sequences/README.md: regenerate in place
    import sys
    from pathlib import Path

    target = Path(sys.argv[1])
    target.write_text(fill(target.read_text(encoding="utf-8")), encoding="utf-8")
