"""Numbers in text, by value and unit.

"281亿元" and "RMB 28.1 billion" are the same amount; "9.61亿" is 961 million,
not 9.61 billion. Every number found carries its value (scale applied), its
kind (amount, percent, percentage points, year, plain) and its currency when
one is written next to it, so an answer's numbers can be checked against its
sources whatever language either is in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ZH_SCALE = {"万亿": 1e12, "亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3}
EN_SCALE = {"trillion": 1e12, "tn": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9, "million": 1e6, "mn": 1e6,
            "m": 1e6, "thousand": 1e3, "k": 1e3}
# Relative tolerance when comparing values: answers round ("RMB 260.3 billion"
# for 2,603亿 is exact, "about 4.4%" vs 4.4 is exact); 0.5% absorbs float noise
# and one-decimal rounding of large amounts, not a different number.
REL_TOL = 0.005

_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CUR_BEFORE = r"(?P<cur1>RMB|CNY|US\$|USD|HK\$|HKD|\$|¥|￥)?\s*"
_ZH_UNIT = r"(?P<zh>万亿|千万|百万|亿|万|千)?"
# An English unit ends where its letters do: "350 basis points的" in a Chinese
# answer is 350 basis points, although no word boundary follows "points".
_END = r"(?![A-Za-z])"
_EN_UNIT = r"(?:\s*(?P<en>trillion|billion|million|thousand|bn|tn|mn)" + _END + r")?"
_CUR_AFTER = r"\s*(?P<cur2>亿?美元|港元|港币|元人民币|人民币|元|股|股份|RMB|US\$|USD|yuan)?"
_PCT = (r"(?P<pct>\s*(?:%|％|percent" + _END + r"|per cent" + _END + r")|\s*个百分点|\s*个?基点"
        + "".join(r"|\s*" + unit + _END for unit in ("percentage points?", "ppts?", "pp", "basis points?", "bps?"))
        + ")?")
# Basis points are hundredths of a percentage point: "40 basis points" and
# "0.4个百分点" are the same change, so they are read as percentage points.
BASIS_POINT_RE = re.compile(r"基点|basis|bp", re.I)
NUMBER_RE = re.compile(_CUR_BEFORE + _NUM + r"\s*" + _ZH_UNIT + _EN_UNIT + _PCT + _CUR_AFTER, re.I)
YEAR_AFTER_RE = re.compile(r"^\s*(?:年|财年|fiscal)", re.I)
DATE_AFTER_RE = re.compile(r"^\s*(?:月|日|号|季度)")
# An English month name right before a day ("January 1", "Feb. 6"): a date.
MONTH_BEFORE_RE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.I)
NAME_TAIL_RE = re.compile(r"[.\-][A-Za-z]")  # "1688.com", "20-F"
# Shares Chinese writes in words ("AE Choice 订单已经占到 AliExpress 订单量的一半"):
# read as the percentages an answer gives for them ("50%"). Exact fractions:
# "33.3%" matches 三分之一 within REL_TOL, "33%" does not.
WORD_SHARES = {"一半": 50.0, "半数": 50.0, "三分之一": 100 / 3, "三分之二": 200 / 3, "四分之一": 25.0,
               "四分之三": 75.0}
WORD_SHARE_RE = re.compile("|".join(WORD_SHARES))
# Where a list item can start: after these (or at the start of the text).
# The sentence counter (generate) and the claim splitter (verify) use it too.
LIST_ITEM_AFTER = r"(?:[:：;；。!?！？]|(?<!\d)\.)"  # a full stop, not a decimal point ("$0.45[2]. Q4…")
# List markers "1、" "2)" and "3." where a list item starts (after a colon or
# a sentence end, "areas: 1. Supply"), also with a citation marker the model
# put in ("1[1]. "); "it opened 5." is a number.
ENUM_AFTER_RE = re.compile(r"^\s*(?:\[\d+\]\s*)*(?:(?P<mark>、|\)|）)|\.(?:\s|$))")


@dataclass(frozen=True)
class Number:
    text: str  # as written
    start: int
    end: int
    value: float
    kind: str  # amount | percent | pp (basis points too) | year | date | plain
    currency: str | None  # RMB | USD | HKD | None
    digits: str  # significant digits, for "same digits, wrong scale"

    def same_value(self, other: "Number") -> bool:
        if not _kinds_compatible(self.kind, other.kind):
            return False
        if self.currency and other.currency and self.currency != other.currency:
            return False
        return math.isclose(self.value, other.value, rel_tol=REL_TOL, abs_tol=1e-9)


def _kinds_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    numeric = {"amount", "plain"}
    return a in numeric and b in numeric


def _currency(s: str | None) -> str | None:
    if not s:
        return None
    s = s.upper()
    if "美元" in s or s in ("US$", "USD", "$"):
        return "USD"
    if "港" in s or s in ("HK$", "HKD"):
        return "HKD"
    if "人民币" in s or s in ("RMB", "CNY", "¥", "￥", "元", "YUAN"):
        return "RMB"
    return None


def _significant(num: str) -> str:
    d = num.replace(",", "").replace(".", "").lstrip("0").rstrip("0")
    return d or "0"


def _starts_item(text: str, pos: int) -> bool:
    """`pos` is where a list item may start: the text's start, or after a
    newline or LIST_ITEM_AFTER with only spaces between."""
    before = text[:pos].rstrip(" \t")
    return not before or before[-1] == "\n" or bool(re.fullmatch(LIST_ITEM_AFTER, before[-1]))


def extract(text: str) -> list[Number]:
    out = []
    for m in NUMBER_RE.finditer(text):
        num = m.group("num")
        # a digit glued to letters is a name ("1688.com", "20-F", "B2B"), not a quantity
        before = text[m.start("num") - 1] if m.start("num") > 0 else ""
        after_num = text[m.end("num") : m.end("num") + 1]
        if (before.isascii() and before.isalpha()) or (after_num.isascii() and after_num.isalpha()
                                                         and not m.group("en") and not m.group("pct")):
            continue
        # a hyphen joining a word to digits ("COVID-19") is a name, not a minus sign ("为-40个基点")
        if before in "-–" and m.start("num") >= 2 and text[m.start("num") - 2].isascii() and \
                text[m.start("num") - 2].isalnum():
            continue
        if NAME_TAIL_RE.match(text, m.end("num")):
            continue
        value = float(num.replace(",", ""))
        zh, en, pct = m.group("zh"), m.group("en"), (m.group("pct") or "").strip().lower()
        cur = _currency(m.group("cur1")) or _currency(m.group("cur2"))
        if zh:
            value *= ZH_SCALE[zh]
        if en:
            value *= EN_SCALE[en.lower()]
        if m.group("cur2") and m.group("cur2").startswith("亿"):
            value *= 1e8
        if pct in ("%", "％", "percent", "per cent"):
            kind = "percent"
        elif pct:
            kind = "pp"
            if BASIS_POINT_RE.search(pct):
                value /= 100
        elif zh or en or cur:
            kind = "amount"
        elif YEAR_AFTER_RE.match(text[m.end("num") : m.end("num") + 3]) and 1900 <= value <= 2100:
            kind = "year"
        elif DATE_AFTER_RE.match(text[m.end("num") : m.end("num") + 3]) or (
                value <= 31 and "." not in num and MONTH_BEFORE_RE.search(text[max(0, m.start("num") - 12) : m.start("num")])):
            kind = "date"
        elif 1900 <= value <= 2100 and "." not in num and "," not in num:
            kind = "year"
        else:
            kind = "plain"
        enum = ENUM_AFTER_RE.match(text[m.end("num") : m.end("num") + 12]) if kind == "plain" and value < 20 else None
        if enum and (enum.group("mark") or _starts_item(text, m.start("num"))):
            continue  # a list marker
        out.append(Number(m.group(0).strip(), m.start(), m.end(), value, kind, cur, _significant(num)))
    return out


def word_shares(text: str) -> list[Number]:
    """The shares `text` writes in words, as percentages. Only the check of
    an answer's numbers against its sources reads them (`source_numbers`):
    the figures a passage states for a metric (retrieval, the focused retry)
    stay its digits."""
    return [Number(m.group(), m.start(), m.end(), WORD_SHARES[m.group()], "percent", None,
                   _significant(f"{WORD_SHARES[m.group()]:g}")) for m in WORD_SHARE_RE.finditer(text)]


def source_numbers(text: str) -> list[Number]:
    """The numbers a source passage holds for checking an answer's: its
    digits and its shares in words. Verification and the evaluation's
    unflagged-number count both read passages this way."""
    return extract(text) + word_shares(text)


def amounts(text: str) -> list[Number]:
    """The amounts of a text (money figures, not shares, counts or dates), in order."""
    return [n for n in extract(text) if n.kind == "amount"]


def find_match(n: Number, pool: list[Number]) -> Number | None:
    return next((p for p in pool if n.same_value(p)), None)


def scale_fix(n: Number, pool: list[Number]) -> Number | None:
    """The source number with the same digits but another scale, if exactly
    one exists: "281 billion" against 281亿 -> 281亿 (28.1 billion)."""
    if n.kind not in ("amount", "plain"):
        return None
    cands = {(p.value, p.currency) : p for p in pool if p.kind == "amount" and p.digits == n.digits
             and not math.isclose(p.value, n.value, rel_tol=REL_TOL)
             and not (n.currency and p.currency and n.currency != p.currency)}
    return next(iter(cands.values())) if len(cands) == 1 else None


def format_en(value: float, currency: str | None) -> str:
    """English rendering of an amount: 2.81e10 RMB -> "RMB 28.1 billion"."""
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            s = f"{value / scale:.3f}".rstrip("0").rstrip(".")
            body = f"{s} {word}"
            break
    else:
        body = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    if currency == "USD":
        return f"US${body}"
    if currency == "HKD":
        return f"HK${body}"
    if currency == "RMB":
        return f"RMB {body}"
    return body


def format_zh(value: float, currency: str | None) -> str:
    """Chinese rendering: 2.81e10 RMB -> "281亿元人民币"."""
    unit = {"USD": "美元", "HKD": "港元", "RMB": "元人民币"}.get(currency or "", "")
    for scale, word in ((1e8, "亿"), (1e4, "万")):
        if abs(value) >= scale:
            s = f"{value / scale:.4f}".rstrip("0").rstrip(".")
            return f"{s}{word}{unit}"
    return f"{value:g}{unit}"
