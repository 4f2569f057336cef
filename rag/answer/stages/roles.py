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
        # the two named the other way round ("Peter Beck asked …, and Kristine Liwag answered"): swapped
        as_asker = [n for n in management if _before(n, ASK_VERB).search(text)]
        as_answerer = [n for n in analysts if _before(n, ANSWER_VERB).search(text)]
        if len(as_asker) == 1 and len(as_answerer) == 1:
            (executive,), (analyst,) = as_asker, as_answerer
            text = _before(executive, ASK_VERB).sub("\x00", text)  # held apart while the other is renamed
            text = _before(analyst, ANSWER_VERB).sub(executive, text).replace("\x00", analyst)
            return draft.but(text=text, corrections=draft.corrections + [(executive, analyst), (analyst, executive)])
        if asks_asker and len(asker) == 1:
            text, fixed = _replace(text, management, ASK_VERB, next(iter(asker)))
            corrections += fixed
        if asks_answerer and len(answerer) == 1:
            text, fixed = _replace(text, analysts | firms, ANSWER_VERB, next(iter(answerer)))
            corrections += fixed
        if not corrections:
            return draft
        return draft.but(text=text, corrections=draft.corrections + corrections)


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
