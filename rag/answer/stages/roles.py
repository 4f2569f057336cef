"""Stage: who asked is an analyst, who answered is management.

Error it exists for: asked who raised a question, the small model names the
executive who answered it ("Peter Beck pressed Rocket Lab on why Q1 gross
margin would fall", "Toby Xu asked about Ele.me", "Adam Spice 在电话会上问到
调整后 EBITDA 何时盈亏平衡"), or names the analyst's firm as the one who
answered ("Morgan Stanley answered"). The passages know each speaker's
role and, for an answer, whose question it answers (rag/transcript.py).
- A management speaker named as asking is replaced by the analyst the
  cited passages give as asking: an analyst's own turn, or the one a cited
  answer answers; one only, else the sentence is left as it is.
- An analyst or a firm named as answering is replaced by the management
  speaker of the cited answer, when one only.
- An executive named as asking and an analyst named as answering are
  swapped.
A speaker is known by every name the glossary gives the person, in either
language ("徐宏" of the transcript is "Toby Xu" of an English answer); a
name written in is the one of the answer's language.
Each replacement is listed as a correction; the firm stage then names the
analyst's firm.
"""

from __future__ import annotations

import re

from ..records import Draft, Stage

# A question about who asked, or who answered.
ASKER_Q_RE = re.compile(r"\bwho (?:asked|pressed|questioned|raised|queried)\b|\b(?:which|what) analyst|"
                        r"哪位分析师|哪个分析师|谁问|谁提问|谁提出|哪位.{0,12}?问", re.I)
ANSWERER_Q_RE = re.compile(r"\bwho (?:answered|responded|replied)|\b(?:which|what) (?:executive|manager)\b|"
                           r"谁回答|谁回应|谁答复|哪位(?:高管|管理层)", re.I)
# After a name: its firm in brackets, then at most a short phrase ("在电话会上") holding no
# other clause ("… and Adam Spice answered") or verb of asking or answering, then the verb.
_GAP = (r"\s*(?:\([^)]{0,40}\)|（[^）]{0,40}）)?\s*"
        r"(?:(?!\band\b|和|并|answer|respon|repl|ask|press|question|回答|回应|答复|问)[^，。,.;；]){0,24}?")
ASK_VERB = r"(?:asked|pressed|questioned|raised|queried|问到|问了|提问|询问|提出)"
ANSWER_VERB = r"(?:answered|responded|replied|回答|回应|答复)"


class CheckRoles(Stage):

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        asks_asker, asks_answerer = ASKER_Q_RE.search(ev.question), ANSWERER_Q_RE.search(ev.question)
        if not (asks_asker or asks_answerer) or not draft.cited:
            return draft
        seen = list({c.id: c for c in ev.passages + draft.cited}.values())
        management = {c.speaker for c in seen if c.speaker and c.role == "management"}
        analysts = {c.speaker for c in seen if c.speaker and c.role == "analyst"} | \
            {c.question_by for c in seen if c.question_by}
        firms = {c.firm for c in seen if c.role == "analyst" and c.firm} | {c.question_firm for c in seen if c.question_firm}
        asker = {c.speaker if c.role == "analyst" else c.question_by for c in draft.cited
                 if (c.role == "analyst" and c.speaker) or c.question_by}
        answerer = {c.speaker for c in draft.cited if c.role == "management" and c.speaker and c.question_by}
        text, corrections = draft.text, []
        person = {n: self._person(n) for n in management | analysts | asker | answerer}
        names = {n: _names(n, e) for n, e in person.items()}
        written = {n: e.name(ev.lang) if e else n for n, e in person.items()}
        # the two named the other way round ("Peter Beck asked …, and Kristine Liwag answered"): swapped
        as_asker = [n for n in management if _named(names[n], ASK_VERB, text)]
        as_answerer = [n for n in analysts if _named(names[n], ANSWER_VERB, text)]
        if len(as_asker) == 1 and len(as_answerer) == 1:
            (executive,), (analyst,) = as_asker, as_answerer
            text, one = _replace(text, names[executive], ASK_VERB, "\x00")  # held apart while the other is renamed
            text, other = _replace(text, names[analyst], ANSWER_VERB, written[executive])
            text = text.replace("\x00", written[analyst])
            return draft.but(text=text, corrections=draft.corrections + [(w, written[analyst]) for w, _ in one]
                             + [(w, written[executive]) for w, _ in other])
        if asks_asker and len(asker) == 1:
            text, fixed = _replace(text, {f for n in management for f in names[n]}, ASK_VERB,
                                   written[next(iter(asker))])
            corrections += fixed
        if asks_answerer and len(answerer) == 1:
            text, fixed = _replace(text, {f for n in analysts for f in names[n]} | firms, ANSWER_VERB,
                                   written[next(iter(answerer))])
            corrections += fixed
        if not corrections:
            return draft
        return draft.but(text=text, corrections=draft.corrections + corrections)

    def _person(self, name: str):
        """The glossary's entry of the person `name`, if it knows one."""
        return next((e for e in self.ctx.glossary.expand(name).entries
                     if e.kind == "person" and name in e.zh + e.en), None)


def _names(name: str, person) -> set[str]:
    """Every name of the speaker `name` ("徐宏", "Toby Xu", "Xu Hong"), its
    glossary entry `person` (None when the glossary knows none)."""
    return {name} | ({v for v in person.zh + person.en if len(v) >= 2} if person else set())


def _named(names: set[str], verb: str, text: str) -> bool:
    return any(_before(n, verb).search(text) for n in names)


def _before(name: str, verb: str) -> re.Pattern:
    """`name` where it stands before `verb` (the subject of asking or answering)."""
    return re.compile(r"(?<![\w])" + re.escape(name) + r"(?=" + _GAP + verb + r")")


def _replace(text: str, wrong: set[str], verb: str, right: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` with each name of `wrong` that stands before `verb` replaced by `right`."""
    fixed = []
    for name in sorted((n for n in wrong if n and n != right), key=len, reverse=True):
        rx = _before(name, verb)
        if rx.search(text):
            text = rx.sub(right, text)
            fixed.append((name, right))
    return text, fixed
