"""Stage: the figures of the answer measure what was asked.

Error it exists for: number verification matches by value, so a true
figure of something else passes it. Asked for R&D spending, the model gave
Cainiao's adjusted EBITA; asked for the headcount, Taotian's revenue; asked
for twelve months, the fiscal year's buybacks. A figure question (one
part; several parts are the parts stage's) is answered only with a figure
whose source sentence states the measure asked: its metric next to the
figure, its business and place, its period (rag/measures.py).
- Some figure measures it: the draft stands.
- None does, but sentences of the retrieved passages state it: answer
  again from those sentences only, the measure named in the prompt.
- No retrieved sentence states it, or the question names it only in words
  the calls never use ("headcount"), or that the calls asked about never
  use: the calls do not say; refused.
An answer giving its figure in words ("low-to-mid double digits",
"翻了一番") must at least cite a passage naming the business and place
asked ("饿了么的订单量……" drawn from Taotian's passage). An answer giving
no figure at all does not answer a figure question ("Verizon's effective
tax rate was unchanged", for a rate the call never gives; it said its
guidance was unchanged): it is treated as a figure of another measure.
"""

from __future__ import annotations

from dataclasses import replace

from ...measures import WORDED_FIGURE_RE, Measure, figures, measure_of, measured, stating_sentences
from ...prompting import load_prompt
from ...questions import asks_figure, parts
from ...knowledge import found
from ...language import HAN_RE
from ...library import company_names, implied_years
from ..records import Draft, Refuse, Retry, Stage

MISMATCH = "the answer's figures do not measure what was asked"
NOT_STATED = "the calls state no figure for: {}"


def asked_measure(ctx, question: str, scope: list[str]) -> Measure:
    """What `question` measures, read with what the library knows of the
    calls it is about: their companies' names (the scope, not a word to find),
    the years their sentences speak of, and their language."""
    calls = ctx.retriever.calls
    langs = {calls[c].language for c in scope if c in calls} or {c.language for c in calls.values()}
    m = measure_of(question, ctx.knowledge, known=company_names(calls, scope), implied=implied_years(calls),
                   english_only=langs == {"en"})
    if scope:
        # a term only other calls of the library use is as absent from these as one no call uses:
        # asked for Under Armour's revenue growth "on a currency-neutral basis", a call that never
        # speaks of currency gives none, though Coca-Cola's does
        text = ctx.retriever.text_of(tuple(sorted(scope)))
        m.unknown += [t for t in m.metrics + m.words if not used_in(t.forms, text)]
    return m


def used_in(forms, text: str) -> bool:
    """Some form of a term occurs in `text`; a name of several words, when
    each of its words does ("adjusted diluted earnings per share" holds
    "adjusted earnings per share"): a call writes the one name many ways."""
    return found(forms, text) or any(
        " " in f and all(found({w}, text) for w in f.split() if len(w) >= 2) for f in forms if not HAN_RE.search(f))


class CheckMeasure(Stage):

    def run(self, draft: Draft) -> Draft | Retry | Refuse:
        ev = draft.evidence
        if len(parts(ev.question)) > 1 or not asks_figure(ev.question, self.ctx.knowledge):
            return draft
        m = asked_measure(self.ctx, ev.question, ev.scope)
        if m.absent:
            return Refuse(NOT_STATED.format(", ".join(t.text for t in m.unknown)))
        if m.empty and not m.asked_periods:
            return draft
        if figures(draft.text):
            if measured(draft.text, ev.passages, m):
                return draft
        elif WORDED_FIGURE_RE.search(draft.text):
            if m.names_entities(" ".join(c.with_header for c in draft.cited)) or not draft.used:
                return draft  # no number to check; the passages cited are about what was asked
        chunks = list({c.id: c for c in [h.chunk for h in ev.hits] + ev.passages}.values())
        chosen = [(c, " ".join(s)) for c, s in zip(chunks, stating_sentences(m, chunks)) if s]
        if not chosen:
            return Refuse(NOT_STATED.format(m.describe("en") or ev.question))
        hint = load_prompt(self.ctx.cfg.prompts_dir, f"retry_{ev.lang}.txt").format(metrics=m.describe(ev.lang))
        focused = replace(ev, passages=[replace(c, text=t) for c, t in chosen[: self.ctx.cfg.top_k]],
                          prompt_question=f"{ev.question} {hint}")
        return Retry(MISMATCH, focused)
