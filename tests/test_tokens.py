from rag import tokens


def test_tiktoken_encoding_equals_llama_cpp_on_whole_transcript(base_config, corpus_text):
    from llama_cpp import Llama

    from rag.models import resolve_llm

    llm = Llama(str(resolve_llm(base_config)), vocab_only=True, verbose=False)
    ref = llm.tokenize(corpus_text.encode("utf-8"), add_bos=False, special=False)
    ours = tokens.encode(corpus_text)
    assert len(ours) > 8000
    assert ours == ref


def test_special_tokens_and_counting():
    enc = tokens.encoding()
    assert enc.encode("<|im_end|>", allowed_special="all") == [151645]
    assert tokens.count("<|im_end|>") > 1  # counted as text unless allowed
    assert tokens.count("阿里巴巴") < tokens.count("Alibaba Group Holding Limited")
