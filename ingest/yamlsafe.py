"""YAML loading with limits: libyaml's speed, no anchor bombs, no deep-nesting crashes.

Why: PyYAML's pure-Python loader is slow (0.8 s for the real suites, CSafeLoader 0.05 s), and
any safe loader expands aliases lazily into shared objects, so a 412-byte "billion laughs"
file looks harmless until something walks or serialises it (minutes, then MemoryError).

1. A streaming pre-scan of the event stream (iterative, in C) bounds nesting depth
   (:data:`MAX_DEPTH`) and the number of aliases (:data:`MAX_ALIASES`) before anything is
   composed;
2. the document is built with CSafeLoader, noting keys given twice in any mapping;
3. a bounded walk measures the *expanded* size (nodes and characters, as if every alias
   were copied) and refuses a document above :data:`MAX_NODES` / :data:`MAX_CHARS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ingest.errors import SourceError

MAX_DEPTH = 64
MAX_ALIASES = 10_000
MAX_NODES = 2_000_000
MAX_CHARS = 64 * 1024 * 1024

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DupLoader(_Loader):  # type: ignore[misc, valid-type]
    """CSafeLoader that records repeated mapping keys (YAML silently keeps the later)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any, Any]] = []  # (line, key, earlier value)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                try:
                    key = self.construct_object(key_node, deep=True)
                    hash(key)
                except TypeError:
                    continue  # unhashable keys: the base constructor reports them
                if key in seen:
                    self.duplicates.append(
                        (
                            key_node.start_mark.line + 1,
                            key,
                            self.construct_object(seen[key], deep=True),
                        )
                    )
                seen[key] = value_node
        return super().construct_mapping(node, deep=deep)


@dataclass
class YamlDoc:
    doc: Any
    duplicates: list[tuple[int, Any, Any]] = field(default_factory=list)


def _prescan(text: str) -> None:
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise SourceError(
                    "too_deep",
                    f"YAML nested more than {MAX_DEPTH} levels deep; nothing of it was loaded. "
                    "A suite is 3-5 levels deep: repair the file.",
                    f"line {line}" if line else None,
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise SourceError(
                    "yaml_aliases",
                    f"more than {MAX_ALIASES} YAML aliases (*name); refused as a possible "
                    "alias bomb. Write the values out.",
                )


def _expanded_size_ok(doc: Any) -> None:
    nodes = chars = 0
    stack = [doc]
    while stack:
        obj = stack.pop()
        nodes += 1
        if isinstance(obj, str):
            chars += len(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set)):
            stack.extend(obj)
        if nodes > MAX_NODES or chars > MAX_CHARS:
            raise SourceError(
                "yaml_too_large",
                f"the YAML expands (through its aliases) to more than {MAX_NODES:,} values or "
                f"{MAX_CHARS // 2**20} MiB of text; refused as a possible alias bomb. Write "
                "the values out or split the file.",
            )


def load(text: str) -> YamlDoc:
    """Parse one YAML document safely; raises yaml.YAMLError for syntax, SourceError for
    limits."""
    _prescan(text)
    loader = _DupLoader(text)
    try:
        doc = loader.get_single_data()
    except RecursionError:
        raise SourceError("too_deep", "YAML nested too deeply to read safely") from None
    finally:
        loader.dispose()
    _expanded_size_ok(doc)
    return YamlDoc(doc, loader.duplicates)
