"""The sequence guide lists every key, effect, parameter, easing and colour the code knows."""

from pathlib import Path

from sequences import loader, reference
from sequences.easing import EASINGS
from sequences.effects import EFFECTS
from sequences.palette import palette

GUIDE = Path(__file__).resolve().parents[1] / "sequences" / "README.md"


def test_generated_sections_are_up_to_date():
    text = GUIDE.read_text(encoding="utf-8")
    assert reference.fill(text) == text, "run: python -m sequences.reference sequences/README.md"


def test_every_key_effect_parameter_easing_and_colour_is_documented():
    text = GUIDE.read_text(encoding="utf-8")
    for key in (*loader._TOP_KEYS, *loader._PHASE_KEYS, *loader._LIGHT_KEYS):
        assert f"`{key}`" in text or f"`[[{key}]]`" in text, key
    for name, effect in EFFECTS.items():
        assert f"### `{name}`" in text
        for param in effect.params:
            assert f"| `{param.name}` |" in text, f"{name}.{param.name}"
    for name in (*EASINGS, *palette()):
        assert f"`{name}`" in text


def test_the_example_in_the_guide_loads(tmp_path):
    text = GUIDE.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    sequence = loader.load_text(example, "guide-example.toml")
    assert sequence.name == "my-sunrise" and len(sequence.phases) == 2
