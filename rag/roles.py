"""Who asked and who answered, as the passages' headers say.

Asked who raised a question and who took it, the model sometimes turns the
roles around: "Toby Xu asked about the ROIC strategy, and Kenneth Fong of UBS
answered". The headers of the passages it cites know better: Kenneth Fong is
the analyst (he asks), Toby Xu management (he answers). A sentence in which
someone of management asks and an analyst answers has the two people (each
with the firm or title the answer attaches to them) put back in their places.
"""

from __future__ import annotations

import re

from .chunking import Chunk
from .glossary import Glossary
from .verify import CLAIM_RE

ASKED_RE = {"en": re.compile(r"\b(?:asked|raised|inquired|questioned)\b", re.I),
            "zh": re.compile(r"问了|提问|问到|询问|提出")}
ANSWERED_RE = {"en": re.compile(r"\b(?:answered|replied|responded|addressed)\b", re.I),
               "zh": re.compile(r"回答|回应|答复|作答")}
# Characters after a person's name in which the verb saying what they did is
# looked for ("Kenneth Fong of UBS asked", "徐宏（阿里巴巴集团首席财务官）回答说").
VERB_WINDOW = 40
# What an answer attaches to a person's name and moves with it: "(UBS)",
# "（阿里巴巴集团首席财务官）", ", the CFO,", " of UBS", " from Goldman Sachs".
ATTACHED_RE = re.compile(r"(?:\s*[(（][^()（）]{1,40}[)）])?(?:,?\s+(?:of|from|at)\s+(?:[A-Z][\w.&'-]*\s?){1,3}(?<!\s))?")


def _names(passages: list[Chunk], glossary: Glossary) -> tuple[set[str], set[str]]:
    """The analysts' and management's names the passages' headers give, with
    the glossary's other spellings of each person."""
    analysts, managers = set(), set()
    for c in passages:
        if c.role == "analyst" and c.speaker:
            analysts.add(c.speaker)
        if c.role == "management" and c.speaker:
            managers.add(c.speaker)
            if c.question_by:
                analysts.add(c.question_by)
    for e in glossary.entries:
        if e.kind == "person" and any(z in managers for z in e.zh):
            # full names only: "CEO", "Joe" or "Tsai" alone also name no one else here
            managers.update(v for v in e.zh + e.en if len(v) >= 2 and (" " in v or not v.isascii()))
    return analysts, managers


def swap_roles(text: str, passages: list[Chunk], glossary: Glossary, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """Put back someone of management said to ask and an analyst said to
    answer, in each sentence of `text` where both happen (see the module).
    Returns (text, [(who was said to ask, who asked)])."""
    analysts, managers = _names(passages, glossary)
    if not analysts or not managers:
        return text, []
    names = sorted(analysts | managers, key=len, reverse=True)
    name_re = re.compile("|".join(re.escape(n) for n in names))
    out, fixed, last = [], [], 0
    for m in CLAIM_RE.finditer(text):
        claim = m.group()
        people = []  # (name, span with what is attached to it), a name inside another's attachment skipped
        for f in name_re.finditer(claim):
            if people and f.start() < people[-1][1][1]:
                continue
            people.append((f.group(), (f.start(), ATTACHED_RE.match(claim, f.end()).end())))
        asking_manager = answering_analyst = None
        for k, (name, span) in enumerate(people):
            end = people[k + 1][1][0] if k + 1 < len(people) else len(claim)
            window = claim[span[1] : min(end, span[1] + VERB_WINDOW)]
            asked, answered = ASKED_RE[lang].search(window), ANSWERED_RE[lang].search(window)
            if asked and (not answered or asked.start() < answered.start()):
                if name in managers and name not in analysts:
                    asking_manager = asking_manager or span
            elif answered and name in analysts and name not in managers:
                answering_analyst = answering_analyst or span
        if asking_manager and answering_analyst:
            (a0, a1), (b0, b1) = sorted([asking_manager, answering_analyst])
            manager, analyst = claim[slice(*asking_manager)], claim[slice(*answering_analyst)]
            claim = claim[:a0] + claim[b0:b1] + claim[a1:b0] + claim[a0:a1] + claim[b1:]
            fixed.append((manager, analyst))
        out.append(text[last : m.start()] + claim)
        last = m.end()
    return "".join(out) + text[last:], fixed
