"""Reporting periods: a figure of another period is a wrong figure.

A call states figures for several periods: the quarter, the fiscal year
("2023 财年，股份回购达 98 亿美元"), the twelve months to the quarter's end
("在截至 2023年 12月 31日止的 12个月，我们共回购了价值 95亿美元的股份"), the
fiscal year to date ("本财年头九个月"). Number verification matches by value,
so a fiscal-year figure given for a twelve-month question passes it. This
module names the periods a text states explicitly; the measure check
(rag/measures.py) takes a figure only from a sentence naming no other
period than the one asked.

Only explicit, unambiguous wordings count: "上个季度" is the reported quarter
for one speaker and the one before for another, "每年" is a rate, not a
period; a sentence naming no period is compatible with every question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


_S = r"\s*"
_MONTHS = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
# kind -> pattern; a pattern's group "year", when present, is the period's year.
PATTERNS: dict[str, list[re.Pattern]] = {
    "quarter": [
        re.compile(r"本季度?|这个季度|当季|(?:1[0-2]|[1-9])" + _S + r"月份?" + _S + r"季度"),
        re.compile(r"\b(?:this|the|current|" + _MONTHS + r")" + _S + r"(?:20\d\d" + _S + r")?quarter\b"
                   r"|\bquarter ended " + _MONTHS + r"\b", re.I),
    ],
    "fiscal_year": [
        re.compile(r"(?P<year>20\d\d)" + _S + r"财年"),
        re.compile(r"本财年|今个财年|这个财年"),
        re.compile(r"\bfiscal(?: year)?" + _S + r"(?P<year>20\d\d)\b"
                   r"|\bFY" + _S + r"(?:(?P<year3>20\d\d)|(?P<short>\d\d))\b"
                   r"|\b(?P<year2>20\d\d) fiscal year\b|\bthis fiscal year\b|\bcurrent fiscal year\b", re.I),
    ],
    # a year named bare: "for 2022", "full-year 2021", "2022 guidance", "2022年全年";
    # "the full year", "全年". Not a comparison's base ("compared with 2019", "相对2019年同期"), not a date
    # ("2023年12月31日") or a quarter of it ("2022年一季度", "2022年第一季度").
    "year": [
        re.compile(r"(?<!相对)(?<![较比与])(?P<year>20\d\d)" + _S + r"年(?!" + _S + r"[\d０-９第一二三四上下前头同])"
                   r"|全年|全财年"),
        re.compile(r"\b(?:full[- ]year|calendar(?: year)?|for|in|of|during|through)" + _S + r"(?P<year>20\d\d)\b"
                   r"(?!\s*(?:Q[1-4]|first|second|third|fourth|quarter|levels?))"
                   r"|\b(?P<year2>20\d\d)\s+(?:full[- ]year|annual|guidance|guide|outlook|targets?)\b"
                   r"|\b(?:the|our|a) full[- ]year\b", re.I),
        # "over 2022" is the period of what is done over it ("$10.5 billion of free cash flow over
        # 2022"), but the base of a change after one ("grew 5% over 2019", "up 12 points over 2019")
        re.compile(r"(?<!up )(?<!down )(?<!grew )(?<!growth )(?<!increase )(?<!decrease )(?<!decline )"
                   r"(?<!improvement )(?<!increased )(?<!decreased )(?<!declined )(?<!rose )(?<!fell )(?<!grow )(?<!% )(?<!points )(?<!point )(?<!basis )\bover\s+(?:the\s+course\s+of\s+)?"
                   r"(?P<year>20\d\d)\b(?!\s*(?:Q[1-4]|first|second|third|fourth|quarter|levels?))", re.I),
        # a year opening a sentence, or after "our" or "Coca-Cola's", as what its noun is of: "2021 gross margin
        # was up 210 basis points to a record 50.3%", "our 2021 revenue"
        re.compile(r"(?:^\s*|\b(?:the|our|its|their)\s+|\w['’]s\s+)(?P<year>20\d\d)[ ](?=[A-Za-z])"
                   r"(?!(?:Q[1-4]|first|second|third|fourth|quarter|to|and|through|versus|vs)\b)", re.I),
    ],
    "twelve_months": [
        re.compile(r"(?:截至|过去的?)[^。；，,]{0,20}?12" + _S + r"个" + _S + r"月"),
        re.compile(r"\b(?:12|twelve)" + _S + r"months\b|\btrailing\b", re.I),
    ],
    # periods after the one reported: a figure for them is an outlook, stated as such
    "next_quarter": [
        re.compile(r"下一?个?季度|下季度"),
        re.compile(r"\b(?:next|coming|following|upcoming) quarter\b", re.I),
    ],
    "next_year": [
        re.compile(r"明年|下一?个?财年|下一年度|来年"),
        re.compile(r"\bnext (?:fiscal )?year\b|\bcoming (?:fiscal )?year\b", re.I),
    ],
    "nine_months": [
        re.compile(r"[前头]" + _S + r"[九9]" + _S + r"个" + _S + r"月"),
        re.compile(r"\b(?:first )?(?:nine|9) months\b", re.I),
    ],
    "six_months": [
        re.compile(r"[前头]" + _S + r"[六6]" + _S + r"个" + _S + r"月|上半年|上半财年"),
        re.compile(r"\b(?:first )?(?:six|6) months\b|\bfirst half\b", re.I),
    ],
    # the fiscal year so far: its first six or nine months, whichever the call is at
    "year_to_date": [
        re.compile(r"(?:财年|年初)(?:开始)?(?:至今|到目前为止|迄今)"),
        re.compile(r"\byear[- ]to[- ]date\b|\bYTD\b|\bso far (?:in|this) (?:the )?(?:fiscal )?(?:year|20\d\d)\b"
                   r"|\b(?:fiscal )?(?:year|20\d\d) (?:so far|to date)\b", re.I),
    ],
    # a year-ago figure: what the source gives with 去年同期 / a year earlier
    "year_ago": [
        re.compile(r"去年同期|去年同一季度|上年同期"),
        re.compile(r"\b(?:a|one) year (?:ago|earlier|before)\b|\byear[- ]ago\b|\bprior[- ]year (?:quarter|period)\b"
                   r"|\bsame (?:quarter|period) (?:of |in )?(?:the )?(?:last|previous|prior) year\b", re.I),
    ],
    # a change against the quarter before: the source must state it so
    "sequential": [
        re.compile(r"环比|较上一?季度|比上一?季度"),
        re.compile(r"\bquarter[- ](?:on|over)[- ]quarter\b|\bsequential(?:ly)?\b|\bQoQ\b"
                   r"|\b(?:from|versus|vs\.?|compared (?:to|with)) (?:the )?(?:previous|prior|last|preceding) quarter\b", re.I),
    ],
}


@dataclass(frozen=True)
class Period:
    kind: str  # quarter | fiscal_year | twelve_months | nine_months | ...
    year: int | None = None  # a fiscal year's number when stated ("2023 财年", "Q4 2023")
    number: int | None = None  # a quarter's number when stated ("Q4", "the third quarter", "第三季度")

    def compatible(self, other: "Period") -> bool:
        kinds = {self.kind, other.kind}
        if "year_end" in kinds and len(kinds) == 2:
            # the end of a year is the end of its last quarter, and a point of the year
            o = other if self.kind == "year_end" else self
            if not (o.kind in WHOLE_YEAR or (o.kind == "quarter" and o.number == 4)):
                return False
            return self.year is None or other.year is None or self.year == other.year
        if self.kind != other.kind and not (kinds <= YEAR_TO_DATE or kinds <= WHOLE_YEAR):
            return False
        if self.number is not None and other.number is not None and self.number != other.number:
            return False
        return self.year is None or other.year is None or self.year == other.year


_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "一": 1, "二": 2, "三": 3, "四": 4}
# A quarter by its number, with its year when written next to it: "Q4 2023", "3Q21",
# "Q3 fiscal 2021", "the fourth quarter of fiscal 2021", "2023年第四季度", "第三财季".
NUMBERED_QUARTER = [
    re.compile(r"\bQ(?P<n>[1-4])(?:\s*(?:of\s+)?(?:fiscal\s*(?:year\s*)?|FY\s?)?'?(?P<year>20\d\d|\d\d)\b)?", re.I),
    re.compile(r"\b(?P<n>[1-4])Q\s?'?(?P<year>20\d\d|\d\d)?\b", re.I),  # "3Q21", "4Q 2021"
    re.compile(r"\b(?P<o>first|second|third|fourth)[- ](?:fiscal[- ])?quarters?\b(?:\s*(?:of\s+)?(?:fiscal\s*(?:year\s*)?)?"
               r"(?P<year>20\d\d))?", re.I),
    re.compile(r"(?:(?P<year>20\d\d)\s*(?:财年|年)?\s*)?第\s*(?P<o>[一二三四])\s*(?:个)?(?:财政|财)?季度?"),
    # "2022年一季度", "四季度" (not "这一季度", "一个季度")
    re.compile(r"(?:(?P<year>20\d\d)\s*(?:财年|年)?\s*)?(?<![这每上下同第一二三四五六七八九十\d])(?P<o>[一二三四])\s*季度"),
]


# The end of a year, a point in time: "at the end of 2023", "the end of fiscal 2021",
# "year-end 2021", "2021年底". A level (liquidity, backlog, cash) at that point is
# stated at the end of the year's fourth quarter ("We ended Q4 2023 with launch
# backlog of $248.3 million"), which a year asked bare did not fit. Not the end of
# one of its quarters ("the end of the fourth quarter of 2023": a quarter).
YEAR_END = [
    re.compile(r"\bend\s+of\s+(?:the\s+)?(?:(?:fiscal|calendar)\s+(?:year\s+)?|FY\s?)?(?P<year>20\d\d)\b"
               r"|\byear[- ]end\s+(?:of\s+)?(?:fiscal\s+)?(?P<year2>20\d\d)\b|\b(?:fiscal\s+)?(?P<year3>20\d\d)\s+year[- ]end\b",
               re.I),
    re.compile(r"(?P<year>20\d\d)\s*财?年(?:底|末|终)"),
]


# Two quarters sharing one word "quarter": "the third and fourth quarters", "from
# the third to the fourth quarter of 2021", "第三和第四季度". The first alone names
# no quarter, and was read as no period: its call's figures failed the check.
SHARED_QUARTER = [
    re.compile(r"\b(?P<o>first|second|third|fourth)(?=\s+(?:and|to|through|or|versus|vs\.?)\s+(?:the\s+)?"
               r"(?:first|second|third|fourth)[- ](?:fiscal[- ])?quarters?\b(?:\s*(?:of\s+)?(?:fiscal\s*)?(?P<year>20\d\d))?)",
               re.I),
    re.compile(r"第\s*(?P<o>[一二三四])(?=\s*(?:和|与|及|至|到|、)\s*第\s*[一二三四]\s*(?:个)?(?:财政|财)?季度)"),
]


# Words making the quarter after them a comparison's base: "a sequential
# improvement versus the second quarter" speaks of the third quarter's figure.
BASE_BEFORE_RE = re.compile(r"\b(?:versus|vs\.?|compared\s+(?:to|with)|relative\s+to)\s+(?:the\s+)?$", re.I)


def named(text: str, of_source: bool = False) -> set[Period]:
    """The periods `text` names explicitly; `of_source`: a passage's sentence,
    whose quarter after "versus" is a comparison's base (in a question, "Q3
    2021 vs Q4 2021" asks both)."""
    out: set[Period] = set()
    for p in SHARED_QUARTER:
        for m in p.finditer(text):
            year = m.group("year") if "year" in p.groupindex else None
            out.add(Period("quarter", int(year) if year else None, _ORD[m.group("o").lower()]))
    for p in NUMBERED_QUARTER:  # a quarter by number, its year with it: not also a fiscal year
        def take(m: re.Match) -> str:
            if of_source and BASE_BEFORE_RE.search(text, 0, m.start()):
                return " " * len(m.group())  # a comparison's base, not the figure's quarter
            g = m.groupdict()
            number = int(g["n"]) if g.get("n") else _ORD[g["o"].lower()]
            year = g.get("year")
            out.add(Period("quarter", (int(year) if len(year) == 4 else 2000 + int(year)) if year else None, number))
            return " " * len(m.group())
        text = p.sub(take, text)
    for p in YEAR_END:  # a point of the year, not the whole year
        def end(m: re.Match) -> str:
            g = {k: v for k, v in m.groupdict().items() if v}
            out.add(Period("year_end", int(g.get("year") or g.get("year2") or g.get("year3"))))
            return " " * len(m.group())
        text = p.sub(end, text)
    for kind, patterns in PATTERNS.items():
        for p in patterns:
            for m in p.finditer(text):
                groups = {k: v for k, v in m.groupdict().items() if v}
                year = groups.get("year") or groups.get("year2") or groups.get("year3")
                if "short" in groups:
                    year = "20" + groups["short"]
                out.add(Period(kind, int(year) if year else None))
    # "2022年全年": the year is 2022, not any year
    if any(p.kind in WHOLE_YEAR and p.year for p in out):
        out.discard(Period("year"))
    # "本财年头九个月", "so far in fiscal 2024": the fiscal year to date, not the whole year
    parts = {p.kind for p in out if p.kind in YEAR_TO_DATE}
    if parts:
        out = {p for p in out if p.kind != "fiscal_year"} | {Period(k, p.year) for p in out
                                                              if p.kind == "fiscal_year" for k in parts}
    return out


def conflict(asked: set[Period], stated: set[Period]) -> bool:
    """A sentence stating `stated` is about another period than `asked`."""
    return bool(asked) and bool(stated) and not any(a.compatible(s) for a in asked for s in stated)


# The fiscal year so far is its first six or nine months.
YEAR_TO_DATE = {"year_to_date", "six_months", "nine_months"}
# A year named bare ("2022") is the fiscal year of that number, for most companies the calendar one.
WHOLE_YEAR = {"year", "fiscal_year"}
# A sentence naming no period speaks of the period the call reports (its
# quarter): a figure of any other period asked (a fiscal year, the next
# quarter, a year ago, a change against the previous quarter) is stated only
# by a sentence naming that period.
REPORTED_KINDS = {"quarter"}


# Comparisons, not periods of their own: a sentence giving the quarter's
# figure and the year-ago one ("为 9.61 亿元，去年同期为亏损 1200 万元") is
# about the quarter too. Asked for, they must stand next to the figure
# (rag/measures.py).
RELATIVE_KINDS = {"year_ago", "sequential"}


def fits(asked: set[Period], sentence: str, implied: frozenset[Period] = frozenset()) -> bool:
    """`sentence` names no period other than the ones `asked`, and names the
    one asked when that is not the reported quarter. A year asked bare is
    also met by a sentence naming no period whose call speaks of that year
    (`implied`, from `of_call`); the end of a year, by one naming no period
    or "the quarter" on a call of the year's fourth quarter."""
    stated = named(sentence, of_source=True)
    ends = {a for a in asked if a.kind == "year_end"}
    own = next((p for p in implied if p.kind == "quarter"), None)  # the call's own quarter
    if ends and own is not None:
        # asked for the end of a year, "the end of the quarter" is the end of the call's quarter
        stated = {own if p.kind == "quarter" and p.number is None else p for p in stated}
    if any(p.kind not in REPORTED_KINDS for p in asked) and not any(a.compatible(s) for a in asked for s in stated) \
            and not (not stated and any(a.kind == "year" and a.compatible(s) for a in asked for s in implied)) \
            and not (not stated and own is not None and any(a.compatible(own) for a in ends)):
        return False
    absolute = {p for p in stated if p.kind not in RELATIVE_KINDS}
    return not conflict({p for p in asked if p.kind not in RELATIVE_KINDS}, absolute)


def of_call(fiscal_year: int | None, fiscal_quarter: int | None, date: str = "") -> frozenset[Period]:
    """The years a sentence naming no period may speak of, on a call of that
    fiscal quarter: its fiscal year and the calendar year of its date; after
    the year's last quarter, the next year too (its outlook: "We expect
    organic revenue growth of 7% to 8%" on a Q4 2021 call is 2022's).

    Error it exists for: asked for 2022's guidance, the model gave the
    figure a Q3 2021 call expects for 2021, which names no year."""
    years = {fiscal_year} if fiscal_year else set()
    if date[:4].isdigit():
        years.add(int(date[:4]))
    if fiscal_year and fiscal_quarter == 4:
        years.add(fiscal_year + 1)
    # and its own quarter, which "the quarter" of its sentences is (`fits`, for the end of a year)
    own = {Period("quarter", fiscal_year, fiscal_quarter)} if fiscal_year and fiscal_quarter else set()
    return frozenset({Period("year", y) for y in years} | own)


# A period written right before the word for the call ("on its Q3 2021 earnings
# call", "在2021年第四季度电话会上") names the call the question is about.
CALL_WORD_RE = re.compile(r"\s*(?:(?:earnings|conference|results)\s+)?(?:call|电话会|业绩会)", re.I)


def naming_call(text: str) -> set[Period]:
    """The quarters `text` names only to say which call it means."""
    out: set[Period] = set()
    for p in NUMBERED_QUARTER:
        for m in p.finditer(text):
            if CALL_WORD_RE.match(text, m.end()):
                out |= named(m.group())
    return out
