"""What the stages know about the indexed calls, as data.

Stages never name a company, a business or a phrase of one call: what they
need to know about a corpus comes from here.
- `glossary`: names and terms in both languages, their kinds (business unit,
  person, firm, metric...) and which business each is part of;
- `dictionary`: everyday English words to the corpus's Chinese words;
- `corpus_flat`: every passage (with its header) squashed, to find a name
  however it is spaced;
- `doc_freq`: in how many passages each search token occurs, so that a
  question's rare words weigh more than its common ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .dictionary import Dictionary, _stemmer
from .glossary import Glossary, squash
from .language import HAN_RE

# English words: letters, with inner "&", "." or "-" ("R&D", "Ele.me", "cross-border").
EN_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[&.\-'][A-Za-z0-9]+)*")

# Shortest head noun of a Chinese word's English gloss worth finding alone
# ("capacity" of "transport capacity"; not "unit" of "work unit", "up" of "speed up").
MIN_HEAD_CHARS = 5


@dataclass
class Knowledge:
    glossary: Glossary
    dictionary: Dictionary = field(default_factory=Dictionary)
    corpus_flat: str = ""
    doc_freq: dict[str, int] = field(default_factory=dict)
    n_passages: int = 1

    def in_corpus(self, term: str) -> bool:
        """`term` occurs somewhere in the calls (spacing, case and hyphens
        aside: a question's "Asia-Pacific" is the call's "Asia Pacific", its
        "e-commerce" the call's "ecommerce", and the other way round)."""
        bare = squash(term).replace("-", "")  # a term held as written is held without its hyphens too
        return bool(bare) and bare in self._corpus_unhyphenated

    @cached_property
    def _corpus_unhyphenated(self) -> str:
        return self.corpus_flat.replace("-", "")

    def rarity(self, forms: set[str]) -> float:
        """How rare the rarest-attested form of a term is across passages
        (inverse document frequency); a term no passage holds is rarer than
        any that one does."""
        best = 0
        for f in forms:
            best = max(best, self.doc_freq.get(f.lower(), 0))
        if best == 0 and any(self.in_corpus(f) for f in forms if len(f) >= 2):
            best = 1  # found in the text, though not as a search token of its own
        return math.log((self.n_passages + 1) / (best + 0.5))

    def forms(self, word: str) -> set[str]:
        """A question word and what the calls may write for it: the word, its
        stem (English), and the corpus's Chinese words for it (dictionary).
        A glossary term brings all its variants."""
        out = {word.lower()}
        for e in self.glossary.expand(word).entries:
            out.update(v.lower() for v in e.zh + e.en)
        if not HAN_RE.search(word):
            stem = _stemmer().stemWord(word.lower())
            out.add(stem)
            out.update(self.dictionary.translate(word))
        else:  # a Chinese word, for English calls: the English words the corpus uses for it
            english = self.dictionary.to_english([word])
            out.update(english)
            # and the head noun of a gloss of several words: 运力 is glossed "transport
            # capacity", which calls write "capacity"
            out.update(g.split()[-1] for g in english if " " in g and len(g.split()[-1]) >= MIN_HEAD_CHARS)
        return {f for f in out if f}


    def attested(self, forms) -> bool:
        """Some form of a term occurs in the calls."""
        return any(self.doc_freq.get(f.lower(), 0) or (len(f) >= 2 and self.in_corpus(f)) for f in forms)

    def is_noun(self, word: str, forms) -> bool:
        """The word names a thing (what a figure can measure), not an action
        or a quality: a Chinese word by its part of speech, an English one
        by the parts of speech of most of the corpus's Chinese words for it
        ("employees" → 员工, a noun; "generate" → 产生/生成, not clearly one)."""
        if HAN_RE.search(word):
            return _pos(word) in NOUN_TAGS
        chinese = [f for f in forms if HAN_RE.search(f) and self.attested({f})]
        if not chinese:  # a name, an abbreviation ("R&D", "GMV"), a noun by its ending ("guidance"), or a word
            # English uses only as a noun ("footwear", "occupancy"), not one that can be a verb or a quality
            return word[:1].isupper() or word.isupper() or bool(NOUN_ENDING_RE.search(word.lower())) \
                or only_noun(word.lower())
        return sum(_pos(f) in NOUN_TAGS for f in chinese) * 2 > len(chinese)


@lru_cache(maxsize=4096)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """The English word's lemmas per part of speech ({"NOUN": ("delivery",)}
    for "deliveries"); {} for no dictionary word."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word)


def only_noun(word: str) -> bool:
    """English uses `word` as a noun and as nothing else ("footwear",
    "occupancy", "satellites"; not "wholesale", "backlog" or "pricing")."""
    return set(lemmas(word)) == {"NOUN"}


# English endings of nouns ("guidance", "headcount", "employees", "shareholders").
NOUN_ENDING_RE = re.compile(r"(?:ance|ence|ment|tion|sion|ness|ity|ship|count|ees?|ers?|ors?|ists?|ure|age)s?$")
# jieba's part-of-speech tags of nouns: common, person, place, organisation,
# other proper, abbreviation ("研发"), distinguishing ("无形"), Latin word.
NOUN_TAGS = {"n", "nr", "ns", "nt", "nz", "nw", "j", "b", "eng"}


def _pos(word: str) -> str:
    """The jieba part-of-speech tag of a word (of its last piece when it splits)."""
    import jieba.posseg as pseg

    pieces = pseg.lcut(word)
    return pieces[-1].flag if pieces else ""


def found(forms: set[str], text: str) -> bool:
    """One of `forms` occurs in `text`: Chinese as a substring, English as a
    word or the start of one ("shareholder" in "shareholders")."""
    flat = squash(text)
    low = text.lower()
    for f in forms:
        if HAN_RE.search(f):
            if squash(f) in flat:
                return True
        elif len(f) >= 4 and re.search(r"(?<![a-z0-9])" + re.escape(f), low):
            return True  # a word or the start of one ("revenu" in "revenues")
        elif len(f) >= 2 and re.search(r"(?<![a-z0-9])" + re.escape(f) + r"(?![a-z0-9])", low):
            return True
    return False
