"""What the checks and the search need to know about a call, derived from
its transcript when it is indexed.

Error it exists for: the names of a call (its people, the analysts' firms,
its business units) were known only from a glossary written by hand for
the default call; a new call had none, so a question about "Campbell's
Meals & Beverages division" could not be told from one about its Snacks
division, and "the CFO" pointed nowhere. Derived here, kept with the index
(the manifest), shown by `rag knowledge`:
- people: every speaker, with title or firm and role (from the parsed turns);
- firms: the analysts' firms;
- business units: names the call gives a segment, division or business
  ("our Meals & Beverages division", "the Communications Solutions
  segment", "云智能集团").
"""

from __future__ import annotations

import re
from collections import Counter

from .glossary import Entry
from .transcript import Document

# "the Meals & Beverages division", "our Interconnect and Sensor Systems segment":
# up to five capitalised words (with "&", "and", "of") before a segment word.
EN_UNIT_RE = re.compile(r"\b((?:[A-Z][\w'.-]*|&)(?:\s+(?:[A-Z][\w'.-]*|&|and|of)){0,4})\s+"
                        r"(?:segment|division|business unit|reporting unit)s?\b")
# "the interconnect segment", "our cable segment": a lower-case segment name.
EN_LOWER_UNIT_RE = re.compile(r"\b(?:the|our|its)\s+([a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)\s+segment\b")
# "云智能集团的收入", "本地生活集团": a Chinese name ending in a segment word.
ZH_UNIT_RE = re.compile(r"([\u4e00-\u9fff]{2,8}(?:集团|事业群|事业部|分部))(?:的|收入|业务|经调整)")
# Capitalised words that start a sentence or name no business.
NOT_UNITS = {"The", "Our", "This", "That", "Each", "Every", "Both", "All", "Total", "Other", "Our Total", "In",
             "Within", "And", "For", "Its", "Each Of", "Group", "Company", "Corporate", "Business", "Segment",
             "Third", "Fourth", "First", "Second", "Q", "I", "We"}
# A name given this many times is the call's own, not a passing mention.
MIN_UNIT_MENTIONS = 2


def knowledge_of(doc: Document) -> dict:
    """People, firms and business units of one parsed call, as plain data
    for the index's manifest."""
    people: dict[str, dict] = {}
    for t in doc.turns:
        if t.speaker and t.speaker not in people and t.role in ("management", "analyst", "host", "operator"):
            people[t.speaker] = {"name": t.speaker, "title": t.title or "", "firm": t.firm or "", "role": t.role}
    firms = sorted({p["firm"] for p in people.values() if p["firm"] and p["role"] == "analyst"})
    counts: Counter = Counter()
    for m in EN_UNIT_RE.finditer(doc.text):
        name = _unit_name(m.group(1))
        if name:
            counts[name] += 1
    for m in EN_LOWER_UNIT_RE.finditer(doc.text):
        if m.group(1) not in ("same", "other", "whole", "entire", "total", "largest", "smallest", "reporting"):
            counts[m.group(1)] += 1
    for m in ZH_UNIT_RE.finditer(doc.text):
        counts[m.group(1)] += 1
    units = sorted(n for n, k in counts.items() if k >= MIN_UNIT_MENTIONS)
    return {"people": list(people.values()), "firms": firms, "units": units}


def _unit_name(raw: str) -> str:
    words = raw.split()
    while words and (words[0] in NOT_UNITS or words[0] in ("&", "and", "of")):
        words = words[1:]
    name = " ".join(words)
    return "" if not name or name in NOT_UNITS or len(name) < 3 else name


def entries(knowledge: dict) -> list[Entry]:
    """Glossary entries of a call's derived knowledge: people (full name and
    surname), firms, business units."""
    out: list[Entry] = []
    for p in knowledge.get("people", []):
        if p["role"] == "operator" or not p["name"]:
            continue
        out.append(_entry(p["name"], "person", aliases=_person_aliases(p["name"])))
    for f in knowledge.get("firms", []):
        out.append(_entry(f, "firm"))
    for u in knowledge.get("units", []):
        out.append(_entry(u, "unit", aliases=[u.replace("&", "and")] if "&" in u else []))
    return out


def _person_aliases(name: str) -> list[str]:
    parts = name.split()
    return [parts[-1]] if len(parts) >= 2 and len(parts[-1]) >= 4 else []


def _entry(name: str, kind: str, aliases: list[str] = ()) -> Entry:
    chinese = bool(re.search(r"[\u4e00-\u9fff]", name))
    return Entry(zh=(name,) if chinese else (), en=() if chinese else tuple(dict.fromkeys([name, *aliases])),
                 kind=kind)


def company_entries(call: dict) -> list[Entry]:
    """The call's company, by the names a question may use for it (its
    name, short name, ticker, aliases): a company, not a word of what is
    asked."""
    from .library import Call
    from .scope import names_of

    if not call.get("company"):
        return []
    c = Call.from_dict(call)
    names = names_of(c) + ([c.ticker] if c.ticker else [])
    zh = tuple(n for n in names if re.search(r"[\u4e00-\u9fff]", n))
    en = tuple(n for n in names if not re.search(r"[\u4e00-\u9fff]", n))
    return [Entry(zh=zh, en=en, kind="company", ticker=c.ticker)]
