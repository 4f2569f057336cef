"""The answer path: an ordered list of stages, and the loop that runs them.

Read `STAGES` top to bottom to follow a question to its answer. Each stage
is a class in `rag/answer/stages/`, built once with the assistant's shared
`Context`, whose `run(draft)` returns the draft (changed or not), a `Retry`
(answer again from other evidence) or a `Refuse` (the calls do not hold the
answer). To add a stage, write its class and put it in the list.

The loop:
- a draft whose generation is still streaming (`draft.pending`) is drained
  here, its pieces yielded to the caller as they come;
- a `Retry` starts again at the generation stage with the evidence it names
  (or, with `combine`, answers that evidence on its own and adds the result
  to the draft as the stage left it, `Retry.draft`); retries are bounded (`Config.max_retries`, one by
  default), and a retry asked for when none is left becomes its `fallback`,
  by default a refusal;
- every change, retry and refusal is noted on the draft (`Draft.notes`):
  the evaluation counts them per stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generator

from ..config import Config
from ..generate import LLM
from ..glossary import Glossary
from ..knowledge import Knowledge
from ..retrieve import Retriever
from .records import Draft, Note, Refuse
from .stages.cite import AttributeCitations
from .stages.complete import Complete
from .stages.coverage import CheckCoverage
from .stages.decide import Decide
from .stages.generate import Generate
from .stages.labels import CheckLabels
from .stages.measure import CheckMeasure
from .stages.numbers import VerifyNumbers
from .stages.parts import CheckParts
from .stages.periods import CheckPeriods
from .stages.read import ReadAnswer
from .stages.retrieve import Retrieve
from .stages.roles import CheckRoles
from .stages.select import SelectPassages
from .stages.standalone import Standalone
from .stages.subject import CheckSubject

STAGES = [
    Standalone,          # 1. a follow-up is rewritten into a question that stands alone
    Retrieve,            # 2. hybrid search (dense + BM25), each part of the question searched
    CheckCoverage,       # 3. a name the calls never mention in any form: refuse
    SelectPassages,      # 4. the best passages that fit the prompt's budget
    Generate,            # 5. the model answers from them (streamed), or says it cannot
    ReadAnswer,          # 6. no answer: read the next passages once; clean the text
    AttributeCitations,  # 7. each sentence cites the passages that support it
    VerifyNumbers,       # 8. each number is found in a passage (or rescaled, or flagged)
    CheckLabels,         # 9. each figure is given under the metric its source names
    CheckPeriods,        # 10. a figure given under a quarter is that quarter's call's
    CheckMeasure,        # 11. the figures measure what was asked (metric, entity, period)
    CheckSubject,        # 12. each sentence is about the business asked, not another's
    CheckRoles,          # 13. who asked is an analyst, who answered is management
    Complete,            # 14. what the source states with a figure and the answer dropped
    CheckParts,          # 15. every part of the question answered, or said to be absent
    Decide,              # 16. answer, or refuse when nothing of it stands
]


@dataclass
class Context:
    """What stages share: built once per assistant."""

    cfg: Config
    retriever: Retriever
    llm: LLM
    knowledge: Knowledge
    invented: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per language

    @property
    def glossary(self) -> Glossary:
        return self.knowledge.glossary


class Pipeline:
    def __init__(self, ctx: Context, stages: list[type] | None = None):
        skip = set(ctx.cfg.disabled_stages)
        self.ctx = ctx
        self.stages = [s(ctx) for s in (stages or STAGES) if s.__name__ not in skip]
        self.restart = next(i for i, s in enumerate(self.stages) if isinstance(s, Generate))

    def run(self, draft: Draft, start: int = 0, retries: int | None = None
            ) -> Generator[str | Draft, None, Draft | Refuse]:
        """Runs the stages from `start`; yields the first generation's text
        pieces and, once retrieved, the draft with its evidence (for the
        sources panel); returns the final draft or a refusal."""
        retries = self.ctx.cfg.max_retries if retries is None else retries
        stream = start == 0
        i = start
        while i < len(self.stages):
            stage = self.stages[i]
            name = type(stage).__name__
            before = draft.text
            out = stage.run(draft)
            if isinstance(out, Draft) and out.pending is not None:
                out = yield from self._settle(out, stream)
                stream = False  # retries are checked before they are shown
            if isinstance(out, Draft):
                if out.text != before and before:
                    out.notes.append(Note(name, "changed"))
                if isinstance(stage, SelectPassages) and start == 0:
                    yield out  # the evidence is known: the caller can show the sources
                draft, i = out, i + 1
                continue
            if isinstance(out, Refuse):
                out.notes = draft.notes + [Note(name, "refuse", out.reason)]
                return out
            # a Retry
            draft.notes.append(Note(name, "retry", out.reason))
            kept = out.draft or draft  # what the fallback or the combined answer starts from
            if retries <= 0:
                fallback = out.fallback(kept) if out.fallback else Refuse(out.reason)
                if isinstance(fallback, Refuse):
                    fallback.notes = draft.notes + fallback.notes
                    return fallback
                draft, i = fallback, i + 1
                continue
            retries -= 1
            fresh = Draft(evidence=out.evidence, notes=draft.notes, generations=draft.generations,
                          first_token_s=draft.first_token_s, completion_tokens=draft.completion_tokens,
                          prompt_tokens=draft.prompt_tokens)
            if out.combine is None:
                draft, i = fresh, self.restart
                continue
            sub = yield from self.run(fresh, self.restart, retries=0)
            if isinstance(sub, Draft):
                kept = kept.but(generations=sub.generations)
            draft, i = out.combine(kept, sub), i + 1
        return draft

    @staticmethod
    def _settle(draft: Draft, stream: bool) -> Generator[str, None, Draft]:
        """Drain a streaming generation: its pieces go to the caller (the
        first generation only), its parsed answer into the draft."""
        gen = draft.pending
        while True:
            try:
                piece = next(gen)
            except StopIteration as done:
                result = done.value or {}
                break
            if stream and piece:
                yield piece
        stats = draft.stats
        first = draft.first_token_s if draft.first_token_s is not None else (stats.first_token_s if stats else None)
        return draft.but(pending=None, stats=None, text=str(result.get("answer", "")).strip(),
                         answerable=bool(result.get("answerable", False)), generations=draft.generations + 1,
                         first_token_s=first,
                         completion_tokens=draft.completion_tokens + (stats.completion_tokens if stats else 0))
