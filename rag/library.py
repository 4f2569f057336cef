"""The library of calls: what is indexed, as records.

Each indexed transcript is a call: company, ticker, period as the call states
it, fiscal year and quarter (for ordering and matching), date, language,
source file and content hash. The records live in the index's manifest
(rag/index.py) and travel with every passage (its `call` field): the prompt,
the citations and the sources panel say which call a passage is from.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from . import periods
from .errors import BadInput


@dataclass
class Call:
    id: str  # short and stable: the company and period, as a slug ("campbell-soup-q3-2021")
    company: str = ""
    ticker: str = ""
    period: str = ""  # as the call states it: "Q3 fiscal 2021", "2023年12月份季度"
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    date: str = ""  # ISO date of the call, when stated
    language: str = ""
    source: str = ""  # the file indexed
    sha256: str = ""
    chunks: int = 0
    guessed: list[str] = field(default_factory=list)  # fields taken from the file name or a default
    aliases: list[str] = field(default_factory=list)  # other names of the company (another language, short form)

    @property
    def label(self) -> str:
        """How a passage names its call: "Campbell Soup · Q3 2021"."""
        return " · ".join(p for p in (self.company or self.id, self.period) if p)

    @property
    def order(self) -> tuple:
        """Sorts calls by period, oldest first (unknown periods first)."""
        return (self.fiscal_year or 0, self.fiscal_quarter or 0, self.date)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Call":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def slug(*parts: str) -> str:
    """"Campbell Soup", "Q3 2021" -> "campbell-soup-q3-2021"; Chinese kept as is."""
    text = "-".join(p for p in parts if p)
    text = re.sub(r"[^\w\u4e00-\u9fff]+", "-", text.lower()).strip("-")
    return text[:60] or "call"


def unique_id(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def company_names(calls: dict[str, Call], ids: list[str]) -> list[str]:
    """The names (company, aliases, ticker) of the companies of the calls `ids`."""
    return [n for c in ids if c in calls for n in [calls[c].company, *calls[c].aliases, calls[c].ticker] if n]


def implied_years(calls: dict[str, Call]) -> dict[str, frozenset]:
    """Per call, the years its sentences naming no period may speak of (periods.of_call)."""
    return {cid: periods.of_call(c.fiscal_year, c.fiscal_quarter, c.date) for cid, c in calls.items()}


def select(calls: list[Call], wanted: list[str]) -> list[Call]:
    """The calls a user names: by id, or by company/ticker/period words
    ("campbell-soup-q3-2021", "CPB", "Campbell Q3 2021"). A name matching
    nothing is a user error that lists what the library holds."""
    out: list[Call] = []
    for w in wanted:
        w = w.strip()
        if not w:
            continue
        exact = [c for c in calls if c.id == w]
        found = exact or [c for c in calls if _matches(c, w)]
        if not found:
            held = ", ".join(c.id for c in sorted(calls, key=lambda c: (c.company, c.order))) or "nothing"
            raise BadInput(f"no call matches '{w}'; the library holds: {held}")
        out += [c for c in found if c not in out]
    return out


def _matches(call: Call, words: str) -> bool:
    hay = " ".join([call.id, call.company, call.ticker, call.period, *call.aliases,
                    f"q{call.fiscal_quarter}" if call.fiscal_quarter else "",
                    str(call.fiscal_year or "")]).lower()
    return all(t in hay for t in re.findall(r"[\w\u4e00-\u9fff]+", words.lower()))
