"""Stage: the passages the model reads, within the prompt's budget.

Error it exists for: every passage costs time before the first answer
character (the model reads ~85 tokens/s here), and a long prompt dilutes
the small model's attention. Passages are taken in rank order while they
fit `Config.context_tokens` (counted in the model's own tokens, as the
prompt renders them); a smaller later passage may still fit.
"""

from __future__ import annotations

from ...prompting import select_passages
from ..records import Draft, Stage


class SelectPassages(Stage):

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        if not ev.passages:
            ev.passages = select_passages([h.chunk for h in ev.hits], ev.lang, self.ctx.cfg.context_tokens,
                                          self.ctx.glossary)
        return draft
