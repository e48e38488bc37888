"""Hypothesis strategies that break hand-written TOML files the ways people and disks do.

`tricky_text` is a value for one field of a request or a command line, of the same kinds;
`json_scalars` and `json_values` the same in JSON, for an API body or an MQTT payload.

`mutated(seeds)` takes a valid (or nearly valid) file and applies one to four mutations: byte
flips, deletions, insertions, line swaps, truncation, numbers replaced by extreme values, keys
misspelt, values of the wrong TOML type, deep nesting, non-UTF-8 bytes. Every fuzz target that
reads a TOML file draws from it, so they all break files the same ways.

`examples(n)` is a target's number of cases: n in the `ci` and `dev` profiles, the profile's
own count in longer ones (`make fuzz`: HYPOTHESIS_PROFILE=fuzz, 100 000 a target).
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from typing import Iterator

from hypothesis import settings
from hypothesis import strategies as st

# Values people (and fuzzers) put where a number was.
EXTREME_NUMBERS = ("nan", "-nan", "inf", "-inf", "+inf", "1e308", "-1e308", "1e309", "5e-324", "-0", "-0.0", "0",
                   "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1" + "0" * 400,
                   "0x7fffffff", "0o777", "0b1", "1_000", "99999999999999999999", "1e-9", "100.0000001")
# TOML literals of every type, to stand where a value of another type was.
WRONG_TYPES = ('"text"', '""', '"20%"', '"90s"', '"-5m"', '"#fff"', "true", "false", "[]", "[1, 2, 3]",
               '["a", 1]', "{}", "{ a = 1 }", "1979-05-27T07:32:00Z", "1979-05-27", "07:32:00", '"""\nmulti\n"""',
               "'literal'", '"\\u0000"', '"\\n"', '"\\t"', '"tab\tin"', '"' + "x" * 300 + '"')
# Strings that are trouble where a name, path or zone is read, as TOML source (so "\\u0000" is NUL).
ODD_STRINGS = ("", " ", "Europe", "Europe/", "../../etc/passwd", "/etc/localtime", ".", "..", "~", "~nobody-here/x",
               "\\u0000", "a\\u0000b", "\\n", "\\u2028", "x" * 300, "zone.tab", "__pycache__", "GRBWX", "D10",
               "MOSI", "#fff", "#ffffff00", "2700K", "100%", "0%", "1e308K", "-1%", "nan%", "inf", "24:00:00",
               "99:99", "1h1h", "0s", "ember ", "EMBER", "\u00e9")
# Bytes that are not UTF-8, or are but are trouble: a lone continuation byte, an overlong form,
# a surrogate, a byte-order mark in the middle, NUL and other control characters.
ODD_BYTES = (b"\xff", b"\xfe", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x00", b"\x1b", b"\r",
             b"\x7f", b"\xe2\x80\xa8", b"\xf4\x90\x80\x80")
# TOML punctuation worth inserting on its own.
TOKENS = (b"[", b"]", b"[[", b"]]", b"{", b"}", b"=", b",", b".", b'"', b"'", b'"""', b"#", b"\n", b" = ", b"%",
          b"[[phase]]\n", b"[phase]\n", b"[phase.params]\n", b"\\", b"\\u", b"\t")

# A value for one field (an API body or query, a command's argument): nearly right, plainly wrong,
# or trouble (digits that str.isdigit() takes and int() does not, NUL, 5000 characters).
tricky_text = st.one_of(
    st.sampled_from(("", " ", "0", "1", "2", "-1", "07:30", "7:30", "25:00", "23:59", "00:00", "sunset", "sunset+30m",
                     "sunset-6h", "sunset+7h", "sunset+", "sunset+-1h", "daily", "weekdays", "sat-sun", "sun-mon",
                     "mon,,wed", "-", "9999-12-31", "0001-01-01", "2026-11-23", "2026-02-30", "wake", "bedtime",
                     "all", "lavender-dawn", "storm-to-firelight", "tend-the-flame", "breathe", "nightlight",
                     "x.toml", "/dev/zero", "/etc", "../../etc/passwd.toml", "30m", "3h", "0s", "1e308", "nan",
                     "inf", "24:00:00", "9999-12-31T23:59", "0001-01-01T00:00", "2026-11-23T04:00+14:00",
                     "\u00b2", "\u0661", "\u00bd", "\x00", "a\nb", "x" * 5000, "1" * 11, "1" * 12)),
    st.text(max_size=20),
)
# A JSON value of any type for one field (an API body's, an MQTT command's), and JSON of any shape.
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                         st.sampled_from([10**400, -(10**400), 2**63]), tricky_text)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
_NUMBER = re.compile(rb"(?<![\w.#-])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.:-])")
_KEY = re.compile(rb"^([ \t]*)([A-Za-z_][A-Za-z0-9_-]*)([ \t]*=)", re.MULTILINE)
_VALUE = re.compile(rb"=[ \t]*([^\n#]*)")


def examples(ci_count: int) -> int:
    """Cases for one target: `ci_count`, or more if the profile asks for more (`make fuzz`)."""
    return max(ci_count, settings.default.max_examples) if settings.default.max_examples > 1000 else ci_count


@contextmanager
def bounded(limit_s: float, what: object) -> Iterator[None]:
    """Fail the case if this thread spends more than limit_s of CPU on it, or it takes ten times
    that on the clock: a case must not hang. pytest-timeout ends a true hang; this catches the
    slow ones that are hangs in waiting. CPU time, because a busy machine stretches the clock
    (a case of 0.3 s took 6 s on the clock while other fuzzers ran), not the work."""
    started_s, started_cpu_s = time.perf_counter(), time.thread_time()
    yield
    taken_s, cpu_s = time.perf_counter() - started_s, time.thread_time() - started_cpu_s
    assert cpu_s < limit_s and taken_s < 10 * limit_s, \
        f"took {cpu_s:.2f}s of CPU and {taken_s:.2f}s (limit {limit_s}s): {what!r}"


def _spans(draw, data: bytes) -> tuple[int, int]:
    start = draw(st.integers(0, len(data)))
    return start, draw(st.integers(start, min(len(data), start + 64)))


def _nth_match(draw, pattern: re.Pattern, data: bytes) -> re.Match | None:
    found = list(pattern.finditer(data))
    return draw(st.sampled_from(found)) if found else None


def _flip(draw, data: bytes) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]


def _delete(draw, data: bytes) -> bytes:
    start, end = _spans(draw, data)
    return data[:start] + data[end:]


def _insert(draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    piece = draw(st.one_of(st.sampled_from(TOKENS), st.sampled_from(ODD_BYTES), st.binary(min_size=1, max_size=8),
                           st.text(max_size=8).map(lambda text: text.encode("utf-8", "surrogatepass"))))
    return data[:at] + piece + data[at:]


def _swap_lines(draw, data: bytes) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return data
    a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _duplicate_line(draw, data: bytes) -> bytes:
    lines = data.split(b"\n")
    at = draw(st.integers(0, len(lines) - 1))
    return b"\n".join(lines[:at + 1] + [lines[at]] + lines[at + 1:])


def _truncate(draw, data: bytes) -> bytes:
    return data[:draw(st.integers(0, len(data)))]


def _extreme_number(draw, data: bytes) -> bytes:
    number = _nth_match(draw, _NUMBER, data)
    if number is None:
        return data
    value = draw(st.one_of(st.sampled_from(EXTREME_NUMBERS),
                           st.floats(allow_nan=True, allow_infinity=True).map(repr),
                           st.integers().map(str)))
    if draw(st.booleans()):  # numbers inside strings too: "20%", "30m", "2700K"
        value = value.lstrip("+")
    return data[:number.start()] + value.encode() + data[number.end():]


def _misspell_key(draw, data: bytes) -> bytes:
    key = _nth_match(draw, _KEY, data)
    if key is None:
        return data
    name = key.group(2).decode()
    change = draw(st.sampled_from(("drop", "double", "swap", "case", "other", "color")))
    at = draw(st.integers(0, max(len(name) - 1, 0)))
    if change == "drop" and len(name) > 1:
        name = name[:at] + name[at + 1:]
    elif change == "double":
        name = name[:at] + name[at] + name[at:]
    elif change == "swap" and len(name) > 1:
        at = min(at, len(name) - 2)
        name = name[:at] + name[at + 1] + name[at] + name[at + 2:]
    elif change == "case":
        name = name.upper()
    elif change == "color":
        name = name.replace("colour", "color") if "colour" in name else name + "_colour"
    else:
        name = draw(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True))
    return data[:key.start(2)] + name.encode() + data[key.end(2):]


def _wrong_type(draw, data: bytes) -> bytes:
    value = _nth_match(draw, _VALUE, data)
    if value is None:
        return data
    literal = draw(st.sampled_from(WRONG_TYPES)).encode()
    return data[:value.start(1)] + literal + data[value.end(1):]


def _odd_string(draw, data: bytes) -> bytes:
    found = list(re.finditer(rb'"([^"\\\n]*)"', data))
    if not found:
        return data
    string = draw(st.sampled_from(found))
    value = draw(st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=12).map(
        lambda text: text.encode("unicode_escape").decode("ascii").replace('"', '\\"'))))
    return data[:string.start(1)] + value.encode() + data[string.end(1):]


def _deep_nesting(draw, data: bytes) -> bytes:
    value = _nth_match(draw, _VALUE, data)
    if value is None:
        return data
    depth = draw(st.sampled_from((2, 10, 100, 1000, 5000)))
    kind = draw(st.sampled_from(("array", "table", "mixed")))
    if kind == "array":
        literal = b"[" * depth + b"1" + b"]" * depth
    elif kind == "table":
        literal = b"{ a = " * depth + b"1" + b" }" * depth
    else:
        literal = b"[{ a = " * depth + b"1" + b" }]" * depth
    return data[:value.start(1)] + literal + data[value.end(1):]


def _non_utf8(draw, data: bytes) -> bytes:
    encoding = draw(st.sampled_from(("latin-1", "utf-16", "utf-16-le", "cp1252", "utf-32")))
    text = data.decode("utf-8", "replace")
    if draw(st.booleans()):
        text += " \u00e9\u00fc\u2014"  # so latin-1 and cp1252 differ from UTF-8
    return text.encode(encoding, "replace")


MUTATIONS = (_flip, _delete, _insert, _swap_lines, _duplicate_line, _truncate, _extreme_number, _misspell_key,
             _wrong_type, _odd_string, _deep_nesting, _non_utf8)


@st.composite
def mutated(draw, seeds: dict[str, bytes]) -> tuple[str, bytes]:
    """(seed name, its bytes after one to four mutations)."""
    name = draw(st.sampled_from(sorted(seeds)))
    data = seeds[name]
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return name, data


def assert_problems_name_the_file(error, file) -> None:
    """A refused file's error: at least one problem, each one printable line naming the file."""
    assert error.problems, "an error with no problem in it"
    for problem in error.problems:
        line = str(problem)
        assert line.isprintable() and "\n" not in line, repr(line)
        assert line.startswith(f"{file}:") or line.startswith(f"{file} "), line
        assert len(line) < 600, line
