"""Greedy decoding under a grammar, checking the grammar on one token.

llama-cpp-python applies a grammar to the whole vocabulary (151,646 tokens
for the default model) before every greedy pick: ~0.03 s per token here,
~30% of decoding, and ~0.1 s of the answer's first character. Under greedy
decoding the result is the same when only the best token is checked: if the
grammar allows it, it is also the best allowed token; only when it does not
is the grammar applied to the whole vocabulary (llama.cpp's own sampling
code does the same). A test asserts that answers are identical both ways.
"""

from __future__ import annotations

import ctypes
import math
from functools import cache

import numpy as np


class GreedyGrammarSampler:
    """Stands in for llama-cpp-python's sampler chain (its `sample(ctx, idx)`)
    for greedy decoding with a grammar and no penalties."""

    def __init__(self, model, grammar):
        import llama_cpp
        from llama_cpp import _internals

        self._lib = llama_cpp
        # grammar, then greedy: the full path (LlamaSampler frees itself when collected)
        self.chain = _internals.LlamaSampler()
        self.chain.add_grammar(model, grammar)
        self.chain.add_greedy()
        self.grammar = llama_cpp.llama_sampler_chain_get(self.chain.sampler, 0)
        self.n_vocab = model.n_vocab()
        self.one = llama_cpp.llama_token_data()
        self.candidates = llama_cpp.llama_token_data_array(data=ctypes.pointer(self.one), size=1,
                                                           selected=-1, sorted=False)
        self.full_checks = 0  # tokens the grammar rejected: the whole vocabulary was checked

    def sample(self, ctx, idx: int) -> int:
        lib = self._lib
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        token = int(np.argmax(logits))
        self.one.id, self.one.logit, self.one.p = token, float(logits[token]), 0.0
        self.candidates.size, self.candidates.selected = 1, -1
        lib.llama_sampler_apply(self.grammar, ctypes.byref(self.candidates))
        if math.isfinite(self.one.logit):  # the grammar sets a rejected token's logit to -inf
            lib.llama_sampler_accept(self.chain.sampler, token)
            return token
        self.full_checks += 1
        return self.chain.sample(ctx, idx)  # applies the grammar to all tokens and accepts the pick


@cache
def llama_class():
    """`llama_cpp.Llama` whose greedy grammar-constrained completions use
    `GreedyGrammarSampler`; every other sampling setting is unchanged."""
    from llama_cpp import Llama

    class GrammarLlama(Llama):
        def _init_sampler(self, *, temp: float = 0.80, repeat_penalty: float = 1.0,
                          frequency_penalty: float = 0.0, presence_penalty: float = 0.0,
                          logits_processor=None, grammar=None, **kwargs):
            if (grammar is not None and temp == 0.0 and repeat_penalty == 1.0 and not frequency_penalty
                    and not presence_penalty and logits_processor is None):
                return GreedyGrammarSampler(self._model, grammar)
            return super()._init_sampler(temp=temp, repeat_penalty=repeat_penalty,
                                         frequency_penalty=frequency_penalty, presence_penalty=presence_penalty,
                                         logits_processor=logits_processor, grammar=grammar, **kwargs)

    return GrammarLlama
