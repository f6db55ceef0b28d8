"""Rule families of the offline rules judge, one module each.

Every rule is a small pure function from a response text (and the question's own data) to a
:class:`~judge.rules.base.RuleResult`; `judge.rules_judge` chooses which rules apply to a
question and combines them. Tests drive each rule from YAML tables in `tests/cases/`.
"""

from judge.rules.base import RuleResult, credit_to_score

__all__ = ["RuleResult", "credit_to_score"]
