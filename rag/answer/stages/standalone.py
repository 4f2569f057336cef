"""Stage: a follow-up becomes a question that stands alone.

Error it exists for: "那去年同期呢？" retrieves nothing useful and cannot be
checked against anything; it means "What was Cainiao's revenue a year
earlier?". The model rewrites it from the chat history; the rewrite must be
a question in the same language that keeps the follow-up's terms and names
a business or person (its own or the previous question's), else the
follow-up is sent with the previous question attached, which the model
reads well enough.
"""

from __future__ import annotations

from ...generate import REWRITE_SCHEMA
from ...language import detect
from ...prompting import load_prompt, rewrite_messages
from ..records import Draft, Stage

SUBJECT_KINDS = ("unit", "person", "firm", "product", "company")


class Standalone(Stage):

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        if not ev.history:
            return draft
        previous = next((str(h.get("content", "")) for h in reversed(ev.history) if h.get("role") == "user"), "")
        msgs = rewrite_messages(self.ctx.cfg.prompts_dir, ev.question, ev.history, ev.lang)
        out = self.ctx.llm.complete_json(msgs, REWRITE_SCHEMA, max_tokens=80)
        rewritten = str(out.get("question", "")).strip()
        if not self.valid(rewritten, ev.question, previous, ev.lang):
            rewritten = load_prompt(self.ctx.cfg.prompts_dir, f"followup_{ev.lang}.txt").format(
                previous=previous, question=ev.question)
        ev.question = rewritten
        return draft

    def valid(self, rewritten: str, question: str, previous: str, lang: str) -> bool:
        if not rewritten or detect(rewritten) != lang or not rewritten.rstrip().endswith(("?", "？")):
            return False
        g = self.ctx.glossary
        have = set(g.expand(rewritten).entries)
        asked = g.expand(question).entries
        if not all(e in have for e in asked if e.kind not in ("time", "change")):
            return False
        if not any(e.kind in SUBJECT_KINDS for e in asked):
            prev_subjects = {e for e in g.expand(previous).entries if e.kind in SUBJECT_KINDS}
            if prev_subjects and not (prev_subjects & have):
                return False
        return True
