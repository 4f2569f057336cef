"""Shared fixtures. The real models are used: `make test` provisions them
before pytest runs. A fixture that needs a model that is missing fails with
the command that fixes it, never skips silently."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CORPUS = DATA / "alibaba-2023q4-earnings-call-zh.txt"
SAMPLE = Path(__file__).parent / "data" / "sample-call-zh.txt"
RAG = str(Path(sys.executable).with_name("rag"))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def base_config():
    from rag.config import load_config

    return load_config(env={})


@pytest.fixture(scope="session")
def corpus_text() -> str:
    return CORPUS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def doc(corpus_text):
    from rag.transcript import parse

    return parse(corpus_text, CORPUS.name)


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, base_config):
    """The default corpus indexed once into a temporary index for the session."""
    from dataclasses import replace

    from rag.index import build

    d = tmp_path_factory.mktemp("index")
    cfg = replace(base_config, index_dir=str(d))
    build(cfg, [str(CORPUS)], progress=False)
    return cfg


@pytest.fixture(scope="session")
def retriever(built_index):
    from rag.retrieve import Retriever

    return Retriever(built_index)


@pytest.fixture(scope="session")
def gold():
    from rag.evaluation import load_gold

    return load_gold(ROOT / "eval" / "gold.jsonl")


def copy_corpus(tmp_path: Path, name: str = "call.txt") -> Path:
    p = tmp_path / name
    shutil.copy(CORPUS, p)
    return p
