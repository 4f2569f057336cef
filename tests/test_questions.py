"""Reading a question: figure or statement, its content words, and the names
the calls never mention in any form (with the real corpus's knowledge)."""

import pytest

from rag.coverage import missing
from rag.questions import asks_cause, asks_figure, restates, words


@pytest.fixture(scope="module")
def knowledge(retriever):
    return retriever.knowledge


@pytest.mark.parametrize("question,figure", [
    ("What was Cainiao's revenue this quarter?", True),
    ("菜鸟的收入是多少？", True),
    ("How much did Alibaba spend on R&D?", True),
    ("How many employees does Alibaba have?", True),
    ("What share of AliExpress orders did AE Choice account for?", True),
    ("What did the CFO say about free cash flow?", False),
    ("Why did GAAP net income decline?", False),
    ("谁问了关于变现率的问题？", False),
    ("蒋凡如何看待美国市场？", False),
])
def test_a_figure_question_is_told_from_a_statement_question(question, figure):
    assert asks_figure(question) is figure


@pytest.mark.parametrize("question,figure", [
    ("What load factor did the airline guide to for the first quarter?", True),
    ("What adjusted EBITA did Cainiao post this quarter?", True),
    ("What free cash flow did Alibaba generate this quarter?", True),
    ("What new packaging goal did the company announce?", False),
    ("What track record did the CFO point to as proof that Alibaba is serious about buybacks?", False),
    ("What did the CFO say about free cash flow?", False),
    # a verb whose object is a figure, the metric named before it
    ("For 2021 free cash flow, what did Alibaba guide to, and what did it actually deliver?", True),
    ("Cainiao's revenue: what did Alibaba report this quarter?", True),
    ("What did Alibaba report about its cloud strategy?", False),  # no metric
    # an analyst's shorthand, no question word: a metric named asks for its figure
    ("UA Q4 inventory?", True),
    ("Cainiao adjusted EBITA, December quarter?", True),
    ("Cainiao IPO plans?", False),  # a plan is a statement
    ("Cloud strategy?", False),  # no metric
])
def test_a_metric_asked_as_the_object_of_what_is_a_figure_question(knowledge, question, figure):
    assert asks_figure(question, knowledge) is figure


def test_the_main_verb_of_a_question_is_no_thing_measured(knowledge):
    """"post" after "did Rocket Lab" is what the company did, not a thing (a
    post, a job) the figure's sentence must name."""
    ws = {t.text: t for t in words("What top line did Rocket Lab post for Q4 2023?", knowledge)}
    assert not ws["post"].noun
    ws = {t.text: t for t in words("How many employees does Alibaba have?", knowledge)}
    assert ws["employees"].noun


def test_cause_questions():
    assert asks_cause("What drove Cainiao's revenue growth?") and asks_cause("收入下降的原因是什么？")
    assert not asks_cause("What was Cainiao's revenue?")


def test_content_words_are_nouns_the_glossary_does_not_know_with_their_forms(knowledge):
    ws = {t.text: t for t in words("How many employees does Alibaba have?", knowledge)}
    assert set(ws) == {"employees"} and "员工" in ws["employees"].forms and ws["employees"].noun
    ws = {t.text: t for t in words("How much free cash flow did Alibaba generate?", knowledge)}
    assert not ws.get("generate") or not ws["generate"].noun  # an action, not what is measured
    ws = {t.text: t for t in words("阿里巴巴本季度的员工总人数是多少？", knowledge)}
    assert "员工" in ws and ws["员工"].attested and ws["员工"].noun
    # a word no call uses is kept, marked as such: it cannot be found in any passage
    assert any(not t.attested for t in words("What was the headcount?", knowledge))


@pytest.mark.parametrize("question", [
    "谁回答了高盛分析师关于变现率的问题？",  # the call writes Goldman Sachs
    "Which European B2B platform did Alibaba.com acquire?",  # the call writes 欧洲
    "What was Taotian's customer management revenue (CMR)?",
    "How many working days after the Chinese New Year holiday will the transcript be posted?",  # 春节
    "What was Cainiao's adjusted EBITA?", "谁问了关于变现率的问题？来自哪家机构？",
    "What did Joe Tsai say about the Freshippo and Cainiao IPOs?", "淘天集团的收入是多少？",
    # a capitalised preposition or auxiliary opening the question is no name
    "Into which new markets is Trendyol expanding?", "Besides Taobao, which units grew?",
    "Has Alibaba changed its buyback?",
])
def test_a_name_the_calls_write_another_way_is_found(knowledge, question):
    assert missing(question, knowledge) == []


@pytest.mark.parametrize("question,absent", [
    ("What was JD.com's revenue this quarter?", ["JD.com"]),
    ("腾讯本季度的净利润是多少？", ["腾讯"]),
    ("蚂蚁集团贡献了多少利润？", ["蚂蚁集团"]),
    ("What revenue guidance did Alibaba give for the March 2024 quarter?", ["guidance"]),  # the call gives none
])
def test_a_name_no_call_mentions_in_any_form_is_missing(knowledge, question, absent):
    assert missing(question, knowledge) == absent


def test_the_company_a_question_is_about_is_no_unknown_word_of_what_it_measures(knowledge):
    """"西南航空…流动性是多少？" asked of the Southwest Airlines call: the
    company's Chinese name is attested through the call it was resolved to
    (read as the coverage check reads it), not an absent measure."""
    from types import SimpleNamespace

    from rag.coverage import found_otherwise
    from rag.measures import measure_of

    english = {"西南": ["southwest"], "西南航空": []}
    k = SimpleNamespace(in_corpus=lambda w: w.lower() in {"southwest", "airlines"}, glossary=SimpleNamespace(entries=[]),
                        dictionary=SimpleNamespace(to_english=lambda ws: [e for w in ws for e in english.get(w, [])]))
    assert found_otherwise("西南航空", k, ["Southwest Airlines"])
    assert not found_otherwise("西南航空", k, ["Campbell Soup"])  # another call's company: not this name
    assert measure_of("阿里巴巴本季度的员工总人数是多少？", knowledge, known=["阿里巴巴集团"]).absent


@pytest.mark.parametrize("answer,question,names,echo", [
    ("Taotian Group's other merchant count grew strongly at Taotian[1].",
     "Besides operating merchants, which other merchant count did the CFO say grew strongly at Taotian?", [], True),
    ("Rocket Lab的Neutron火箭只从Wallops发射,而不在新西兰发射[2]。", "Rocket Lab的Neutron火箭为什么只从Wallops发射,而不在新西兰发射?",
     [], True),
    # the company asked about is no content of the answer's own
    ("高盛分析师询问了阿里巴巴集团的广告科技升级的接受度[2]。", "高盛分析师询问了哪项广告科技升级的接受度？", ["阿里巴巴集团"], True),
    # a name, a figure, a content word of its own; a yes-or-no question
    ("Toby Xu answered Kenneth Fong's question[1].", "Who answered Kenneth Fong's question?", [], False),
    ("徐宏回答了这个问题[1]。", "谁回答了这个问题？", [], False),
    ("Revenue was RMB 260 billion[1].", "What was revenue?", [], False),
    ("Verizon's effective tax rate was unchanged in Q3 2021[1].", "What was Verizon's effective tax rate in Q3 2021?",
     ["Verizon"], False),
    ("Yes, Alibaba raised its buyback by $25 billion[1].", "Did Alibaba raise its buyback by $25 billion?", [], False),
])
def test_an_answer_restating_the_question_is_told(answer, question, names, echo):
    assert restates(answer, question, names) is echo
