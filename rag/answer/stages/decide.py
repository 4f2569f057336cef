"""Stage: answer, or refuse when nothing of the answer stands.

Errors it exists for:
- an answer no passage supports in any sentence (no marker survived the
  citation and number checks) is the model's own text: refused;
- a figure question whose answer's figures are all unverified ("Alibaba.com
  paid RMB 10.5 billion to acquire Visible", a price no passage gives) has
  nothing of what was asked left to show: refused.
Otherwise the draft is the answer; its unmarked sentences are shown and
flagged, its unverified numbers listed.
"""

from __future__ import annotations

from ... import numbers as num
from ...measures import figures
from ...questions import asks_figure
from ..records import Draft, Refuse, Stage

UNSUPPORTED = "no claim of the answer is supported by the passages"
UNVERIFIED = "no figure of the answer is in the passages"


class Decide(Stage):

    def run(self, draft: Draft) -> Draft | Refuse:
        if not draft.used:
            return Refuse(UNSUPPORTED)
        shown = figures(draft.text)
        flagged = [n for u in draft.unverified for n in num.extract(u)]
        if asks_figure(draft.evidence.question, self.ctx.knowledge) and shown and \
                all(any(f.same_value(u) for u in flagged) for f in shown):
            return Refuse(UNVERIFIED)
        return draft
