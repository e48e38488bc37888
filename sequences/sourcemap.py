"""Where keys stand in a TOML file, so an error can name its line.

tomllib gives line numbers only for syntax errors; this reads the text once more, line by line,
and remembers the line of each `key =` under each table header. It needs only to be right for
files that already parsed, and an unknown place falls back to the enclosing table's line.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*'))*)\s*=")

Path = tuple[object, ...]  # e.g. ("phase", 2, "params", "bpm")


class SourceMap:
    """Line numbers (1-based) of keys and tables, addressed by their path in the parsed data."""

    def __init__(self, text: str):
        self.lines: dict[Path, int] = {}
        array_counts: dict[tuple[str, ...], int] = {}
        table: Path = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(raw)
            if header:
                names = tuple(_split_dotted(header.group(2)))
                table = self._table_path(names, array_counts, header.group(1) == "[[")
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(raw)
            if key:
                path = table + tuple(_split_dotted(key.group(1)))
                self.lines.setdefault(path, number)

    def _table_path(self, names: tuple[str, ...], counts: dict[tuple[str, ...], int], is_array: bool) -> Path:
        path: list[object] = []
        for depth, name in enumerate(names):
            path.append(name)
            prefix = names[: depth + 1]
            is_last = depth == len(names) - 1
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


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", text)
    return [part.strip("\"'") for part in parts]
