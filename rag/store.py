"""Where an index generation's vectors live: the embedded Chroma folder (the
default) or a Chroma server (`chroma_url`). rag/index.py and
rag/retrieve.py go through this module and do not branch on it.

Either way a generation is a folder under index_dir holding its
`manifest.json`, and `CURRENT` names the one readers open, so they switch
only when `CURRENT` moves (rag/index.py).

- Embedded: the folder is a Chroma PersistentClient directory with the
  collection `cfg.collection`. A new generation starts as a copy of the
  folder of the previous one.
- Server: the folder holds `store.json` (the server's URL and the
  collection's name, written before the collection is created) and
  `chunks.jsonl` (the passages' ids, text and metadata, for BM25 without a
  round trip to the server); the vectors are in the server's collection
  `<collection>-<generation>`, one per generation. A new generation's
  collection starts as a copy of the previous one's records (their
  embeddings included: nothing is embedded again). Deleting a generation
  deletes its collection, then its folder; a server that cannot be reached
  leaves the folder, so the collection is deleted on a later run.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import threading
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from .config import Config
from .errors import IndexMissing, Unavailable, UserError

STORE_FILE = "store.json"
CHUNKS_FILE = "chunks.jsonl"
# Records read and written per request when a generation's collection is copied.
COPY_BATCH = 1000
# Seconds to wait for the server to accept a connection before saying it is down.
CONNECT_TIMEOUT = 5.0
# Chroma's rule for collection names (the server allows up to 512 characters;
# 63 keeps them valid for older servers and the embedded client too).
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$")
COSINE = {"hnsw": {"space": "cosine"}}


class ChromaUnavailable(Unavailable):
    """The Chroma server (`chroma_url`) cannot be reached or refused a request."""


def uses_server(cfg: Config) -> bool:
    return bool(cfg.chroma_url.strip())


# ---------------------------------------------------------------- embedded
def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def open_client(path: Path):
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=_settings())


def release_clients() -> None:
    """Close Chroma's cached systems so a folder can be renamed safely (the
    server clients' too: they are made again when next needed)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    with _clients_lock:
        _clients.clear()


# ---------------------------------------------------------------- server
def _address(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
        raise UserError(f"chroma_url {url!r} is not a Chroma server URL (e.g. http://127.0.0.1:8000)")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 8000), parts.scheme == "https"


def _down(url: str, reason: str) -> ChromaUnavailable:
    try:
        host, port, _ = _address(url)
    except UserError:
        host, port = "HOST", 8000
    return ChromaUnavailable(f"the Chroma server at {url} cannot be reached ({reason}); start it with "
                             f"`chroma run --path DIR --host {host} --port {port}`, or unset chroma_url "
                             f"(RAG_CHROMA_URL / --chroma-url) to keep the index in the index folder")


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0][:120] if str(e).strip() else ""
    return text or type(e).__name__


def _transport_error(e: BaseException) -> bool:
    import httpx

    return isinstance(e, (httpx.TransportError, ConnectionError)) or (
        isinstance(e, ValueError) and "could not connect" in str(e).lower())


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def server_client(cfg: Config):
    """The HTTP client of the configured server, one per process and URL."""
    url = cfg.chroma_url.strip()
    host, port, ssl = _address(url)
    with _clients_lock:
        if url not in _clients:
            try:  # fail in seconds, not after the operating system's connect timeout
                socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
            except OSError as e:
                raise _down(url, e.strerror or _reason(e)) from None
            import chromadb

            try:
                _clients[url] = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_settings())
            except Exception as e:  # not a Chroma server, or another version's API
                raise _down(url, _reason(e)) from None
        return _clients[url]


def check(cfg: Config) -> None:
    """Before the slow work: the configured Chroma server answers (none: nothing to check)."""
    if uses_server(cfg):
        server_client(cfg)


class _Remote:
    """A server collection whose connection failures are `ChromaUnavailable`."""

    def __init__(self, collection, url: str):
        self._collection, self._url = collection, url

    def __getattr__(self, name):
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            try:
                return attr(*args, **kwargs)
            except Exception as e:
                if _transport_error(e):
                    _forget(self._url)
                    raise _down(self._url, _reason(e)) from None
                if "does not exist" in str(e).lower():
                    raise IndexMissing(f"the collection {self._collection.name} is no longer on the Chroma server "
                                       f"{self._url} (re-indexed twice since this process started): restart it"
                                       ) from None
                raise

        return call


def _forget(url: str) -> None:
    with _clients_lock:
        _clients.pop(url, None)


def collection_name(cfg: Config, generation: str) -> str:
    """`<collection>-<generation>`, valid for Chroma: other characters become
    '-', and a name changed or shortened so carries a hash of the original."""
    base = re.sub(r"\.{2,}", ".", re.sub(r"[^a-zA-Z0-9._-]+", "-", cfg.collection)).strip("._-") or "rag"
    room = 63 - len(generation) - 1
    if base != cfg.collection or len(base) > room:
        digest = hashlib.sha1(cfg.collection.encode("utf-8")).hexdigest()[:8]
        base = f"{base[: max(0, room - 9)].rstrip('._-')}-{digest}".lstrip("-")
    name = f"{base}-{generation}"
    if not NAME_RE.match(name):
        raise UserError(f"collection {cfg.collection!r} with generation {generation!r} makes no valid Chroma name")
    return name


def _marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / STORE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        from .index import damaged

        raise damaged(folder, e) from None


def _check_backend(cfg: Config, generation: Path, marker: dict | None) -> None:
    if marker and not uses_server(cfg):
        raise IndexMissing(f"the index in {generation} keeps its vectors on the Chroma server {marker['url']}: "
                           f"set chroma_url (RAG_CHROMA_URL / --chroma-url) to it, or run `rag index --rebuild` "
                           f"for an index in the index folder")
    if not marker and uses_server(cfg):
        raise IndexMissing(f"the index in {generation} is in the index folder, not on the Chroma server "
                           f"{cfg.chroma_url}: unset chroma_url, or run `rag index --rebuild` with it to move the "
                           f"vectors to the server")


def same_backend(cfg: Config, generation: Path | None) -> bool:
    """Whether `generation` keeps its vectors where `cfg` puts them."""
    return generation is None or (_marker(generation) is not None) == uses_server(cfg)


# ---------------------------------------------------------------- both
def open_collection(cfg: Config, generation: Path, create: bool = False, embedding_function=None):
    """The collection of `generation` (a folder under index_dir), created
    when `create` (the folder must exist)."""
    if not uses_server(cfg):
        marker = None if create else _marker(generation)
        _check_backend(cfg, generation, marker)
        client = open_client(generation)
        if create:
            return client.get_or_create_collection(cfg.collection, embedding_function=embedding_function,
                                                   configuration=COSINE)
        return client.get_collection(cfg.collection, embedding_function=embedding_function)
    url = cfg.chroma_url.strip()
    if create:
        name = collection_name(cfg, generation.name.removeprefix(".tmp-"))
        client = server_client(cfg)
        # recorded before it is created: a run killed after this leaves a folder naming what to delete
        (generation / STORE_FILE).write_text(json.dumps({"url": url, "collection": name}), encoding="utf-8")
    else:
        marker = _marker(generation)
        _check_backend(cfg, generation, marker)
        name = marker["collection"]
        client = server_client(cfg)
    try:
        if create:
            col = client.get_or_create_collection(name, embedding_function=embedding_function, configuration=COSINE)
        else:
            col = client.get_collection(name, embedding_function=embedding_function)
    except Exception as e:
        if _transport_error(e):
            _forget(url)
            raise _down(url, _reason(e)) from None
        if not create and "does not exist" in str(e).lower():
            raise IndexMissing(f"the Chroma server {url} has no collection {name} of the index in {generation}; "
                               f"run `rag index --rebuild`, or set chroma_url to the server that holds it "
                               f"({marker['url']})") from None
        raise
    return _Remote(col, url)


def start_generation(cfg: Config, folder: Path, previous: Path | None, embedding_function=None):
    """A new generation's folder and collection holding the records of
    `previous` (their vectors copied, not embedded again)."""
    if not uses_server(cfg):
        if previous is not None:
            shutil.copytree(previous, folder)
        else:
            folder.mkdir()
        return open_collection(cfg, folder, create=True, embedding_function=embedding_function)
    folder.mkdir()
    col = open_collection(cfg, folder, create=True, embedding_function=embedding_function)
    if previous is not None:
        old = open_collection(cfg, previous, embedding_function=embedding_function)
        for offset in range(0, old.count(), COPY_BATCH):
            got = old.get(include=["embeddings", "documents", "metadatas"], limit=COPY_BATCH, offset=offset)
            if got["ids"]:
                col.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                        metadatas=got["metadatas"])
    return col


def finish_generation(cfg: Config, folder: Path, col) -> None:
    """Everything of the new generation written before its folder is renamed."""
    if not uses_server(cfg):
        release_clients()
        return
    total = col.count()
    with open(folder / CHUNKS_FILE, "w", encoding="utf-8") as f:
        for offset in range(0, total, COPY_BATCH):
            got = col.get(include=["documents", "metadatas"], limit=COPY_BATCH, offset=offset)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"]):
                f.write(json.dumps({"id": i, "document": d, "metadata": m}, ensure_ascii=False) + "\n")


def read_records(cfg: Config, generation: Path) -> tuple[list[str], list[str], list[dict]]:
    """The ids, texts and metadata of every passage of `generation`."""
    if _marker(generation) is None:
        got = open_collection(cfg, generation).get(include=["documents", "metadatas"])
        return got["ids"], got["documents"], got["metadatas"]
    _check_backend(cfg, generation, _marker(generation))
    ids, docs, metas = [], [], []
    with open(generation / CHUNKS_FILE, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ids.append(r["id"])
            docs.append(r["document"])
            metas.append(r["metadata"])
    return ids, docs, metas


def delete_generation(cfg: Config, folder: Path) -> bool:
    """Delete a generation (or a half-written one): its server collection,
    then its folder. False, and the folder kept, when the server cannot be
    reached (a later run deletes both)."""
    try:
        marker = _marker(folder)
    except UserError:
        marker = None
    if marker is None:
        if not uses_server(cfg):
            release_clients()  # a half-written folder may still be open
    else:
        url = cfg.chroma_url.strip() or marker.get("url", "")
        try:
            server_client(replace(cfg, chroma_url=url)).delete_collection(marker["collection"])
        except ChromaUnavailable:
            return False
        except Exception as e:
            if _transport_error(e):
                _forget(url)
                return False
            if "does not exist" not in str(e).lower():
                return False
    shutil.rmtree(folder, ignore_errors=True)
    return True
