"""Which call a transcript records: company, ticker, period, date, language.

Read from the transcript's own text first, then from its file name:

- a title line near the top: "Rocket Lab USA, Inc. (RKLB) Q4 2023 Earnings
  Call Transcript", with the date on it or on the next lines;
- the operator's welcome: "welcome to the Equinix Third Quarter Earnings
  Conference Call";
- the opening: "we will review the second quarter 2021 financial results",
  "Chipotle's third quarter results", "our third quarter performance";
- the Chinese title: "阿里巴巴集团 2023 年 12 月份季度业绩电话会议", the date
  on the page header ("2024 年 2 月 7 日（星期三）");
- the file name: "Campbell Soup Q3 2021 earnings call.txt", "CPB_q3_2021.txt".

Only these places count. A date or quarter deep in the body is usually
another one ("compared to the third quarter of 2020", "10-K filed on February
18, 2022", "the period ending June 30"): taking it named the wrong call.
Every field filled from the file name or a default rather than the text is
listed in `guessed`, so an answer can say how sure its "Q3 2021" is.

A sidecar "<file>.call.toml" next to the transcript (keys: company, ticker,
period, fiscal_year, fiscal_quarter, date, language) overrides detection.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from . import language
from .errors import BadInput

SIDECAR_SUFFIX = ".call.toml"
HEAD_LINES = 6  # the title region: the first non-empty lines
OPENING_CHARS = 4000  # the opening, where the call names its quarter
LANG_SAMPLE_CHARS = 20000
LANGUAGES = {"en", "zh"}

MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
MONTHS.update({m[:3]: n for m, n in list(MONTHS.items())})
MONTHS["sept"] = 9
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
DATE_RES = [
    re.compile(r"\b(?P<month>" + _MONTH + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<day>\d{1,2})\s+(?P<month>" + _MONTH + r")\.?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"),
    re.compile(r"(?P<year>(?:19|20)\d\d)\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
]
# A date that closes a reporting period, not the call's: "for the period ending June 30, 2024".
PERIOD_END_RE = re.compile(r"(?:end(?:ing|ed)?|through|as of|截至|止)\s*(?:on\s+)?$", re.I)
# A line that names the call: a title or a page header.
CALL_WORDS_RE = re.compile(r"earnings (?:conference )?call|conference call|results call|call transcript|earnings call"
                           r"|业绩(?:发布)?电话会|电话会议", re.I)
# "Q4 2023", "Q3 fiscal 2021", "third quarter fiscal 2024", "fourth quarter of 2021", "Q2 FY24", "FY2024 Q3".
_ORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
_YEAR = r"(?:(?P<fiscal>fiscal(?:\s+year)?|FY)\s*'?)?(?P<year>(?:19|20)\d\d|(?<=FY)\d\d|(?<=FY )\d\d|(?<=')\d\d)"
PERIOD_RES = [
    re.compile(r"\b(?:Q(?P<q>[1-4])|(?P<ord>" + _ORD + r")\s+quarter)(?:\s*,|\s+of)?\s+" + _YEAR + r"\b", re.I),
    re.compile(r"\b(?:fiscal(?:\s+year)?|FY)\s*'?(?P<year>(?:19|20)\d\d|\d\d)\s+(?:Q(?P<q>[1-4])|(?P<ord>" + _ORD
               + r")\s+quarter)\b", re.I),
    re.compile(r"\b(?:Q(?P<q>[1-4])|(?P<ord>" + _ORD + r")\s+quarter)\b", re.I),
]
TICKER_RE = re.compile(r"\((?:(?:NASDAQ|NYSE|NYSEAMERICAN|AMEX|TSX|LSE|HKEX|OTC)[A-Z]*:)?\s*(?P<ticker>[A-Z][A-Z0-9.]{0,6})\)")
_PERIOD_WORDS = r"(?:Q[1-4]|(?i:first|second|third|fourth|1st|2nd|3rd|4th)\s+(?i:quarter)|(?i:fiscal|FY)\s*'?\d)"
_COMPANY = r"(?P<company>[A-Z][\w&.'’-]*(?:,?\s+(?:[A-Z&][\w&.'’-]*|of|and|de)){0,5}?)"
OPENING_RES = [
    # the operator's welcome
    re.compile(r"(?i:welcome)\s+(?:\w+\s+){0,2}?(?i:to)\s+(?:(?i:the|today's|our)\s+)?(?:" + _COMPANY + r"(?:['’]s)?\s+)?"
               r"(?P<period>" + _PERIOD_WORDS + r"[^.]{0,40}?)\s+(?i:(?:earnings|financial results|results)\b"
               r"[^.]{0,30}?)?(?i:(?:conference\s+)?call|webcast)"),
    # "Chipotle's third quarter results", "Acme's Q2 2024 financial results"
    re.compile(_COMPANY + r"['’]s\s+(?P<period>" + _PERIOD_WORDS + r"[^.]{0,20}?)\s+(?i:(?:financial\s+)?results)"),
    # "we will review the second quarter 2021 financial results", "our third quarter performance"
    re.compile(r"(?i:review|discuss|report(?:ing)?|on|our)\s+(?:(?i:the|our)\s+)?(?P<period>" + _PERIOD_WORDS
               + r"[^.]{0,20}?)\s+(?i:and\s+(?:full|fiscal)[- ]year\s+)?(?i:(?:financial\s+)?(?:results|performance))"),
]
# "阿里巴巴集团 2023 年 12 月份季度业绩电话会议": at the start of a line (the page
# header), else after "欢迎参加" in the host's welcome.
_ZH_TITLE = (r"(?P<company>[\u4e00-\u9fffA-Za-z]{2,20}?)\s*(?P<year>20\d\d)\s*年\s*(?P<month>\d{1,2})\s*月份?\s*季度"
             r"\s*(?:业绩|财报)")
ZH_TITLE_RES = [re.compile(r"^\s*" + _ZH_TITLE, re.M), re.compile(r"(?:欢迎[^，。,]{0,4}?(?:参加|来到))\s*" + _ZH_TITLE)]
ZH_FISCAL_QUARTER_RE = re.compile(r"(?P<year>20\d\d)\s*财年\s*第\s*(?P<q>[一二三四1-4])\s*(?:财季|季度|财政季度)")
# "2024财年开始至今，即本财年头九个月": the fiscal year the call is in.
ZH_FISCAL_YEAR_RE = re.compile(r"(?P<year>20\d\d)\s*财年\s*(?:开始)?\s*(?:至今|以来)")
# File names: "Campbell Soup Q3 2021 earnings call", "CPB_q3_2021", "alibaba-2023q4-...", "FY24Q3".
NAME_PERIOD_RES = [
    re.compile(r"\bq(?P<q>[1-4])\s*(?:fy\s*)?'?(?P<year>(?:19|20)?\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)\s*q(?P<q>[1-4])\b", re.I),
    re.compile(r"\bfy\s*'?(?P<year>(?:19|20)?\d\d)\s*q(?P<q>[1-4])\b", re.I),
    re.compile(r"\b(?P<q>[1-4])q\s*'?(?P<year>(?:19|20)?\d\d)\b", re.I),
]
NAME_STOPWORDS = {"earnings", "call", "calls", "transcript", "conference", "results", "result", "quarter", "quarterly",
                  "zh", "en", "cn", "chinese", "english", "the", "and", "of", "webcast", "final", "q&a"}
NAME_LANGUAGES = {"zh": "zh", "cn": "zh", "chinese": "zh", "en": "en", "english": "en"}
SUFFIXES = (".txt", ".md", ".markdown", ".pdf")


@dataclass
class CallInfo:
    company: str | None = None
    ticker: str | None = None
    period: str | None = None  # as the call states it: "Q4 2023", "Q3 fiscal 2021", "2023年12月份季度"
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    date: str | None = None  # ISO "2024-02-27"
    language: str | None = None
    guessed: list[str] = field(default_factory=list)  # fields not read from the text


@dataclass
class _Found:
    company: str | None = None
    ticker: str | None = None
    quarter: int | None = None
    year: int | None = None
    fiscal: bool = False
    period: str | None = None  # a period that is not a numbered quarter ("2023年12月份季度")
    date: str | None = None
    language: str | None = None


# ------------------------------------------------------------------ pieces
def _year(s: str) -> int:
    n = int(s)
    return n + 2000 if n < 100 else n


def _quarter(m: re.Match) -> int | None:
    if m.groupdict().get("q"):
        return int(m.group("q"))
    o = m.groupdict().get("ord")
    return ORDINALS.get(o.lower()) if o else None


def read_period(s: str) -> tuple[int | None, int | None, bool]:
    """(quarter, year, fiscal) stated in a short phrase."""
    for rx in PERIOD_RES:
        m = rx.search(s)
        if m:
            gd = m.groupdict()
            year = _year(gd["year"]) if gd.get("year") else None
            return _quarter(m), year, bool(gd.get("fiscal")) or bool(re.search(r"\bfiscal\b|\bFY", s, re.I))
    return None, None, False


def find_date(line: str) -> str | None:
    for rx in DATE_RES:
        for m in rx.finditer(line):
            if PERIOD_END_RE.search(line[: m.start()].rstrip()[-20:]):
                continue
            month = m.group("month")
            month_n = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."), 0)
            try:
                return dt.date(int(m.group("year")), month_n, int(m.group("day"))).isoformat()
            except ValueError:
                continue
    return None


def _clean_company(s: str | None) -> str | None:
    if not s:
        return None
    s = re.sub(r"^(?:the|our)\s+", "", s.strip(" ,-–—:*#"), flags=re.I).strip(" ,")
    s = re.sub(r"['’]s$", "", s)
    return s or None


# ------------------------------------------------------------------ the text
def _head(text: str) -> list[str]:
    lines = []
    for ln in text.splitlines():
        s = re.sub(r"^[#>*\s]+|[*_]+", "", ln).strip()
        if s:
            lines.append(s)
        if len(lines) >= HEAD_LINES:
            break
    return lines


def _title(found: _Found, head: list[str]) -> None:
    """A title line ("Acme Corp (ACME) Q1 2024 Earnings Call Transcript") and
    the date on it or on the lines around it."""
    for line in head:
        if not CALL_WORDS_RE.search(line) or re.search(r"[\u4e00-\u9fff]", line):
            continue
        t = TICKER_RE.search(line)
        q, y, fiscal = read_period(line)
        if not (t or q):
            continue
        cut = min([x.start() for x in (t, _first_period(line)) if x is not None])
        found.company = found.company or _clean_company(line[:cut])
        found.ticker = found.ticker or (t.group("ticker") if t else None)
        if q and found.quarter is None:
            found.quarter, found.year, found.fiscal = q, y, fiscal
        break
    for line in head:
        if found.date is None:
            found.date = find_date(line)


def _first_period(line: str) -> re.Match | None:
    for rx in PERIOD_RES:
        m = rx.search(line)
        if m:
            return m
    return None


def _opening(found: _Found, text: str) -> None:
    flat = re.sub(r"\s+", " ", text[:OPENING_CHARS])
    hits = sorted((m.start(), i, m) for i, rx in enumerate(OPENING_RES) for m in rx.finditer(flat))
    for _, _, m in hits:
        q, y, fiscal = read_period(m.group("period"))
        if q is None:
            continue
        if m.groupdict().get("company") and found.company is None:
            found.company = _clean_company(m.group("company"))
        if found.quarter is None:
            found.quarter, found.year, found.fiscal = q, y, fiscal
        elif found.year is None and y and q == found.quarter:
            found.year, found.fiscal = y, fiscal
        if found.year is not None:
            break


def _chinese(found: _Found, text: str) -> None:
    m = next((m for rx in ZH_TITLE_RES if (m := rx.search(text))), None)
    if m:
        found.company = found.company or m.group("company")
        found.period = f"{m.group('year')}年{int(m.group('month'))}月份季度"
    fq = ZH_FISCAL_QUARTER_RE.search(text)
    if fq:
        found.year, found.quarter, found.fiscal = int(fq.group("year")), ZH_DIGITS.get(fq.group("q")) or int(fq.group("q")), True
        found.period = found.period or f"{fq.group('year')}财年第{fq.group('q')}季度"
    elif found.period:
        fy = ZH_FISCAL_YEAR_RE.search(text)
        if fy:
            found.year, found.fiscal = int(fy.group("year")), True
    if found.date is None:
        for line in text.splitlines():
            if CALL_WORDS_RE.search(line) and len(line.strip()) <= 200:
                found.date = find_date(line)
                if found.date:
                    break


def from_text(text: str) -> _Found:
    found = _Found()
    if not text.strip():
        return found
    found.language = language.detect(text[:LANG_SAMPLE_CHARS])
    _title(found, _head(text))
    if found.language == "zh":
        _chinese(found, text)
    if found.quarter is None or found.year is None or found.company is None:
        _opening(found, text)
    return found


def says_fiscal(text: str, year: int) -> bool:
    """The call counts in fiscal years: "fiscal 2021", "FY '21", "2021 fiscal year"."""
    return bool(re.search(rf"\bfiscal(?:\s+year)?\s+{year}\b|\bFY\s*'?(?:{year}|{year % 100:02d})\b|\b{year}\s+fiscal\s+year\b",
                          text, re.I))


# ------------------------------------------------------------------ the file name
def from_name(file_name: str) -> _Found:
    found = _Found()
    stem = Path(file_name).name
    for suf in SUFFIXES:
        if stem.lower().endswith(suf):
            stem = stem[: -len(suf)]
    stem = re.sub(r"\([^)]*\)", " ", stem)
    # "Coca-Cola Q3 2021 ..." keeps its hyphen; "alibaba-2023q4-earnings-call" is cut at them
    flat = re.sub(r"[_.]+" if " " in stem.strip() else r"[_\-.]+", " ", stem)
    d = re.search(r"\b(20\d\d)[-_ ]?(0[1-9]|1[0-2])[-_ ]?([0-3]\d)\b", flat)
    if d:
        try:
            found.date = dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3))).isoformat()
            flat = flat[: d.start()] + " " + flat[d.end() :]
        except ValueError:
            pass
    rest = flat
    for rx in NAME_PERIOD_RES:
        m = rx.search(flat)
        if m:
            found.quarter, found.year = int(m.group("q")), _year(m.group("year"))
            found.fiscal = "fy" in m.group(0).lower()
            rest = flat[: m.start()] + " " + flat[m.end() :]
            break
    words = []
    for w in rest.split():
        if w.lower() in NAME_LANGUAGES:
            found.language = NAME_LANGUAGES[w.lower()]
        if w.lower() in NAME_STOPWORDS or re.fullmatch(r"\d+", w):
            continue
        words.append(w)
    if found.quarter is None and found.date is None:
        return found  # "notes.txt", "call.txt": a name that labels no call names no company either
    if len(words) == 1 and re.fullmatch(r"[A-Z]{1,5}", words[0]):
        found.ticker = words[0]
    elif words:
        name = " ".join(words)
        found.company = name.title() if name.islower() else name
    return found


# ------------------------------------------------------------------ together
def _compose(quarter: int | None, year: int | None, fiscal: bool) -> str | None:
    if quarter is None:
        return None
    if year is None:
        return f"Q{quarter}"
    return f"Q{quarter} {'fiscal ' if fiscal else ''}{year}"


def detect(text: str, file_name: str) -> CallInfo:
    t, f = from_text(text), from_name(file_name)
    guessed: list[str] = []

    def pick(name: str, a, b):
        if a is not None:
            return a
        if b is not None:
            guessed.append(name)
        return b

    info = CallInfo(company=pick("company", t.company, f.company), ticker=pick("ticker", t.ticker, f.ticker))
    if t.period and t.quarter is None:
        # a month-named quarter ("12月份季度"): which fiscal quarter it is, only the text can say
        info.period, info.fiscal_year = t.period, t.year
    else:
        quarter = pick("fiscal_quarter", t.quarter, f.quarter)
        year = t.year if t.year is not None else f.year
        if t.year is None and year is not None:
            guessed.append("fiscal_year")
        fiscal = t.fiscal or (t.year is None and f.fiscal) or (year is not None and says_fiscal(text, year))
        info.period = t.period or _compose(quarter, year, fiscal)
        info.fiscal_year, info.fiscal_quarter = year, quarter
        if info.period and ("fiscal_quarter" in guessed or "fiscal_year" in guessed):
            guessed.append("period")
    info.date = pick("date", t.date, f.date)
    info.language = t.language
    if info.language is None:
        info.language = f.language or "en"
        guessed.append("language")
    info.guessed = guessed
    return info


# ------------------------------------------------------------------ sidecar
FIELD_TYPES = {"company": str, "ticker": str, "period": str, "fiscal_year": int, "fiscal_quarter": int,
               "date": str, "language": str}


def sidecar_path(path: str | Path) -> Path:
    p = Path(path)
    return p if p.name.endswith(SIDECAR_SUFFIX) else p.with_name(p.name + SIDECAR_SUFFIX)


def load_sidecar(path: str | Path) -> dict:
    """The overrides in "<transcript>.call.toml", {} if there is none. A
    mistake in it is refused with one line rather than silently ignored."""
    sc = sidecar_path(path)
    if not sc.is_file():
        return {}
    try:
        data = tomllib.loads(sc.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BadInput(f"{sc}: not valid TOML ({str(e).splitlines()[0]})") from None
    unknown = sorted(set(data) - set(FIELD_TYPES))
    if unknown:
        raise BadInput(f"{sc}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(FIELD_TYPES)}")
    out = {}
    for key, value in data.items():
        out[key] = _check(sc, key, value)
    return out


def _check(sc: Path, key: str, value):
    if key == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise BadInput(f"{sc}: date must be a date like 2024-02-27, not {value!r}")
    want = FIELD_TYPES[key]
    if not isinstance(value, want) or isinstance(value, bool):
        raise BadInput(f"{sc}: {key} must be {'a number' if want is int else 'text'}, not {value!r}")
    if key == "fiscal_quarter" and not 1 <= value <= 4:
        raise BadInput(f"{sc}: fiscal_quarter must be 1 to 4, not {value}")
    if key == "fiscal_year" and not 1900 <= value <= 2200:
        raise BadInput(f"{sc}: fiscal_year must be a year like 2024, not {value}")
    if key == "language" and value not in LANGUAGES:
        raise BadInput(f"{sc}: language must be one of {', '.join(sorted(LANGUAGES))}, not {value!r}")
    return value.strip() if isinstance(value, str) else value


def apply_sidecar(info: CallInfo, overrides: dict) -> CallInfo:
    """The sidecar's values replace detection's, and are no longer guesses."""
    known = {f.name for f in fields(CallInfo)} - {"guessed"}
    values = {k: v for k, v in overrides.items() if k in known}
    return replace(info, **values, guessed=[g for g in info.guessed if g not in values])


def for_file(path: str | Path, text: str) -> CallInfo:
    """Detection on a transcript, overridden by its sidecar if it has one."""
    return apply_sidecar(detect(text, Path(path).name), load_sidecar(path))
