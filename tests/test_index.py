"""The Chroma index: idempotent and incremental re-indexing, a run killed
with SIGKILL leaves the previous index usable, bad files are refused whole."""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import replace

import pytest

from rag.errors import BadInput
from rag.index import build, current_generation, load_chunks, read_manifest
from rag.library import select
from tests.conftest import CORPUS, RAG, ROOT, SAMPLE


@pytest.fixture()
def cfg(tmp_path, base_config):
    return replace(base_config, index_dir=str(tmp_path / "index"))


def test_rerun_adds_nothing_and_change_replaces_only_own_chunks(cfg, tmp_path):
    call = tmp_path / "call.txt"
    shutil.copy(CORPUS, call)
    sample = tmp_path / "sample.txt"
    shutil.copy(SAMPLE, sample)
    s1 = build(cfg, [str(call), str(sample)], progress=False)
    assert s1.documents == 2 and s1.added == s1.chunks > 60
    gen1 = current_generation(tmp_path / "index")
    s2 = build(cfg, [str(call), str(sample)], progress=False)
    assert (s2.added, s2.removed, s2.unchanged) == (0, 0, 2)
    assert current_generation(tmp_path / "index") == gen1  # nothing written
    _, _, before = load_chunks(cfg)
    call_ids = {c.id for c in before if c.doc == "call.txt"}
    sample.write_text(SAMPLE.read_text(encoding="utf-8").replace("37%", "38%"), encoding="utf-8")
    s3 = build(cfg, [str(sample)], progress=False)
    assert s3.unchanged == 0 and s3.removed == s3.added
    _, manifest, after = load_chunks(cfg)
    assert {c.id for c in after if c.doc == "call.txt"} == call_ids  # untouched
    assert any("38%" in c.text for c in after) and not any("37%" in c.text for c in after)
    assert len(manifest["docs"]) == 2


def _index_cmd(cfg, *files):
    return [RAG, "index", "--quiet", "--index-dir", cfg.index_dir, *map(str, files)]


def test_killed_run_leaves_previous_index_usable(cfg, tmp_path):
    call = tmp_path / "call.txt"
    shutil.copy(CORPUS, call)
    build(cfg, [str(call)], progress=False)
    _, _, baseline = load_chunks(cfg)
    # a larger second document so that the run is killed in different phases
    big = tmp_path / "big.txt"
    big.write_text(CORPUS.read_text(encoding="utf-8").replace("阿里巴巴", "某集团") * 3, encoding="utf-8")
    killed_at = []
    for delay in (2.0, 6.0, 9.0, 12.0):
        proc = subprocess.Popen(_index_cmd(cfg, call, big), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at.append(delay)
        proc.wait()
        _, manifest, chunks = load_chunks(cfg)  # always a complete generation
        assert {c.id for c in baseline} <= {c.id for c in chunks}
        if len(manifest["docs"]) == 2:  # a run finished: both documents complete
            assert sum(d["chunks"] for d in manifest["docs"].values()) == len(chunks)
        else:
            assert len(chunks) == len(baseline)
    assert killed_at, "no run was interrupted"
    # the next run cleans up the leftovers and completes
    assert subprocess.run(_index_cmd(cfg, call, big), capture_output=True).returncode == 0
    leftovers = [p.name for p in (tmp_path / "index").iterdir() if p.name.startswith(".tmp")]
    assert leftovers == []


def _indexed_copy(cfg, tmp_path):
    """The default call copied into tmp_path and indexed: its path and the generation."""
    call = tmp_path / "call.txt"
    shutil.copy(CORPUS, call)
    build(cfg, [str(call)], progress=False)
    return call, current_generation(tmp_path / "index")


def _cli(cfg, *files):
    return subprocess.run(_index_cmd(cfg, *files), capture_output=True, text=True)


def test_bad_inputs_are_refused_in_one_line_and_index_untouched(cfg, tmp_path):
    call, gen = _indexed_copy(cfg, tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    huge = tmp_path / "huge.txt"
    huge.write_bytes(("营收增长。" * 1_400_000).encode("utf-8"))  # ~21 MB
    cases = {
        empty: "is empty",
        binary: "binary",
        huge: "MB limit",
        tmp_path / "missing.txt": "file not found",
        tmp_path: "is a directory",
    }
    for path, message in cases.items():
        r = _cli(cfg, call, path)
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert current_generation(tmp_path / "index") == gen
    assert len(read_manifest(gen)["docs"]) == 1


def test_gb18030_file_is_decoded(cfg, tmp_path):
    gb = tmp_path / "gb.txt"
    gb.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("gb18030"))
    s = build(cfg, [str(gb)], progress=False)
    assert s.documents == 1
    _, manifest, chunks = load_chunks(cfg)
    assert next(iter(manifest["docs"].values()))["encoding"] == "gb18030"
    assert any("星辰科技" in c.text for c in chunks)


def test_read_source_rejects_undecodable(tmp_path):
    from rag.ingest import read_source

    p = tmp_path / "latin1.txt"
    p.write_bytes("Café revenue grew, naïve résumé. ".encode("latin-1") * 10)
    with pytest.raises(BadInput, match="UTF-8"):
        read_source(p)


EN_DEV = ROOT.parent / "shared" / "corpus" / "en-dev"
ROCKET = EN_DEV / "Rocket Lab Q4 2023 earnings call (speaker lines).txt"


def test_each_file_is_a_call_detected_set_by_flags_listed_and_removed(cfg, tmp_path):
    from rag.index import library, remove

    call = tmp_path / "call.txt"
    shutil.copy(CORPUS, call)
    rocket = tmp_path / ROCKET.name
    shutil.copy(ROCKET, rocket)
    s = build(cfg, [str(call), str(rocket)], progress=False)
    got = {c.company: c for c in s.calls}
    assert got["Rocket Lab USA, Inc."].ticker == "RKLB" and got["Rocket Lab USA, Inc."].period == "Q4 2023"
    assert got["阿里巴巴集团"].language == "zh" and "12月" in got["阿里巴巴集团"].period
    assert any(line.startswith("rocket-lab") and "RKLB" in line for line in s.detected())
    _, manifest, chunks = load_chunks(cfg)
    ids = {c.id for c in library(cfg)}
    assert {c.call for c in chunks} == ids  # every passage carries its call
    assert all(c.call_label.startswith("Rocket Lab") for c in chunks if c.call.startswith("rocket-lab"))
    k = next(d["knowledge"] for d in manifest["docs"].values() if d["call"]["ticker"] == "RKLB")
    assert {"Peter Beck", "Adam Spice"} <= {p["name"] for p in k["people"]} and "Cantor Fitzgerald" in k["firms"]
    # a field set by the caller replaces detection, and re-indexes the file
    s2 = build(cfg, [str(rocket)], progress=False, overrides={"company": "Rocket Lab", "period": "Q4 FY2023"})
    assert s2.added and s2.calls[0].company == "Rocket Lab" and "company" not in s2.calls[0].guessed
    assert [c.id for c in remove(cfg, ["Rocket Lab"])] == [s2.calls[0].id]
    assert [c.company for c in library(cfg)] == ["阿里巴巴集团"]
    # a transcript stating no ticker: its company's, from the data
    assert [c.ticker for c in library(cfg)] == ["BABA"] and [c.id for c in select(library(cfg), ["BABA"])]
    with pytest.raises(BadInput, match="no call matches 'Rocket'"):
        remove(cfg, ["Rocket"])


def test_a_damaged_index_is_one_line_naming_the_fix_and_rebuild_recovers(cfg, tmp_path):
    from rag.index import IndexDamaged, rebuild

    call, gen = _indexed_copy(cfg, tmp_path)
    db = gen / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[:4096])  # truncated, as a disk full or a killed copy leaves it
    with pytest.raises(IndexDamaged, match=r"is damaged .*run `rag index --rebuild`"):
        load_chunks(cfg)
    r = subprocess.run([RAG, "search", "收入", "--index-dir", cfg.index_dir], capture_output=True, text=True)
    assert r.returncode != 0 and "rag index --rebuild" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    s = rebuild(cfg, progress=False)
    assert s.documents == 1 and load_chunks(cfg)[2]
