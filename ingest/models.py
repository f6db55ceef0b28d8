"""Model facts derived from a GGUF file name: name, family, size, active size, quantisation.

Users pick models by these facts ("the 8B Q4_K_M one"), but the run files only carry a path.
Parsing is best effort and never guesses: a fact that is not in the name stays None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

_SHARD = re.compile(r"-\d{5}-of-\d{5}$", re.IGNORECASE)
_QUANT = re.compile(
    r"(?:^|[-_.])(?P<q>i?q\d(?:_[a-z0-9]+)*|fp16|f16|bf16|fp32|f32)$",
    re.IGNORECASE,
)
_PARAMS = re.compile(r"(?:^|[-_.])(?P<n>\d+(?:\.\d+)?)b(?=$|[-_.])", re.IGNORECASE)
_ACTIVE = re.compile(r"(?:^|[-_.])a(?P<n>\d+(?:\.\d+)?)b(?=$|[-_.])", re.IGNORECASE)


@dataclass(frozen=True)
class ModelFacts:
    model: str | None
    family: str | None
    params_b: float | None
    active_params_b: float | None
    quant: str | None


def model_name(model_path: str | None) -> str | None:
    """`/x/Qwen3-235B-A22B-Q4_K_M-00001-of-00004.gguf` -> `Qwen3-235B-A22B-Q4_K_M`."""
    if not model_path:
        return None
    name = PurePosixPath(model_path.replace("\\", "/")).name
    if name.lower().endswith(".gguf"):
        name = name[: -len(".gguf")]
    return _SHARD.sub("", name) or None


def _normalise_quant(q: str) -> str:
    low = q.lower()
    if low in {"fp16", "f16"}:
        return "fp16"
    if low in {"fp32", "f32"}:
        return "fp32"
    if low == "bf16":
        return "bf16"
    return q.upper()


@lru_cache(maxsize=4096)
def model_facts(model_path: str | None) -> ModelFacts:
    """Parse what the file name says; leave the rest None. Cached: a run names the same few
    model files in hundreds of config files (frozen result, so sharing it is safe)."""
    name = model_name(model_path)
    if not name:
        return ModelFacts(None, None, None, None, None)
    quant = None
    stem = name
    m = _QUANT.search(name)
    if m:
        quant = _normalise_quant(m.group("q"))
        stem = name[: m.start()]
        # "...CODER-L.i1-Q4_K_M": the imatrix marker belongs to the quantisation, not the name.
        stem = re.sub(r"[-_.]i1$", "", stem)
    params = None
    family = None
    p = _PARAMS.search(stem)
    if p:
        params = float(p.group("n"))
        family = stem[: p.start()].strip("-_.") or None
    active = None
    a = _ACTIVE.search(stem)
    if a:
        active = float(a.group("n"))
    if family is None:
        family = stem.strip("-_.") or None
    return ModelFacts(name, family, params, active, quant)
