"""The persisted Chroma index under `index/`.

Layout: each build writes a complete *generation* folder (a Chroma
PersistentClient directory plus `manifest.json`), then points the `CURRENT`
file at it with an atomic rename. A run killed at any moment leaves `CURRENT`
on the previous, untouched generation, so the index is never half-written.
With `chroma_url` the vectors of each generation are a collection of its own
on a Chroma server instead, and the folder keeps the manifest and the
passages (rag/store.py); the rest is the same.

Incremental: the manifest keeps each document's sha256 and chunk ids. A run
on unchanged files writes nothing; a changed file's chunks are replaced in a
copy of the current generation; other documents' chunks are left as they are.

The library: each document is a call (rag/library.py), its record detected
from the transcript and its file name (rag/callinfo.py), set or corrected
by a sidecar file or by the caller, kept in the manifest. Every passage
carries its call. A call can be taken out (`remove`), and the whole index
rebuilt from the recorded sources (`rebuild`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import callinfo, store
from .chunking import Chunk, chunk_document
from .derive import knowledge_of
from .config import Config
from .errors import BadInput, IndexMissing, UserError
from .ingest import SourceFile, read_source
from .language import detect
from .library import Call, select, slug, unique_id
from .store import open_client  # noqa: F401  (where it used to live)
from .transcript import parse

MANIFEST = "manifest.json"
POINTER = "CURRENT"
# 2: every passage carries its call (id, label, language) in its header.
FORMAT_VERSION = 2


class IndexDamaged(UserError):
    """The index's files are there but cannot be read."""
# Chroma caps one add() call; 256 chunks is far below the limit.
ADD_BATCH = 256


@dataclass
class IndexSummary:
    documents: int
    chunks: int
    added: int
    removed: int
    unchanged: int
    seconds: float
    generation: str | None
    calls: list[Call] = None  # the calls (re)indexed by this run, as detected

    def line(self) -> str:
        return (f"indexed {self.documents} document(s), {self.chunks} chunks "
                f"(+{self.added} / -{self.removed}, {self.unchanged} document(s) unchanged) "
                f"in {self.seconds:.1f} s")

    def detected(self) -> list[str]:
        """What was detected of each call indexed, and what had to be guessed."""
        out = []
        for c in self.calls or []:
            what = " · ".join(x for x in (c.company, c.ticker, c.period, c.date, c.language) if x)
            guess = f"; guessed: {', '.join(c.guessed)} (set with --company/--period/... or {Path(c.source).name}" \
                    f"{callinfo.SIDECAR_SUFFIX})" if c.guessed else ""
            out.append(f"{c.id}: {what}{guess}")
        return out


def current_generation(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / POINTER).read_text().strip()
    except OSError:
        return None
    gen = index_dir / name
    return gen if (gen / MANIFEST).exists() else None


def read_manifest(gen: Path | None) -> dict:
    if gen is None:
        return {}
    return json.loads((gen / MANIFEST).read_text(encoding="utf-8"))


def _params(cfg: Config, embedder: str) -> dict:
    return {"format": FORMAT_VERSION, "embedder": embedder, "collection": cfg.collection,
            "chunk_tokens": cfg.chunk_tokens, "chunk_overlap_tokens": cfg.chunk_overlap_tokens}


def call_record(src: SourceFile, overrides: dict | None, taken: set[str], old: dict | None) -> Call:
    """The call a source file is: detected from its text and name, then its
    sidecar file, then `overrides` (the caller's flags); its id is kept from
    an earlier indexing of the same file, else made from company and period."""
    info = callinfo.for_file(src.path, src.text)
    if overrides:
        info = callinfo.apply_sidecar(info, {k: v for k, v in overrides.items() if v not in (None, "")})
    call = Call(id="", company=info.company or Path(src.name).stem, ticker=info.ticker or "", period=info.period or "",
                fiscal_year=info.fiscal_year, fiscal_quarter=info.fiscal_quarter, date=info.date or "",
                language=info.language or detect(src.text[:4000]), source=str(src.path), sha256=src.sha256,
                guessed=list(info.guessed) + ([] if info.company else ["company"]))
    call.guessed = list(dict.fromkeys(call.guessed))
    call.id = (old or {}).get("id") or unique_id(slug(call.company, call.period), taken)
    return call


def build(cfg: Config, paths: list[str], progress: bool = True, overrides: dict | None = None,
          fresh: bool = False) -> IndexSummary:
    """Index `paths` into a new generation (see the module). `overrides`
    set call fields for these files (company, period...); `fresh` starts
    from an empty index instead of the current one."""
    from .embed import E5EmbeddingFunction
    from .models import resolve_embedder

    t0 = time.perf_counter()
    sources: list[SourceFile] = [read_source(p) for p in paths]  # all checks before any write
    keys = [str(s.path) for s in sources]
    if len(set(keys)) != len(keys):
        sources = list({str(s.path): s for s in sources}.values())
    index_dir = Path(cfg.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    store.check(cfg)
    _remove_stale(cfg, index_dir)
    embedder = resolve_embedder(cfg)
    params = _params(cfg, embedder)
    cur = None if fresh else current_generation(index_dir)
    manifest = read_manifest(cur)
    if manifest.get("params") != params or not store.same_backend(cfg, cur):
        cur, manifest = None, {}  # other embedder, chunking, format or store: rebuild from scratch
    docs = dict(manifest.get("docs", {}))
    taken = {d["call"]["id"] for k, d in docs.items() if "call" in d and k not in keys}
    calls: dict[str, Call] = {}
    for s in sources:
        calls[str(s.path)] = call_record(s, overrides, taken, docs.get(str(s.path), {}).get("call"))
        taken.add(calls[str(s.path)].id)
    changed = [s for s in sources if docs.get(str(s.path), {}).get("sha256") != s.sha256
               or _call_fields(docs[str(s.path)].get("call")) != _call_fields(calls[str(s.path)].to_dict())]
    total_chunks = sum(d["chunks"] for d in docs.values())
    if not changed:
        return IndexSummary(len(docs), total_chunks, 0, 0, len(sources), time.perf_counter() - t0,
                            cur.name if cur else None, [])

    new_chunks: dict[str, list[Chunk]] = {}
    derived: dict[str, dict] = {}
    for s in changed:
        call = calls[str(s.path)]
        doc = parse(s.text, s.name)
        derived[str(s.path)] = knowledge_of(doc)
        new_chunks[str(s.path)] = chunk_document(doc, cfg.chunk_tokens, cfg.chunk_overlap_tokens, call.id,
                                                 call.label, call.language)
        call.chunks = len(new_chunks[str(s.path)])

    def apply(col, ef) -> tuple[int, int]:
        added = removed = 0
        for key, chunks in new_chunks.items():
            old_ids = docs.get(key, {}).get("ids", [])
            if old_ids:
                col.delete(ids=old_ids)
                removed += len(old_ids)
            vectors = ef.passages([c.with_header for c in chunks], progress=progress)
            for i in range(0, len(chunks), ADD_BATCH):
                part = chunks[i : i + ADD_BATCH]
                col.add(ids=[c.id for c in part], documents=[c.text for c in part],
                        metadatas=[c.metadata() for c in part],
                        embeddings=[v.tolist() for v in vectors[i : i + ADD_BATCH]])
            added += len(chunks)
            src = next(s for s in changed if str(s.path) == key)
            docs[key] = {"name": src.name, "sha256": src.sha256, "encoding": src.encoding,
                         "chunks": len(chunks), "ids": [c.id for c in chunks], "call": calls[key].to_dict(),
                         "knowledge": derived[key]}
        return added, removed

    gen_name, (added, removed) = _new_generation(cfg, index_dir, cur, params, docs, apply, E5EmbeddingFunction(embedder))
    total_chunks = sum(d["chunks"] for d in docs.values())
    return IndexSummary(len(docs), total_chunks, added, removed, len(sources) - len(changed),
                        time.perf_counter() - t0, gen_name, [calls[str(s.path)] for s in changed])


# Call fields that, changed, re-index a file (its passages' headers carry them).
def _call_fields(d: dict | None) -> tuple:
    d = d or {}
    return tuple(d.get(k) for k in ("id", "company", "ticker", "period", "fiscal_year", "fiscal_quarter", "date",
                                     "language"))


def _new_generation(cfg: Config, index_dir: Path, cur: Path | None, params: dict, docs: dict, apply, ef):
    """Write a new generation: a copy of `cur` changed by `apply(collection,
    embedding function)`, its manifest `docs`, switched to atomically."""
    gen_name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = index_dir / f".tmp-{gen_name}"
    try:
        col = store.start_generation(cfg, tmp, cur, ef)
        result = apply(col, ef)
        store.finish_generation(cfg, tmp, col)
        del col
        (tmp / MANIFEST).write_text(json.dumps({"params": params, "docs": docs}, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
        _fsync_tree(tmp)
        os.replace(tmp, index_dir / gen_name)
        _point_to(index_dir, gen_name)
    except BaseException:
        store.delete_generation(cfg, tmp)  # a server's collection too (else the next run deletes it)
        raise
    _prune(cfg, index_dir, keep={gen_name, cur.name if cur else ""})
    return gen_name, result


def library(cfg: Config) -> list[Call]:
    """The calls the current index holds, oldest period first; a call
    whose transcript states no ticker gets its company's from the companies
    data (`rag calls`, `--call KO`)."""
    from .glossary import for_config
    from .retrieve import company_ticker, company_tickers

    gen = current_generation(Path(cfg.index_dir))
    docs = read_manifest(gen).get("docs", {})
    calls = [Call.from_dict(d["call"]) for d in docs.values() if "call" in d]
    if any(not c.ticker for c in calls):
        glossary = for_config(cfg)
        tickers = company_tickers(glossary)
        for c in calls:
            c.ticker = c.ticker or company_ticker(glossary, c.company, tickers)
    return sorted(calls, key=lambda c: (c.company, c.order))


def remove(cfg: Config, wanted: list[str]) -> list[Call]:
    """Take the calls `wanted` names (ids or company/period words) out of
    the index, in a new generation. Returns the calls removed."""
    from .embed import E5EmbeddingFunction
    from .models import resolve_embedder

    index_dir = Path(cfg.index_dir)
    cur = current_generation(index_dir)
    if cur is None:
        raise IndexMissing(f"no index in {index_dir} (run `rag index` first)")
    manifest = read_manifest(cur)
    docs = dict(manifest.get("docs", {}))
    gone = select(library(cfg), wanted)
    keys = [k for k, d in docs.items() if d.get("call", {}).get("id") in {c.id for c in gone}]

    def apply(col, ef):
        for k in keys:
            col.delete(ids=docs[k]["ids"])
            del docs[k]

    _new_generation(cfg, index_dir, cur, manifest["params"], docs, apply, E5EmbeddingFunction(resolve_embedder(cfg)))
    return gone


def rebuild(cfg: Config, progress: bool = True) -> IndexSummary:
    """A new index from the sources the current one records (the default
    corpus when there is none): the way out of a damaged index."""
    index_dir = Path(cfg.index_dir)
    gen = current_generation(index_dir)
    try:
        docs = read_manifest(gen).get("docs", {})
    except (OSError, ValueError):
        docs = {}
    paths = list(docs) or list(cfg.corpus)
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise BadInput(f"cannot rebuild: {len(missing)} recorded source(s) are gone, e.g. {missing[0]}")
    overrides = {p: docs.get(p, {}).get("call") for p in paths}
    summary = None
    for p in paths:  # each with the call fields it was recorded with
        rec = overrides.get(p) or {}
        keep = {k: rec.get(k) for k in ("company", "ticker", "period", "fiscal_year", "fiscal_quarter", "date",
                                        "language") if rec.get(k) and k not in rec.get("guessed", [])}
        summary = build(cfg, [p], progress, keep or None, fresh=summary is None)
    return summary


def _point_to(index_dir: Path, gen_name: str) -> None:
    tmp = index_dir / f".{POINTER}.tmp"
    with open(tmp, "w") as f:
        f.write(gen_name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / POINTER)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _remove_stale(cfg: Config, index_dir: Path) -> None:
    """Leftovers of a killed run: temporary generations (and their server
    collections) and pointer files."""
    for p in index_dir.glob(".tmp-gen-*"):
        store.delete_generation(cfg, p)
    (index_dir / f".{POINTER}.tmp").unlink(missing_ok=True)


def _prune(cfg: Config, index_dir: Path, keep: set[str]) -> None:
    """Keep the new generation and the one before it (a process may still be reading it)."""
    for p in index_dir.glob("gen-*"):
        if p.name not in keep:
            store.delete_generation(cfg, p)


def damaged(gen: Path | str, error: BaseException) -> IndexDamaged:
    """One line naming the fix, for an index whose files do not read."""
    reason = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
    return IndexDamaged(f"the index in {gen} is damaged ({reason}); run `rag index --rebuild`")


def load_chunks(cfg: Config) -> tuple[Path, dict, list[Chunk]]:
    """All chunks of the current generation, for BM25 and metadata."""
    index_dir = Path(cfg.index_dir)
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(f"no index in {index_dir} (run `rag index` first)")
    try:
        manifest = read_manifest(gen)
    except (OSError, ValueError) as e:
        raise damaged(gen, e) from None
    if manifest.get("params", {}).get("format") != FORMAT_VERSION:
        raise IndexMissing(f"the index in {gen} is of an older format; run `rag index --rebuild`")
    try:
        ids, documents, metadatas = store.read_records(cfg, gen)
    except UserError:
        raise
    except Exception as e:  # chromadb raises its own errors for a malformed file
        if "does not exist" in str(e).lower() or "not found" in str(e).lower():
            raise IndexMissing(f"index in {gen} has no collection '{cfg.collection}' (run `rag index`)") from None
        raise damaged(gen, e) from None
    chunks = [Chunk.from_record(i, d, m) for i, d, m in zip(ids, documents, metadatas)]
    chunks.sort(key=lambda c: (c.doc, c.start))
    return gen, manifest, chunks
