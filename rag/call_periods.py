"""Which call's quarter a sentence of an answer names, and whether its
figures come from that call.

Error it exists for: asked to compare two quarters, the small model swaps
them. "可口可乐2021年第三季度的可比每股收益为 $0.45；第四季度为 $0.65"
gives the fourth quarter's $0.45 as the third's and the third's $0.65 as
the fourth's; each figure is found (in the other call's passage), so number
verification passes it, and the answer states another call's figure as the
one asked.

A sentence naming one quarter of the calls the answer draws on, whose
figure only another of those calls' passages hold, is about that other
call: the quarter it names is put right ("第三季度" → "第四季度"), the
figure kept. A sentence naming two quarters, or none, is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import claims as cl
from . import numbers as num
from .chunking import Chunk
from .library import Call
from .measures import figures
from .periods import NUMBERED_QUARTER, Period, named

# How each quarter number is written, per style of the words naming it.
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
ORDINAL_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}


@dataclass
class Misplaced:
    claim: int  # index of the claim among the answer's claims
    start: int  # the words naming the quarter, in the claim's text
    end: int
    said: Call  # the call whose quarter the claim names
    source: Call  # the call whose passages hold its figure


def quarter_spans(text: str) -> list[tuple[int, int, Period]]:
    """Where `text` names a quarter by its number ("Q3 2021", "the fourth
    quarter", "2021年第三季度", "3Q21")."""
    out = []
    for rx in NUMBERED_QUARTER:
        for m in rx.finditer(text):
            if not any(a < m.end() and m.start() < b for a, b, _ in out):
                out += [(m.start(), m.end(), p) for p in named(m.group()) if p.kind == "quarter"][:1]
    return sorted(out, key=lambda s: s[0])


def names_call(p: Period, call: Call) -> bool:
    return p.number == call.fiscal_quarter and (p.year is None or call.fiscal_year is None or p.year == call.fiscal_year)


def misplaced(text: str, passages: list[Chunk], calls: dict[str, Call]) -> list[Misplaced]:
    """The claims of `text` that name one quarter of the calls `passages`
    come from and give a figure only another of those calls holds."""
    mine = [calls[c] for c in dict.fromkeys(p.call for p in passages) if c in calls]
    if len(mine) < 2:
        return []
    pools = [(p.call, num.source_numbers(p.text)) for p in passages]
    out = []
    for i, claim in enumerate(cl.split(text, len(passages))):
        spans = quarter_spans(claim.text)
        said = {c.id: c for _, _, p in spans for c in mine if names_call(p, c)}
        if len(spans) != 1 or len(said) != 1:
            continue
        (start, end, _), call = spans[0], next(iter(said.values()))
        for f in figures(claim.text):
            holders = {cid for cid, pool in pools if num.find_match(f, pool)}
            if len(holders) == 1 and call.id not in holders:
                source = calls[holders.pop()]
                if source.fiscal_quarter and source in mine:
                    out.append(Misplaced(i, start, end, call, source))
                    break
    return out


def renamed(words: str, said: Call, source: Call) -> str:
    """The words naming `said`'s quarter ("第三季度", "Q3 2021", "third
    quarter") rewritten to name `source`'s, in the same style."""
    old, new = said.fiscal_quarter, source.fiscal_quarter
    out = re.sub(rf"(?<=Q){old}|{old}(?=Q)", str(new), words, count=1, flags=re.I)
    if out == words:
        out = re.sub(ORDINAL_WORDS[old], ORDINAL_WORDS[new], words, count=1, flags=re.I)
    if out == words:
        out = words.replace(ORDINAL_ZH[old], ORDINAL_ZH[new], 1)
    if said.fiscal_year and source.fiscal_year and said.fiscal_year != source.fiscal_year:
        out = out.replace(str(said.fiscal_year), str(source.fiscal_year)).replace(
            f"'{said.fiscal_year % 100:02d}", f"'{source.fiscal_year % 100:02d}")
    return out
