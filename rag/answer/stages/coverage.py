"""Stage: a question about something the calls never mention is refused.

Error it exists for: asked about "JD.com" or "腾讯", the model, shown the
nearest passages, answers with their figures. A name or concept of the
question that no call mentions in any of its forms (glossary variants in
both languages, spellings, the dictionary's renderings: rag/coverage.py)
cannot be answered from the calls.
"""

from __future__ import annotations

from ... import coverage
from ...library import company_names
from ..records import Draft, Refuse, Stage


class CheckCoverage(Stage):

    def run(self, draft: Draft) -> Draft | Refuse:
        ev = draft.evidence
        companies = company_names(self.ctx.retriever.calls, ev.scope)
        missing = coverage.missing(ev.question, self.ctx.knowledge, companies)
        if missing:
            return Refuse("not in the transcript: " + ", ".join(missing))
        return draft
