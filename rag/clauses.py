"""A Chinese answer that stops in the middle of its source sentence.

The model copies a figure and stops at the comma after it, dropping the
rest of the sentence it copied from, which often holds the other half of
the fact:

    source  AliExpress 实现了超过 60%的订单同比增长，主要由 2023年初推出的新模式 AE Choice 带来的。
    asked   AliExpress 的订单增长了多少？由什么带来？
    answer  AliExpress 的订单增长了超过 60%[1]。

    source  我们共回购了价值 95亿美元的股份，在考虑员工持股计划（ESOP）的影响后，股数减少了 3.3%。
    answer  阿里巴巴回购了价值 95亿美元的股份[1]。

Each answer sentence that states a figure of a cited passage's sentence is
given the clauses of that sentence which follow the figures it states, up
to the last clause that states a further figure, and, when the question asks
why or what drove it and the answer gives no cause, the cause the source
states for it: a clause of the same sentence ("，主要由……带来的") or the
sentence right after, when that one opens with its cause
("增长主要是由……所驱动。"). The words added are the source's own, so they
are verified by construction and cited to the same passage.

Chinese answers only: in an English answer the clause would have to be
translated, and a translation is the model's reading, not the source's.
"""

from __future__ import annotations

import re

from . import numbers as num
from .chunking import Chunk
from .verify import CLAIM_RE, MARKER_RE, bigrams

# Kinds of numbers that make a clause a figure worth keeping ("3.3%", "95亿美元").
FIGURE_KINDS = ("amount", "percent", "pp")
# A question asking why a figure moved or what drove it.
CAUSE_QUESTION_RE = re.compile(r"为什么|为何|原因|由什么|什么(?:驱动|带来|推动|带动|导致|造成)|哪些因素"
                               r"|\bwhy\b|\bdr(?:ove|iven|ivers?)\b|\breasons?\b|\bcaused?\b", re.I)
# Words that state a cause, in an answer or leading a source clause.
CAUSE_WORDS = r"由于|因为|得益于|归因于|受益于|主要由|主要是由|主要来自|所驱动|驱动|带动|推动|所致|原因"
CAUSE_RE = re.compile(CAUSE_WORDS)
# A source clause (or the sentence after the figure's) that opens with its
# cause: "主要由……", "增长主要是由……", "亏损同比增加主要是由于……". The lead
# may name what it explains in a few characters first.
CAUSE_LEAD_RE = re.compile(r"^[^，,。]{0,10}?(?:由于|因为|得益于|归因于|受益于|主要由|主要是由|主要来自)")
# A passage's sentences (a line's end ends one too), as the copy checks read them.
SOURCE_SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
CLAUSE_SPLIT_RE = re.compile(r"[，,]")
# A tail longer than this is a second thought of the speaker's, not the
# rest of the fact (the longest seen, a cause with an offset, is ~60).
MAX_TAIL_CHARS = 90


def _source_sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in SOURCE_SENTENCE_RE.finditer(text)]


def _figures(text: str) -> list[num.Number]:
    return [n for n in num.extract(text) if n.kind in FIGURE_KINDS]


def _best_sentence(stated: list[num.Number], claim: str, passages: list[Chunk]):
    """The source sentence the claim's figures come from: (passage text, its
    sentence spans, index of the sentence), the one stating most of them,
    then sharing most wording; None when no sentence states any."""
    best, best_key = None, (0, 0.0)
    grams = bigrams(claim)
    for c in passages:
        spans = _source_sentences(c.text)
        for k, (s, e) in enumerate(spans):
            figs = _figures(c.text[s:e])
            n = sum(1 for a in stated if any(a.same_value(f) for f in figs))
            if not n:
                continue
            key = (n, len(grams & bigrams(c.text[s:e])) / (len(grams) or 1))
            if key > best_key:
                best, best_key = (c.text, spans, k), key
    return best


def _tail(stated: list[num.Number], source: str, spans: list[tuple[int, int]], k: int, want_cause: bool) -> str:
    """The clauses of source sentence k the answer leaves out (see the module)."""
    s, e = spans[k]
    sentence = source[s:e]
    covered = [f for f in _figures(sentence) if any(f.same_value(a) for a in stated)]
    rest = sentence[max(f.end for f in covered):].rstrip("。！？!?；; ")
    # the first piece ends the clause of the last figure stated ("的订单同比增长")
    clauses = [c.strip() for c in CLAUSE_SPLIT_RE.split(rest)][1:]
    keep = 0
    for i, clause in enumerate(clauses):
        if want_cause and CAUSE_LEAD_RE.match(clause):
            keep = len(clauses)  # the cause runs to the sentence end ("……带动，部分被……抵销")
            break
        if any(not any(f.same_value(a) for a in stated) for f in _figures(clause)):
            keep = i + 1
    tail = "，".join(c for c in clauses[:keep] if c)
    if want_cause and not CAUSE_RE.search(tail) and k + 1 < len(spans):
        following = source[spans[k + 1][0]:spans[k + 1][1]].strip().rstrip("。！？!?；; ")
        if CAUSE_LEAD_RE.match(following) and not _figures(following):
            tail = "，".join(t for t in (tail, following) if t)
    return tail if len(tail) <= MAX_TAIL_CHARS else ""


# Where a claim's own words end: before its markers and closing punctuation.
CLAIM_END_RE = re.compile(r"(?:\s*\[\d{1,2}\])*\s*[。！？!?；;]*\s*$")


def complete_clauses(text: str, question: str, passages: list[Chunk]) -> tuple[str, list[str]]:
    """Give each sentence of a Chinese answer the rest of the source sentence
    its figures come from (see the module). `passages` are those the answer
    cites. Returns (text, the clauses added)."""
    want_cause = bool(CAUSE_QUESTION_RE.search(question)) and not CAUSE_RE.search(text)
    added: list[str] = []
    out, last = [], 0
    for m in CLAIM_RE.finditer(text):
        claim = m.group()
        stated = _figures(MARKER_RE.sub(" ", claim))
        found = _best_sentence(stated, claim, passages) if stated else None
        tail = _tail(stated, *found, want_cause) if found else ""
        if tail and tail not in claim:
            end = CLAIM_END_RE.search(claim).start()
            claim = claim[:end] + "，" + tail + claim[end:]
            added.append(tail)
            want_cause = want_cause and not CAUSE_RE.search(tail)
        out.append(text[last:m.start()] + claim)
        last = m.end()
    return "".join(out) + text[last:], added
