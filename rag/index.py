"""The persisted Chroma index under `index/`.

Layout: each build writes a complete *generation* folder (a Chroma
PersistentClient directory plus `manifest.json`), then points the `CURRENT`
file at it with an atomic rename. A run killed at any moment leaves `CURRENT`
on the previous, untouched generation, so the index is never half-written.

Incremental: the manifest keeps each document's sha256 and chunk ids. A run
on unchanged files writes nothing; a changed file's chunks are replaced in a
copy of the current generation; other documents' chunks are left as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .chunking import Chunk, chunk_document
from .config import Config
from .errors import IndexMissing
from .ingest import SourceFile, read_source
from .transcript import parse

MANIFEST = "manifest.json"
POINTER = "CURRENT"
FORMAT_VERSION = 1
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

    def line(self) -> str:
        return (f"indexed {self.documents} document(s), {self.chunks} chunks "
                f"(+{self.added} / -{self.removed}, {self.unchanged} document(s) unchanged) "
                f"in {self.seconds:.1f} s")


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def open_client(path: Path):
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=_settings())


def _release_clients() -> None:
    """Close Chroma's cached systems so the folder can be renamed safely."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


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


def build(cfg: Config, paths: list[str], progress: bool = True) -> IndexSummary:
    from .embed import E5EmbeddingFunction
    from .models import resolve_embedder

    t0 = time.perf_counter()
    sources: list[SourceFile] = [read_source(p) for p in paths]  # all checks before any write
    keys = [str(s.path) for s in sources]
    if len(set(keys)) != len(keys):
        sources = list({str(s.path): s for s in sources}.values())
    index_dir = Path(cfg.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale(index_dir)
    embedder = resolve_embedder(cfg)
    params = _params(cfg, embedder)
    cur = current_generation(index_dir)
    manifest = read_manifest(cur)
    if manifest.get("params") != params:
        cur, manifest = None, {}  # other embedder or chunking: rebuild from scratch
    docs = dict(manifest.get("docs", {}))
    changed = [s for s in sources if docs.get(str(s.path), {}).get("sha256") != s.sha256]
    total_chunks = sum(d["chunks"] for d in docs.values())
    if not changed:
        return IndexSummary(len(docs), total_chunks, 0, 0, len(sources), time.perf_counter() - t0,
                            cur.name if cur else None)

    new_chunks: dict[str, list[Chunk]] = {}
    for s in changed:
        doc = parse(s.text, s.name)
        new_chunks[str(s.path)] = chunk_document(doc, cfg.chunk_tokens, cfg.chunk_overlap_tokens)

    gen_name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = index_dir / f".tmp-{gen_name}"
    if cur is not None:
        shutil.copytree(cur, tmp)
    else:
        tmp.mkdir()
    added = removed = 0
    try:
        ef = E5EmbeddingFunction(embedder)
        client = open_client(tmp)
        col = client.get_or_create_collection(cfg.collection, embedding_function=ef,
                                              configuration={"hnsw": {"space": "cosine"}})
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
                         "chunks": len(chunks), "ids": [c.id for c in chunks]}
        del col, client
        _release_clients()
        (tmp / MANIFEST).write_text(json.dumps({"params": params, "docs": docs}, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
        _fsync_tree(tmp)
        final = index_dir / gen_name
        os.replace(tmp, final)
        _point_to(index_dir, gen_name)
    except BaseException:
        _release_clients()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(index_dir, keep={gen_name, cur.name if cur else ""})
    total_chunks = sum(d["chunks"] for d in docs.values())
    return IndexSummary(len(docs), total_chunks, added, removed, len(sources) - len(changed),
                        time.perf_counter() - t0, gen_name)


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


def _remove_stale(index_dir: Path) -> None:
    """Leftovers of a killed run: temporary generations and pointer files."""
    for p in index_dir.glob(".tmp-gen-*"):
        shutil.rmtree(p, ignore_errors=True)
    (index_dir / f".{POINTER}.tmp").unlink(missing_ok=True)


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Keep the new generation and the one before it (a process may still be reading it)."""
    for p in index_dir.glob("gen-*"):
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


def load_chunks(cfg: Config) -> tuple[Path, dict, list[Chunk]]:
    """All chunks of the current generation, for BM25 and metadata."""
    index_dir = Path(cfg.index_dir)
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(f"no index in {index_dir} (run `rag index` first)")
    manifest = read_manifest(gen)
    client = open_client(gen)
    try:
        col = client.get_collection(cfg.collection)
    except Exception:
        raise IndexMissing(f"index in {gen} has no collection '{cfg.collection}' (run `rag index`)") from None
    got = col.get(include=["documents", "metadatas"])
    chunks = [Chunk.from_record(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
    chunks.sort(key=lambda c: (c.doc, c.start))
    return gen, manifest, chunks
