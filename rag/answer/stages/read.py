"""Stage: read the model's answer; when it found none, read on once.

Errors it exists for:
- the model says the passages do not hold the answer, when only the ones
  that fit the prompt (about two of the five retrieved) were shown: it
  reads the next ones before the answer is "the transcript does not say";
- the model restates the question and answers nothing ("Taotian's other
  merchant count grew strongly at Taotian" for "which other merchant count
  grew strongly?"; "Neutron只从Wallops发射" for "为什么只从Wallops发射？"):
  asked once more from the same passages, told to state what is asked;
  restated again, the calls are taken not to say;
- the model's text carries what it must not: the "(= RMB 28.1 billion)"
  annotations of the passages, echoed; names the worked examples invent
  ("Toby Xu of Example Capital"), taken out and listed as corrections;
  in an English answer, Chinese names and amounts (rag/cleanup.py).
"""

from __future__ import annotations

from dataclasses import replace

from ...cleanup import EQUALS_RE, drop_invented_names, english_amounts, english_only
from ...library import company_names
from ...prompting import load_prompt, select_passages
from ...questions import restates
from ..records import Draft, Refuse, Retry, Stage

NO_ANSWER = "model found no answer in the passages"
RESTATED = "the answer only restates the question"


class ReadAnswer(Stage):

    def run(self, draft: Draft) -> Draft | Retry | Refuse:
        ev = draft.evidence
        if not draft.answerable or not draft.text:
            shown = {c.id for c in ev.passages}
            rest = [h.chunk for h in ev.hits if h.chunk.id not in shown]
            if not rest:
                return Refuse(NO_ANSWER)
            nxt = replace(ev, passages=select_passages(rest, ev.lang, self.ctx.cfg.context_tokens,
                                                       self.ctx.glossary))
            return Retry(NO_ANSWER, nxt)
        hint = load_prompt(self.ctx.cfg.prompts_dir, f"restated_{ev.lang}.txt").strip()
        if ev.prompt_question in ("", f"{ev.question} {hint}") and \
                restates(draft.text, ev.question, company_names(self.ctx.retriever.calls, ev.scope)):
            # once more, told what to do; restated again, no retry is left and it is refused
            return Retry(RESTATED, replace(ev, prompt_question=f"{ev.question} {hint}"))
        text = EQUALS_RE.sub("", draft.text)
        text, invented = drop_invented_names(text, self.ctx.invented.get(ev.lang, ()), ev.lang)
        if ev.lang == "en":
            text = english_amounts(english_only(text, self.ctx.glossary))
        return draft.but(text=text, corrections=draft.corrections + [(p, "") for p in invented])
