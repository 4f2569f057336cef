"""An answer as claims: its sentences, each with the passages it cites.

The answer's text is the one place its citations live ("…281 亿元人民币[1]。");
a `Claim` is one sentence of it with the markers read out, so that stages
can check and re-cite a sentence at a time and write the text back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .numbers import LIST_ITEM_AFTER

MARKER_RE = re.compile(r"\s*\[(\d{1,2})\]")
# A claim ends at a sentence end; not at a list item's number ("as follows: 1. Supply").
_NOT_LIST_NUMBER = "".join(f"(?<!{b})" for b in (r"^\d", r"^\d\d", LIST_ITEM_AFTER + r"\d", LIST_ITEM_AFTER + r"\d\d",
                                                 LIST_ITEM_AFTER + r"\s\d", LIST_ITEM_AFTER + r"\s\d\d"))
# Nor at an abbreviation's full stop: one followed by a word in lower case ("Rocket Lab USA,
# Inc. about a capsule", "sales in the U.S. grew"), a title's ("Mr. Beck") or an initial's,
# a capital letter standing alone ("Charles J. Meyers", "its U. S. and Canadian restaurants");
# a marker put there split the sentence ("its U[1]. S. and Canadian restaurants[1].").
_NOT_ABBREVIATION = r"(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bMrs)(?<!\b[A-Z])"
CLAIM_RE = re.compile(r".+?(?:[。！？!?；;]+|" + _NOT_LIST_NUMBER + _NOT_ABBREVIATION + r"\.(?=\s|$)(?!\s+[a-z])|$)",
                      re.S)
# A marker the model put after a list item's number ("as follows: 1[1]. Supply"):
# it cites nothing (the item's own sentence carries its marker) and would cut
# the item from its claim.
LIST_NUMBER_MARKER_RE = re.compile(r"((?:^|" + LIST_ITEM_AFTER + r")\s*\d{1,2})(?:\s*\[\d{1,2}\])+(?=\.\s)")
ENDS = "。！？!?；;."


@dataclass
class Claim:
    text: str  # the sentence without its markers
    markers: list[int] = field(default_factory=list)  # passages (1-based) it cites
    numbers_ok: bool = True  # every number of it is found in a passage

    def render(self) -> str:
        """The sentence with its markers before its closing punctuation."""
        body, tail = self.text.rstrip(), ""
        if body and body[-1] in ENDS:
            body, tail = body[:-1], body[-1]
        return body + "".join(f"[{i}]" for i in self.markers) + tail


def sentences(text: str) -> list[str]:
    """The sentences of an answer (a list item's number is no end), without
    those that hold only markers."""
    out = []
    for m in CLAIM_RE.finditer(text.strip()):
        sentence = m.group().strip()
        if MARKER_RE.sub("", sentence).strip(" .。"):
            out.append(sentence)
    return out


def split(text: str, n_passages: int) -> list[Claim]:
    """The claims of `text`; markers that point at no passage are dropped."""
    text = LIST_NUMBER_MARKER_RE.sub(r"\1", text)
    out = []
    for raw in sentences(text):
        markers = list(dict.fromkeys(int(x) for x in MARKER_RE.findall(raw) if 1 <= int(x) <= n_passages))
        out.append(Claim(MARKER_RE.sub("", raw).strip(), markers))
    return out


def join(claims: list[Claim], lang: str) -> str:
    return ("" if lang == "zh" else " ").join(c.render() for c in claims)


def bigrams(s: str) -> set[str]:
    s = re.sub(r"\s+", "", s)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def unasked(text: str, question: str) -> str:
    """`text` with every run of two or more characters it shares with
    `question` blanked: what the sentence adds to the question."""
    if not question:
        return text
    out, i = [], 0
    while i < len(text):
        j = i + 1
        while j < len(text) and text[i : j + 1] in question:
            j += 1
        if j - i >= 2:
            out.append(" ")
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
