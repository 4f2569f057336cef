"""The LLM: llama-cpp-python on the configured GGUF, with the chat template
stored in the file, and grammar-constrained JSON output.

One `Llama` per process: llama.cpp contexts are not safe to use from two
threads, so concurrent requests queue here, oldest first (rag/fairqueue.py).
With `llm_url` set, the same prompts and grammars go to OpenAI-compatible
completions servers instead (rag/remote_llm.py), one request per server at
a time.

Answers are the JSON object `{"answerable": <bool>, "answer": "<text>"}`, but
the model is not made to decode its fixed parts token by token (~0.12 s
each here): the prompt ends with `{ "answerable":`, the model picks ` true`
or ` false` (one token), and for true the text `, "answer": "` is appended to
the prompt (read in one batch, the rest of the prompt reused from the KV
cache) before the model writes the answer string. The first answer
character so arrives ~1 s sooner than with a schema-constrained completion.
Grammars are checked on the greedy pick only (see `sampling`).

The prompt's fixed part (instructions and worked examples, ~470 tokens,
~4 s to read here) is read once: llama.cpp reuses the KV cache only for the
prefix shared with the previous prompt, so `PrefixCache` keeps the state
after each fixed part, per language, in memory and on disk.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from . import cachefile, replay
from .config import Config
from .errors import ModelError
from .fairqueue import FairQueue
from .models import resolve_llm
from .numbers import LIST_ITEM_AFTER

# Answer first decides answerability (a boolean before the text helped the
# small model refuse), then writes the answer with [n] markers.
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answerable": {"type": "boolean"}, "answer": {"type": "string"}},
    "required": ["answerable", "answer"],
}
REWRITE_SCHEMA = {"type": "object", "properties": {"question": {"type": "string"}}, "required": ["question"]}
# Batch size for prompt processing; the whole prompt (~600 tokens) in one batch.
N_BATCH = 512
# The answer object's fixed parts, written into the prompt (see the docstring),
# spaced as the model writes them under the JSON grammar ("{", ' "', "answer",
# "able", '":'): other spacing tokenizes differently and changes its answers.
ANSWER_PREFIX = '{ "answerable":'
ANSWER_OPEN = ', "answer": "'
DECISION_GRAMMAR = 'root ::= " true" | " false"'
# The rest of a JSON string and the closing brace: the string and space rules
# of llama.cpp's JSON grammar, less "{" and "}": an answer never needs them,
# and the model sometimes wrote the object's closing " }" inside the string
# and went on with a run of markers until max_tokens.
# The answer string closes only after the end of a sentence or a marker: a
# quotation mark the model meant to open ("its "Taobao for everything"") would
# otherwise close the string and leave the answer cut in mid-sentence; held
# back, the model escapes the quote or writes a typographic one.
ANSWER_ENDS = r".!?)\]”…"
_STRING_REST = r'''root ::= (char* end)? "\"" space "}"
end ::= [ENDS]
space ::= | " " | "\n" [ \t]{0,20}
char ::= [^"\\\x7F\x00-\x1F{}EXCLUDE] | "\\" (["\\/bfnrt] UNICODE)
hex ::= [0-9a-fA-F]
'''
STRING_REST_GRAMMAR = (_STRING_REST.replace("EXCLUDE", "").replace("UNICODE", '| "u" hex hex hex hex')
                       .replace("ENDS", ANSWER_ENDS + "。！？）"))
# For an English answer also no Chinese characters or full-width punctuation:
# the model otherwise leaves words it does not know how to translate in
# Chinese ("cross-border logistics 履约 solutions") and writes "281亿" for an
# amount instead of the English rendering annotated in the passage. Names
# get their Chinese in parentheses after generation (verify.english_only).
# No "\\uXXXX" escapes either, which could spell the same characters.
NO_CJK = r"\u3000-\u303F\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF"
ENGLISH_STRING_REST_GRAMMAR = (_STRING_REST.replace("EXCLUDE", NO_CJK).replace("UNICODE", "")
                               .replace("ENDS", ANSWER_ENDS))


def english_string_grammar(names: tuple[str, ...] = ()) -> str:
    """The English answer grammar, letting through these Chinese names whole.
    Held back from a name it would copy from a passage, the model has to make
    up an English one ("Taobao Mall" for 天猫); written in Chinese, the name is
    replaced after generation by its glossary English (verify.english_only)."""
    if not names:
        return ENGLISH_STRING_REST_GRAMMAR
    alternatives = " | ".join(json.dumps(n, ensure_ascii=False) for n in sorted(set(names)))
    return ENGLISH_STRING_REST_GRAMMAR.replace("char ::= ", "char ::= name | ", 1) + f"name ::= {alternatives}\n"


# Fixed prompt parts whose state is kept in memory: one per answer language
# and for the follow-up rewrites, 4-13 MB each.
PREFIX_STATES = 6


class PrefixCache:
    """The llama.cpp state after reading each recent fixed prompt part (the
    instructions and worked examples), restored before a prompt that starts
    with it when the context holds something else; llama-cpp-python then
    evaluates only the tokens after the shared prefix.

    States are also written to `directory` (one file per prefix, named by a
    hash of the model, the library version, the context size and the
    tokens, with a checksum inside), so a new process (`rag ask`) does not
    read the prefix again either. A file that does not load is ignored."""

    def __init__(self, llama, directory: Path | None = None, tag: str = "", max_states: int = PREFIX_STATES):
        self.llama = llama
        self.directory = directory
        self.tag = tag
        self.max_states = max_states
        self.states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

    def _tokens(self, text: str) -> list[int]:
        return self.llama.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    def prepare(self, prompt: str, fixed_part: str) -> None:
        """Make the context hold the part of `prompt` it shares with
        `fixed_part`. Only speed depends on this: llama-cpp-python checks the
        prefix itself."""
        full, fixed = self._tokens(prompt), self._tokens(fixed_part)
        n = 0
        while n < min(len(full), len(fixed)) and full[n] == fixed[n]:
            n += 1
        if n == 0:
            return
        key = tuple(full[:n])
        llama = self.llama
        if tuple(llama.input_ids[: min(n, llama.n_tokens)].tolist()) == key:
            return  # already in the context
        if key in self.states:
            self.states.move_to_end(key)
            if self._load(key, self.states[key]):
                return
        state = self._read(key)
        if state is None or not self._load(key, state):
            llama.reset()
            llama.eval(list(key))
            state = self._save()
            self._write(key, state)
        self.states[key] = state
        while len(self.states) > self.max_states:
            self.states.popitem(last=False)

    def _path(self, key: tuple[int, ...]) -> Path | None:
        if self.directory is None:
            return None
        h = hashlib.sha256((self.tag + ":" + ",".join(map(str, key))).encode()).hexdigest()[:24]
        return self.directory / f"{h}.state"

    def _read(self, key) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes() if path else None
        except OSError:
            return None
        if not data or len(data) < 32 or hashlib.sha256(data[32:]).digest() != data[:32]:
            return None
        return data[32:]

    def _write(self, key, state: bytes) -> None:
        path = self._path(key)
        if path is None:
            return
        cachefile.write(path, hashlib.sha256(state).digest() + state)

    def _save(self) -> bytes:
        # Llama.save_state also copies the score matrix (n_batch x vocab, ~300 MB):
        # the context's own state is enough here.
        import llama_cpp

        ctx = self.llama._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(ctx, buf, size)
        return bytes(buf)[:n]

    def _load(self, key: tuple[int, ...], state: bytes) -> bool:
        import llama_cpp

        buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if llama_cpp.llama_state_set_data(self.llama._ctx.ctx, buf, len(state)) != len(state):
            self.llama.reset()
            return False
        self.llama.input_ids[: len(key)] = key
        self.llama.n_tokens = len(key)
        self.llama._requires_eval = True
        return True


@dataclass
class GenStats:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_s: float | None = None
    total_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        if self.first_token_s is None or self.completion_tokens < 2:
            return 0.0
        decode = self.total_s - self.first_token_s
        return (self.completion_tokens - 1) / decode if decode > 0 else 0.0


def chat_formatter(llama, path: Path):
    """The chat template stored in the GGUF, as llama-cpp-python applies it."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError(f"{path.name} has no chat template; use an instruction-tuned GGUF that stores one")
    token_text = llama._model.token_get_text
    return Jinja2ChatFormatter(template=template, eos_token=token_text(llama.token_eos()),
                               bos_token=token_text(llama.token_bos()) if llama.token_bos() != -1 else "")


class AnswerModel:
    """The answer format (decision, then the answer string under its grammar),
    the schema-constrained completions and the queue for the model, over a
    completion engine. Two engines give `_complete`: the in-process llama.cpp
    (`LLM`, below) and OpenAI-compatible completions servers (`RemoteLLM`,
    rag/remote_llm.py). Both are sent the same raw prompt, built here with the
    GGUF's chat template, and the same GBNF grammars, so the answer path and
    every check after it do not know which one answered.

    Error it exists for: a second copy of this flow for a server would drift
    from the first (a prompt spaced differently changes the model's answers)."""

    path: Path
    cfg: Config
    lock: FairQueue  # the engine's slots, granted oldest request first
    chat_format: object
    _vocab: object  # a llama_cpp.Llama holding at least the GGUF's vocabulary

    @property
    def name(self) -> str:
        return self.path.name

    def count_tokens(self, text: str) -> int:
        return len(self._vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    # ----------------------------------------------------------- engine
    def _complete(self, slot: int, prompt: str, *, max_tokens: int, temperature: float, grammar: str | None,
                  stream: bool, stop: list[str] | None = None) -> Iterator[str]:
        """The text pieces of one completion of `prompt` on `slot`."""
        raise NotImplementedError

    def _prepare(self, slot: int, messages: list[dict], prompt: str | None = None) -> None:
        """Make the engine hold the fixed turns' state (speed only)."""

    def _warm(self, slot: int, messages: list[dict]) -> None:
        self._prepare(slot, messages)

    # ----------------------------------------------------------- queue
    def _fixed_key(self, messages: list[dict]) -> str | None:
        """The fixed turns before the question: a slot that read them last is preferred."""
        if len(messages) < 2:
            return None
        return hashlib.sha256(json.dumps(messages[:-1], ensure_ascii=False).encode()).hexdigest()[:16]

    @contextmanager
    def _use(self, stats: GenStats, key: str | None = None) -> Iterator[tuple[float, int]]:
        """Hold a slot of the model for one generation; on leaving (also when
        the caller stops early) record the total time and the trace."""
        slot = self.lock.acquire(key)
        try:
            t0 = time.perf_counter()
            wall0 = time.time()
            try:
                yield t0, slot
            finally:
                stats.total_s = time.perf_counter() - t0
                _trace(wall0, time.time(), slot)
        finally:
            self.lock.release(slot)

    def warm(self, messages: list[dict]) -> None:
        """Read and keep the fixed turns of `messages` now (see PrefixCache)."""
        with self.lock.slot(self._fixed_key(messages)) as slot:
            self._warm(slot, messages)

    # ----------------------------------------------------------- completions
    def stream_json(self, messages: list[dict], schema: dict, max_tokens: int,
                    stats: GenStats | None = None) -> Iterator[str]:
        """Yield raw JSON text pieces of a schema-constrained chat completion."""
        stats = stats if stats is not None else GenStats()
        yield from self._logged(("json", max_tokens, schema, messages), stats,
                                lambda: self._stream_json(messages, schema, max_tokens, stats))

    def _stream_json(self, messages: list[dict], schema: dict, max_tokens: int, stats: GenStats) -> Iterator[str]:
        """As llama-cpp-python's chat completion with a JSON schema does it:
        the templated prompt, the schema's grammar, the end-of-turn text as stop."""
        prompt = self.chat_format(messages=messages).prompt
        with self._use(stats, self._fixed_key(messages)) as (t0, slot):
            self._prepare(slot, messages, prompt)
            out = self._complete(slot, prompt, max_tokens=max_tokens, temperature=self.cfg.temperature,
                                 grammar=schema_grammar(json.dumps(schema)), stream=True,
                                 stop=[self.chat_format.eos_token])
            yield from _counted(out, stats, t0)

    def stream_answer(self, messages: list[dict], max_tokens: int, stats: GenStats | None = None,
                      lang: str = "zh", names: tuple[str, ...] = ()) -> Iterator[str]:
        """Yield the raw JSON text of `{"answerable": .., "answer": ".."}` (see the
        module docstring): the fixed parts at once, the answer as it is decoded,
        in English (`lang="en"`) without Chinese characters other than `names`.
        `stats.first_token_s` is the time to the first character of the answer."""
        stats = stats if stats is not None else GenStats()
        yield from self._logged(("answer", max_tokens, lang, sorted(set(names)), messages), stats,
                                lambda: self._stream_answer(messages, max_tokens, stats, lang, names))

    def _logged(self, what: tuple, stats: GenStats, generate) -> Iterator[str]:
        """`generate()`'s pieces, or those a generation log holds for the same
        request (rag/replay.py; off unless RAG_GENERATION_LOG is set)."""
        log = replay.active()
        if log is None:
            yield from generate()
            return
        t0 = time.perf_counter()
        key = log.key(self.name, self.cfg.n_ctx, self.cfg.temperature, *what)
        for piece in log.run(key, generate):
            if stats.first_token_s is None:
                stats.first_token_s = time.perf_counter() - t0
            yield piece
        stats.total_s = stats.total_s or time.perf_counter() - t0

    def _answer_grammar(self, lang: str, names: tuple[str, ...]) -> str:
        return english_string_grammar(names) if lang == "en" else STRING_REST_GRAMMAR

    def _stream_answer(self, messages: list[dict], max_tokens: int, stats: GenStats, lang: str,
                       names: tuple[str, ...]) -> Iterator[str]:
        prompt = self.chat_format(messages=messages).prompt + ANSWER_PREFIX
        with self._use(stats, self._fixed_key(messages)) as (t0, slot):
            self._prepare(slot, messages, prompt)
            decision = self._decide(slot, prompt)
            if decision.strip() != "true":
                yield answer_json(False, "")
                return
            yield ANSWER_PREFIX + " true" + ANSWER_OPEN
            out = self._complete(slot, prompt + " true" + ANSWER_OPEN, max_tokens=max_tokens,
                                 temperature=self.cfg.temperature, grammar=self._answer_grammar(lang, names),
                                 stream=True)
            yield from _counted(out, stats, t0)

    def _decide(self, slot: int, prompt: str) -> str:
        """" true" or " false" after the prompt. Both are single tokens here,
        so one token is normally enough; should the model start with a part
        (" t"), the decision is decoded again with room for the rest."""
        for max_tokens in (1, 3):
            decision = "".join(self._complete(slot, prompt, max_tokens=max_tokens, temperature=0.0,
                                              grammar=DECISION_GRAMMAR, stream=False))
            if decision.strip() in ("true", "false"):
                break
        return decision

    def complete_json(self, messages: list[dict], schema: dict, max_tokens: int) -> dict:
        raw = "".join(self.stream_json(messages, schema, max_tokens))
        return parse_json(raw)


@lru_cache(maxsize=16)
def schema_grammar(schema_json: str) -> str:
    """The GBNF grammar llama-cpp-python builds for a JSON schema."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(schema_json)


_instances: dict[tuple, "AnswerModel"] = {}
_instances_lock = threading.Lock()


def shared_llm(cfg: Config) -> AnswerModel:
    """The process's model for this configuration: the LLM servers of
    `llm_url` when set, else the in-process llama.cpp."""
    if cfg.llm_url:
        from .remote_llm import RemoteLLM

        return RemoteLLM.shared(cfg)
    return LLM.shared(cfg)


class LLM(AnswerModel):
    """The in-process engine: one llama.cpp context (not safe to use from two
    threads: one slot), its fixed prompt parts' states kept (PrefixCache),
    greedy grammar sampling checked on the best token (rag/sampling.py)."""

    def __init__(self, cfg: Config):
        from .sampling import llama_class

        self.path: Path = resolve_llm(cfg)
        self.cfg = cfg
        self.lock = FairQueue(1)
        self.llama = llama_class()(model_path=str(self.path), n_ctx=cfg.n_ctx, n_threads=cfg.threads,
                                   n_threads_batch=cfg.threads, n_batch=N_BATCH, verbose=False)
        self._vocab = self.llama
        self.chat_format = chat_formatter(self.llama, self.path)
        self._grammars: dict[str, object] = {}  # parsed, by their text
        import llama_cpp

        stat = self.path.stat()
        self.prefixes = PrefixCache(self.llama, Path(cfg.cache_dir) / "prompt-states",
                                    f"{self.path.name}:{stat.st_size}:{llama_cpp.__version__}:{cfg.n_ctx}:{N_BATCH}")

    @classmethod
    def shared(cls, cfg: Config) -> "LLM":
        key = (str(resolve_llm(cfg)), cfg.n_ctx, cfg.threads)
        with _instances_lock:
            if key not in _instances:
                _instances[key] = cls(cfg)
            return _instances[key]

    def _grammar(self, text: str):
        if text not in self._grammars:
            from llama_cpp import LlamaGrammar

            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]

    def _complete(self, slot: int, prompt: str, *, max_tokens: int, temperature: float, grammar: str | None,
                  stream: bool, stop: list[str] | None = None) -> Iterator[str]:
        out = self.llama.create_completion(prompt, max_tokens=max_tokens, temperature=temperature, stream=stream,
                                           stop=stop or [], grammar=self._grammar(grammar) if grammar else None)
        if not stream:
            return iter([out["choices"][0]["text"]])
        return (c["choices"][0]["text"] for c in out)

    def _prepare(self, slot: int, messages: list[dict], prompt: str | None = None) -> None:
        """The fixed turns before the question (system prompt, worked examples)
        are the prefix whose state is kept."""
        if len(messages) > 1:
            prompt = prompt or self.chat_format(messages=messages).prompt
            self.prefixes.prepare(prompt, self.chat_format(messages=messages[:-1]).prompt)

    def _stream_json(self, messages: list[dict], schema: dict, max_tokens: int, stats: GenStats) -> Iterator[str]:
        with self._use(stats, self._fixed_key(messages)) as (t0, slot):
            self._prepare(slot, messages)
            out = self.llama.create_chat_completion(
                messages=messages, temperature=self.cfg.temperature, max_tokens=max_tokens, stream=True,
                response_format={"type": "json_object", "schema": schema},
            )
            yield from _counted((c["choices"][0]["delta"].get("content") for c in out), stats, t0)


def answer_json(answerable: bool, answer: str) -> str:
    """The whole answer object, spaced as the model writes it (the worked
    examples in the prompt and a refusal are written with it)."""
    return (ANSWER_PREFIX + (" true" if answerable else " false") + ANSWER_OPEN[:-1]
            + json.dumps(answer, ensure_ascii=False) + " }")


def _counted(pieces: Iterator[str | None], stats: GenStats, t0: float) -> Iterator[str]:
    """The non-empty decoded pieces, counted, the first one timed from t0.
    Stopped early, it closes the completion before the model's slot is
    released (a server's stream is cut, so the server stops generating)."""
    try:
        for piece in pieces:
            if piece:
                if stats.first_token_s is None:
                    stats.first_token_s = time.perf_counter() - t0
                stats.completion_tokens += 1
                yield piece
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def _trace(start: float, end: float, slot: int = 0) -> None:
    """With RAG_LLM_TRACE=FILE, record each use of the model (start, end, pid,
    slot): the concurrency tests read it to prove no two uses of a slot overlap."""
    path = os.environ.get("RAG_LLM_TRACE")
    if path:
        with open(path, "a") as f:
            f.write(f"{start:.6f} {end:.6f} {os.getpid()} {slot}\n")


def parse_json(raw: str) -> dict:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        # cut off by max_tokens: close the string and the object
        fixed = raw.rstrip()
        if fixed.count('"') % 2:
            fixed += '"'
        try:
            return json.loads(fixed + "}")
        except json.JSONDecodeError:
            return {}


SENTENCE_END_RE = re.compile(r"[。！？!?]|\.\s")
# A list item's number ("areas: 1. Supply", "…needs[1]. 2. Price") ends no sentence.
LIST_NUMBER_RE = re.compile(r"(?:^|" + LIST_ITEM_AFTER + r")\s*\d{1,2}(?:\[\d+\])*\.\s")
# Greedy decoding sometimes falls into a loop ("the loss of the main business,
# which includes the loss of the main business, which includes ..."): when the
# last LOOP_CHARS characters of the answer already occurred twice in it, it is
# looping. Once is a sentence naming a thing twice, as comparisons do ("sales
# for Q4 were 15% higher than the reported comparable restaurant sales for
# Q3"), cut at the repeat into "comparable restaurant sales for." otherwise.
LOOP_CHARS = 32
LOOP_REPEATS = 2
CLAUSE_END_RE = re.compile(r"[，,；;。!?！？]|\.(?!\d)")


def looping(text: str, n: int = LOOP_CHARS) -> bool:
    return len(text) >= 2 * n and text[:-n].count(text[-n:]) >= LOOP_REPEATS


def whole_sentences(text: str) -> str:
    """`text` up to the end of its last complete sentence: an answer stopped
    at the sentence cap holds the first word of the next one ("...a good
    recovery[1]. We"), since an English sentence is known to end only at
    the space after its full stop."""
    list_ends = {m.end() for m in LIST_NUMBER_RE.finditer(text)}
    ends = [m.end() for m in SENTENCE_END_RE.finditer(text) if m.end() not in list_ends]
    return text[: max(ends)].rstrip() if ends else text


def cut_loop(text: str, n: int = LOOP_CHARS) -> str:
    """A looping answer up to the end of the clause where the repeated text
    first appears."""
    if looping(text, n):
        first = text.find(text[-n:])
        m = CLAUSE_END_RE.search(text, first + n)
        text = text[: m.start()] if m else text[: first + n]
    text = text.rstrip(" ，,；;")
    if text.endswith(("。", ".", "!", "?", "！", "？")):
        return text
    return text + ("。" if re.search(r"[\u4e00-\u9fff]", text) else ".")


class AnswerFieldStreamer:
    """Turns the streamed JSON `{"answerable": .., "answer": "..."}` into the
    increments of the answer text, decoding JSON string escapes on the way."""

    _START = re.compile(r'"answer"\s*:\s*"')

    def __init__(self):
        self.raw = ""
        self.answer = ""  # the decoded answer text so far

    def sentences(self) -> int:
        """Complete sentences in the answer so far (a '.' counts once followed
        by a space, and not after a list item's number)."""
        return len(SENTENCE_END_RE.findall(self.answer)) - len(LIST_NUMBER_RE.findall(self.answer))

    def text(self) -> str:
        return self.answer

    def feed(self, piece: str) -> str:
        """Add a raw piece; return the answer text it completes."""
        self.raw += piece
        m = self._START.search(self.raw)
        if not m:
            return ""
        decoded = _decode_partial(self.raw[m.end():])
        new = decoded[len(self.answer):]
        self.answer = decoded
        return new


def _decode_partial(body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == '"':
            break
        if ch == "\\":
            if i + 1 >= len(body):
                break
            nxt = body[i + 1]
            if nxt == "u":
                if i + 6 > len(body):
                    break
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "r": "", "b": "", "f": ""}.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
