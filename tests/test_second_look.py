"""The second looks an answer can get, with generation stubbed: which
passages the model reads again (pure logic; the real model's behaviour is
in the end-to-end tests)."""

from types import SimpleNamespace

import pytest

from rag.assistant import NO_ANSWER, PERIOD_MISMATCH, Assistant
from rag.chunking import Chunk
from rag.glossary import load
from rag.retrieve import Hit


@pytest.fixture
def assistant(base_config, monkeypatch):
    a = Assistant.__new__(Assistant)  # no model or index: these steps choose passages
    a.cfg, a.glossary = base_config, load(base_config.glossary)
    a.read = []

    def answer_again(asked, question, passages, lang, metric=True):
        a.read.append([c.text for c in passages])
        return "checked", None

    monkeypatch.setattr(a, "_answer_again", answer_again)
    return a


def P(text, i):
    return Chunk(id=f"c{i}", doc="d", text=text, start=0, end=len(text), tokens=0)


def test_no_answer_in_the_first_passages_reads_the_next_ones(assistant):
    chunks = [P(f"第{i}段：云智能集团的收入为 281 亿元人民币。" * 3, i) for i in range(5)]
    hits = [Hit(c, 1.0 / (i + 1)) for i, c in enumerate(chunks)]
    checked, reason, cited = assistant._next_passages("云智能集团收入？", hits, chunks[:2], "zh")
    assert (checked, reason) == ("checked", None)
    assert [c.id for c in cited] == ["c2", "c3", "c4"]  # the next ones in rank order, none read twice
    assert assistant.read == [[c.text for c in chunks[2:]]]
    # nothing left unread: the model's "no answer" stands
    assert assistant._next_passages("云智能集团收入？", hits, chunks, "zh") == (None, NO_ANSWER, chunks)


def test_a_figure_of_another_period_is_asked_again_without_that_periods_sentences(assistant):
    twelve = P("在截至 2023年 12月 31日止的 12个月，我们共回购了价值 95亿美元的股份。从 2024 年 1 月 1 日到 2 月 6 日，"
               "我们回购了约 14亿美元的股份。", 1)
    fiscal = P("2023 财年，股份回购达 98 亿美元，加上派息 25 亿美元，我们返还给股东的价值超过 120 亿美元。", 2)
    q = "截至2023年12月31日的12个月里，阿里巴巴回购了多少股份？"
    checked, reason, cited = assistant._period_retry(q, [twelve, fiscal], "zh")
    assert checked == "checked" and [c.id for c in cited] == ["c1"]  # the fiscal-year passage has nothing left
    assert assistant.read == [[twelve.text]]
    # only other periods' sentences: the figure asked is not in the passages
    assert assistant._period_retry(q, [fiscal], "zh") == (None, PERIOD_MISMATCH, [fiscal])


def test_numbers_for_another_metric_are_asked_again_with_the_sentences_stating_the_metric(assistant):
    cloud = P("云智能集团的收入为 281 亿元人民币，同比增长 3%。云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。", 1)
    aidc = P("阿里国际数字商业集团收入为 285 亿元人民币，同比增长 44%。", 2)
    q = "云智能集团的经调整 EBITA 是多少？"
    checked, reason, cited = assistant._focused_retry(q, [cloud, aidc], "zh")
    assert checked == "checked" and [c.id for c in cited] == ["c1"]
    assert len(assistant.read) == 1 and assistant.read[0] == ["云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。"]
    # no passage states the metric: the model reads them all, whole
    checked, reason, cited = assistant._focused_retry(q, [aidc], "zh")
    assert [c.id for c in cited] == ["c2"] and assistant.read[1] == [aidc.text]


GAAP = ("公认会计准则净利润为 107亿元人民币，同比减少 350 亿元人民币，主要归因于投资价值变动及减值：\n"
        "第一、股权投资按市值计价变动约为 190 亿元人民币。第二、无形资产摊销和减值为 146 亿元人民币。"
        "第三，商誉减值为 85亿元人民币，与优酷相关。")


@pytest.fixture
def breakdown_assistant(assistant):
    """The transcript's breakdown in two passages: the intro and first item, then the other two."""
    cut = GAAP.index("第二、")
    intro = Chunk(id="c1", doc="d", text=GAAP[:cut], start=0, end=cut, tokens=0)
    rest = Chunk(id="c2", doc="d", text=GAAP[cut:], start=cut, end=len(GAAP), tokens=0)
    assistant.retriever = SimpleNamespace(chunks=[intro, rest])
    return assistant, intro, rest


def checked(text):
    from rag.verify import Claim, Verified

    return Verified(text, [Claim(text, [1], supported=True)], [1], [], [])


def test_an_answer_leaving_out_the_items_of_a_breakdown_gets_them_from_the_source(breakdown_assistant):
    a, intro, rest = breakdown_assistant
    first = checked("净利润同比减少 350 亿元人民币，主要归因于投资价值变动及减值[1]。")
    done, cited = a._complete_breakdown("公认会计准则净利润为什么下降？", first, [intro], "zh")
    assert done.text == ("净利润同比减少 350 亿元人民币，主要归因于投资价值变动及减值[1]。分项：第一、股权投资按市值计价变动约为 "
                         "190 亿元人民币[1]；第二、无形资产摊销和减值为 146 亿元人民币[2]；第三，商誉减值为 85亿元人民币，与优酷相关[2]。")
    assert [c.id for c in cited] == ["c1", "c2"] and done.used == [1, 2]  # the items' passage is cited too
    assert a.read == []  # written from the source, not asked again
    en, _ = a._complete_breakdown("Why did GAAP net income decline?",
                                  checked("GAAP net income declined by RMB 35 billion[1]."), [intro], "en")
    assert en.text.endswith("By item: mark-to-market of RMB 19 billion[1]; amortization of intangible assets and "
                            "impairment of RMB 14.6 billion[2]; goodwill impairment of RMB 8.5 billion (Youku)[2].")


def test_no_items_for_the_figure_itself_another_figure_or_a_complete_answer(breakdown_assistant):
    a, intro, rest = breakdown_assistant
    total = checked("公认会计准则净利润为 107亿元人民币[1]。")
    assert a._complete_breakdown("公认会计准则净利润是多少？", total, [intro], "zh") == (total, [intro])
    # the breakdown is of GAAP net income, not of the non-GAAP figure asked
    assert a._complete_breakdown("非公认会计准则净利润为什么下降？", total, [intro], "zh") == (total, [intro])
    whole = checked("190 亿元人民币、146 亿元人民币和 85亿元人民币[1]。")
    assert a._complete_breakdown("公认会计准则净利润为什么下降？", whole, [rest], "zh") == (whole, [rest])
