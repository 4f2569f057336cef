"""Stage: what the source states with a figure, and the answer dropped.

Error it exists for: the model copies a figure and leaves out its other
half, or a word that changes its sense: "Cloud revenue was RMB 28.1
billion" without the "up 3%" its source states next; an EBITA given without
the year-ago loss it is compared with; "RMB 3.2 billion" for what the source
calls a loss; an analyst named without the firm that tells a reader who
asked. Each completion adds the cited passage's own statement
(rag/completions.py), so the added words are verified by construction; an
English change set against the previous quarter, when every source states
it year over year, is put right and listed as a correction.
"""

from __future__ import annotations

from ... import completions as done
from ...cleanup import english_amounts
from ..records import Draft, Stage


class Complete(Stage):
    def __init__(self, ctx):
        super().__init__(ctx)
        skip = set(ctx.cfg.disabled_stages)
        # (name, applies to languages, function(text, cited, lang) -> (text, corrections))
        steps = [
            ("other_metric_changes", ("en", "zh"),
             lambda t, c, lang: done.drop_changes_of_other_metrics(t, c, ctx.glossary, lang)),
            ("change_basis", ("en",), lambda t, c, lang: done.fix_change_basis(t, c)),
            ("changes", ("en", "zh"), lambda t, c, lang: (done.complete_changes(t, c, lang)[0], [])),
            ("year_ago", ("en", "zh"), lambda t, c, lang: (done.complete_year_ago(t, c, lang)[0], [])),
            ("total_parts", ("en", "zh"),
             lambda t, c, lang: (done.complete_parts(t, c, ctx.glossary, lang)[0], [])),
            ("losses", ("en", "zh"), lambda t, c, lang: (done.mark_losses(t, c, lang)[0], [])),
            ("firms", ("en", "zh"), lambda t, c, lang: (done.name_firms(t, c, ctx.glossary, lang)[0], [])),
        ]
        self.steps = [s for s in steps if s[0] not in skip]

    def run(self, draft: Draft) -> Draft:
        lang, cited = draft.evidence.lang, draft.cited
        if not cited:
            return draft
        text = english_amounts(draft.text) if lang == "en" else draft.text  # units left by rescaled numbers
        corrections = list(draft.corrections)
        for _, langs, step in self.steps:
            if lang in langs:
                text, fixed = step(text, cited, lang)
                corrections += [(f, "") if isinstance(f, str) else f for f in fixed]
        return draft.but(text=text, corrections=corrections)
