"""A log of the model's generations, replayed for the same prompt: a
development aid for evaluating changes made after generation.

At temperature 0 the model's output is a function of its prompt, so when a
change touches only what happens to an answer after it is generated (checks,
completions, citations), re-reading every question of an evaluation costs an
hour for nothing new. With `RAG_GENERATION_LOG=FILE`, each generation is
appended to FILE (keyed by a hash of the model, the prompt, the grammar and
the sampling settings); a later run asking the same thing gets the logged
output back. A prompt not in the log is generated as usual.

Off by default; never used by the chat, the CLI's answers or the tests. An
evaluation report records whether a log was in use (its timings are then not
the model's), and reported figures come from runs without one.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Iterator


class GenerationLog:
    """Generations by key, read from and appended to one JSON-lines file."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self.records: dict[str, dict] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by an interrupted run
                old = self.records.get(rec["key"])
                if old is None or rec["complete"] or not old["complete"]:
                    self.records[rec["key"]] = rec

    @staticmethod
    def key(*parts) -> str:
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def put(self, key: str, pieces: list[str], complete: bool) -> None:
        rec = {"key": key, "pieces": pieces, "complete": complete}
        with self._lock:
            old = self.records.get(key)
            if old is not None and (old["complete"] or len(old["pieces"]) >= len(pieces)):
                return
            self.records[key] = rec
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def run(self, key: str, generate) -> Iterator[str]:
        """The pieces logged for `key`, else those of `generate()` (logged as
        they come). A log of a generation its reader stopped early is
        replayed as far as it goes; a reader wanting more gets the rest from
        a new generation, its first pieces skipped (they are the same)."""
        rec = self.records.get(key)
        given = 0
        if rec is not None:
            for piece in rec["pieces"]:
                given += 1
                yield piece
            if rec["complete"]:
                return
        pieces: list[str] = []
        complete = False
        try:
            for i, piece in enumerate(generate()):
                pieces.append(piece)
                if i >= given:
                    yield piece
            complete = True
        finally:
            self.put(key, pieces, complete)


_logs: dict[str, GenerationLog] = {}
_logs_lock = threading.Lock()


def active() -> GenerationLog | None:
    """The log named by RAG_GENERATION_LOG, if any (one per file per process)."""
    path = os.environ.get("RAG_GENERATION_LOG")
    if not path:
        return None
    with _logs_lock:
        if path not in _logs:
            _logs[path] = GenerationLog(path)
        return _logs[path]
