"""The typed records that flow through the answer pipeline.

- `Evidence`: what an answer may be drawn from (the question, the passages
  retrieved, the ones shown to the model).
- `Draft`: an answer in the making, with its evidence and what the stages
  noted about it. Every stage takes a Draft and gives back a Draft, or
  - `Retry`: answer again from other evidence (one extra generation), or
  - `Refuse`: the calls do not hold the answer; the reason says why.
- `Answer`, `Citation`, `Timings`, `Sources`: what every interface receives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Callable, Generator

from ..chunking import Chunk
from ..generate import GenStats
from ..claims import MARKER_RE, Claim, sentences
from ..retrieve import Hit

REFUSAL = {
    "en": "The transcript does not say.",
    "zh": "电话会记录中没有提到这一点。",
}


@dataclass
class Evidence:
    """What an answer is drawn from."""

    question: str  # the standalone question the answer is checked against
    lang: str  # the question's language, and the answer's
    history: list[dict] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)  # retrieved, best first
    passages: list[Chunk] = field(default_factory=list)  # shown to the model as [1]..[n]
    # the question as put to the model, when it carries a hint ("answer only with ...")
    prompt_question: str = ""
    top_k: int = 0
    # the calls to answer from (ids or names, as `rag calls` lists them); empty: all
    calls: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)  # the call ids searched (empty: every call)

    @property
    def asked(self) -> str:
        return self.prompt_question or self.question


@dataclass
class Note:
    """What a stage did to an answer: changed it, asked for a retry, refused it."""

    stage: str
    action: str  # changed | retry | refuse
    reason: str = ""


@dataclass
class Draft:
    """An answer in the making."""

    evidence: Evidence
    text: str = ""
    answerable: bool | None = None  # the model's own decision, once generated
    claims: list[Claim] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # numbers found in no passage
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (what the model wrote, what is shown)
    absent: list[str] = field(default_factory=list)  # parts of the question the calls do not answer
    notes: list[Note] = field(default_factory=list)
    # the generation still streaming: yields text pieces, returns the parsed
    # answer object; the pipeline drains it (streaming the pieces) and settles it
    pending: Generator[str, None, dict] | None = None
    stats: GenStats | None = None  # of the generation pending
    first_token_s: float | None = None  # of the first generation
    completion_tokens: int = 0
    prompt_tokens: int = 0
    generations: int = 0

    def but(self, **changes) -> "Draft":
        return replace(self, **changes)

    @property
    def used(self) -> list[int]:
        """Passage numbers cited in the text, in first-use order."""
        return list(dict.fromkeys(int(m) for m in MARKER_RE.findall(self.text)
                                  if 1 <= int(m) <= len(self.evidence.passages)))

    @property
    def cited(self) -> list[Chunk]:
        return [self.evidence.passages[i - 1] for i in self.used]

    @property
    def uncited(self) -> list[str]:
        """Sentences shown without a marker: no passage supports them."""
        return [s for s in sentences(self.text) if not MARKER_RE.search(s)]


@dataclass
class Retry:
    """Answer again from `evidence` (one extra generation). With `combine`,
    the new answer is added to the current one (a part of the question it
    left out) instead of replacing it. `fallback` is what stands when no
    retry is left (default: a refusal for `reason`). Both start from `draft`,
    the draft as the stage left it (what it noted, say the parts it found
    absent), or else the draft the stage was given."""

    reason: str
    evidence: Evidence
    combine: Callable[[Draft, "Draft | Refuse"], Draft] | None = None
    fallback: Callable[[Draft], "Draft | Refuse"] | None = None
    draft: Draft | None = None


@dataclass
class Refuse:
    """The calls do not hold the answer."""

    reason: str
    notes: list[Note] = field(default_factory=list)


Outcome = Draft | Retry | Refuse


class Stage:
    """A stage of the answer path: built once with the assistant's shared
    context (rag/answer/pipeline.py), `run(draft)` returns an Outcome."""

    def __init__(self, ctx):
        self.ctx = ctx

    def run(self, draft: Draft) -> Outcome:
        raise NotImplementedError


# ---------------------------------------------------------------- what interfaces receive
# What a user is told under an answer, in the answer's language.
WARNING = {
    "en": {"numbers": "Unverified numbers: ", "list": ", ", "quotes": "; ", "join": ". ",
           "claims": lambda n: f"{n} sentence{'s' if n > 1 else ''} not found in any passage: "},
    "zh": {"numbers": "未经核实的数字：", "list": "、", "quotes": "；", "join": "。",
           "claims": lambda n: f"{n} 句话在资料中找不到依据："},
}
CORRECTED = {
    "en": {"lead": "Corrected: ", "changed": "{0} → {1}", "removed": "{0} (removed)", "sep": "; "},
    "zh": {"lead": "已更正：", "changed": "{0} → {1}", "removed": "{0}（已删除）", "sep": "；"},
}
# Characters of an unsupported sentence quoted in the warning.
CLIP_CHARS = 60


@dataclass
class Citation:
    marker: int
    chunk_id: str
    speaker: str
    title: str
    firm: str
    section: str
    text: str
    highlight: tuple[int, int]  # span of the supporting sentence within `text`
    doc: str
    start: int  # span of the passage in the cleaned document
    end: int
    call: str = ""  # the call's id in the library
    call_label: str = ""  # "Campbell Soup · Q3 fiscal 2021"


@dataclass
class Timings:
    retrieval_s: float = 0.0
    first_token_s: float | None = None
    total_s: float = 0.0
    tokens_per_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # waiting for the model while other requests used it (rag/fairqueue.py)
    queue_s: float = 0.0


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    language: str
    citations: list[Citation] = field(default_factory=list)
    unverified_numbers: list[str] = field(default_factory=list)
    # sentences shown without a citation: no passage supports them
    unsupported_claims: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)  # all retrieved passages, cited or not
    standalone_question: str | None = None
    refusal_reason: str | None = None
    # what each stage of the pipeline did: [{"stage", "action", "reason"}]
    trace: list[dict] = field(default_factory=list)
    generations: int = 0
    timings: Timings = field(default_factory=Timings)
    model: str = ""

    @property
    def warning(self) -> str | None:
        """What every interface shows under the answer, in the answer's language."""
        w = WARNING[self.language]
        parts = []
        if self.unverified_numbers:
            parts.append(w["numbers"] + w["list"].join(self.unverified_numbers))
        if self.unsupported_claims:
            n = len(self.unsupported_claims)
            quoted = w["quotes"].join(f"“{_clip(c)}”" for c in self.unsupported_claims)
            parts.append(w["claims"](n) + quoted)
        return w["join"].join(parts) or None

    @property
    def correction_note(self) -> str | None:
        """The corrections made to the model's text, in the answer's language."""
        if not self.corrections:
            return None
        w = CORRECTED[self.language]
        return w["lead"] + w["sep"].join(w["changed" if new else "removed"].format(old, new)
                                         for old, new in self.corrections)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["warning"] = self.warning
        d["correction_note"] = self.correction_note
        return d


def _clip(text: str, n: int = CLIP_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass
class Sources:
    """Yielded by `Assistant.stream` before the first answer token."""

    question: str
    standalone_question: str
    hits: list[Hit]
    language: str
