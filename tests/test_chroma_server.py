"""The index on a Chroma server (`chroma_url`): `chroma run` started here on a
free loopback port. The same passages as the embedded index on the same
file, unchanged files not embedded again, an interrupted build leaves the
previous generation answering (its half-written collection deleted, now or
by the next run), a server that is down is one line naming the fix, and the
Assistant answers through it."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag import store
from rag.errors import IndexMissing, UserError
from rag.index import build, current_generation, load_chunks
from tests.conftest import CORPUS, RAG, SAMPLE
from tests.test_serve import free_port, wait_until_up

CHROMA = str(Path(sys.executable).with_name("chroma"))


def start_chroma(tmp: Path, port: int | None = None):
    port = port or free_port()
    log = tmp / f"chroma-{port}.log"
    proc = subprocess.Popen([CHROMA, "run", "--path", str(tmp / "chroma-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/api/v2/heartbeat", proc, log, seconds=60)
    return proc, url


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    proc, url = start_chroma(tmp_path_factory.mktemp("chroma"))
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server_index(base_config, chroma_url, tmp_path_factory):
    """The default corpus indexed through the server (as `built_index` is, embedded)."""
    cfg = replace(base_config, index_dir=str(tmp_path_factory.mktemp("server-index")), chroma_url=chroma_url)
    build(cfg, [str(CORPUS)], progress=False)
    return cfg


def _collections(url: str) -> set[str]:
    cfg = replace(store.Config(), chroma_url=url)
    return {c.name for c in store.server_client(cfg).list_collections()}


def test_collection_names_are_valid_for_chroma(base_config):
    gen = "gen-20240101T000000-abcdef"
    assert store.collection_name(base_config, gen) == f"transcripts-{gen}"
    for odd in ("季度 calls", "a" * 80, "..x..", "-"):
        name = store.collection_name(replace(base_config, collection=odd), gen)
        assert store.NAME_RE.match(name) and name.endswith(gen), name
    # two collections that read the same once cleaned keep apart
    assert store.collection_name(replace(base_config, collection="a b"), gen) != \
        store.collection_name(replace(base_config, collection="a-b"), gen)


def test_the_setting_from_env_file_and_flag(tmp_path, monkeypatch):
    from rag.cli import _overrides, build_parser
    from rag.config import load_config

    monkeypatch.chdir(tmp_path)
    assert load_config(env={}).chroma_url == ""  # embedded by default
    assert load_config(env={"RAG_CHROMA_URL": "http://10.0.0.10:8000"}).chroma_url == "http://10.0.0.10:8000"
    for command in ("index", "search", "ask", "serve", "remove"):
        args = build_parser().parse_args([command, *(["x"] if command in ("search", "ask", "remove") else []),
                                          "--chroma-url", "http://h:8000"])
        assert load_config(_overrides(args), env={}).chroma_url == "http://h:8000"


def test_a_server_that_is_down_is_one_line_naming_the_url_and_the_fix(base_config, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(store.ChromaUnavailable) as e:
        store.server_client(replace(base_config, chroma_url=url))
    msg = str(e.value)
    assert url in msg and "chroma run --path" in msg and "unset chroma_url" in msg and "\n" not in msg
    cfg = replace(base_config, index_dir=str(tmp_path / "index"), chroma_url=url)
    with pytest.raises(store.ChromaUnavailable, match="cannot be reached"):
        build(cfg, [str(SAMPLE)], progress=False)  # before any write
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())
    with pytest.raises(UserError, match="not a Chroma server URL"):
        store.server_client(replace(base_config, chroma_url="10.0.0.10:8000"))


@pytest.mark.slow
def test_cli_with_the_server_down_exits_with_one_line(server_index, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    env = dict(os.environ, RAG_CHROMA_URL=url)
    for args in (["search", "收入", "--index-dir", server_index.index_dir],
                 ["index", "--quiet", "--index-dir", str(tmp_path / "index"), str(SAMPLE)]):
        r = subprocess.run([RAG, *args], capture_output=True, text=True, env=env)
        lines = r.stderr.strip().splitlines()
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
        assert len(lines) == 1 and url in lines[0] and "chroma run" in lines[0], r.stderr


QUESTIONS = ["云智能集团本季度的收入是多少？", "What was Cainiao's adjusted EBITA this quarter?", "谁问了关于变现率的问题？"]


def _search(index_dir: str, question: str, env: dict) -> list[tuple]:
    r = subprocess.run([RAG, "search", question, "--top-k", "5", "--json", "--index-dir", index_dir],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return [(h["chunk_id"], h["text"]) for h in json.loads(r.stdout)["results"]]


@pytest.mark.slow
def test_search_through_the_server_gives_the_embedded_index_passages(server_index, built_index):
    gen = current_generation(Path(server_index.index_dir))
    assert not (gen / "chroma.sqlite3").exists() and (gen / store.CHUNKS_FILE).is_file()  # vectors on the server
    assert json.loads((gen / store.STORE_FILE).read_text())["collection"] in _collections(server_index.chroma_url)
    base = {k: v for k, v in os.environ.items() if k != "RAG_CHROMA_URL"}
    for q in QUESTIONS:
        theirs = _search(server_index.index_dir, q, dict(base, RAG_CHROMA_URL=server_index.chroma_url))
        ours = _search(built_index.index_dir, q, base)
        assert theirs == ours, q
    # the index's own place for its vectors is kept: embedded settings do not read it
    with pytest.raises(IndexMissing, match="keeps its vectors on the Chroma server"):
        load_chunks(replace(server_index, chroma_url=""))


def _embedded_texts(monkeypatch) -> list[str]:
    from rag.embed import E5EmbeddingFunction

    seen: list[str] = []
    real = E5EmbeddingFunction.passages

    def spy(self, texts, progress=False):
        seen.extend(texts)
        return real(self, texts, progress)

    monkeypatch.setattr(E5EmbeddingFunction, "passages", spy)
    return seen


def _vectors(cfg) -> dict[str, np.ndarray]:
    col = store.open_collection(cfg, current_generation(Path(cfg.index_dir)))
    got = col.get(include=["embeddings"])
    return dict(zip(got["ids"], got["embeddings"]))


@pytest.mark.slow
def test_reindex_copies_unchanged_vectors_and_an_interrupted_build_leaves_the_previous(
        base_config, chroma_url, tmp_path, monkeypatch):
    from rag.embed import E5EmbeddingFunction
    from rag.retrieve import Retriever

    cfg = replace(base_config, index_dir=str(tmp_path / "index"), chroma_url=chroma_url)
    same, changing = tmp_path / "same.txt", tmp_path / "changing.txt"
    shutil.copy(SAMPLE, same)
    changing.write_text(SAMPLE.read_text(encoding="utf-8").replace("星辰科技", "月光科技"), encoding="utf-8")
    s1 = build(cfg, [str(same), str(changing)], progress=False)
    gen1 = current_generation(tmp_path / "index")
    before = _vectors(cfg)
    same_ids = {c.id for c in load_chunks(cfg)[2] if c.doc == "same.txt"}
    assert s1.added == len(before) and same_ids

    seen = _embedded_texts(monkeypatch)
    changing.write_text(changing.read_text(encoding="utf-8").replace("37%", "38%"), encoding="utf-8")
    s2 = build(cfg, [str(same), str(changing)], progress=False)
    assert s2.unchanged == 1 and s2.added == s2.removed > 0
    assert len(seen) == s2.added and not any("星辰科技" in t for t in seen)  # only the changed file embedded
    after = _vectors(cfg)
    # copied from the previous collection (through JSON: equal to float32 rounding)
    assert all(np.allclose(after[i], before[i], rtol=0, atol=1e-6) for i in same_ids)
    assert any("38%" in c.text for c in load_chunks(cfg)[2])
    gen2 = current_generation(tmp_path / "index")
    names = _collections(chroma_url)
    assert store.collection_name(cfg, gen2.name) in names and store.collection_name(cfg, gen1.name) in names

    # interrupted while embedding: the previous generation keeps answering, the half-written collection goes
    def fail(self, texts, progress=False):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(E5EmbeddingFunction, "passages", fail)
    changing.write_text(changing.read_text(encoding="utf-8").replace("38%", "39%"), encoding="utf-8")
    with pytest.raises(RuntimeError, match="interrupted"):
        build(cfg, [str(changing)], progress=False)
    assert current_generation(tmp_path / "index") == gen2
    assert _collections(chroma_url) == names
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp")]
    monkeypatch.undo()
    hits = Retriever(cfg).search("智能硬件出货量增长了多少？", 3)
    assert any("38%" in h.chunk.text for h in hits)

    # killed before it could clean up: the next run deletes the folder and its collection
    monkeypatch.setattr(E5EmbeddingFunction, "passages", fail)
    monkeypatch.setattr(store, "delete_generation", lambda cfg, folder: False)
    with pytest.raises(RuntimeError):
        build(cfg, [str(changing)], progress=False)
    monkeypatch.undo()
    left = [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp-gen-")]
    orphan = json.loads((left[0] / store.STORE_FILE).read_text())["collection"]
    assert len(left) == 1 and orphan in _collections(chroma_url)
    s3 = build(cfg, [str(same), str(changing)], progress=False)
    assert s3.unchanged == 1 and orphan not in _collections(chroma_url)
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp")]
    # the generation before the last is pruned with its collection
    gen3 = current_generation(tmp_path / "index")
    assert {p.name for p in (tmp_path / "index").glob("gen-*")} == {gen2.name, gen3.name}
    assert store.collection_name(cfg, gen1.name) not in _collections(chroma_url)


@pytest.mark.slow
def test_the_assistant_answers_through_the_server(server_index):
    from rag import Assistant
    from rag.evaluation import fact_present, holds_evidence

    a = Assistant(server_index)
    ans = a.ask("云智能集团本季度的收入是多少？")
    assert not ans.refused and fact_present(["281亿"], ans.text), ans.text
    assert any(holds_evidence(c.text, "云智能集团的收入为 281 亿元人民币") for c in ans.citations), ans.text
