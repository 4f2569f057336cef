"""Stage: the model answers from the passages, or says it cannot.

Error it exists for: none of its own; it is where the answer comes from.
The prompt (rag/prompting.py, prompts/) holds the instructions, worked
examples on an invented company and the numbered passages; the model
writes `{"answerable": .., "answer": ".."}` under a grammar (rag/generate.py).
Its text streams to the caller as it is decoded. Generation stops after
MAX_ANSWER_SENTENCES sentences (a runaway copy of a passage) or when the
text starts to loop; what was written up to there is kept whole.
"""

from __future__ import annotations

from typing import Generator

from ...generate import AnswerFieldStreamer, GenStats, cut_loop, looping, parse_json, whole_sentences
from ...prompting import answer_messages
from ..records import Draft, Stage

# Sentences after which generation stops: the prompt asks for one to three;
# a fourth is let through (the point of a speaker's answer sometimes comes
# late), a runaway copy of the passage is not.
MAX_ANSWER_SENTENCES = 4


class Generate(Stage):
    def __init__(self, ctx):
        super().__init__(ctx)
        self.names = ctx.glossary.zh_names()  # Chinese names an English answer may write

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        messages = answer_messages(self.ctx.cfg.prompts_dir, ev.asked, ev.passages, ev.lang, self.ctx.glossary)
        stats = GenStats()
        prompt_tokens = self.ctx.llm.count_tokens("".join(m["content"] for m in messages))
        return draft.but(pending=self.stream(messages, ev.lang, stats), stats=stats,
                         prompt_tokens=draft.prompt_tokens or prompt_tokens)

    def stream(self, messages: list[dict], lang: str, stats: GenStats) -> Generator[str, None, dict]:
        """Yields the answer text increments; returns the parsed answer object."""
        raw, loop, capped = "", False, False
        streamer = AnswerFieldStreamer()
        gen = self.ctx.llm.stream_answer(messages, self.ctx.cfg.max_answer_tokens, stats, lang, self.names)
        for piece in gen:
            raw += piece
            new = streamer.feed(piece)
            if new:
                yield new
            if streamer.sentences() >= MAX_ANSWER_SENTENCES:
                gen.close()
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
