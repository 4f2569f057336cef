"""How well a passage supports a sentence of the answer.

- Chinese sentence: the share of its character bigrams the passage holds
  (copied facts score 0.6-1.0; unrelated passages of the same call 0.1-0.3).
- English sentence: wording cannot be compared with a Chinese passage, so
  its terms are: glossary names and terms, and its other content words,
  each found in the passage as itself or as one of the corpus's Chinese
  words for it (the dictionary). "Cloud revenue grew healthily" paraphrasing
  "阿里云……取得了健康的增长" holds "healthy" (健康) and cloud (阿里云): a
  faithful paraphrase is supported, an invented sentence is not.
"""

from __future__ import annotations

import re

from .chunking import Chunk
from .claims import MARKER_RE, bigrams
from .knowledge import EN_WORD_RE, Knowledge, found
from .language import HAN_RE
from .questions import EN_GENERIC

# Share of a Chinese claim's bigrams a passage must hold to support it.
ZH_SUPPORT = 0.45
# Terms of an English claim a passage must hold to support it (all of them
# when the claim has fewer).
EN_SUPPORT_TERMS = 2
# Glossary kinds too common to show that a passage supports a claim.
GENERIC_KINDS = {"time", "change", "currency", "company", "section"}


def is_chinese(text: str) -> bool:
    return len(HAN_RE.findall(text)) > len(text) / 3


def score(claim: str, passage: Chunk, knowledge: Knowledge, lang: str) -> float:
    """How much of the claim the passage holds: a share of bigrams (Chinese)
    or a count of terms, capped at EN_SUPPORT_TERMS (English)."""
    body = MARKER_RE.sub("", claim)
    source = passage.text + " " + passage.header
    if lang == "zh" or is_chinese(body):
        cb = bigrams(body)
        return len(cb & bigrams(source)) / len(cb) if cb else 0.0
    expanded = knowledge.glossary.expand(body)
    covered = {a.lower() for e in expanded.entries for a in e.en + e.zh}
    terms = [frozenset(v.lower() for v in e.zh + e.en) for e in expanded.entries if e.kind not in GENERIC_KINDS]
    rest = body
    for rx, _ in knowledge.glossary._patterns:
        rest = rx.sub(" ", rest)
    for m in EN_WORD_RE.finditer(rest):
        w = m.group().lower().removesuffix("'s")
        if w in EN_GENERIC or len(w) < 3 or any(w in c.split() for c in covered):
            continue
        terms.append(frozenset(knowledge.forms(w)))
    terms = list(dict.fromkeys(terms))
    hits = sum(1 for forms in terms if found(set(forms), source))
    return hits / max(1, min(EN_SUPPORT_TERMS, len(terms))) * EN_SUPPORT_TERMS


def supports(value: float, lang: str) -> bool:
    return value >= (ZH_SUPPORT if lang == "zh" else EN_SUPPORT_TERMS)


# A passage the model itself cited needs less: one shared concept or name of
# an English claim (the claim is English, the passage Chinese).
EN_CITED_MIN = 1.0


def supports_cited(value: float, lang: str) -> bool:
    return supports(value, lang) or (lang == "en" and value >= EN_CITED_MIN)


def words_of(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
