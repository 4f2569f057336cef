"""Reporting periods: a figure of another period is a wrong figure.

A call states figures for several periods: the quarter, the fiscal year
("2023 财年，股份回购达 98 亿美元"), the twelve months to the quarter's end
("在截至 2023年 12月 31日止的 12个月，我们共回购了价值 95亿美元的股份"), the
fiscal year to date ("本财年头九个月"). Number verification matches by value,
so a fiscal-year figure given for a twelve-month question passes it. This
module names the periods a text states explicitly, and finds an answer
whose numbers come only from sentences about another period than the one
asked.

Only explicit, unambiguous wordings count: "上个季度" is the reported quarter
for one speaker and the one before for another, "每年" is a rate, not a
period; a sentence naming no period is compatible with every question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .answerability import measured_numbers, number_sources
from .chunking import Chunk

_S = r"\s*"
# kind -> pattern; a pattern's group "year", when present, is the period's year.
PATTERNS: dict[str, list[re.Pattern]] = {
    "quarter": [
        re.compile(r"本季度?|这个季度|当季|12" + _S + r"月份?" + _S + r"季度"),
        re.compile(r"\b(?:this|the|current|december)" + _S + r"(?:20\d\d" + _S + r")?quarter\b"
                   r"|\bquarter ended december\b", re.I),
    ],
    "fiscal_year": [
        re.compile(r"(?P<year>20\d\d)" + _S + r"财年"),
        re.compile(r"本财年|今个财年|这个财年"),
        re.compile(r"\bfiscal(?: year)?" + _S + r"(?P<year>20\d\d)\b"
                   r"|\bFY" + _S + r"(?:(?P<year3>20\d\d)|(?P<short>\d\d))\b"
                   r"|\b(?P<year2>20\d\d) fiscal year\b|\bthis fiscal year\b|\bcurrent fiscal year\b", re.I),
    ],
    "twelve_months": [
        re.compile(r"(?:截至|过去的?)[^。；，,]{0,20}?12" + _S + r"个" + _S + r"月"),
        re.compile(r"\b(?:12|twelve)" + _S + r"months\b|\btrailing\b", re.I),
    ],
    "nine_months": [
        re.compile(r"[前头]" + _S + r"[九9]" + _S + r"个" + _S + r"月"),
        re.compile(r"\b(?:first )?(?:nine|9) months\b", re.I),
    ],
}


@dataclass(frozen=True)
class Period:
    kind: str  # quarter | fiscal_year | twelve_months | nine_months
    year: int | None = None  # a fiscal year's number when stated ("2023 财年")

    def compatible(self, other: "Period") -> bool:
        if self.kind != other.kind:
            return False
        return self.year is None or other.year is None or self.year == other.year


def named(text: str) -> set[Period]:
    """The periods `text` names explicitly."""
    out: set[Period] = set()
    for kind, patterns in PATTERNS.items():
        for p in patterns:
            for m in p.finditer(text):
                groups = {k: v for k, v in m.groupdict().items() if v}
                year = groups.get("year") or groups.get("year2") or groups.get("year3")
                if "short" in groups:
                    year = "20" + groups["short"]
                out.add(Period(kind, int(year) if year else None))
    # "本财年头九个月" is the fiscal year to date: its nine months, not the whole year
    if any(p.kind == "nine_months" for p in out):
        out = {p for p in out if p.kind != "fiscal_year"} | {Period("nine_months", p.year) for p in out
                                                                if p.kind == "fiscal_year"}
    return out


def conflict(asked: set[Period], stated: set[Period]) -> bool:
    """A sentence stating `stated` is about another period than `asked`."""
    return bool(asked) and bool(stated) and not any(a.compatible(s) for a in asked for s in stated)


def fits(asked: set[Period], sentence: str) -> bool:
    """`sentence` names no period other than the ones `asked`."""
    return not conflict(asked, named(sentence))


def period_mismatch(question: str, answer: str, passages: list[Chunk]) -> bool:
    """True if some number of the answer is found in the passages only in
    sentences about another period than the question asks."""
    asked = named(question)
    if not asked:
        return False
    numbers = measured_numbers(answer)
    # per answer number: None = not in the passages, else whether a source sentence fits the period
    fits_asked: dict[int, bool | None] = {i: None for i in range(len(numbers))}
    for i, sent, _ in number_sources(numbers, passages):
        fits_asked[i] = bool(fits_asked[i]) or fits(asked, sent)
    return any(v is False for v in fits_asked.values())
