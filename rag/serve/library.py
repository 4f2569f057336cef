"""The calls the service answers from: the library of calls the index holds
(`rag calls` in-process).

Error it exists for: a client asking about a call by a name the index does
not hold would get a refusal that looks like "the transcript does not say";
`unknown_calls` lets the API say instead which names exist.
"""

from __future__ import annotations

from ..errors import BadInput
from ..library import select


def calls(retriever) -> list[dict]:
    """One record per call (company, period, language, source, hash, passages)."""
    return [{"object": "call", **c.to_dict()} for c in retriever.calls.values()]


def unknown_calls(retriever, wanted: list[str]) -> list[str]:
    """The names in `wanted` that match no call (by id, or company/ticker/period words)."""
    held = list(retriever.calls.values())
    out = []
    for w in wanted:
        try:
            select(held, [w])
        except BadInput:
            out.append(w)
    return out
