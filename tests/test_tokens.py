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


def test_passages_fill_the_budget_and_a_passage_too_long_gives_its_best_sentence():
    from dataclasses import replace

    from rag.chunking import Chunk
    from rag.prompting import passage_block, select_passages

    def chunk(i, text):
        return Chunk(id=f"c{i}", doc="d", text=text, start=0, end=len(text), tokens=tokens.count(text))

    long1 = chunk(1, "本季度，云智能集团的收入为 281 亿元人民币，同比增长 3%。" * 6)
    long2 = chunk(2, "菜鸟的收入为 285 亿元人民币，同比增长 24%。" * 6 + "菜鸟的经调整 EBITA 为 9.61 亿元人民币。")
    budget = tokens.count(passage_block(1, long1, "zh")) + 60
    assert [c.id for c in select_passages([long1, long2], "zh", budget)] == ["c1"]
    best = replace(long2, text="菜鸟的经调整 EBITA 为 9.61 亿元人民币。")
    got = select_passages([long1, long2], "zh", budget, shorten=lambda c: best)
    assert [c.id for c in got] == ["c1", "c2"] and got[1].text == best.text
    assert sum(tokens.count(passage_block(i, c, "zh")) for i, c in enumerate(got, 1)) <= budget
    # the first passage is never shortened, and nothing is added past the budget
    assert select_passages([long2], "zh", 10, shorten=lambda c: best) == [long2]
