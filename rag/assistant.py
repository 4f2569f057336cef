"""The Assistant: question -> (rewrite) -> retrieve -> generate -> verify -> Answer.

This is the one path every interface uses: the Python API, the CLI and the
chat UI.

    from rag import Assistant
    a = Assistant()
    ans = a.ask("云智能集团本季度收入是多少？")
    print(ans.text, ans.citations[0].speaker)
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Generator, Iterator

from . import breakdown
from . import glossary as glossary_mod
from . import numbers as num
from . import periods
from .answerability import (METRIC_KINDS, SENTENCE_RE, drop_misattributed_changes, figures_unverified,
                            measuring_sentences, metric_mismatch, metric_terms, misattributed_claims, missing_concepts,
                            unit_unnamed)
from .chunking import Chunk
from .clauses import complete_clauses
from .config import Config, load_config
from .errors import BadInput
from .generate import (REWRITE_SCHEMA, AnswerFieldStreamer, GenStats, LLM, cut_loop, looping, parse_json,
                       whole_sentences)
from .glossary import squash
from .language import detect
from .models import resolve_llm
from .prompting import answer_messages, invented_names, load_prompt, rewrite_messages, select_passages
from .retrieve import Hit, Retriever
from .roles import swap_roles
from .verify import (CLAIM_RE, MARKER_RE, complete_changes, complete_parts, complete_year_ago, drop_invented_names,
                     english_amounts, english_only, fix_change_basis, mark_losses, name_firms, support_score,
                     unused_names, verify, without_claims)

REFUSAL = {
    "en": "The transcript does not say.",
    "zh": "电话会记录中没有提到这一点。",
}
MAX_QUESTION_CHARS = 1000
# What a user is told about a question that cannot be asked, in the question's
# language (the chat, the CLI and the API say the same). An empty question has
# no language: its message is in both.
EMPTY_QUESTION = "The question is empty. Please type a question. · 问题为空，请输入问题。"
TOO_LONG = {
    "en": "The question is {n} characters long; the limit is {limit}.",
    "zh": "问题长 {n} 个字符，上限是 {limit} 个。",
}
# Sentences after which generation stops: the prompt asks for one to three;
# a fourth is let through (the point of a speaker's answer sometimes comes
# late), a runaway copy of the passage is not.
MAX_ANSWER_SENTENCES = 4
# The warning's wording per answer language (see Answer.warning).
WARNING = {
    "en": {"numbers": "Unverified numbers: ", "list": ", ", "quotes": "; ", "join": ". ",
           "claims": lambda n: f"{n} sentence{'s' if n > 1 else ''} not found in any passage: "},
    "zh": {"numbers": "未经核实的数字：", "list": "、", "quotes": "；", "join": "。",
           "claims": lambda n: f"{n} 句话在资料中找不到依据："},
}
# How the corrections made to the model's text are listed under the answer
# (see Answer.correction_note): a number rescaled, a name removed.
CORRECTED = {
    "en": {"lead": "Corrected: ", "changed": "{0} → {1}", "removed": "{0} (removed)", "sep": "; "},
    "zh": {"lead": "已更正：", "changed": "{0} → {1}", "removed": "{0}（已删除）", "sep": "；"},
}
NO_ANSWER = "model found no answer in the passages"
METRIC_MISMATCH = "the answer's numbers do not measure what was asked"
PERIOD_MISMATCH = "the answer's numbers are for another period than the one asked"
UNIT_MISMATCH = "the passages the answer cites do not name the business or place asked about"
MISATTRIBUTED = "the answer copies what the transcript says of another business"
UNVERIFIED_FIGURES = "no figure of the answer is in the passages"
# A question that puts business units side by side ("Cainiao's and AIDC's
# revenue", "淘天集团和云智能集团"), not one that names a second unit as context
# ("AIDC's revenue excluding Trendyol").
SIDE_BY_SIDE_RE = re.compile(r"\band\b|\bvs\b|\bversus\b|\bcompar|和|与|及|分别|对比|比较", re.I)
EQUALS_RE = re.compile(r"\s*[(（]\s*=[^()（）]*[)）]")


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


@dataclass
class Timings:
    retrieval_s: float = 0.0
    first_token_s: float | None = None
    total_s: float = 0.0
    tokens_per_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


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
        """The corrections made to the model's text, in the answer's language:
        what every interface shows under the answer next to the warning."""
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


# Characters of an unsupported sentence quoted in the warning.
CLIP_CHARS = 60


def _clip(text: str, n: int = CLIP_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass
class Sources:
    """Yielded by `Assistant.stream` before the first answer token."""

    question: str
    standalone_question: str
    hits: list[Hit]
    language: str


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
        self.glossary = glossary_mod.load(self.cfg.glossary)
        self.retriever = Retriever(self.cfg)
        self.llm = LLM.shared(self.cfg)
        self.names = self.glossary.zh_names()  # Chinese names an English answer may write
        # names the worked examples invent that an answer must not carry over
        self.invented = {lang: unused_names(invented_names(self.cfg.prompts_dir, lang), self.retriever.corpus_flat)
                         for lang in REFUSAL}

    # ------------------------------------------------------------- public
    def warm_up(self) -> None:
        """Read the fixed part of the answer prompt (instructions and worked
        examples, ~470 tokens, ~4 s per language) now rather than at the first
        question in each language. A question asked meanwhile waits for it."""
        for lang in REFUSAL:
            self.llm.warm(answer_messages(self.cfg.prompts_dir, "", [], lang, self.glossary))

    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Answer:
        answer = None
        for event in self.stream(question, history, top_k):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def ask_many(self, questions: list[str], progress: bool = True) -> list[Answer]:
        from tqdm import tqdm

        return [self.ask(q) for q in tqdm(questions, disable=not progress, desc="questions")]

    def stream(self, question: str, history: list[dict] | None = None,
               top_k: int | None = None) -> Iterator[Sources | str | Answer]:
        """Yields Sources, then answer text increments, then the final Answer.
        `top_k` (passages retrieved) defaults to the configuration's."""
        t0 = time.perf_counter()
        question = check_question(question)
        lang = detect(question)
        standalone = self._standalone(question, history, lang) if history else question
        t_r = time.perf_counter()
        hits = self.retriever.search(standalone, top_k or self.cfg.top_k)
        timings = Timings(retrieval_s=time.perf_counter() - t_r)
        yield Sources(question, standalone, hits, lang)
        base = Answer(question=question, text="", refused=False, language=lang, timings=timings,
                      model=self.llm.name, standalone_question=standalone if standalone != question else None,
                      sources=[h.to_dict() for h in hits])
        passages = select_passages([h.chunk for h in hits], lang, self.cfg.context_tokens, self.glossary)
        if self._retrieval_too_weak(hits):
            yield self._refuse(base, "retrieval below threshold", t0)
            return
        missing = missing_concepts(standalone, self.retriever.corpus_flat, self.glossary)
        if missing:
            yield self._refuse(base, "not in the transcript: " + ", ".join(missing), t0)
            return
        stats = GenStats()
        messages = answer_messages(self.cfg.prompts_dir, standalone, passages, lang, self.glossary)
        result = yield from self._generate(messages, lang, stats)
        timings.first_token_s = stats.first_token_s
        timings.tokens_per_s = stats.tokens_per_s
        timings.completion_tokens = stats.completion_tokens
        timings.prompt_tokens = self.llm.count_tokens("".join(m["content"] for m in messages))
        checked, reason = self._check_answer(result, standalone, passages, lang)
        if reason == NO_ANSWER:
            checked, reason, passages = self._next_passages(standalone, hits, passages, lang)
        if reason in (METRIC_MISMATCH, UNIT_MISMATCH):
            checked, reason, passages = self._focused_retry(standalone, passages, lang)
        elif reason == PERIOD_MISMATCH:
            checked, reason, passages = self._period_retry(standalone, passages, lang)
        elif reason == MISATTRIBUTED:
            checked, reason, passages = self._without_copied(standalone, str(result.get("answer", "")), passages, lang)
        if checked is None:
            yield self._refuse(base, reason, t0)
            return
        checked, passages = self._complete_breakdown(standalone, checked, passages, lang)
        base.text = checked.text
        base.unverified_numbers = checked.unverified
        base.unsupported_claims = checked.uncited
        base.corrections = checked.corrections
        base.citations = self._citations(checked, passages, lang)
        for part in self._missing_units(standalone, base.text, lang):
            extra = self._add_part(base, part)
            if extra:
                yield extra
        timings.total_s = time.perf_counter() - t0
        if timings.first_token_s is None:  # nothing was streamed: the answer came from a second look
            timings.first_token_s = timings.total_s
        yield base

    # ------------------------------------------------------------- steps
    def _generate(self, messages: list[dict], lang: str,
                  stats: GenStats | None = None) -> Generator[str, None, dict]:
        """Yields the answer text increments; returns the parsed answer object.
        Stops after MAX_ANSWER_SENTENCES sentences or when the text loops."""
        raw, loop, capped = "", False, False
        streamer = AnswerFieldStreamer()
        gen = self.llm.stream_answer(messages, self.cfg.max_answer_tokens, stats, lang, self.names)
        for piece in gen:
            raw += piece
            new = streamer.feed(piece)
            if new:
                yield new
            if streamer.sentences() >= MAX_ANSWER_SENTENCES:
                gen.close()  # the prompt asks for one to three sentences; stop a runaway copy
                capped = True
                break
            if new and looping(streamer.text()):
                gen.close()
                loop = True
                break
        result = parse_json(raw)
        if loop:
            result["answer"] = cut_loop(str(result.get("answer", "")))
        elif capped:
            result["answer"] = whole_sentences(str(result.get("answer", "")))
        return result

    def _standalone(self, question: str, history: list[dict], lang: str) -> str:
        """Rewrite a follow-up ("那去年同期呢？") into a standalone question. The
        rewrite must be a question that keeps the follow-up's terms and names
        a business or person; else the follow-up is sent with the previous
        question attached, which the model reads well enough."""
        previous = next((str(h.get("content", "")) for h in reversed(history) if h.get("role") == "user"), "")
        msgs = rewrite_messages(self.cfg.prompts_dir, question, history, lang)
        out = self.llm.complete_json(msgs, REWRITE_SCHEMA, max_tokens=80)
        rewritten = str(out.get("question", "")).strip()
        if self._valid_rewrite(rewritten, question, previous, lang):
            return rewritten
        return load_prompt(self.cfg.prompts_dir, f"followup_{lang}.txt").format(previous=previous, question=question)

    def _valid_rewrite(self, rewritten: str, question: str, previous: str, lang: str) -> bool:
        if not rewritten or detect(rewritten) != lang or not rewritten.rstrip().endswith(("?", "？")):
            return False
        have = set(self.glossary.expand(rewritten).entries)
        asked = self.glossary.expand(question).entries
        if not all(e in have for e in asked if e.kind not in ("time", "change")):
            return False
        subjects = ("unit", "person", "firm", "product")
        if not any(e.kind in subjects for e in asked):
            prev_subjects = {e for e in self.glossary.expand(previous).entries if e.kind in subjects}
            if prev_subjects and not (prev_subjects & have):
                return False
        return True

    def _focused_retry(self, question: str, passages: list[Chunk], lang: str):
        """The answer's numbers measure something else (another metric or
        business unit), or the passages it cites are about another unit. Ask
        once more, naming the metric and unit, with only the sentences that
        state a number for that metric and unit (and name no other period).
        Returns (checked, reason, the passages the answer's markers refer to)."""
        metrics = metric_terms(question, self.glossary, lang)
        if not metrics:
            return None, METRIC_MISMATCH, passages
        asked = periods.named(question)
        focus = [[s for s in sents if periods.fits(asked, s)]
                 for sents in measuring_sentences(question, passages, self.glossary)]
        # no such sentence (a narrative question, or a metric the passages lack): all passages
        chosen = [(c, " ".join(sents)) for c, sents in zip(passages, focus) if sents] or [(c, c.text) for c in passages]
        hint = load_prompt(self.cfg.prompts_dir, f"retry_{lang}.txt").format(metrics=metrics)
        return self._answer_from_sentences(f"{question} {hint}", question, chosen, lang)

    def _period_retry(self, question: str, passages: list[Chunk], lang: str):
        """The answer's numbers are another period's (the fiscal year's
        buybacks for the twelve months to December). Ask once more with the
        sentences that name another period left out of the passages. Returns
        (checked, reason, the passages the answer's markers refer to)."""
        asked = periods.named(question)
        kept = [(c, "".join(m.group() for m in SENTENCE_RE.finditer(c.text)
                            if periods.fits(asked, m.group())).strip()) for c in passages]
        chosen = [(c, text) for c, text in kept if text]
        if not chosen:
            return None, PERIOD_MISMATCH, passages
        return self._answer_from_sentences(question, question, chosen, lang)

    def _without_copied(self, question: str, answer: str, passages: list[Chunk], lang: str):
        """Every sentence of the answer copied what a passage says of another
        business (answerability.misattributed_claims): ask once more without
        the passages it copied from. Returns (checked, reason, the passages
        the answer's markers refer to)."""
        copied = {i for w in misattributed_claims(answer, passages, self.glossary) for i in w.copied}
        rest = [c for i, c in enumerate(passages) if i not in copied]
        if not copied or not rest:
            return None, MISATTRIBUTED, passages
        checked, reason = self._answer_again(question, question, rest, lang)
        return checked, reason, rest

    def _answer_from_sentences(self, asked: str, question: str, chosen: list[tuple[Chunk, str]], lang: str):
        """Answer `asked` from the sentences kept of each passage, (passage,
        kept text). Returns (checked, reason, the passages): citations show
        the whole passage, the supporting sentence highlighted."""
        checked, reason = self._answer_again(asked, question, [replace(c, text=text) for c, text in chosen], lang)
        return checked, reason, [c for c, _ in chosen]

    def _next_passages(self, question: str, hits: list[Hit], passages: list[Chunk], lang: str):
        """The model found no answer in the passages that fit the prompt's
        budget (about two of the five retrieved): read the next ones before
        saying the transcript does not say. Returns (checked, reason, the
        passages the answer's markers refer to)."""
        shown = {c.id for c in passages}
        rest = select_passages([h.chunk for h in hits if h.chunk.id not in shown], lang, self.cfg.context_tokens,
                               self.glossary)
        if not rest:
            return None, NO_ANSWER, passages
        checked, reason = self._answer_again(question, question, rest, lang)
        return checked, reason, rest

    def _complete_breakdown(self, question: str, checked, passages: list[Chunk], lang: str):
        """The question asks why a figure moved or what it is made of, the
        answer cites a passage where the transcript breaks that figure down
        item by item (rag/breakdown.py), and it leaves items out: the items
        are appended from the source, each citing the passage that holds it
        (added to the passages when the answer did not have it). Returns
        (checked, the passages its markers refer to)."""
        if not breakdown.asks_for_parts(question):
            return checked, passages
        for i in checked.used:
            for b in breakdown.around(passages[i - 1], self.retriever.chunks):
                intro = replace(passages[i - 1], text=b.part(b.intro))
                if breakdown.covered(checked.text, b) == len(b.items) or \
                        not measuring_sentences(question, [intro], self.glossary)[0]:
                    continue  # complete, or the breakdown of another figure than the one asked
                passages = list(passages)
                marker = {c.id: i for i, c in enumerate(passages, 1)}
                items = []
                for chunk, item in breakdown.passages(b, self.retriever.chunks):
                    if chunk.id not in marker:
                        passages.append(chunk)
                        marker[chunk.id] = len(passages)
                    items.append((item, marker[chunk.id]))
                text, claims = breakdown.render(items, self.glossary, lang)
                checked.text = checked.text.rstrip() + ("" if lang == "zh" else " ") + text
                checked.claims += claims
                checked.used += [m for m in dict.fromkeys(m for _, m in items) if m not in checked.used]
                return checked, passages
        return checked, passages

    def _answer_again(self, asked: str, question: str, passages: list[Chunk], lang: str):
        """Generate from `passages` for the prompt's question `asked` (the
        question with a hint) and check the answer against `question`."""
        messages = answer_messages(self.cfg.prompts_dir, asked, passages, lang, self.glossary)
        generation = self._generate(messages, lang)
        while True:
            try:
                next(generation)
            except StopIteration as done:
                return self._check_answer(done.value, question, passages, lang)

    def _check_answer(self, result: dict, question: str, passages, lang: str):
        """(Verified, None) for an answer that can be shown, else (None, why not)."""
        text = str(result.get("answer", "")).strip()
        if not result.get("answerable", False) or not text:
            return None, NO_ANSWER
        text = EQUALS_RE.sub("", text)  # echoes of the "(= RMB 28.1 billion)" annotations
        text, invented = drop_invented_names(text, self.invented[lang], lang)
        if lang == "en":
            text = english_amounts(english_only(text, self.glossary))
        checked = verify(text, passages, question, self.glossary, lang)
        checked.corrections += [(phrase, "") for phrase in invented]
        if not checked.any_cited:  # nothing verifiable remains
            return None, "no claim of the answer is supported by the passages"
        if figures_unverified(question, checked.text, checked.unverified):
            return None, UNVERIFIED_FIGURES
        if metric_mismatch(question, checked.text, passages, self.glossary):
            return None, METRIC_MISMATCH
        if periods.period_mismatch(question, checked.text, passages):
            return None, PERIOD_MISMATCH
        cited = [passages[i - 1] for i in checked.used]
        if unit_unnamed(question, cited, self.glossary):
            return None, UNIT_MISMATCH
        if lang == "zh":
            wrong = misattributed_claims(checked.text, cited, self.glossary)
            checked = without_claims(checked, [w.claim for w in wrong])
            if not checked.claims:
                return None, MISATTRIBUTED
            cited = [passages[i - 1] for i in checked.used]
        if lang == "en":
            checked.text = english_amounts(checked.text)  # units left over by scale corrections
        checked.text, dropped = drop_misattributed_changes(checked.text, cited, self.glossary, lang)
        checked.corrections += [(phrase, "") for phrase in dropped]
        if lang == "en":
            checked.text, basis = fix_change_basis(checked.text, cited)
            checked.corrections += basis
        checked.text, _ = complete_changes(checked.text, cited, lang)
        checked.text, _ = complete_year_ago(checked.text, cited, lang)
        checked.text, _ = complete_parts(checked.text, cited, self.glossary, lang)
        if lang == "zh":
            checked.text, _ = complete_clauses(checked.text, question, cited)
        checked.text, _ = mark_losses(checked.text, cited, lang)
        checked.text, swapped = swap_roles(checked.text, cited, self.glossary, lang)
        checked.corrections += swapped
        checked.text, _ = name_firms(checked.text, cited, self.glossary, lang)
        return checked, None

    def _missing_units(self, question: str, text: str, lang: str) -> list[str]:
        """For a question about one metric of several business units ("Compare
        Cainiao's and AIDC's revenue"), a standalone question for each unit the
        answer leaves out: the model often stops after the first unit."""
        exp = self.glossary.expand(question)
        units = exp.of_kind("unit")
        metrics = exp.of_kind(*METRIC_KINDS)
        if len(units) < 2 or not metrics or not SIDE_BY_SIDE_RE.search(question):
            return []
        flat = squash(text)
        template = load_prompt(self.cfg.prompts_dir, f"unit_question_{lang}.txt")
        metric = ("、" if lang == "zh" else " and ").join(e.name(lang) for e in metrics)
        return [template.format(unit=u.name(lang), metric=metric) for u in units
                if not any(squash(v) in flat for v in u.zh + u.en)]

    def _add_part(self, base: Answer, question: str) -> str:
        """Answer `question` on its own and append it to `base`, its markers
        renumbered after base's (a passage both cite keeps base's number).
        Returns the text added ("" when the part is refused)."""
        part = self.ask(question)
        if part.refused:
            return ""
        known = {c.chunk_id: c.marker for c in base.citations}
        free = max([0, *known.values(), *(int(m) for m in MARKER_RE.findall(base.text))]) + 1
        renumber = {}
        for c in part.citations:
            if c.chunk_id not in known:
                known[c.chunk_id] = free
                base.citations.append(replace(c, marker=free))
                free += 1
            renumber[c.marker] = known[c.chunk_id]
        text = MARKER_RE.sub(lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", part.text)
        added = ("" if base.language == "zh" else " ") + text
        base.text += added
        base.unverified_numbers += part.unverified_numbers
        base.unsupported_claims += part.unsupported_claims
        base.corrections += part.corrections
        have = {h["chunk_id"] for h in base.sources}
        base.sources += [h for h in part.sources if h["chunk_id"] not in have]
        return added

    def _retrieval_too_weak(self, hits: list[Hit]) -> bool:
        if not hits:
            return True
        return max(h.dense_similarity for h in hits) < self.cfg.refusal_threshold

    def _refuse(self, base: Answer, reason: str, t0: float) -> Answer:
        base.text = REFUSAL[base.language]
        base.refused = True
        base.refusal_reason = reason
        base.citations = []
        base.timings.total_s = time.perf_counter() - t0
        return base

    def _citations(self, checked, passages, lang) -> list[Citation]:
        out = []
        for i in checked.used:
            c = passages[i - 1]
            claims = [cl.text for cl in checked.claims if i in cl.markers]
            out.append(Citation(marker=i, chunk_id=c.id, speaker=c.speaker, title=c.title, firm=c.firm,
                                section=c.section, text=c.text, highlight=_highlight(c, claims, self.glossary, lang),
                                doc=c.doc, start=c.start, end=c.end))
        return out


def _highlight(chunk, claims: list[str], glossary, lang: str) -> tuple[int, int]:
    """The sentence of the passage that best supports the claims citing it."""
    best, span = -1.0, (0, len(chunk.text))
    claim_numbers = [n for cl in claims for n in num.extract(cl)]
    for m in CLAIM_RE.finditer(chunk.text):
        sent = m.group()
        if not sent.strip():
            continue
        sn = num.extract(sent)
        score = 10.0 * sum(1 for n in claim_numbers if num.find_match(n, sn))
        probe = Chunk(id="", doc="", text=sent, start=0, end=0, tokens=0)
        score += sum(support_score(cl, probe, glossary, lang) for cl in claims)
        if score > best:
            best, span = score, (m.start(), m.end())
    s, e = span
    while s < e and chunk.text[s].isspace():
        s += 1
    return (s, e)
