"""Stage: a figure given under a quarter is that quarter's call's.

Error it exists for: asked to compare two quarters, the small model swaps
them ("第三季度的可比每股收益为 $0.45；第四季度为 $0.65": $0.45 is the
fourth quarter's). Number verification passes both, each being in some
passage. A sentence naming one of the answer's calls' quarters whose
figure only another of those calls holds has its quarter put right, the
figure kept, and the change listed as a correction (rag/call_periods.py).
"""

from __future__ import annotations

from ... import claims as cl
from ...call_periods import misplaced, renamed
from ..records import Draft, Stage


class CheckPeriods(Stage):

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        wrong = misplaced(draft.text, ev.passages, self.ctx.retriever.calls)
        if not wrong:
            return draft
        claims = cl.split(draft.text, len(ev.passages))
        corrections = []
        for w in wrong:
            c = claims[w.claim]
            old = c.text[w.start : w.end]
            new = renamed(old, w.said, w.source)
            if new != old:
                c.text = c.text[: w.start] + new + c.text[w.end :]
                corrections.append((old, new))
        if not corrections:
            return draft
        return draft.but(text=cl.join(claims, ev.lang), corrections=draft.corrections + corrections)
