"""Cleaning the model's text before it is checked.

- An English answer is written in English: the Chinese names the model
  copied become their glossary English (people keep their Chinese name in
  brackets), every amount is rendered in English ("565 亿RMB" -> "RMB 56.5
  billion"), units repeated after an amount and amounts restated in brackets
  go.
- Names the worked examples invent (their company, people and firms) that
  the model carried into a real answer are taken out.
- The "(= RMB 28.1 billion)" annotations of the passages, echoed, go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import numbers as num
from .claims import sentences
from .glossary import Glossary, squash
from .language import HAN_RE

# How an answer attaches a name to a person or thing: "of/from/at Example
# Capital", "(Example Capital)"; "来自示例资本的", "（示例资本）".
INVENTED_EN_ATTACHED = r"\s*(?:,\s*)?\b(?:of|from|at|for|with|in)\s+(?:the\s+)?{name}(?:'s)?(?![A-Za-z])|\s*[(（]\s*{name}\s*[)）]"
INVENTED_ZH_ATTACHED = r"来自{name}的?|[(（]\s*{name}\s*[)）]"
# Echoes of the passages' "(= RMB 28.1 billion)" annotations.
EQUALS_RE = re.compile(r"\s*[(（]\s*=[^()（）]*[)）]")


def english_only(text: str, glossary: Glossary) -> str:
    """Replace Chinese terms in an English answer by their English names;
    people keep their Chinese name in parentheses ("Toby Xu (徐宏)")."""
    def outside_parens_replace(s: str, zh: str, en: str) -> str:
        out, depth, i = [], 0, 0
        while i < len(s):
            ch = s[i]
            if ch in "(（":
                depth += 1
            elif ch in ")）":
                depth = max(0, depth - 1)
            if depth == 0 and s.startswith(zh, i):
                # Chinese needs no spaces around a word: "proportion of淘宝 merchants"
                before = " " if out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() else ""
                after = s[i + len(zh) : i + len(zh) + 1]
                out.append(before + en + (" " if after.isascii() and after.isalnum() else ""))
                i += len(zh)
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    entries = sorted((e for e in glossary.entries if e.zh), key=lambda e: -max(len(z) for z in e.zh))
    for e in entries:
        en = next((a for a in e.en if not HAN_RE.search(a)), None)
        if not en:
            continue
        for z in e.zh:
            if HAN_RE.search(z) and z in text:
                repl = f"{en} ({z})" if e.kind == "person" else dict(e.renders).get(z, en)
                text = outside_parens_replace(text, z, repl)
    return text


def stray_chinese(text: str) -> list[str]:
    """Chinese runs outside parentheses in an English answer."""
    outside = re.sub(r"[（(][^()（）]*[)）]", "", text)
    return re.findall(r"[\u4e00-\u9fff]+", outside)


DUPLICATE_UNIT_RE = re.compile(r"(?P<amt>(?:RMB |US\$|HK\$)[\d.,]+(?: (?:trillion|billion|million))?+)"
                               r"(?:\s*(?:billion|million|RMB|yuan|US dollars|dollars|USD|人民币|元))+", re.I)

# An amount the model restated in brackets after itself: "RMB 19 billion (19 billion RMB)".
RESTATED_RE = re.compile(r"(?P<amt>(?:RMB |US\$|HK\$)[\d.,]+(?: (?:trillion|billion|million))?)\s*"
                         r"[(（](?P<again>[^()（）]{1,30})[)）]")


def english_amounts(text: str) -> str:
    """Render every amount of an English answer in English: "565 亿RMB" ->
    "RMB 56.5 billion" (the value is exact: 亿 = 10^8), then drop units the
    model repeated after it ("RMB 2.4 billion billionRMB") and an amount it
    restated in brackets ("RMB 19 billion (19 billion RMB)")."""
    out, last = [], 0
    for n in num.extract(text):
        if n.kind == "amount" and re.search(r"[亿万元]|美元", n.text):
            out.append(text[last : n.start])
            lead = " " if out and out[-1] and not out[-1][-1].isspace() and text[n.start - 1 : n.start].isalnum() else ""
            out.append(lead + num.format_en(n.value, n.currency or "RMB"))
            last = n.end
    out.append(text[last:])
    text = DUPLICATE_UNIT_RE.sub(lambda m: m.group("amt"), "".join(out))
    return RESTATED_RE.sub(lambda m: m.group("amt") if _restates(m) else m.group(), text)


def _restates(m: re.Match) -> bool:
    said = num.amounts(m.group("amt"))
    again = num.amounts(m.group("again"))
    return len(said) == 1 and len(again) == 1 and said[0].same_value(again[0])


def unused_names(names: Iterable[str], corpus: str) -> tuple[str, ...]:
    """The names no transcript uses (whitespace and case aside): the ones an
    answer can only have copied from the worked examples. `corpus` is the
    transcripts' text squashed (`glossary.squash`). Read once, when the
    assistant starts, not for every answer."""
    return tuple(n for n in names if squash(n) not in corpus)


def drop_invented_names(text: str, names: Iterable[str], lang: str) -> tuple[str, list[str]]:
    """Names of the worked examples' invented company, people and firms that
    the model copied into a real answer ("Toby Xu of Example Capital
    answered...", "ROIC strategy of Xinghai Logistics"): a phrase attaching
    one ("of Example Capital", "（示例资本）") is removed; a sentence where one is
    left (its subject) is dropped. `names` are those no transcript uses
    (`unused_names`). Returns the text and what was removed."""
    removed: list[str] = []
    names = tuple(names)

    def remove(m: re.Match) -> str:
        removed.append(m.group().strip())
        return ""

    out = text
    for name in names:
        attached = (INVENTED_EN_ATTACHED if lang == "en" else INVENTED_ZH_ATTACHED).format(name=re.escape(name))
        out = re.sub(attached, remove, out)
    if any(n in out for n in names):
        kept = []
        for s in sentences(out):
            if any(n in s for n in names):
                removed.append(s)
            else:
                kept.append(s)
        out = ("" if lang == "zh" else " ").join(kept)
    return out, removed


