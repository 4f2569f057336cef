"""Who asked and who answered, as the passages' headers say.

Asked who raised a question and who took it, the model sometimes turns the
roles around: "Toby Xu asked about the ROIC strategy, and Kenneth Fong of UBS
answered", or lists the executives the host introduced as the ones who asked
("Joe、Eddie、蒋凡、Toby和 Rob问了关于变现率的问题"). The headers of the passages it
cites know better: Kenneth Fong is the analyst (he asks), Toby Xu management
(he answers).
- A sentence in which someone of management asks and an analyst answers has
  the two people (each with the firm or title the answer attaches to them)
  put back in their places.
- A sentence in which someone of management asks and no analyst is named,
  when the cited passages give one analyst, has that analyst (with their
  firm) in place of the people its clause lists before "asked".
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
# A glossary alias of a person that is a name ("Toby Xu", "Joe"), not a title ("CEO", "chairman").
PERSON_NAME_RE = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*")
# A person's name the passages do not introduce ("Kenneth Fong" when no cited passage is his).
LATIN_NAME_RE = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b")
# Where the clause holding a list of people before its verb begins.
CLAUSE_END_RE = re.compile(r"[，,；;：:]")
# What an answer attaches to a person's name and moves with it: "(UBS)",
# "（阿里巴巴集团首席财务官）", ", the CFO,", " of UBS", " from Goldman Sachs".
ATTACHED_RE = re.compile(r"(?:\s*[(（][^()（）]{1,40}[)）])?(?:,?\s+(?:of|from|at)\s+(?:[A-Z][\w.&'-]*\s?){1,3}(?<!\s))?")


def _names(passages: list[Chunk], glossary: Glossary) -> tuple[dict[str, str], set[str]]:
    """The analysts (name -> firm) and management's names the passages'
    headers give, management with the glossary's other spellings of each."""
    analysts: dict[str, str] = {}
    managers: set[str] = set()
    for c in passages:
        if c.role == "analyst" and c.speaker:
            analysts.setdefault(c.speaker, c.firm)
        if c.role == "management" and c.speaker:
            managers.add(c.speaker)
            if c.question_by:
                analysts.setdefault(c.question_by, c.question_firm)
    for e in glossary.entries:
        if e.kind == "person":  # the call's executives and host, whom the answer may name in any spelling
            managers.update(v for v in e.zh + e.en if not v.isascii() or PERSON_NAME_RE.fullmatch(v))
    return analysts, managers


def swap_roles(text: str, passages: list[Chunk], glossary: Glossary, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """Put back someone of management said to ask and an analyst said to
    answer, in each sentence of `text` where both happen (see the module).
    Returns (text, [(who was said to ask, who asked)])."""
    analysts, managers = _names(passages, glossary)
    if not analysts or not managers:
        return text, []
    names = sorted(set(analysts) | managers, key=len, reverse=True)
    name_re = re.compile("|".join(r"(?<![A-Za-z])" + re.escape(n) + r"(?![A-Za-z])" for n in names))
    out, fixed, last = [], [], 0
    for m in CLAIM_RE.finditer(text):
        claim = m.group()
        people = []  # (name, span with what is attached to it), a name inside another's attachment skipped
        for f in name_re.finditer(claim):
            if people and f.start() < people[-1][1][1]:
                continue
            people.append((f.group(), (f.start(), ATTACHED_RE.match(claim, f.end()).end())))
        asking_manager = answering_analyst = asked_at = None
        for k, (name, span) in enumerate(people):
            end = people[k + 1][1][0] if k + 1 < len(people) else len(claim)
            window = claim[span[1] : min(end, span[1] + VERB_WINDOW)]
            asked, answered = ASKED_RE[lang].search(window), ANSWERED_RE[lang].search(window)
            if asked and (not answered or asked.start() < answered.start()):
                if name in managers and name not in analysts and asking_manager is None:
                    asking_manager, asked_at = span, span[1] + asked.start()
            elif answered and name in analysts and name not in managers:
                answering_analyst = answering_analyst or span
        if asking_manager and answering_analyst:
            (a0, a1), (b0, b1) = sorted([asking_manager, answering_analyst])
            manager, analyst = claim[slice(*asking_manager)], claim[slice(*answering_analyst)]
            claim = claim[:a0] + claim[b0:b1] + claim[a1:b0] + claim[a0:a1] + claim[b1:]
            fixed.append((manager, analyst))
        elif asking_manager and len(analysts) == 1 and not any(name in analysts for name, _ in people) and \
                not any(n.group() not in managers for n in LATIN_NAME_RE.finditer(claim)):
            # no analyst named: the one the cited passages give asked, in place of
            # the people of management the sentence lists before its verb
            start = max((s.end() for s in CLAUSE_END_RE.finditer(claim, 0, asking_manager[0])), default=0)
            start += len(claim[start:asked_at]) - len(claim[start:asked_at].lstrip())
            [(analyst, firm)] = analysts.items()
            who = analyst + ((f"（{firm}）" if lang == "zh" else f" ({firm}) ") if firm else ("" if lang == "zh" else " "))
            fixed.append((claim[start:asked_at].strip(), who.strip()))
            claim = claim[:start] + who + claim[asked_at:]
        out.append(text[last : m.start()] + claim)
        last = m.end()
    return "".join(out) + text[last:], fixed
