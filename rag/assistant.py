"""The Assistant: runs the answer pipeline and streams its events.

This is the one path every interface uses: the Python API, the CLI and the
chat UI. The answer path itself is the declared list of stages in
`rag/answer/pipeline.py`.

    from rag import Assistant
    a = Assistant()
    ans = a.ask("云智能集团本季度收入是多少？")
    print(ans.text, ans.citations[0].speaker)
"""

from __future__ import annotations

import time
from typing import Iterator

from . import numbers as num
from .answer.pipeline import Context, Pipeline
from .answer.records import (REFUSAL, Answer, Citation, Draft, Evidence, Refuse, Sources, Timings)
from .chunking import Chunk
from .claims import CLAIM_RE, MARKER_RE, sentences
from .cleanup import unused_names
from .config import Config, load_config
from .errors import BadInput
from .fairqueue import Request, within
from .generate import shared_llm
from .language import detect
from .models import resolve_llm
from .prompting import answer_messages, invented_names, load_prompt
from .retrieve import Retriever
from .support import score as support_score

__all__ = ["Assistant", "Answer", "Citation", "Sources", "check_question"]

MAX_QUESTION_CHARS = 1000
# What a user is told about a question that cannot be asked, in the question's
# language (the chat, the CLI and the API say the same). An empty question has
# no language: its message is in both.
EMPTY_QUESTION = "The question is empty. Please type a question. · 问题为空，请输入问题。"
TOO_LONG = {
    "en": "The question is {n} characters long; the limit is {limit}.",
    "zh": "问题长 {n} 个字符，上限是 {limit} 个。",
}


def check_question(question) -> str:
    """The question, stripped, or BadInput with a message in its language."""
    if not isinstance(question, str) or not question.strip():
        raise BadInput(EMPTY_QUESTION)
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInput(TOO_LONG[detect(question)].format(n=len(question), limit=MAX_QUESTION_CHARS))
    return question


class Assistant:
    def __init__(self, config: Config | None = None, **overrides):
        self.cfg = config or load_config(overrides)
        resolve_llm(self.cfg)  # a missing model is reported before anything slow loads
        self.llm = shared_llm(self.cfg)
        self.reload()

    def reload(self) -> None:
        """Read the index again (after calls were added or removed); the
        model stays loaded. Questions already running finish on the old one."""
        retriever = Retriever(self.cfg)
        # names the worked examples invent that an answer must not carry over
        invented = {lang: unused_names(invented_names(self.cfg.prompts_dir, lang), retriever.corpus_flat)
                    for lang in REFUSAL}
        context = Context(self.cfg, retriever, self.llm, retriever.knowledge, invented)
        self.retriever, self.glossary = retriever, retriever.glossary
        self.context, self.pipeline = context, Pipeline(context)

    # ------------------------------------------------------------- public
    def warm_up(self) -> None:
        """Read the fixed part of the answer prompt (instructions and worked
        examples, ~470 tokens, ~4 s per language) now rather than at the first
        question in each language. A question asked meanwhile waits for it."""
        for lang in REFUSAL:
            self.llm.warm(answer_messages(self.cfg.prompts_dir, "", [], lang, self.glossary))

    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None,
            calls: list[str] | None = None) -> Answer:
        answer = None
        for event in self.stream(question, history, top_k, calls):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def ask_many(self, questions: list[str], progress: bool = True) -> list[Answer]:
        from tqdm import tqdm

        return [self.ask(q) for q in tqdm(questions, disable=not progress, desc="questions")]

    def stream(self, question: str, history: list[dict] | None = None, top_k: int | None = None,
               calls: list[str] | None = None) -> Iterator[Sources | str | Answer]:
        """Yields Sources, then answer text increments, then the final Answer.
        `top_k` (passages retrieved) defaults to the configuration's; `calls`
        restricts the answer to those calls of the library (all by default)."""
        t0 = time.perf_counter()
        question = check_question(question)
        lang = detect(question)
        draft = Draft(Evidence(question=question, lang=lang, history=list(history or []), top_k=top_k or 0,
                               calls=list(calls or [])))
        run = self.pipeline.run(draft)
        retrieval_s, sources_sent = 0.0, False
        request = Request()  # its place in the model's queue: oldest question first
        while True:
            try:
                with within(request):
                    event = next(run)
            except StopIteration as done:
                final = done.value
                break
            if isinstance(event, Draft):
                retrieval_s = time.perf_counter() - t0
                sources_sent = True
                yield Sources(question, event.evidence.question, event.evidence.hits, lang)
            else:
                yield event
        if not sources_sent:
            yield Sources(question, draft.evidence.question, draft.evidence.hits, lang)
        answer = self._answer(question, draft.evidence, final, t0, retrieval_s)
        answer.timings.queue_s = request.waited_s
        yield answer

    # ------------------------------------------------------------- the Answer
    def _answer(self, question: str, first: Evidence, final: Draft | Refuse, t0: float,
                retrieval_s: float) -> Answer:
        ev = final.evidence if isinstance(final, Draft) else first
        answer = Answer(question=question, text="", refused=False, language=first.lang, model=self.llm.name,
                        standalone_question=first.question if first.question != question else None,
                        sources=[h.to_dict() for h in ev.hits],
                        trace=[{"stage": n.stage, "action": n.action, "reason": n.reason} for n in final.notes])
        timings = answer.timings = Timings(retrieval_s=retrieval_s)
        if isinstance(final, Refuse):
            answer.text, answer.refused, answer.refusal_reason = REFUSAL[first.lang], True, final.reason
        else:
            answer.text = final.text
            answer.unverified_numbers = final.unverified
            answer.unsupported_claims = final.uncited
            answer.corrections = final.corrections
            answer.citations = self._citations(final)
            answer.generations = final.generations
            template = load_prompt(self.cfg.prompts_dir, f"absent_{first.lang}.txt")
            for part in final.absent:
                said = template.format(part=part.rstrip())
                said += "" if said[-1:] in "。？！?.!" else ("。" if first.lang == "zh" else ".")
                answer.text += ("" if first.lang == "zh" else " ") + said
            timings.first_token_s = final.first_token_s
            timings.completion_tokens = final.completion_tokens
            timings.prompt_tokens = final.prompt_tokens
        timings.total_s = time.perf_counter() - t0
        if timings.first_token_s is None:  # nothing was streamed: the answer came from a second look
            timings.first_token_s = timings.total_s
        decode = timings.total_s - timings.first_token_s
        if timings.completion_tokens > 1 and decode > 0:
            timings.tokens_per_s = (timings.completion_tokens - 1) / decode
        return answer

    def _citations(self, draft: Draft) -> list[Citation]:
        out = []
        claims = sentences(draft.text)
        for i in draft.used:
            shown = draft.evidence.passages[i - 1]
            c = self.retriever.by_id.get(shown.id, shown)  # the whole passage, when a sentence of it was shown
            mine = [MARKER_RE.sub("", s) for s in claims if f"[{i}]" in s]
            out.append(Citation(marker=i, chunk_id=c.id, speaker=c.speaker, title=c.title, firm=c.firm,
                                section=c.section, text=c.text, highlight=self._highlight(c, mine, draft.evidence.lang),
                                doc=c.doc, start=c.start, end=c.end, call=c.call, call_label=c.call_label))
        return out

    def _highlight(self, chunk: Chunk, claims: list[str], lang: str) -> tuple[int, int]:
        """The sentence of the passage that best supports the claims citing it."""
        best, span = -1.0, (0, len(chunk.text))
        claim_numbers = [n for cl in claims for n in num.extract(cl)]
        for m in CLAIM_RE.finditer(chunk.text):
            sent = m.group()
            if not sent.strip():
                continue
            sn = num.extract(sent)
            value = 10.0 * sum(1 for n in claim_numbers if num.find_match(n, sn))
            probe = Chunk(id="", doc="", text=sent, start=0, end=0, tokens=0)
            value += sum(support_score(cl, probe, self.retriever.knowledge, lang) for cl in claims)
            if value > best:
                best, span = value, (m.start(), m.end())
        s, e = span
        while s < e and chunk.text[s].isspace():
            s += 1
        return (s, e)
