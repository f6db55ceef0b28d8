"""The blind view: echo stripping, identity redaction, and no identity reaching a judge."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from judge.base import RUBRIC
from judge.blind import (
    PLACEHOLDER,
    blind_response,
    build_item,
    cache_key,
    identity_names,
    redact_identity,
    strip_echo,
)
from judge.rules_judge import RulesJudge
from judge.run import prepare
from rescore.warehouse import connect
from tests.test_judge_run import CONFIGS, build_warehouse

PROMPT = "Explain photosynthesis in 2 sentences.\nDo NOT mention sunlight."


@pytest.mark.parametrize(
    ("response", "kept"),
    [
        (PROMPT + "\nPlants make sugar.", "Plants make sugar."),
        # whitespace re-wrapped by the runner
        ("Explain photosynthesis in 2   sentences. Do NOT mention\nsunlight. Plants grow.",
         "Plants grow."),
        # no echo: nothing is cut
        ("Plants make sugar from water.", "Plants make sugar from water."),
        # the prompt's last word runs straight into the continuation
        (PROMPT + "Plants grow.", "Plants grow."),
    ],
)  # fmt: skip
def test_strip_echo(response: str, kept: str) -> None:
    assert strip_echo(response, [PROMPT]).strip() == kept


def test_partial_echo_of_the_prompt_tail_is_cut_but_a_short_quote_is_kept() -> None:
    long_prompt = "System: be brief.\n" + " ".join(f"word{i}" for i in range(30)) + " end."
    tail = " ".join(f"word{i}" for i in range(10, 30)) + " end."
    assert strip_echo(tail + " Answer here.", [long_prompt]).strip() == "Answer here."
    quote = "word28 word29 end. That is what you asked."
    assert strip_echo(quote, [long_prompt]) == quote


def test_blind_response_removes_end_marker_and_echo_but_not_content() -> None:
    raw = PROMPT + " Plants turn light into sugar. [end of text]"
    assert blind_response(raw, [PROMPT]) == "Plants turn light into sugar."
    assert blind_response(PROMPT + " [end of text]", [PROMPT]) == ""


@pytest.mark.parametrize(
    "text",
    [
        "As Qwen, developed by Alibaba Cloud, I think",
        "I am DeepSeek-R1, and here is my answer",
        "I'm Llama 3.1 70B.",
        "Hello! I am Phi-4, a model",
        "This is Gemma-3-12b-it speaking",
        "I am Hermes 4, created by NousResearch",
        "GLM-4.6 here.",
    ],
)
def test_model_names_are_redacted(text: str) -> None:
    out = redact_identity(text)
    for name in ("Qwen", "DeepSeek", "Llama", "Phi-4", "Gemma", "Hermes", "GLM-4", "Alibaba"):
        assert name.lower() not in out.lower()
    assert PLACEHOLDER in out


@pytest.mark.parametrize(
    "text",
    [
        "The golden ratio phi is about 1.618.",
        "Fit a GLM with a logit link.",
        "Meta-analysis pools the studies.",
    ],
)
def test_ordinary_words_that_look_like_families_survive(text: str) -> None:
    assert redact_identity(text) == text


def test_config_specific_names_are_redacted() -> None:
    names = identity_names(
        ["/m/MathSmith-Hard-8B.Q4_K_M.gguf", "architect_secret_baseline", "draft"]
    )
    assert "draft" not in names  # a plain word is never redacted verbatim
    out = redact_identity("I, MathSmith-Hard-8B.Q4_K_M, wrote a draft.", names)
    assert "MathSmith" not in out and "draft" in out


def _items(path: Path):
    con = connect(path)
    prepared, _ = prepare(con, RulesJudge())
    con.close()
    return prepared


def test_no_identity_reaches_the_blind_item_or_the_prompt_text(tmp_path: Path) -> None:
    """Config, model, role and file names appear nowhere a judge could read them."""
    path = tmp_path / "w.duckdb"
    build_warehouse(path)
    prepared = _items(path)
    assert prepared
    forbidden = set()
    for config, (model_path, role, _) in CONFIGS.items():
        forbidden |= {config, role, model_path, Path(model_path).stem, f"{config}.json"}
    forbidden |= {"Qwen3", "SecretModel"}
    for p in prepared:
        seen = repr(asdict(p.task.item)) + RUBRIC
        # the text an LLM judge would receive: rubric, question, reference, criteria, response
        for needle in forbidden:
            assert needle.lower() not in seen.lower(), needle
        assert p.task.response_id not in seen  # the opaque key travels beside the item only
    redacted = [p for p in prepared if PLACEHOLDER in p.task.item.response]
    assert redacted, "the self-introduction 'As Qwen3-8B' should have been redacted"


def test_cache_key_covers_response_question_rubric_and_judge_settings() -> None:
    def item(response: str = "42", prompt: str = "6*7?", reference: str = "42"):
        return build_item(
            suite="math",
            question_id="q",
            prompt=prompt,
            expected="42",
            reference_answer=reference,
            scoring='[{"criterion": "right", "weight": 1}]',
            auto_score=None,
            response=response,
            truncated=False,
        )

    base = cache_key(item(), "rules-v1", {"a": 1})
    assert base == cache_key(item(), "rules-v1", {"a": 1})
    assert len(base) == 64
    variants = [
        cache_key(item(response="41"), "rules-v1", {"a": 1}),
        cache_key(item(prompt="7*6?"), "rules-v1", {"a": 1}),
        cache_key(item(reference="forty-two"), "rules-v1", {"a": 1}),
        cache_key(item(), "claude:x", {"a": 1}),
        cache_key(item(), "rules-v1", {"a": 2}),
    ]
    assert len({base, *variants}) == 6


def _plain_cache_key(item, judge_name: str, settings: dict) -> str:
    """The cache key's definition: sha256 of the sorted JSON of item, rubric, judge, settings."""
    import hashlib
    import json

    from judge.base import RUBRIC_VERSION

    payload = {"item": asdict(item), "rubric": RUBRIC_VERSION, "judge": judge_name,
               "settings": settings}  # fmt: skip
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


_SLOT = "\x00rescore:response-slot\x00"


@pytest.mark.parametrize(
    ("prompt", "response", "truncated", "settings"),
    [
        ("6*7?", "42", False, {"a": 1}),
        ("6*7?", "42", True, {"a": 1}),
        ('quotes " and \\ backslashes', 'the "answer" \\n is\n42\t', False, {"b": [1, 2.5]}),
        ("naïve café 日本 \u2028", "réponse ✓ \U0001f600", False, {"nested": {"z": 1, "a": None}}),
        ("", "", False, {}),
        # the placeholder the fast path hashes around, in the prompt and in the response
        (_SLOT, "x", False, {"a": 1}),
        ("p", _SLOT, False, {"a": 1}),
        (f'"{_SLOT}"', f'\\"{_SLOT}', True, {"a": 1}),
        ("p", "r", False, {"when": Path("/x")}),  # not JSON: str() by default=str
    ],
)  # fmt: skip
def test_cache_key_is_the_plain_hash_of_the_whole_payload(prompt, response, truncated, settings):
    def item(resp: str):
        return build_item(
            suite="general", question_id="q1", prompt=prompt, expected="e",
            reference_answer=None, scoring='[{"criterion": "c", "weight": 0.5}, "d"]',
            auto_score=None, response=resp, truncated=truncated,
        )  # fmt: skip

    # twice each: the second call answers from the per-question frame
    for resp in (response, response, response + "!", response):
        assert cache_key(item(resp), "rules-v2", settings) == _plain_cache_key(
            item(resp), "rules-v2", settings
        )
