"""Math final answers compared for equivalence, not as strings (rules-v2, issue 12.3).

`1/sqrt(2)` and `\\frac{\\sqrt{2}}{2}`, `(x+1)^2` and `x^2+2x+1`, `[0, 1)` and `[0,1)` are
the same answer. Both sides are parsed with sympy from a small, checked subset of plain and
LaTeX notation, then compared numerically at a few points (exact symbolic simplification can
take unbounded time). Hostile input cannot hang or run code: the text is capped in length,
only an allowlist of characters and names reaches sympy (no attribute access, no strings, no
underscores), exponents are small literals or symbols, and parsing and checking run under a
wall-clock alarm where the platform and thread allow one.
"""

from __future__ import annotations

import cmath
import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

MAX_CHARS = 120  # longer than any single final answer; longer input is not parsed
MAX_EXPONENT = 64  # a literal exponent above this is refused (10^10^10 would not finish)
MAX_POWERS = 3  # ((2^64)^64)^64 is 2^262144, still instant; more nesting is refused
TIME_LIMIT_S = 0.5
POINTS = (0.37, 1.61, -2.29)  # values substituted for the free symbols
REL_TOL = 1e-9

_FUNCS = {"sqrt", "log", "ln", "exp", "sin", "cos", "tan", "pi", "e", "oo", "inf", "infty"}
_ALLOWED = re.compile(r"^[0-9A-Za-z+\-*/^().,\s]*$")
_NAME = re.compile(r"[A-Za-z]+")
# What follows `**`: a parenthesised group (no nested parentheses), or a literal, or a name.
_POW = re.compile(r"\*\*\s*[-+]?\s*(?:\(([^()]{0,40})\)|(\d+)(?![\d.])|[A-Za-z]+|(\())")
_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\[\]()]+|[^,]+?)\s*,\s*([^,]+?)\s*([\])])\s*$")

_LATEX = [
    (re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"((\1)/(\2))"),
    (re.compile(r"\\sqrt\s*\{([^{}]*)\}"), r"sqrt(\1)"),
    (re.compile(r"\\(?:left|right|displaystyle|,|;|!|quad)"), " "),
    (re.compile(r"\\(?:cdot|times)"), "*"),
    (re.compile(r"\\(pi|infty|ln|log|sin|cos|tan|exp)\b"), r" \1 "),
    (re.compile(r"\^\s*\{([^{}]*)\}"), r"^(\1)"),
]
_BRACES = re.compile(r"[{}$]")


class TooComplex(ValueError):
    """The text is outside what is parsed safely within the limits."""


@contextmanager
def _time_limit(seconds: float):
    """SIGALRM-based limit in the main thread (POSIX); elsewhere the size caps bound the work."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise TooComplex("time limit")

    old = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _clean(text: str) -> str:
    """Plain notation from a final answer: LaTeX basics rewritten, `x =` prefix dropped."""
    s = text.strip().rstrip(".")
    for _ in range(4):  # nested \frac{\sqrt{..}}{..}: innermost first, a few passes, bounded
        before = s
        for pat, rep in _LATEX:
            s = pat.sub(rep, s)
        if s == before:
            break
    s = _BRACES.sub(" ", s)
    s = re.sub(r"^\s*[A-Za-z]\s*(?:\([A-Za-z]\))?\s*=\s*", "", s)  # "x = ", "f(x) = "
    if "\\" in s or "=" in s:
        raise TooComplex("unsupported notation")
    return s


def _check(s: str) -> str:
    if len(s) > MAX_CHARS or not _ALLOWED.match(s):
        raise TooComplex("too long or unsupported characters")
    for name in _NAME.findall(s):
        if len(name) > 1 and name not in _FUNCS:
            raise TooComplex(f"unknown name {name!r}")
    s = s.replace("^", "**")
    powers = list(_POW.finditer(s))
    if len(powers) != s.count("**") or len(powers) > MAX_POWERS:
        raise TooComplex("unsupported exponent or too many powers")
    for m in powers:
        group, literal, nested = m.groups()
        numbers = re.findall(r"\d+", group or literal or "")
        if nested is not None or "**" in (group or "") or s[m.end() :].lstrip().startswith("**"):
            raise TooComplex("nested or chained exponent")
        if any(int(n) > MAX_EXPONENT for n in numbers):
            raise TooComplex("exponent too large")
    if re.search(r"\d{16,}", s):
        raise TooComplex("number too long")
    return s


def _expr(s: str):
    from sympy import E, Float, Integer, Rational, Symbol, exp, log, oo, pi, sin, sqrt, tan
    from sympy import cos as _cos
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    s = _check(s)
    names = {
        "sqrt": sqrt, "log": log, "ln": log, "exp": exp, "sin": sin, "cos": _cos, "tan": tan,
        "pi": pi, "e": E, "oo": oo, "inf": oo, "infty": oo,
    }  # fmt: skip
    for name in set(_NAME.findall(s)) - set(names):
        names[name] = Symbol(name)
    transformations = (*standard_transformations, implicit_multiplication_application, convert_xor)
    # No builtins and only sympy's number and symbol constructors: nothing else can be named.
    globals_ = {"__builtins__": {}, "Integer": Integer, "Float": Float, "Rational": Rational,
                "Symbol": Symbol}  # fmt: skip
    return parse_expr(s, local_dict=names, global_dict=globals_, transformations=transformations)


@dataclass(frozen=True)
class Interval:
    left_closed: bool
    low: object
    high: object
    right_closed: bool


def parse(text: str):
    """A sympy expression or an `Interval` for a final answer; raises TooComplex."""
    if len(text) > MAX_CHARS * 2:
        raise TooComplex("too long")
    s = _clean(text)
    m = _INTERVAL.match(s)
    if m and (m.group(1) == "[" or m.group(4) == "]" or "inf" in s or "oo" in s):
        return Interval(m.group(1) == "[", _expr(m.group(2)), _expr(m.group(3)), m.group(4) == "]")
    return _expr(s)


def _same_value(a, b) -> bool:
    """Numerically equal at every test point (free symbols substituted), within REL_TOL."""
    from sympy import oo, zoo

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    for point in POINTS if symbols else (None,):
        subs = {s: point * (i + 1) for i, s in enumerate(symbols)} if symbols else {}
        x, y = a.subs(subs).evalf(30), b.subs(subs).evalf(30)
        if x in (oo, -oo, zoo) or y in (oo, -oo, zoo):
            if x != y:
                return False
            continue
        if not (x.is_number and y.is_number):
            return False
        xc, yc = complex(x), complex(y)
        if not (cmath.isfinite(xc) and cmath.isfinite(yc)):  # beyond floats: compare exactly
            if (x - y).evalf(30) != 0:
                return False
        elif abs(xc - yc) > REL_TOL * max(1.0, abs(xc), abs(yc)):
            return False
    return True


def equivalent(expected: str, answer: str) -> bool | None:
    """Whether two final answers are the same mathematical object; None when either cannot be
    parsed safely within the limits (then the other rules decide)."""
    try:
        for side in (expected, answer):  # cheap refusals first: most prose never loads sympy
            if len(side) > MAX_CHARS * 2:
                raise TooComplex("too long")
            c = _clean(side)
            m = _INTERVAL.match(c)
            for piece in (m.group(2), m.group(3)) if m else (c,):
                _check(piece)
    except TooComplex:
        return None
    import sympy.parsing.sympy_parser  # noqa: F401 - imported outside the time limit (~1 s once)

    try:
        with _time_limit(TIME_LIMIT_S):
            a, b = parse(expected), parse(answer)
            if isinstance(a, Interval) or isinstance(b, Interval):
                if not (isinstance(a, Interval) and isinstance(b, Interval)):
                    return False
                return (
                    a.left_closed == b.left_closed
                    and a.right_closed == b.right_closed
                    and _same_value(a.low, b.low)
                    and _same_value(a.high, b.high)
                )
            return _same_value(a, b)
    except TooComplex:
        return None
    except (SyntaxError, TypeError, ValueError, NameError, ZeroDivisionError, AttributeError,
            OverflowError, RecursionError, MemoryError):  # fmt: skip
        return None
