"""A figure the transcript breaks down item by item, and answers that stop
before the items.

    公认会计准则净利润……同比减少 350 亿元人民币，主要归因于投资价值变动及减值：
    第一、股权投资按市值计价变动约为 190 亿元人民币。第二、无形资产摊销和减值为
    146 亿元人民币……第三，商誉减值为 85亿元人民币，与优酷相关。

Asked why GAAP net income fell, the model states the 35 billion and the
heading ("due to investment value changes and impairment") and stops: the
items, each with its amount, are the answer. Asked again with the items
alone, the model went through them but misread them ("declined by RMB 19
billion"), so the items are written from the source instead: in Chinese as
the transcript words them, in English as each item's glossary terms and
amount ("goodwill impairment of RMB 8.5 billion (Youku)"). A breakdown often runs past the
end of its passage into the next one, so it is read across neighbouring
passages of the same document (a chunk is the exact slice
`doc.text[start:end]`, so neighbours join by offsets).

Only breakdowns whose items each state an amount are handled: whether an
answer covers an item is then a matter of numbers, checked by value in
either language, not of wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import numbers as num
from .chunking import Chunk
from .glossary import NAME_KINDS, Glossary
from .verify import Claim, label_amount

ORDINALS = "一二三四五六七八九"
# The markers of the k-th item (k from 1): "第一、" "一是" "1、" "（1）".
_MARKERS = ("第{zh}\\s*[、，,：:]", "{zh}是", "(?<![\\d.]){k}\\s*(?:、|[．.](?!\\d))", "[（(]{k}[)）]")
# An intro ends with a colon right before the first item's marker.
INTRO_END_RE = re.compile(r"[：:]\s*$")
# Characters from one item's marker to the next item's, at most: items are a
# sentence or two; further on, a "第二" belongs to something else.
MAX_ITEM_CHARS = 160
SENTENCE_END_RE = re.compile(r"[。！？!?；;\n]")
# A question about what makes up a figure or why it moved ("Why did GAAP net
# income decline?", "哪三项因素"): its answer is the items. A question for the
# figure ("How much was GAAP net income?") is answered by the total.
PARTS_QUESTION_RE = re.compile(r"\bwhy\b|\breasons?\b|\bitems?\b|\bfactors?\b|\bbehind\b|\bdr(?:ove|iven|ivers?)\b"
                               r"|\bdue to\b|\bcaused?\b|\bbreak ?down\b|\bmade up\b|为什么|为何|原因|因素|哪些|哪几|由于|导致|构成",
                               re.I)


def _marker(k: int) -> re.Pattern:
    zh = ORDINALS[k - 1]
    return re.compile("|".join(m.format(zh=zh, k=k) for m in _MARKERS))


MARKERS = [_marker(k) for k in range(1, len(ORDINALS) + 1)]


@dataclass(frozen=True)
class Breakdown:
    doc: str
    intro: tuple[int, int]  # the sentence that introduces the items, in document offsets
    items: tuple[tuple[int, int], ...]
    text: str  # the document's text from the intro's start to the last item's end

    def part(self, span: tuple[int, int]) -> str:
        start = self.intro[0]
        return self.text[span[0] - start : span[1] - start]

    @property
    def end(self) -> int:
        return self.items[-1][1]


def find(text: str, offset: int = 0, doc: str = "") -> list[Breakdown]:
    """The breakdowns in `text` (whose first character is at `offset` in
    document `doc`): an intro sentence ending in a colon, then two or more
    items numbered in order, each stating an amount."""
    out = []
    for m in MARKERS[0].finditer(text):
        colon = INTRO_END_RE.search(text, 0, m.start())
        if not colon:
            continue
        starts = [m.start()]
        for k in range(1, len(MARKERS)):
            nxt = MARKERS[k].search(text, starts[-1] + 1, starts[-1] + MAX_ITEM_CHARS)
            if not nxt:
                break
            starts.append(nxt.start())
        if len(starts) < 2:
            continue
        last_end = SENTENCE_END_RE.search(text, starts[-1])
        ends = starts[1:] + [last_end.end() if last_end else len(text)]
        items = [(s, e) for s, e in zip(starts, ends)]
        if not all(num.amounts(text[s:e]) for s, e in items):
            continue
        intro_start = max((x.end() for x in SENTENCE_END_RE.finditer(text, 0, colon.start())), default=0)
        spans = tuple((s + offset, e + offset) for s, e in items)
        out.append(Breakdown(doc, (intro_start + offset, m.start() + offset), spans,
                             text[intro_start : ends[-1]]))
    return out


def around(chunk: Chunk, chunks: list[Chunk]) -> list[Breakdown]:
    """The breakdowns that overlap `chunk`, read in its document from the
    passage before it to the one after it (a breakdown's intro may sit in
    the previous passage, its last items in the next)."""
    same = sorted((c for c in chunks if c.doc == chunk.doc), key=lambda c: c.start)
    before = [c for c in same if c.start < chunk.start and c.end >= chunk.start]
    first = before[-1] if before else chunk
    text, end = first.text, first.end
    for c in same:
        if c.start <= first.start:
            continue
        if c.start > end:
            break  # a gap: the document goes on outside any passage
        text += c.text[end - c.start :]
        end = max(end, c.end)
        if end > chunk.end:
            break  # one passage past `chunk` is enough for its breakdowns' items
    return [b for b in find(text, first.start, chunk.doc) if b.intro[0] < chunk.end and b.end > chunk.start]


def covered(answer: str, b: Breakdown) -> int:
    """How many of the breakdown's items the answer gives an amount of."""
    have = num.amounts(answer)
    return sum(1 for span in b.items if any(num.find_match(n, have) for n in num.amounts(b.part(span))))


def asks_for_parts(question: str) -> bool:
    """Whether the question asks what a figure is made of or why it moved,
    rather than for the figure itself."""
    return bool(PARTS_QUESTION_RE.search(question))


def passages(b: Breakdown, chunks: list[Chunk]) -> list[tuple[Chunk, str]]:
    """Each item with the chunk that holds it: (chunk, the item's text)."""
    mine = [c for c in chunks if c.doc == b.doc]
    out = []
    for s, e in b.items:
        holders = [c for c in mine if c.start <= s < c.end]
        whole = [c for c in holders if c.end >= e]
        out.append(((whole or holders)[0], b.part((s, e)).strip()))
    return out


# How the items are introduced after the answer.
ITEMS_LEAD = {"en": "By item: ", "zh": "分项："}


def render(items: list[tuple[str, int]], glossary: Glossary, lang: str) -> tuple[str, list[Claim]]:
    """The items (text, the passage number citing it) as a sentence to
    append to the answer, and each as a claim of it (for the highlight)."""
    parts = [(_english(item, glossary) if lang == "en" else item.strip().rstrip("。；;，, ")) + f"[{m}]"
             for item, m in items]
    claims = [Claim(p, [m], supported=True) for p, (_, m) in zip(parts, items)]
    return ITEMS_LEAD[lang] + ("；" if lang == "zh" else "; ").join(parts) + ("。" if lang == "zh" else "."), claims


def _english(item: str, glossary: Glossary) -> str:
    """"goodwill impairment of RMB 8.5 billion (Youku)": the item's first
    amount labelled with its terms, and the names the item gives when it
    states one amount only (with two, a name may belong to either)."""
    amounts = num.amounts(item)
    names = [e.en[0] for _, e in glossary.mentions(item) if e.kind in NAME_KINDS and e.en]
    text = label_amount(amounts[0], item, glossary)
    return text + (f" ({', '.join(dict.fromkeys(names))})" if names and len(amounts) == 1 else "")
