"""The embedder: a sentence-transformers model used with E5's prefixes.

E5 models are trained with "query: " before questions and "passage: " before
documents; leaving them out costs recall. The Chroma embedding function below
is the project's own, so Chroma never reaches for its default model (which
would try to download and fail here).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Batch size for indexing; larger batches pad more on 2 cores without speed-up.
BATCH = 16

_models: dict[str, Any] = {}
_lock = threading.Lock()


def load_model(name_or_path: str):
    """One SentenceTransformer per process and name (loading costs ~1 s)."""
    with _lock:
        if name_or_path not in _models:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()  # keep stderr for real messages

            # One thread: a query is ~20 ms either way, and the LLM needs the cores.
            torch.set_num_threads(1)
            try:
                _models[name_or_path] = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
            except OSError as e:
                from .errors import ModelMissing

                raise ModelMissing(f"embedder '{name_or_path}' could not be loaded offline ({str(e).splitlines()[0]})") from None
        return _models[name_or_path]


@register_embedding_function
class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    def __init__(self, model: str):
        self.model_name = model
        self._model = load_model(model)

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.passages(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return [self.query(q) for q in input]

    def passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._model.encode([PASSAGE_PREFIX + t for t in texts], batch_size=BATCH,
                                  normalize_embeddings=True, show_progress_bar=progress,
                                  convert_to_numpy=True)

    def query(self, text: str) -> np.ndarray:
        return self._model.encode(QUERY_PREFIX + text, normalize_embeddings=True, convert_to_numpy=True)

    @staticmethod
    def name() -> str:
        return "earnings-rag-e5"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "E5EmbeddingFunction":
        return E5EmbeddingFunction(config["model"])

    def default_space(self):
        return "cosine"
