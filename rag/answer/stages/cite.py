"""Stage: each sentence of the answer cites the passages that support it.

Errors it exists for: the small model rarely writes markers unless forced,
and the ones it writes are not always right ("[7]" when four passages were
shown; the cloud passage cited for the buyback).
- a marker pointing at no passage is dropped;
- a cited passage stays when it supports the sentence (rag/support.py:
  wording for Chinese, terms and their translations for English); an
  English sentence whose cited passage shares a single term with it moves
  to the passage that holds its terms, if another clearly does;
- a sentence with no marker gets the passage that supports it best, when
  one does. A sentence left without a marker is one no passage supports:
  it is shown without one and flagged.
"""

from __future__ import annotations

from ... import claims as cl
from ... import support
from ..records import Draft, Stage


class AttributeCitations(Stage):

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        lang, passages = ev.lang, ev.passages
        out = []
        for claim in cl.split(draft.text, len(passages)):
            scores = {i: support.score(claim.text, passages[i - 1], self.ctx.knowledge, lang, ev.question)
                      for i in range(1, len(passages) + 1)}
            best = max(scores, key=lambda i: (scores[i], -i)) if scores else None
            keep: list[int] = []
            for i in claim.markers:
                if support.supports(scores[i], lang):
                    cite = i
                elif support.supports_cited(scores[i], lang):
                    # one shared term: the passage that holds the claim's terms outright, if another does
                    cite = best if support.supports(scores[best], lang) and scores[best] > scores[i] else i
                else:
                    continue
                if cite not in keep:
                    keep.append(cite)
            if not keep and best is not None and support.supports(scores[best], lang):
                keep.append(best)
            out.append(cl.Claim(claim.text, keep))
        return draft.but(text=cl.join(out, lang))
