"""What the model reads: for an English question, passages with the names
the glossary knows written in English and each Chinese amount followed by
its English rendering; a Chinese question's passages as they are."""

import pytest

from rag.chunking import Chunk
from rag.glossary import load
from rag.prompting import english_names, passage_block
from rag.cleanup import english_only


@pytest.fixture(scope="module")
def glossary(base_config):
    return load(base_config.lexicon, base_config.glossary)


LSG = "本地生活集团的收入同比增长 13%至 152 亿元人民币，主要由饿了么的健康增长和高德的快速增长所推动。"


def test_names_are_written_in_english_spaced_like_latin_words(glossary):
    assert english_names(LSG, glossary) == ("Local Services Group 的收入同比增长 13%至 152 亿元人民币，主要由 Ele.me "
                                            "的健康增长和 Amap 的快速增长所推动。")
    # no space next to punctuation
    assert english_names("吴泳铭说，高鑫零售的业务", glossary) == "Eddie Wu 说，Sun Art Retail 的业务"


def test_the_longest_name_is_read_first(glossary):
    assert (english_names("以支持速卖通 Choice的增长，作为速卖通的合作伙伴。", glossary)
            == "以支持 AliExpress Choice 的增长，作为 AliExpress 的合作伙伴。")


def test_text_without_a_known_name_is_unchanged(glossary):
    text = "我们认为影响比较有限。Lazada 一直遵守当地法规。"
    assert english_names(text, glossary) == text


def test_only_an_english_questions_passages_are_rendered_in_english(glossary):
    c = Chunk(id="c", doc="d", text=LSG, start=0, end=len(LSG), tokens=0, section="财务业绩", speaker="徐宏")
    en = passage_block(1, c, "en", glossary)
    assert "和 Amap 的快速增长" in en and "152 亿元人民币 (= RMB 15.2 billion)" in en
    assert "高德" not in en and en.startswith("[1] ") and "Toby" in en.splitlines()[0]
    zh = passage_block(1, c, "zh", glossary)
    assert LSG in zh and "Amap" not in zh and "(=" not in zh


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_of_the_worked_examples_is_in_their_passages(base_config, lang):
    """The examples show verified answers: an amount or share the passages
    lack would teach the model to write one."""
    from rag import numbers as num
    from rag.prompting import example_turns

    turns = example_turns(base_config.prompts_dir, lang)
    passages = num.extract(turns[0][0])
    answers = [a for _, a in turns if '"answerable": true' in a]
    assert len(answers) >= 6
    for a in answers:
        for n in num.extract(a):
            if n.kind in ("amount", "percent"):
                assert num.find_match(n, passages), (n.text, a)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_worked_examples_list_the_names_they_invent(base_config, corpus_text, lang):
    """Every person, firm and company the examples name is listed (an answer
    carrying one over is cleaned, verify.drop_invented_names), and none of
    them is a name the transcript uses."""
    import json
    import re
    from pathlib import Path

    from rag.prompting import invented_names

    names = invented_names(base_config.prompts_dir, lang)
    assert len(names) >= 8
    raw = json.loads((Path(base_config.prompts_dir) / f"examples_{lang}.json").read_text(encoding="utf-8"))
    examples = raw["passages"] + json.dumps(raw["turns"], ensure_ascii=False)
    assert all(n in examples and n not in corpus_text for n in names)
    if lang == "en":  # every capitalised name of the examples is listed (the Q&A header words aside)
        rest = examples
        for n in names:
            rest = rest.replace(n, "")
        capitalised = set(re.findall(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b", rest))
        assert capitalised <= {"Southeast Asia"}, capitalised


def test_a_common_phrase_among_a_names_variants_is_written_as_its_own_english(glossary):
    # "国际业务" is AIDC's business in general, "大模型" a large model, not Tongyi Qianwen itself
    assert english_names("对速卖通 Choice和 Trendyol的国际业务的投入增加", glossary) == \
        "对 AliExpress Choice 和 Trendyol的 international business 的投入增加"
    assert "Tongyi Qianwen" in english_names("通义千问大模型", glossary)
    assert english_names("通义千问大模型", glossary).count("Tongyi Qianwen") == 1
    assert english_names("阿里国际数字商业集团", glossary) == "Alibaba International Digital Commerce Group"
    assert english_only("We invest in 国际业务.", glossary) == "We invest in international business."


def test_the_call_is_named_once_when_every_passage_comes_from_it(base_config):
    """A label repeated on every header crowds out the speaker line; passages
    of several calls each keep theirs."""
    from rag.prompting import answer_messages

    a = Chunk(id="a", doc="d", text="Revenue was $5 billion.", start=0, end=0, tokens=0, section="Q&A", speaker="Jane Roe",
              firm="Acme Securities", call="acme-q1", call_label="Acme · Q1 2024", lang="en")
    b = Chunk(id="b", doc="d", text="Margin was 20%.", start=0, end=0, tokens=0, call="acme-q1", call_label="Acme · Q1 2024", lang="en")
    user = answer_messages(base_config.prompts_dir, "Who asked?", [a, b], "en")[-1]["content"]
    assert user.startswith("All passages are from the call: Acme · Q1 2024\n\n[1] Q&A · Jane Roe")
    assert user.count("Acme · Q1 2024") == 1
    c = Chunk(id="c", doc="e", text="Margin was 30%.", start=0, end=0, tokens=0, call="beta-q1", call_label="Beta · Q1 2024", lang="en")
    user = answer_messages(base_config.prompts_dir, "Compare margins", [b, c], "en")[-1]["content"]
    assert user.startswith("[1] Acme · Q1 2024\n") and "[2] Beta · Q1 2024\n" in user
    zh = answer_messages(base_config.prompts_dir, "谁问的？", [a, b], "zh")[-1]["content"]
    assert zh.startswith("以下资料均来自电话会：Acme · Q1 2024")
