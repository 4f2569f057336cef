"""The second looks an answer can get, without the model: which passages the
model reads again, and when the calls are said not to state the figure
(pure logic; the real model's behaviour is in the end-to-end tests)."""

from dataclasses import dataclass

import pytest

from rag.answer.records import Draft, Evidence, Refuse, Retry
from rag.answer.stages.measure import CheckMeasure
from rag.answer.stages.read import ReadAnswer
from rag.chunking import Chunk
from rag.config import Config
from rag.knowledge import Knowledge
from rag.retrieve import Hit


@dataclass
class Ctx:
    cfg: Config
    knowledge: Knowledge
    invented: dict = None
    retriever: object = None  # the library's calls (the measure check reads their companies)

    @property
    def glossary(self):
        return self.knowledge.glossary


@pytest.fixture(scope="module")
def ctx(base_config, retriever):
    return Ctx(base_config, retriever.knowledge, {}, retriever)


def P(text, i):
    return Chunk(id=f"c{i}", doc="d", text=text, start=0, end=len(text), tokens=0)


def draft(question, passages, hits, text="", answerable=True, lang="zh"):
    return Draft(Evidence(question=question, lang=lang, passages=list(passages), hits=[Hit(c, 1.0) for c in hits]),
                 text=text, answerable=answerable)


def test_no_answer_in_the_first_passages_reads_the_next_ones(ctx):
    chunks = [P(f"第{i}段：云智能集团的收入为 281 亿元人民币。" * 3, i) for i in range(5)]
    out = ReadAnswer(ctx).run(draft("云智能集团收入？", chunks[:2], chunks, answerable=False))
    assert isinstance(out, Retry) and [c.id for c in out.evidence.passages][:1] == ["c2"]
    assert not {c.id for c in out.evidence.passages} & {"c0", "c1"}  # none read twice
    # nothing left unread: the model's "no answer" stands
    assert isinstance(ReadAnswer(ctx).run(draft("云智能集团收入？", chunks, chunks, answerable=False)), Refuse)


def test_an_answer_restating_the_question_is_asked_again_once_told_to_state_what_is_asked(ctx):
    chunks = [P("同时，付费商家的数量也增长强劲。", 0)]
    q = "除了经营商家，首席财务官说淘天哪类商家的数量也增长强劲？"
    echo = draft(q, chunks, chunks, text="首席财务官说淘天的商家数量也增长强劲[1]。")
    out = ReadAnswer(ctx).run(echo)
    assert isinstance(out, Retry) and out.evidence.passages == chunks and "复述" in out.evidence.prompt_question
    # restated again under the hint: asked again, and with no retry left the pipeline refuses it
    again = Draft(out.evidence, text=echo.text, answerable=True)
    assert isinstance(ReadAnswer(ctx).run(again), Retry)
    # an answer adding what is asked stands
    told = draft(q, chunks, chunks, text="付费商家的数量也增长强劲[1]。")
    assert ReadAnswer(ctx).run(told).text == "付费商家的数量也增长强劲[1]。"
    # a yes-or-no question is answered by restating it
    yes = draft("淘天的付费商家数量是否增长强劲？", chunks, chunks, text="淘天的付费商家数量增长强劲[1]。")
    assert not isinstance(ReadAnswer(ctx).run(yes), Retry)


TWELVE = P("在截至 2023年 12月 31日止的 12个月，我们共回购了价值 95亿美元的股份。从 2024 年 1 月 1 日到 2 月 6 日，"
           "我们回购了约 14亿美元的股份。", 1)
FISCAL = P("2023 财年，股份回购达 98 亿美元，加上派息 25 亿美元，我们返还给股东的价值超过 120 亿美元。", 2)
CLOUD = P("云智能集团的收入为 281 亿元人民币，同比增长 3%。云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。", 3)
AIDC = P("阿里国际数字商业集团收入为 285 亿元人民币，同比增长 44%。", 4)
CAINIAO = P("菜鸟的经调整 EBITA 为 9.61 亿元人民币，去年同一季度则为亏损 1200 万元人民币。", 5)


def test_a_figure_of_another_period_is_asked_again_from_the_sentences_of_the_period_asked(ctx):
    q = "截至2023年12月31日的12个月里，阿里巴巴回购了多少股份？"
    out = CheckMeasure(ctx).run(draft(q, [TWELVE, FISCAL], [TWELVE, FISCAL], "阿里巴巴回购了价值 98 亿美元的股份[2]。"))
    assert isinstance(out, Retry)
    # the fiscal year's passage has nothing left; a sentence naming no period stays
    assert [c.id for c in out.evidence.passages] == ["c1"] and "98" not in out.evidence.passages[0].text
    assert out.evidence.prompt_question.startswith(q)  # the measure is named in the prompt
    assert isinstance(CheckMeasure(ctx).run(draft(q, [TWELVE], [TWELVE], "回购了价值 95亿美元的股份[1]。")), Draft)


def test_numbers_for_another_metric_are_asked_again_with_the_sentences_stating_the_metric(ctx):
    q = "云智能集团的经调整 EBITA 是多少？"
    out = CheckMeasure(ctx).run(draft(q, [CLOUD, AIDC], [CLOUD, AIDC], "云智能集团的经调整 EBITA 为 281 亿元人民币[1]。"))
    assert isinstance(out, Retry) and [c.text for c in out.evidence.passages] == [
        "云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。"]
    assert isinstance(CheckMeasure(ctx).run(draft(q, [CLOUD], [CLOUD], "为 24 亿人民币[1]。")), Draft)


@pytest.mark.parametrize("question,answer,lang", [
    # a measure no retrieved sentence states: the nearest figure is of something else
    ("阿里巴巴本季度在研发上投入了多少亿元？", "阿里巴巴在研发上投入了 9.61 亿元人民币[1]。", "zh"),
    ("How much did Alibaba spend on R&D this quarter?", "Alibaba spent RMB 961 million on R&D[1].", "en"),
    ("阿里巴巴本季度的员工总人数是多少？", "员工总人数为 1200 万人[1]。", "zh"),
    ("How many employees does Alibaba have?", "Alibaba has 12 million employees[1].", "en"),
    ("What was Cloud Intelligence Group's free cash flow?", "It was RMB 28.1 billion[1].", "en"),
])
def test_a_figure_the_calls_do_not_state_is_refused_not_replaced(ctx, question, answer, lang):
    out = CheckMeasure(ctx).run(draft(question, [CAINIAO, CLOUD], [CAINIAO, CLOUD], answer, lang=lang))
    assert isinstance(out, Refuse), out


def test_a_figure_question_answered_without_a_figure_is_not_answered(ctx):
    """"The effective tax rate was unchanged": the call said its guidance for
    the rate was; a rate it never gives is refused, not answered in words."""
    q = "What was Cainiao's effective tax rate this quarter?"
    out = CheckMeasure(ctx).run(draft(q, [CAINIAO, CLOUD], [CAINIAO, CLOUD], "Cainiao's effective tax rate was unchanged[1].",
                                      lang="en"))
    assert isinstance(out, Refuse), out
    # a figure said in words stands when its passage is about what was asked
    q = "How much did Cainiao's revenue grow?"
    said = draft(q, [CAINIAO], [CAINIAO], "Cainiao's revenue grew by double digits[1].", lang="en")
    assert isinstance(CheckMeasure(ctx).run(said), Draft)
    # no figure, but a sentence states one: asked again from it
    out = CheckMeasure(ctx).run(draft("What was Cainiao's adjusted EBITA?", [CAINIAO, CLOUD], [CAINIAO, CLOUD],
                                      "Cainiao's adjusted EBITA improved[1].", lang="en"))
    assert isinstance(out, Retry) and "9.61" in out.evidence.passages[0].text


def test_the_figure_asked_stands_in_either_language(ctx):
    for q, a, lang in [("菜鸟的经调整 EBITA 是多少？", "菜鸟的经调整 EBITA 为 9.61 亿元人民币[1]。", "zh"),
                       ("What was Cainiao's adjusted EBITA?", "Cainiao's adjusted EBITA was RMB 961 million[1].", "en"),
                       ("How much did AIDC's revenue grow?", "AIDC's revenue grew 44%[2].", "en")]:
        assert isinstance(CheckMeasure(ctx).run(draft(q, [CAINIAO, AIDC], [CAINIAO, AIDC], a, lang=lang)), Draft), q


AIDC_CAUSE = P("阿里国际数字商业集团收入为 285 亿元人民币，同比增长 44%。国际零售商业业务收入同比增长 56%，达到 233 亿元人民币。"
               "增长主要是由速卖通，尤其是速卖通 Choice 业务，以及 Trendyol 的收入稳健增长所驱动。", 6)
CLOUD_QUALITY = P("我们通过主动减少利润率较低的项目式合约类收入，持续提升云智能集团的收入质量。与此同时，来自外部客户的公共云收入也取得了"
                  "健康的增长。", 7)


def test_a_sentence_copied_from_another_business_is_dropped_or_asked_again(ctx):
    from rag.answer.stages.subject import CheckSubject

    check = CheckSubject(ctx)
    q = "阿里云来自外部客户的公共云收入表现如何？"
    wrong = "阿里云来自外部客户的公共云收入增长主要由速卖通，尤其是速卖通 Choice 业务，以及 Trendyol 的收入稳健增长所驱动[2]。"
    right = "阿里云来自外部客户的公共云收入取得了健康的增长[1]。"
    out = check.run(draft(q, [CLOUD_QUALITY, AIDC_CAUSE], [CLOUD_QUALITY, AIDC_CAUSE], right + wrong))
    assert isinstance(out, Draft) and out.text == right and (wrong, "") in out.corrections
    # nothing left: asked again without the passage it copied from
    out = check.run(draft(q, [CLOUD_QUALITY, AIDC_CAUSE], [CLOUD_QUALITY, AIDC_CAUSE], wrong))
    assert isinstance(out, Retry) and [c.id for c in out.evidence.passages] == ["c7"]
    # English, its figure from another business's sentence, its wording from the cloud's passage
    en = "Cloud revenue grew modestly because international retail commerce grew 56%[1][2]."
    out = check.run(draft("Why did cloud revenue grow only modestly?", [AIDC_CAUSE, CLOUD_QUALITY],
                          [AIDC_CAUSE, CLOUD_QUALITY], en, lang="en"))
    assert isinstance(out, Retry) and [c.id for c in out.evidence.passages] == ["c7"]


def test_a_business_within_the_one_asked_is_the_one_asked(ctx):
    from rag.answer.stages.subject import CheckSubject

    text = "AIDC 的增长主要是由速卖通，尤其是速卖通 Choice 业务，以及 Trendyol 的收入稳健增长所驱动[1]。"
    d = draft("AIDC 的收入增长由什么驱动？", [AIDC_CAUSE], [AIDC_CAUSE], text)
    assert CheckSubject(ctx).run(d) is d
    # a question naming no business is not checked
    d = draft("收入增长由什么驱动？", [AIDC_CAUSE], [AIDC_CAUSE], text)
    assert CheckSubject(ctx).run(d) is d


def test_a_figure_given_to_a_business_its_source_does_not_name_is_dropped(ctx):
    from rag.answer.stages.subject import CheckSubject

    lsg = P("菜鸟的经调整 EBITA 为 9.61 亿元人民币。\n本地生活集团的收入在 12 月份季度同比增长 13%至 152 亿元人民币，"
            "主要由饿了么的健康增长和高德的快速增长所推动。", 8)
    wrong = "饿了么和高德的增长推动了菜鸟的收入同比增长 13%至 152 亿元人民币[1]。"
    out = CheckSubject(ctx).run(draft("首席财务官如何描述饿了么？", [lsg, CLOUD], [lsg, CLOUD], wrong))
    assert isinstance(out, Retry) and [c.id for c in out.evidence.passages] == ["c3"]
    # the business named by the source, or one it is part of: stands
    for right in ("本地生活集团的收入同比增长 13%至 152 亿元人民币[1]。", "饿了么所在的本地生活集团收入为 152 亿元人民币[1]。"):
        d = draft("首席财务官如何描述饿了么？", [lsg], [lsg], right)
        assert CheckSubject(ctx).run(d) is d, right


class ScopedRetriever:
    """The library's retriever, its calls' text replaced by `text` (one call of a library)."""

    def __init__(self, real, text):
        self.real, self.text = real, text

    def __getattr__(self, name):
        return getattr(self.real, name)

    def text_of(self, calls):
        return self.text


def test_a_term_only_other_calls_use_is_absent_from_the_call_asked(ctx):
    """Asked for Under Armour's revenue growth "on a currency-neutral basis",
    the model gave a growth rate of a call that never speaks of currency
    (Coca-Cola's does, so the library as a whole knew the word)."""
    q = "What was Cainiao's adjusted EBITA?"
    scope = [next(iter(ctx.retriever.calls))]
    chunks = [CAINIAO]
    ans = "Cainiao's adjusted EBITA was RMB 961 million[1]."
    silent = Ctx(ctx.cfg, ctx.knowledge, {}, ScopedRetriever(ctx.retriever, "菜鸟的收入为 100 亿元人民币。"))
    d = draft(q, chunks, chunks, ans, lang="en")
    d.evidence.scope = scope
    out = CheckMeasure(silent).run(d)
    assert isinstance(out, Refuse) and "adjusted EBITA" in out.reason, out
    # the call asked names it: the figure stands
    d = draft(q, chunks, chunks, ans, lang="en")
    d.evidence.scope = scope
    assert isinstance(CheckMeasure(ctx).run(d), Draft)


def test_a_name_of_several_words_is_used_when_each_word_is():
    from rag.answer.stages.measure import used_in

    eps = {"adjusted earnings per share", "adjusted eps"}
    assert used_in(eps, "Our adjusted diluted earnings per share was $0.14.")
    assert not used_in(eps, "Diluted earnings per share was $0.23.")
    fx = {"currency", "fx", "foreign exchange", "汇率"}
    assert not used_in(fx, "Revenue was up 9% to $1.5 billion, driven by wholesale.")
    assert used_in(fx, "汇率对收入的影响为 2%。") and used_in(fx, "Currency was a 2-point headwind.")
