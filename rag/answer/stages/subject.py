"""Stage: each sentence of the answer is about the business asked.

Error it exists for: shown passages on several businesses, the model copies
what one says of another. Asked how the cloud's public-cloud revenue did,
it wrote "阿里云来自外部客户的公共云收入增长主要由速卖通……所驱动", AIDC's cause;
asked why cloud revenue grew only modestly, "because of the growth of
international retail commerce, which contributed 56%". A sentence whose
source (the sentence of its cited passage holding its figures, or else
supporting it best) is about a business of another segment than the one
asked, and not about the one asked, is dropped and listed as a correction;
with nothing left, the question is asked again without the passages it was
drawn from. A business within the one asked (速卖通 for AIDC) is the one asked.
A sentence that gives a figure to a business the figure's source sentence
does not name ("菜鸟的收入……152 亿元" from Local Services' 152 亿) is dropped too.
"""

from __future__ import annotations

from dataclasses import replace

from ... import claims as cl
from ... import numbers as num
from ... import support
from ...chunking import Chunk
from ...measures import UNIT_KINDS, _ancestors, measure_of, sentence_spans
from ..records import Draft, Refuse, Retry, Stage

OTHER_BUSINESS = "the answer copies what the calls say of another business"
# Characters of the passage before a figure's sentence in which the business
# it belongs to may be named (the sentence before names it, or the header).
OWNER_CONTEXT = 200


class CheckSubject(Stage):

    def source(self, claim: str, passage: Chunk, lang: str) -> tuple[int, str, str]:
        """The sentence of `passage` the claim comes from: (how many of the
        claim's figures it holds, the sentence, the passage's text before
        it), the one holding most of its figures, then supporting it best."""
        figs = [n for n in num.extract(claim) if n.kind in ("amount", "percent", "pp")]
        best, key = (0, "", ""), (-1, -1.0)
        for s, e in sentence_spans(passage.text):
            sent = passage.text[s:e]
            pool = num.source_numbers(sent)
            held = sum(1 for f in figs if num.find_match(f, pool))
            probe = replace(passage, text=sent, section="", speaker="", title="", firm="", question_by="")
            k = (held, support.score(claim, probe, self.ctx.knowledge, lang))
            if k > key:
                best, key = (held, sent, passage.text[:s]), k
        return best

    def owners_wrong(self, claim: str, passages: list[Chunk]) -> set[int]:
        """A figure of the claim is given to a business (the one named last
        before it) that the sentence stating that figure does not name, nor
        a business it is part of or that is part of it: "菜鸟的收入……152 亿元"
        from "本地生活集团的收入……152 亿元". Returns the positions (0-based) in
        `passages` of the sentences it was taken from (empty: none wrong)."""
        g = self.ctx.glossary
        names = [(a, e) for a, _, e in g.spans(claim, UNIT_KINDS)]
        for f in num.extract(claim):
            if f.kind not in ("amount", "percent", "pp"):
                continue
            owner = next((e for a, e in reversed(names) if a < f.start), None)
            if owner is None:
                continue
            family = {owner, *self._line(owner)}
            named = []  # per source sentence: its passage, the businesses it (or, naming none, the text before it) names
            for k, c in enumerate(passages):
                for s, e in sentence_spans(c.text):
                    if num.find_match(f, num.source_numbers(c.text[s:e])):
                        units = {x for _, _, x in g.spans(c.text[s:e], UNIT_KINDS)} or \
                                {x for _, _, x in g.spans(c.header + "\n" + c.text[max(0, s - OWNER_CONTEXT):s], UNIT_KINDS)}
                        named.append((k, units))
            if named and all(units and not units & family for _, units in named):
                return {k for k, _ in named}
        return set()

    def _line(self, entry) -> set:
        """The businesses `entry` is part of, and those part of it."""
        g = self.ctx.glossary
        up = set(_ancestors(g, entry))
        down = {e for e in g.entries if e.kind in UNIT_KINDS and entry in _ancestors(g, e)}
        return up | down

    def run(self, draft: Draft) -> Draft | Retry | Refuse:
        ev = draft.evidence
        m = measure_of(ev.question, self.ctx.knowledge, with_words=False)
        kept, dropped, copied = [], [], set()
        for claim in cl.split(draft.text, len(ev.passages)):
            wrong = self.owners_wrong(claim.text, [ev.passages[i - 1] for i in claim.markers]) if claim.markers else set()
            if wrong:
                dropped.append(claim.render())
                copied.update(claim.markers[k] for k in wrong)
                continue
            if not m.units:
                kept.append(claim)
                continue
            sources = {i: self.source(claim.text, ev.passages[i - 1], ev.lang) for i in claim.markers}
            if any(held for held, _, _ in sources.values()):  # its figures' sentences are its source
                sources = {i: x for i, x in sources.items() if x[0]}
            if sources and all(m.about_foreign_unit(sent, before) for _, sent, before in sources.values()):
                dropped.append(claim.render())
                copied.update(sources)
            else:
                kept.append(claim)
        if not dropped:
            return draft
        if kept:
            return draft.but(text=cl.join(kept, ev.lang), corrections=draft.corrections + [(d, "") for d in dropped])
        rest = [c for i, c in enumerate(ev.passages, 1) if i not in copied]
        if not rest:
            return Refuse(OTHER_BUSINESS)
        return Retry(OTHER_BUSINESS, replace(ev, passages=rest))
