"""The bilingual glossary (data/glossary.tsv) and query expansion.

An English question about "free cash flow" must find "自由现金流" in a Chinese
passage; BM25 cannot bridge languages and the small embedder only partly can.
Each glossary row links Chinese variants to English aliases; a question is
expanded with the other language's terms of every row it mentions. Matching
is longest-alias-first and consumes the matched text, so "AIDC CEO" expands
to 蒋凡 and not also to 首席执行官.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import UserError
from .language import HAN_RE


# Glossary kinds that are names (the rest are financial and strategy terms,
# which the model translates by itself).
NAME_KINDS = ("unit", "product", "person", "firm")


@dataclass(frozen=True)
class Entry:
    zh: tuple[str, ...]
    en: tuple[str, ...]
    kind: str
    # (Chinese variant, its own English) for a variant that is a common phrase
    # rather than the name: an English passage writes "国际业务" as
    # "international business", not as the unit's name.
    renders: tuple[tuple[str, str], ...] = ()
    # The main Chinese name of the business this one is part of ("淘宝" is
    # part of "淘天集团"); "" for a reporting segment or a non-business term.
    part_of: str = ""
    # A company's stock ticker ("KO"), also one of its English names. Matched in
    # its own case only: "LOW", "COST" and "ALL" are tickers, "low" is a word.
    ticker: str = ""

    def name(self, lang: str) -> str:
        """The entry's main name in `lang` (the other language's when it has none in `lang`)."""
        if (lang == "zh" and self.zh) or not self.en:
            return self.zh[0]
        return self.en[0]


@dataclass
class Expansion:
    entries: list[Entry] = field(default_factory=list)

    @property
    def zh_terms(self) -> list[str]:
        return _unique(t for e in self.entries for t in e.zh)

    @property
    def en_terms(self) -> list[str]:
        return _unique(t for e in self.entries for t in e.en)

    def of_kind(self, *kinds: str) -> list[Entry]:
        return [e for e in self.entries if e.kind in kinds]


def _unique(items) -> list[str]:
    seen: list[str] = []
    for i in items:
        if i not in seen:
            seen.append(i)
    return seen


class Glossary:
    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_zh = {e.zh[0]: e for e in entries if e.zh}
        pats: list[tuple[str, Entry]] = []
        for e in entries:
            for alias in e.en:
                pats.append((alias, e))
            for z in e.zh:
                pats.append((z, e))
        pats.sort(key=lambda p: -len(p[0]))
        self._patterns = [(_alias_regex(a, exact_case=a == e.ticker), e) for a, e in pats]
        # the longest piece of each alias, lower case: an alias can match only
        # a text holding it, so the many derived names of a large library cost
        # a substring test, not a regex, on every text they are not in
        self._keys = [max(a.split() or [a], key=len).lower() for a, _ in pats]

        self._present_cache: dict[str, list] = {}

    def _present(self, text: str, within: str | None = None):
        """The patterns that may match `text`, in matching order; `within`, a
        text holding `text` (a passage's sentence around a number), whose own
        list, kept, is filtered instead of every pattern."""
        low = text.lower()
        if within is not None:
            return [(rx, e) for rx, e, key in self._present_keyed(within) if key in low]
        return [(rx, e) for rx, e, key in self._present_keyed(text)]

    def _present_keyed(self, text: str) -> list:
        found = self._present_cache.get(text)
        if found is None:
            if len(self._present_cache) > PRESENT_CACHE:
                self._present_cache.clear()
            low = text.lower()
            found = [(rx, e, key) for (rx, e), key in zip(self._patterns, self._keys) if key in low]
            self._present_cache[text] = found
        return found

    def expand(self, text: str) -> Expansion:
        found: list[Entry] = []
        rest = text
        for rx, entry in self._present(text):
            if rx.search(rest):
                rest = rx.sub(" \x00 ", rest)
                if entry not in found:
                    found.append(entry)
        return Expansion(found)

    def mentions(self, text: str) -> list[tuple[int, Entry]]:
        """Where each entry is named in `text`, as (offset, entry) in text
        order, matched as `expand` matches (longest alias first, matched
        text consumed)."""
        found: list[tuple[int, Entry]] = []
        rest = text
        for rx, entry in self._present(text):
            for m in rx.finditer(rest):
                found.append((m.start(), entry))
            rest = rx.sub(lambda m: "\x00" * len(m.group()), rest)
        return sorted(found, key=lambda f: f[0])

    def spans(self, text: str, kinds: tuple[str, ...] | set[str] | None = None,
              within: str | None = None) -> list[tuple[int, int, Entry]]:
        """Where each entry (of `kinds`, or any) is named in `text`: (start,
        end, entry), matched as `expand` matches (longest alias first);
        `within` as for `_present`."""
        found: list[tuple[int, int, Entry]] = []
        rest = text
        for rx, entry in self._present(text, within):
            for m in rx.finditer(rest):
                if kinds is None or entry.kind in kinds:
                    found.append((m.start(), m.end(), entry))
            rest = rx.sub(lambda m: "\x00" * len(m.group()), rest)
        return sorted(found, key=lambda f: f[0])

    def segment(self, entry: Entry) -> Entry:
        """The reporting segment a business belongs to: the entry itself, or
        the one it is (through its parents) part of."""
        seen = {entry}
        while entry.part_of:
            parent = self._by_zh.get(entry.part_of)
            if parent is None or parent in seen:
                break
            entry = parent
            seen.add(entry)
        return entry

    def zh_names(self) -> tuple[str, ...]:
        """The Chinese names of businesses, products, people and firms: the
        words a translation cannot guess."""
        return tuple(_unique(z for e in self.entries if e.kind in NAME_KINDS for z in e.zh if HAN_RE.search(z)))

    def zh_words(self) -> list[str]:
        return _unique(z for e in self.entries for z in e.zh if HAN_RE.search(z))


def squash(s: str) -> str:
    """Lower case without whitespace, for finding a name in text however it is spaced."""
    return re.sub(r"\s+", "", s).lower()


# Texts whose candidate patterns are kept (passage sentences recur across
# questions); the store is emptied when it grows past this many.
PRESENT_CACHE = 20000


def _alias_regex(alias: str, exact_case: bool = False) -> re.Pattern:
    # spaced or hyphenated alike: "earnings-per-share" is "earnings per share"
    body = re.escape(alias).replace(r"\ ", r"[\s-]*")
    # Latin aliases match whole words only ("AE" must not match "AIDC's" or "maker").
    left = r"(?<![A-Za-z0-9])" if alias[:1].isascii() and alias[:1].isalnum() else ""
    right = r"(?![A-Za-z0-9])" if alias[-1:].isascii() and alias[-1:].isalnum() else ""
    return re.compile(left + body + right, 0 if exact_case else re.I)


def load(*paths: str, extra: tuple[Entry, ...] = ()) -> Glossary:
    """The glossary of one or more TSV files (and `extra` entries, derived
    from the calls), in that order; an empty path is skipped."""
    return _load(tuple(p for p in paths if p), tuple(extra))


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...], extra: tuple[Entry, ...]) -> Glossary:
    entries = [e for p in paths for e in _read(p)] + list(extra)
    return Glossary(entries)


def for_config(cfg, extra: tuple[Entry, ...] = ()) -> Glossary:
    """The general lexicon of calls, the companies' Chinese names, the curated
    glossary (if any) and `extra`."""
    return load(cfg.lexicon, cfg.companies, cfg.glossary, extra=extra)


def _read(path: str) -> list[Entry]:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"glossary file not found: {p}")
    entries = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) not in (3, 4):
            raise UserError(f"{p}:{n}: expected 3 or 4 tab-separated columns "
                            "(zh, en, kind[, part of, or a company's ticker])")
        variants = [t.strip().partition("=") for t in cols[0].split("|") if t.strip()]
        zh = tuple(z.strip() for z, _, _ in variants)
        en = tuple(t.strip() for t in cols[1].split("|") if t.strip())
        renders = tuple((z.strip(), r.strip()) for z, eq, r in variants if eq and r.strip())
        kind, fourth = cols[2].strip(), cols[3].strip() if len(cols) == 4 else ""
        if kind == "company":  # a company is part of nothing; its fourth column is its ticker
            entries.append(Entry(zh, en + ((fourth,) if fourth else ()), kind, renders, ticker=fourth))
        else:
            entries.append(Entry(zh, en, kind, renders, fourth))
    return entries
