"""Stage: the passages most likely to hold the answer.

Error it exists for: an answer can only be as good as the passages it is
drawn from. Hybrid search (rag/retrieve.py: dense and BM25, fused) finds
them; a question with several parts ("What did Alibaba say about Cainiao's
IPO, and what was Cainiao's revenue?") is also searched part by part and
the rankings interleaved (the whole question's first), so that the passages
shown to the model hold every part and not only the one the whole
question's words favour. A question
whose best passage is below the similarity floor is off-topic for the
calls: refused before the model reads anything.
"""

from __future__ import annotations

from ...questions import parts, self_contained
from ...retrieve import Hit
from ..records import Draft, Refuse

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


def search(retriever, question: str, k: int) -> list[Hit]:
    """The question's passages; a question of several parts also searched
    part by part (the parts that name what they ask about: "来自哪家机构？"
    alone finds nothing of its own)."""
    asked = [p for p in parts(question) if self_contained(p, retriever.knowledge)]
    whole = retriever.search(question, k)
    if len(asked) < 2:
        return whole
    return interleave([whole] + [retriever.search(q, k) for q in asked], k)


class Retrieve:
    def __init__(self, ctx):
        self.ctx = ctx

    def run(self, draft: Draft) -> Draft | Refuse:
        ev = draft.evidence
        ev.hits = search(self.ctx.retriever, ev.question, ev.top_k or self.ctx.cfg.top_k)
        if not ev.hits or max(h.dense_similarity for h in ev.hits) < self.ctx.cfg.refusal_threshold:
            return Refuse(OFF_TOPIC)
        return draft
