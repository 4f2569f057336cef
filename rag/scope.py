"""Which calls of the library a question is about.

Error it exists for: with several companies and quarters indexed, a
question's nearest passages may be another call's: asked for Q1 TAVR sales,
the assistant answered Q2's; asked for Tyson Foods' dividend, Dick's
Sporting Goods'. A question that names a company and/or a period is answered
from those calls only:
- a company by its name, short name, ticker or another name of it the
  library records ("Campbell's", "CPB", "阿里巴巴" for Alibaba Group);
- a period by quarter and year ("Q3 2021", "third quarter of fiscal 2021",
  "2023年12月份季度", "the December quarter"), matched against each call's
  fiscal quarter and year, or its period's words;
- "latest" / "most recent" / "最新" is the latest call of each company named
  (of the library when none is).
A company named with a period the library does not hold is said so rather
than answered from another quarter, unless the period comes after the
company's calls ("the 2022 guide", "Q1" asked of a Q4 call): that is an
outlook, answered from its latest call. A year belongs to a quarter only
when written next to it ("Q3 2021", "2021年第三季度"; not "a 2022 target on
its Q3 call"). A question naming neither searches all calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .library import Call
from .periods import SHARED_QUARTER

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "一": 1, "二": 2, "三": 3, "四": 4,
            "1": 1, "2": 2, "3": 3, "4": 4}
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"], 1)}
QUARTER_RES = [
    re.compile(r"\bQ([1-4])\b", re.I),
    re.compile(r"\b([1-4])Q(?=\s?'?\d\d\b|\b)", re.I),  # "3Q21"
    re.compile(r"\b(first|second|third|fourth)[- ](?:fiscal[- ])?quarter\b", re.I),
    re.compile(r"第\s*([一二三四1-4])\s*(?:个)?(?:财政|财)?季度"),
    re.compile(r"(?<![\d月第])([一二三四])季度"),
]
YEAR_RE = re.compile(r"(?:\bfiscal(?: year)?\s*|\bFY\s?'?)(20\d\d|\d\d)\b|\b(20\d\d)\b|(20\d\d)\s*(?:财年|年)"
                     r"|(?<=\b[1-4]Q)'?(\d\d)\b", re.I)
MONTH_RE = re.compile(r"\b(" + "|".join(MONTHS) + r")\b|(1[0-2]|[1-9])\s*月份?\s*(?:季度|底)", re.I)
DAY_RE = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s*20\d\d)?|"
                    r"(?:20\d\d\s*年\s*)?(?:1[0-2]|[1-9])\s*月\s*\d{1,2}\s*[日号]", re.I)
# Words asking for an outlook: what a call says of a period after its own.
OUTLOOK_RE = re.compile(r"\b(?:guid\w*|outlook|expect\w*|forecast\w*|project\w*|plan\w*|target\w*|anticipat\w*|"
                        r"model(?:l?ing|s)|assum\w*|estimat\w*|budget\w*|"
                        r"will|would|going to)\b|指引|预计|预期|展望|目标|计划|将会|将", re.I)
LATEST_RE = re.compile(r"\b(?:latest|most recent|newest)\b|最新|最近一个?季度|最近的", re.I)
# Endings of a company's legal name that a question leaves out.
CORPORATE = re.compile(r"[,.]?\s*\b(?:inc|incorporated|corp|corporation|co|company|ltd|limited|plc|group|holdings?|"
                       r"usa|sa|ag|nv|se)\b\.?$", re.I)
# A Chinese company name's corporate ending.
CORPORATE_ZH = re.compile(r"(?:股份有限公司|有限公司|控股|集团|公司)+$")
# Words too common to stand for a company on their own.
GENERIC_NAMES = {"the", "company", "group", "international", "global", "american", "united", "first", "general",
                 "national", "new", "china", "holdings"}


@dataclass
class Scope:
    calls: list[str] = field(default_factory=list)  # ids; empty: every call
    companies: list[str] = field(default_factory=list)  # the companies named
    periods: list[str] = field(default_factory=list)  # the periods named, as written
    missing: str = ""  # a company and period named that the library does not hold


def short_name(name: str) -> str:
    """A company's name without its English corporate endings ("Rocket Lab
    USA, Inc." → "Rocket Lab")."""
    short = CORPORATE.sub("", name).strip(" ,.")
    while short != CORPORATE.sub("", short).strip(" ,."):
        short = CORPORATE.sub("", short).strip(" ,.")
    return short


def bare_name(name: str) -> str:
    """A company's name without its corporate endings, lower case, to compare
    names ("Rocket Lab USA, Inc." → "rocket lab", "The Home Depot" → "home depot")."""
    return CORPORATE_ZH.sub("", short_name(name)).lower().removeprefix("the ")


def names_of(call: Call) -> list[str]:
    """The names a question may use for a call's company."""
    out = [call.company, *call.aliases]
    short = short_name(call.company)
    out.append(short)
    out.append(CORPORATE_ZH.sub("", call.company))  # "阿里巴巴集团" as "阿里巴巴"
    return [n for n in dict.fromkeys(out) if n and len(n) >= 2]


def first_word(call: Call) -> str:
    """A company's first word, which questions use alone ("Amphenol's sales"),
    or "" when it is too short or too common a word to stand for it."""
    short = short_name(call.company)
    first = short.split()[0] if short.split() else ""
    if len(first) >= 4 and first.lower() not in GENERIC_NAMES and first[:1].isupper() and first != short:
        return first
    return ""


def _name_re(name: str) -> re.Pattern:
    if re.search(r"[\u4e00-\u9fff]", name):
        return re.compile(re.escape(name))
    body = re.escape(name).replace(r"\ ", r"\s+").replace(r"\-", r"[-\s]?")  # "Coca-Cola" as "coca cola"
    return re.compile(r"(?<![A-Za-z0-9])" + body + r"(?![A-Za-z0-9])", re.I)


def companies_named(question: str, calls: list[Call]) -> list[str]:
    """The library's companies the question names (as recorded)."""
    found = []
    for call in calls:
        if call.company in found:
            continue
        ticker = call.ticker and re.search(r"(?<![A-Za-z0-9])" + re.escape(call.ticker) + r"(?![A-Za-z0-9])", question)
        # a first word alone counts written as a name, capitalised and not opening the
        # question: "Under", "Home" and "Rocket" are also everyday words
        first = first_word(call)
        alone = first and re.search(r"(?<=[A-Za-z0-9,;:'\"] )" + re.escape(first) + r"(?![A-Za-z0-9])", question)
        if ticker or alone or any(_name_re(n).search(question) for n in names_of(call)):
            found.append(call.company)
    return found


@dataclass(frozen=True)
class PeriodAsked:
    text: str
    quarter: int | None = None
    year: int | None = None
    month: int | None = None


def periods_named(question: str) -> list[PeriodAsked]:
    """The periods a question names, in order: each quarter with the year
    (or month) written next to it; a year alone when no quarter is named."""
    out: list[PeriodAsked] = []
    # a day's date ("between January 1 and February 6, 2024", "截至2023年12月31日") dates
    # an event or a balance, not the call: blanked, it scopes nothing
    question = DAY_RE.sub(lambda m: " " * len(m.group()), question)
    year_spans = [(m.start(), m.end(), int(_full_year(next(g for g in m.groups() if g))))
                  for m in YEAR_RE.finditer(question)]
    years = [(a, y) for a, _, y in year_spans]
    months = [(m.start(), MONTHS.get((m.group(1) or "").lower()) or int(m.group(2) or 0)) for m in MONTH_RE.finditer(question)]
    quarters = sorted([(m.start(), m.end(), ORDINALS[m.group(1).lower()], m.group()) for rx in QUARTER_RES
                       for m in rx.finditer(question)]
                      # "the third and fourth quarters": the first one shares the second's word
                      + [(m.start(), m.end(), ORDINALS[m.group("o").lower()], m.group()) for rx in SHARED_QUARTER
                         for m in rx.finditer(question)], key=lambda q: q[0])
    own = [_year_of(question, start, end, year_spans) for start, end, _, _ in quarters]
    # a quarter without a year of its own shares the other quarters' ("from the third
    # quarter to the fourth quarter of fiscal 2021")
    shared = {y for y in own if y is not None}
    for (start, end, q, text), year in zip(quarters, own):
        out.append(PeriodAsked(text, quarter=q, year=year if year is not None else
                               (next(iter(shared)) if len(shared) == 1 else None)))
    if not quarters:
        for pos, month in months:
            out.append(PeriodAsked(question[pos : pos + 12], month=month, year=_nearest(years, pos)))
        if not months:
            out += [PeriodAsked(str(y), year=y) for _, y in dict.fromkeys(years)]
    return out


def _full_year(y: str) -> str:
    return y if len(y) == 4 else "20" + y


# What may stand between a quarter and its year: "Q3 2021", "Q3 of fiscal 2021",
# "third quarter, 2021", "2021年第三季度", "fiscal 2021 fourth quarter". Anything
# else ("a 2022 new-unit target on its Q3 call") makes the year another phrase's.
YEAR_AFTER_QUARTER_RE = re.compile(r"[\s,']*(?:of\s+)?(?:the\s+)?(?:fiscal\s*(?:year\s*)?|FY\s*)?", re.I)
YEAR_BEFORE_QUARTER_RE = re.compile(r"\s*(?:财年|年度?)?\s*(?:的)?\s*", re.I)


def _year_of(question: str, start: int, end: int, years: list[tuple[int, int, int]]) -> int | None:
    """The year written next to the quarter at question[start:end], if one is."""
    for a, b, y in years:
        if a >= end and YEAR_AFTER_QUARTER_RE.fullmatch(question[end:a]):
            return y
        if b <= start and YEAR_BEFORE_QUARTER_RE.fullmatch(question[b:start]):
            return y
    return None


def _nearest(marks: list[tuple[int, int]], pos: int, reach: int = 40) -> int | None:
    near = [(abs(p - pos), v) for p, v in marks if abs(p - pos) <= reach]
    return min(near)[1] if near else None


def matches(call: Call, p: PeriodAsked) -> bool:
    if p.quarter is not None and call.fiscal_quarter is not None and p.quarter != call.fiscal_quarter:
        return False
    if p.quarter is not None and call.fiscal_quarter is None and not _month_of(call):
        return False
    if p.month is not None:  # "the December 2023 quarter": the calendar month and year the period names
        years = re.findall(r"20\d\d", call.period) or ([call.date[:4]] if call.date else [])
        if _month_of(call) is None and call.fiscal_quarter is not None:
            # a call stating its quarter by number only ("Q4 2021"): read as calendar
            # quarters, the December quarter is its fourth (a guess for other fiscal years)
            return (p.month + 2) // 3 == call.fiscal_quarter and (p.year is None or not years or str(p.year) in years)
        return _month_of(call) == p.month and (p.year is None or not years or str(p.year) in years)
    if p.year is not None and call.fiscal_year is not None and p.year != call.fiscal_year:
        # a calendar year the call's period or date names also counts: Alibaba's
        # December 2023 quarter is in its fiscal 2024
        return str(p.year) in re.findall(r"20\d\d", call.period + " " + call.date)
    return True


def after(p: PeriodAsked, call: Call) -> bool:
    """The period asked comes after the call's: a later year or quarter, or,
    written without a year, the quarter that follows the call's ("Q1" asked
    of a Q4 call)."""
    q, y = call.fiscal_quarter, call.fiscal_year
    if p.year is not None and y is not None:
        if p.year != y or p.quarter is None or q is None:
            return p.year > y
        return p.quarter > q
    if p.year is None and p.quarter is not None and q is not None:
        return p.quarter == q % 4 + 1
    return False


def _latest(calls: list[Call]) -> list[Call]:
    """The latest of `calls` for each company."""
    by_company: dict[str, Call] = {}
    for c in calls:
        if c.company not in by_company or c.order > by_company[c.company].order:
            by_company[c.company] = c
    return list(by_company.values())


def _month_of(call: Call) -> int | None:
    """The month a call's period names ("2023年12月份季度", "quarter ended December 31")."""
    m = MONTH_RE.search(call.period) or re.search(r"(1[0-2]|[1-9])\s*月", call.period)
    if not m:
        return None
    groups = [g for g in m.groups() if g]
    return MONTHS.get(groups[0].lower()) or int(groups[0])


def resolve(question: str, calls: list[Call], translations: list[str] = ()) -> Scope:
    """The calls `question` is about (see the module). `translations`: the
    question's words in the other language (a Chinese question naming 可口可乐
    finds the call of Coca-Cola)."""
    if not calls:
        return Scope()
    companies = companies_named(question + " " + " ".join(translations), calls)
    pool = [c for c in calls if c.company in companies] if companies else list(calls)
    asked = periods_named(question)
    scope = Scope(companies=companies, periods=[p.text for p in asked])
    if LATEST_RE.search(question):
        scope.calls = [c.id for c in _latest(pool)]
        return scope
    if asked:
        chosen = [c for c in pool if any(matches(c, p) for p in asked)]
        if not chosen and companies:
            # a period after a company's calls, asked as an outlook ("the 2022 guide",
            # "why would Q1 margin fall"), is answered from its latest call; asked as a
            # result ("actual Q4 comps" of a Q3 call) it is a call the library lacks
            ahead = _latest([c for c in pool if any(after(p, c) for p in asked)]) if OUTLOOK_RE.search(question) else []
            if ahead:
                scope.calls = [c.id for c in ahead]
                return scope
            scope.missing = f"{', '.join(companies)} {' / '.join(scope.periods)}"
            return scope
        if chosen:
            scope.calls = [c.id for c in chosen]
            return scope
    scope.calls = [c.id for c in pool] if companies else []
    return scope
