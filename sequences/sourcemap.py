"""Where keys stand in a TOML file, so an error can name its line.

tomllib gives line numbers only for syntax errors; this reads the text once more, line by line,
and remembers the line of each `key =` under each table header. It needs only to be right for
files that already parsed, and an unknown place falls back to the enclosing table's line.
Lines inside multi-line strings and arrays are values, not keys or headers, and are skipped.
"""

from __future__ import annotations

import re
import tomllib

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_\-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
                  r"(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*'))*)\s*=")

Path = tuple[object, ...]  # e.g. ("phase", 2, "params", "bpm")


class SourceMap:
    """Line numbers (1-based) of keys and tables, addressed by their path in the parsed data."""

    def __init__(self, text: str):
        self.lines: dict[Path, int] = {}
        array_counts: dict[tuple[str, ...], int] = {}
        table: Path = ()
        open_string: str | None = None  # '"""' or "'''" while inside a multi-line string
        depth = 0  # open [ and { of a value that runs on over several lines
        for number, raw in enumerate(text.split("\n"), start=1):  # TOML counts only LF as a newline
            if open_string is None and depth == 0:
                header = _HEADER.match(raw)
                if header:
                    is_array = header.group(1) == "[["
                    names = tuple(_split_dotted(header.group(2)))
                    table = self._table_path(names, array_counts, is_array)
                    if is_array:
                        self.lines.setdefault(table[:-1], number)  # the array as a whole: its first table
                    self.lines.setdefault(table, number)
                    continue
                key = _KEY.match(raw)
                if key:
                    path = table + tuple(_split_dotted(key.group(1)))
                    self.lines.setdefault(path, number)
                    open_string, depth = _scan(raw[key.end():], None, 0)
                    continue
            open_string, depth = _scan(raw, open_string, depth)

    def _table_path(self, names: tuple[str, ...], counts: dict[tuple[str, ...], int], is_array: bool) -> Path:
        path: list[object] = []
        for index, name in enumerate(names):
            path.append(name)
            prefix = names[: index + 1]
            is_last = index == len(names) - 1
            if is_last and is_array:
                counts[prefix] = counts.get(prefix, 0) + 1
                # tables below an array element restart their own counts
                for other in [k for k in counts if len(k) > len(prefix) and k[: len(prefix)] == prefix]:
                    del counts[other]
                path.append(counts[prefix] - 1)
            elif prefix in counts:
                path.append(counts[prefix] - 1)
        return tuple(path)

    def line_of(self, path: Path) -> int | None:
        """The line of the key at `path`, else of the nearest enclosing key or table."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def _scan(line: str, open_string: str | None, depth: int) -> tuple[str | None, int]:
    """Follow one line of values: whether a multi-line string is still open at its end, and how
    many brackets and braces are."""
    i, n = 0, len(line)
    while i < n:
        if open_string is not None:
            close = line.find(open_string, i)
            if open_string == '"""':
                while close > 0 and _escaped(line, close):
                    close = line.find(open_string, close + 1)
            if close < 0:
                return open_string, depth
            i = close + 3
            while i < n and line[i] == open_string[0]:  # up to two quotes may end the string's text
                i += 1
            open_string = None
            continue
        char = line[i]
        if char == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            open_string = line[i:i + 3]
            i += 3
        elif char in "\"'":
            close = line.find(char, i + 1)
            while char == '"' and close > 0 and _escaped(line, close):
                close = line.find(char, close + 1)
            i = n if close < 0 else close + 1
        else:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth = max(depth - 1, 0)
            i += 1
    return open_string, depth


def _escaped(line: str, index: int) -> bool:
    backslashes = 0
    while index - 1 - backslashes >= 0 and line[index - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _split_dotted(text: str) -> list[str]:
    if '"' in text or "'" in text:  # quoted parts may hold dots and escapes: let TOML read them
        try:
            data, parts = tomllib.loads(f"{text} = 0"), []
            while isinstance(data, dict) and len(data) == 1:
                key, data = next(iter(data.items()))
                parts.append(key)
            return parts
        except tomllib.TOMLDecodeError:
            pass
    return [part.strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", text)]
