"""Stage: the passages most likely to hold the answer, from the calls asked.

Errors it exists for: an answer can only be as good as the passages it is
drawn from; with several calls indexed, the nearest passages may be another
call's (another quarter's figure, another company's). The calls are those
the user chose (`calls=`), else those the question names (rag/scope.py: a
company, a period, "latest"), else all; a company and period the library
does not hold is refused, not answered from another call. A question
comparing calls ("from Q3 to Q4") is searched in each, the results
interleaved. Hybrid search (rag/retrieve.py: dense and BM25, fused) finds
them; a question with several parts ("What did Alibaba say about Cainiao's
IPO, and what was Cainiao's revenue?") is also searched part by part and
the rankings interleaved (the whole question's first), so that the passages
shown to the model hold every part and not only the one the whole
question's words favour. A question
whose best passage is below the similarity floor is off-topic for the
calls: refused before the model reads anything.
"""

from __future__ import annotations

from ...library import select
from ...questions import parts, self_contained
from ...scope import resolve
from ...retrieve import Hit
from ..records import Draft, Refuse, Stage

OFF_TOPIC = "retrieval below threshold"


def interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """The first of each ranking, then the second of each, ..., each passage
    once, up to k."""
    out: dict[str, Hit] = {}
    for rank in range(max((len(r) for r in rankings), default=0)):
        for r in rankings:
            if rank < len(r) and r[rank].chunk.id not in out:
                out[r[rank].chunk.id] = r[rank]
    return list(out.values())[:k]


def search(retriever, question: str, k: int, calls: list[str] | None = None) -> list[Hit]:
    """The question's passages (from `calls` only, when given); a question of
    several parts also searched part by part (the parts that name what they
    ask about: "来自哪家机构？" alone finds nothing of its own), and one about
    several calls in each call."""
    asked = [p for p in parts(question) if self_contained(p, retriever.knowledge)]
    whole = retriever.search(question, k, calls)
    rankings = [whole]
    if len(asked) >= 2:
        rankings += [retriever.search(q, k, calls) for q in asked]
    if calls and len(calls) >= 2:
        rankings += [retriever.search(question, k, [c]) for c in calls]
    return interleave(rankings, k) if len(rankings) > 1 else whole


def scope_of(retriever, ev) -> tuple[list[str], str]:
    """The call ids to answer from, and what the library lacks (if anything)."""
    library = list(retriever.calls.values())
    if ev.calls:
        return [c.id for c in select(library, ev.calls)], ""
    translations = []
    if ev.lang == "zh" and retriever.english_calls:  # Chinese names of English calls' companies
        from ...retrieve import tokenize

        translations = retriever.dictionary.to_english(tokenize(ev.question, retriever.jieba))
    s = resolve(ev.question, library, translations)
    if not s.calls and not s.companies and not s.periods:
        return named_in(retriever, ev.question), ""
    return s.calls, s.missing


# Glossary kinds that name something only one company's calls speak of.
OWN_KINDS = ("unit", "product", "person")


def named_in(retriever, question: str) -> list[str]:
    """The calls of the one company whose transcripts name the businesses,
    products or people the question names ("淘天集团的收入" is about the call
    that speaks of 淘天), when the question names no company; [] (every call)
    when they are named by several companies' calls, or by none."""
    entries = [e for e in retriever.glossary.expand(question).entries if e.kind in OWN_KINDS]
    if not entries:
        return []
    holding = {cid for e in entries for cid in retriever.calls_naming(tuple(v for v in e.zh + e.en if len(v) >= 2))}
    companies = {retriever.calls[c].company for c in holding if c in retriever.calls}
    return sorted(holding) if len(companies) == 1 else []


class Retrieve(Stage):

    def run(self, draft: Draft) -> Draft | Refuse:
        ev = draft.evidence
        ids, missing = scope_of(self.ctx.retriever, ev)
        if missing:
            return Refuse(f"the library holds no call of {missing}")
        ev.scope = ids
        ev.hits = search(self.ctx.retriever, ev.question, ev.top_k or self.ctx.cfg.top_k, ids or None)
        if not ev.hits or max(h.dense_similarity for h in ev.hits) < self.ctx.cfg.refusal_threshold:
            return Refuse(OFF_TOPIC)
        return draft
