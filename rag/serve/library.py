"""The calls the service answers from: the documents the index's current
generation lists in its manifest (the library of calls will extend this).

Error it exists for: a client asking about a call by a name the index does
not hold would get a refusal that looks like "the transcript does not say";
`known_calls` lets the API say instead which names exist.
"""

from __future__ import annotations


def calls(retriever) -> list[dict]:
    """One record per indexed document, in the manifest's order."""
    docs = (retriever.manifest or {}).get("docs", {})
    return [{"id": d.get("name", path), "object": "call", "name": d.get("name", ""), "path": path,
             "sha256": d.get("sha256", ""), "chunks": d.get("chunks", 0)} for path, d in docs.items()]


def unknown_calls(retriever, wanted: list[str]) -> list[str]:
    """The names in `wanted` that are no call's id, name or path."""
    known = {v for c in calls(retriever) for v in (c["id"], c["name"], c["path"]) if v}
    return [w for w in wanted if w not in known]
