"""How well a passage supports a sentence of the answer.

- Chinese sentence: the share of its character bigrams the passage holds
  (copied facts score 0.6-1.0; unrelated passages of the same call 0.1-0.3);
  a name counts as held when the passage writes it in any of its forms
  ("巴克莱分析师" against a passage headed "Jiong Shao (Barclays)").
- English sentence: wording cannot be compared with a Chinese passage, so
  its terms are: glossary names and terms, its other content words (each
  found in the passage as itself or as one of the corpus's Chinese words
  for it, from the dictionary) and its figures (found by value, counting
  double); the score is the share of them the passage holds. "Marketing
  expenses were higher during the big sale season" paraphrasing "大促季营销
  费用增加" holds most of its terms: a faithful paraphrase is supported; a
  sentence the model added ("This will help the company better meet the
  needs of new consumers") holds a few common ones and is not.
- A Chinese sentence restating the question ("巴克莱分析师提到回购速度可能
  受到资本管制的制约" for "巴克莱分析师提到回购速度可能受到什么制约？") is
  scored on what it adds: the question's own bigrams are the user's wording,
  which the call need not share, and they drowned the answer "资本管制" the
  passage holds.
- Chinese sentence, English passage (a Chinese question about an English
  call): bigrams cannot be compared either, so it is read as an English
  sentence is, by its terms: names, its content words (each found as one
  of the English words the calls use for it, from the dictionary read the
  other way: "流动性" as "liquidity"; a word with none, "装瓶", cannot be
  looked for and is left out) and its figures by value. The share is
  put on the Chinese scale, so that one threshold decides for the claim's
  language. Without this every Chinese answer about an English call lost
  its citations and was refused as unsupported.
"""

from __future__ import annotations


from . import numbers as num
from .chunking import Chunk
from .claims import MARKER_RE, bigrams, unasked
from .knowledge import EN_WORD_RE, Knowledge, found
from .language import HAN_RE
from .questions import EN_GENERIC, words

# Share of a Chinese claim's bigrams a passage must hold to support it.
ZH_SUPPORT = 0.45
# A Chinese claim is scored without the question's bigrams only when it keeps
# at least this many of its own (a claim that adds a bare figure or a name to
# the question is scored whole).
MIN_OWN_BIGRAMS = 3
# A name of a Chinese claim weighs as much as this many of its bigrams.
NAME_WEIGHT = 2
NAME_KINDS = {"unit", "product", "person", "firm", "company", "region"}
# Share of an English claim's terms (figures counting double) a passage must
# hold to support it. On the labelled sample (eval/claims.jsonl) supported
# sentences score 0.2-1.0, mostly above 0.5; unsupported ones 0-1.0, those
# the model added from nothing under 0.3.
EN_SUPPORT_SHARE = 0.3
# A figure of the claim found in the passage weighs as much as this many terms.
FIGURE_WEIGHT = 2
# Glossary kinds too common to show that a passage supports a claim.
GENERIC_KINDS = {"time", "change", "currency", "company", "section"}


def is_chinese(text: str) -> bool:
    return len(HAN_RE.findall(text)) > len(text) / 3


def score(claim: str, passage: Chunk, knowledge: Knowledge, lang: str, question: str = "") -> float:
    """How much of the claim the passage holds, from 0 to 1: a share of its
    bigrams and names (Chinese; those of `question` left out) or of its terms
    and figures (English)."""
    body = MARKER_RE.sub("", claim)
    source = passage.text + " " + passage.header
    if lang == "zh" or is_chinese(body):
        if not HAN_RE.search(passage.text):
            return min(1.0, _term_share(body, source, knowledge, chinese=True) * ZH_SUPPORT / EN_SUPPORT_SHARE)
        names = knowledge.glossary.spans(body, NAME_KINDS)
        rest, held = body, 0
        for start, end, e in reversed(names):
            rest = rest[:start] + " " + rest[end:]
            held += found({v.lower() for v in e.zh + e.en}, source)
        cb = bigrams(rest)
        own = set().union(*(bigrams(seg) for seg in unasked(rest, question).split()))
        if len(own) >= MIN_OWN_BIGRAMS:
            cb = own
        total = len(cb) + NAME_WEIGHT * len(names)
        return (len(cb & bigrams(source)) + NAME_WEIGHT * held) / total if total else 0.0
    return _term_share(body, source, knowledge)


def _term_share(body: str, source: str, knowledge: Knowledge, chinese: bool = False) -> float:
    """The share of the sentence's terms (figures counting double) that
    `source` holds in one of their forms. `chinese`: the sentence is Chinese,
    its words are read as a question's are (with the English words the calls
    use for them)."""
    expanded = knowledge.glossary.expand(body)
    covered = {a.lower() for e in expanded.entries for a in e.en + e.zh}
    terms = [frozenset(v.lower() for v in e.zh + e.en) for e in expanded.entries if e.kind not in GENERIC_KINDS]
    if chinese:  # a word with no English rendering cannot be looked for in an English passage
        terms += [t.forms for t in words(body, knowledge) if t.in_english]
    else:
        rest = body
        for rx, _ in knowledge.glossary._present(body):
            rest = rx.sub(" ", rest)
        for m in EN_WORD_RE.finditer(rest):
            w = m.group().lower().removesuffix("'s")
            if w in EN_GENERIC or len(w) < 3 or any(w in c.split() for c in covered):
                continue
            terms.append(frozenset(knowledge.forms(w)))
    terms = list(dict.fromkeys(terms))
    hits = sum(1 for forms in terms if found(set(forms), source))
    figures = [n for n in num.extract(body) if n.kind in ("amount", "percent", "pp")]
    pool = num.source_numbers(source)
    held = sum(1 for f in figures if num.find_match(f, pool))
    total = len(terms) + FIGURE_WEIGHT * len(figures)
    return (hits + FIGURE_WEIGHT * held) / total if total else 0.0


def supports(value: float, lang: str) -> bool:
    return value >= (ZH_SUPPORT if lang == "zh" else EN_SUPPORT_SHARE)


def supports_cited(value: float, lang: str) -> bool:
    """A passage the model itself cited needs less: any term of an English
    claim (the claim is English, the passage Chinese: wording cannot be
    compared)."""
    return supports(value, lang) or (lang == "en" and value > 0)
