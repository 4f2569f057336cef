"""A question of several parts: how it splits, when the answer answers a
part, and how a separately answered part joins the answer (markers
renumbered). Pure logic; the real model's behaviour is in the end-to-end
tests."""

from dataclasses import dataclass, replace

import pytest

from rag.answer.records import Answer, Draft, Evidence, Refuse, Retry
from rag.answer.stages.parts import CheckParts, merge, without_repeats
from rag.chunking import Chunk
from rag.config import Config
from rag.glossary import load
from rag.knowledge import Knowledge
from rag.questions import parts
from rag.retrieve import Hit


@dataclass
class Ctx:
    cfg: Config
    knowledge: Knowledge
    retriever: object = None

    @property
    def glossary(self):
        return self.knowledge.glossary


@pytest.fixture(scope="module")
def check(base_config, retriever):
    return CheckParts(Ctx(base_config, retriever.knowledge, retriever))


def P(cid, text):
    return Chunk(id=cid, doc="d", text=text, start=0, end=len(text), tokens=0)


@pytest.mark.parametrize("question,expected", [
    ("What did Alibaba say about Cainiao's IPO, and what was Cainiao's revenue this quarter?",
     ["What did Alibaba say about Cainiao's IPO", "what was Cainiao's revenue this quarter?"]),
    ("本季度阿里巴巴的合并收入是多少？同比增长多少？", ["本季度阿里巴巴的合并收入是多少？", "同比增长多少？"]),
    ("Who asked about the take rate and who answered?", ["Who asked about the take rate", "who answered?"]),
    ("菜鸟的收入是多少，经调整 EBITA 是多少？", ["菜鸟的收入是多少", "经调整 EBITA 是多少？"]),
    # one question: "and" inside a name or a list, a clause that asks nothing of its own
    ("What was Taobao and Tmall's revenue?", ["What was Taobao and Tmall's revenue?"]),
    ("在考虑员工持股计划后，股数减少了多少？", ["在考虑员工持股计划后，股数减少了多少？"]),
    ("What drove revenue growth, and why?", ["What drove revenue growth, and why?"]),
    # a question mark closing a quotation ends no part: a part asked again with the one it leans on
    ("（追问，上一问是“净利润是多少？”）同比减少了多少？", ["（追问，上一问是“净利润是多少？”）同比减少了多少？"]),
    ('(Follow-up to "What was revenue?") how did it change?', ['(Follow-up to "What was revenue?") how did it change?']),
])
def test_a_question_splits_into_the_questions_it_holds(question, expected):
    assert parts(question) == expected


def test_one_metric_of_several_businesses_is_a_part_per_business(check):
    assert check.split("Compare Cainiao's and AIDC's revenue this quarter.", "en") == [
        "What was Cainiao's revenue?", "What was Alibaba International Digital Commerce Group's revenue?"]
    assert check.split("淘天集团和云智能集团的经调整 EBITA 分别是多少？", "zh") == [
        "淘天集团的经调整 EBITA是多少？", "云智能集团的经调整 EBITA是多少？"]
    # one business, businesses without a metric, a second business named as context: one part
    for q in ("What was Cainiao's revenue?", "How do Cainiao and AIDC work together?",
              "What was AIDC's revenue excluding Trendyol?"):
        assert check.split(q, "en") == [q]


def test_a_figure_question_listing_metrics_is_a_part_per_metric(check):
    assert check.split("Rocket Lab's Q1 2024 outlook: revenue range, adjusted EBITDA loss, and GAAP net loss?", "en") == [
        "Rocket Lab's Q1 2024 outlook: revenue range?", "Rocket Lab's Q1 2024 outlook: adjusted EBITDA loss?",
        "Rocket Lab's Q1 2024 outlook: GAAP net loss?"]
    # an item's own words before its metric stay with it, the question's own words with every part
    assert check.split("What were Verizon's consolidated total revenue and adjusted earnings per share in Q3 2021?",
                       "en") == ["What were Verizon's consolidated total revenue in Q3 2021?",
                                 "What were Verizon's adjusted earnings per share in Q3 2021?"]
    assert check.split("阿里巴巴本季度的收入、毛利率和自由现金流分别是多少？", "zh") == [
        "阿里巴巴本季度的收入分别是多少？", "阿里巴巴本季度的毛利率分别是多少？", "阿里巴巴本季度的自由现金流分别是多少？"]
    # one metric with its basis, a list joined by function words, a Chinese item with words of its own: one part
    for q in ("What was the GAAP net loss?", "What were the effective tax rates on a GAAP and on a non-GAAP basis?",
              "可口可乐对2022年有机收入增长和可比每股收益增长的指引分别是多少？"):
        assert check.split(q, "en") == [q]


CAINIAO = P("c1", "菜鸟的收入为 285 亿元人民币，同比增长 24%。菜鸟的经调整 EBITA 为 9.61 亿元人民币。")
IPO = P("c2", "关于菜鸟的上市，我们决定撤回菜鸟的 IPO 申请，因为目前的市场环境无法反映其价值。")


def draft(text, question, passages=(CAINIAO, IPO), lang="en"):
    ps = list(passages)
    return Draft(Evidence(question=question, lang=lang, passages=ps, hits=[Hit(c, 1.0) for c in ps]), text=text)


def test_a_part_is_answered_by_a_figure_measuring_it_or_by_its_terms(check):
    q = "What did Alibaba say about Cainiao's IPO, and what was Cainiao's revenue this quarter?"
    ipo, revenue = parts(q)
    d = draft("Alibaba withdrew Cainiao's IPO because the market does not reflect its value[2].", q)
    assert check.answered(ipo, q, d) is True and check.answered(revenue, q, d) is False
    d = draft("Cainiao's revenue was RMB 28.5 billion, up 24%[1].", q)
    assert check.answered(revenue, q, d) is True and check.answered(ipo, q, d) is False
    # a figure part no retrieved sentence states is absent, not missing
    q2 = "What was Cainiao's revenue, and what was Cainiao's free cash flow?"
    assert check.answered(parts(q2)[1], q2, d) is None


@pytest.mark.parametrize("question,answer", [
    ("哪位分析师问到了饿了么？管理层怎么说？", "野村的 Jialong Shi 问到了饿了么[1]。"),
    ("Which analyst asked about the buyback, and what did Joe Tsai say?", "Alex Yao (JP Morgan) asked about the buyback[1]."),
])
def test_a_which_part_is_answered_by_naming_one_not_by_its_kind(check, question, answer):
    """"哪位分析师问到……？" answered "Jialong Shi 问到……" names the analyst:
    the kind asked ("分析师", "analyst") is no term the answer must hold; a
    word after "which" the answer holds still counts ("which Goldman Sachs
    analyst"), and an answer naming no one of the topic asked does not answer."""
    first = parts(question)[0]
    assert check.answered(first, question, draft(answer, question)) is True
    assert check.answered(first, question, draft("Revenue grew 5%[1].", question)) is False


def test_a_part_leaning_on_the_one_before_it_is_answered_by_the_figure_it_asks(check):
    """"同比增长多少？" read alone names nothing a sentence could state: it was
    said to be absent beside the answer giving the change."""
    q = "菜鸟的收入是多少？同比增长多少？"
    revenue, change = check.split(q, "zh")
    both = draft("菜鸟的收入为 285 亿元人民币，同比增长 24%[1]。", q, lang="zh")
    assert check.answered(change, q, both, before=revenue) is True
    assert check.run(both).absent == []
    # the figure answering the part it leans on does not answer it too, nor does an answer without it
    for text in ("菜鸟的收入为 285 亿元人民币[1]。", "菜鸟撤回了 IPO 申请[2]。"):
        assert check.answered(change, q, draft(text, q, lang="zh"), before=revenue) is not True, text
    # a leaning part asking a period of its own is answered by a figure of that period
    q3 = "What was Cainiao's revenue in the fourth quarter, and what was it in the third quarter?"
    q4_part, q3_part = parts(q3)
    both_q4 = draft("In the fourth quarter Cainiao's revenue was RMB 28.5 billion, up 24%[1].", q3,
                    [P("c8", "In the fourth quarter, Cainiao's revenue was RMB 28.5 billion, up 24% year over year.")])
    assert check.answered(q4_part, q3, both_q4) is True
    assert check.answered(q3_part, q3, both_q4, before=q4_part) is not True
    # a part with words of its own is not read with the part before it: absent when no sentence states it
    q2 = "How much in non-core assets has it exited, and how much did it raise from selling listed-company stakes?"
    exited, raised = parts(q2)
    d = draft("It has exited US$1.7 billion of non-core assets[1].", q2, [P("c7", "我们已经退出了 17 亿美元的非核心资产。")])
    assert check.answered(raised, q2, d, before=exited) is None


def test_a_leaning_part_asked_again_is_not_said_absent_beside_the_figure_answering_it(check, monkeypatch):
    """Judged unanswered, "同比减少了多少？" is asked again; when the re-answer
    fails, the answer already giving the change ("同比减少 350 亿元") does not
    also say the call is silent on it. A leaning part the answer does not
    give is said to be absent, as before."""
    q = "公认会计准则净利润是多少？同比减少了多少？"
    gaap = P("c9", "公认会计准则净利润为 107亿元人民币，同比减少 350 亿元人民币。")
    net, change = check.split(q, "zh")
    real = CheckParts.answered
    monkeypatch.setattr(CheckParts, "answered", lambda self, part, whole, d, item=False, before="":
                        False if part == change else real(self, part, whole, d, item, before))
    given = draft("公认会计准则净利润为 107亿元人民币，同比减少 350 亿元人民币[1]。", q, [gaap], lang="zh")
    retry = check.run(given)
    assert isinstance(retry, Retry)
    assert retry.fallback(retry.draft).absent == [] and retry.combine(retry.draft, Refuse("x")).absent == []
    alone = check.run(draft("公认会计准则净利润为 107亿元人民币[1]。", q, [gaap], lang="zh"))
    assert alone.fallback(alone.draft).absent == [change]


def test_a_part_about_one_business_is_read_in_the_sentences_naming_it(check):
    taotian = P("c5", "淘天集团的经调整 EBITA 为 599 亿元人民币，同比增长 1%。")
    cloud = P("c6", "云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。")
    q = "淘天集团和云智能集团的经调整 EBITA 分别是多少？"
    both = draft("淘天集团的经调整 EBITA 为 599 亿元人民币，同比增长 1%[1]。云智能集团的经调整 EBITA 为 24 亿人民币，"
                 "同比增长 86%[2]。", q, [taotian, cloud], lang="zh")
    taotian_part, cloud_part = check.split(q, "zh")
    # the other business's figure in the answer does not make this one's unanswered
    assert check.answered(taotian_part, q, both) is True and check.answered(cloud_part, q, both) is True
    one = draft("淘天集团的经调整 EBITA 为 599 亿元人民币[1]。", q, [taotian, cloud], lang="zh")
    assert check.answered(cloud_part, q, one) is False
    # a figure of the other business, given under this one's name, is still no answer
    swapped = draft("云智能集团的经调整 EBITA 为 599 亿元人民币[1]。", q, [taotian, cloud], lang="zh")
    assert check.answered(cloud_part, q, swapped) is False


def test_a_list_whose_items_open_with_its_is_a_part_per_item(check):
    """Each item qualified in its own words, its metric known to the glossary or not."""
    q = "What were Carnival's liquidity at the end of fiscal Q4 2021, its Q4 occupancy, and its Q4 adjusted net loss?"
    assert check.split(q, "en") == ["What were Carnival's liquidity at the end of fiscal Q4 2021?",
                                    "What were Carnival's Q4 occupancy?", "What were Carnival's Q4 adjusted net loss?"]
    assert check.split("What was Chipotle's revenue and its restaurant-level margin?", "en") == [
        "What was Chipotle's revenue?", "What was Chipotle's restaurant-level margin?"]
    # no possessive opening the first item, or no "its": not such a list
    for q in ("What were liquidity at the end of the year, its occupancy and its loss?",
              "What was Carnival's occupancy at the end of the year?"):
        assert check.split(q, "en") == [q]


def test_a_listed_metric_given_another_figure_loses_it_before_it_is_asked_again(check):
    q = "What were Cainiao's revenue and adjusted EBITA this quarter?"
    d = draft("Cainiao's revenue was RMB 961 million, and adjusted EBITA was RMB 961 million[1].", q, [CAINIAO])
    retry = check.run(d)
    assert isinstance(retry, Retry) and "revenue" in retry.evidence.question
    out = retry.fallback(retry.draft)
    # with no generation left, the sentence stating it by its name is quoted, not said absent
    assert out.text == "Adjusted EBITA was RMB 961 million[1]. Revenue: 菜鸟的收入为 285 亿元人民币，同比增长 24%[1]."
    assert out.absent == []
    # a sentence naming another metric by the figure is no statement of it
    other = P("c3", "菜鸟的经调整 EBITA 为 9.61 亿元人民币，经营现金流为 285 亿元人民币。")
    d = draft("Cainiao's revenue was RMB 961 million, and adjusted EBITA was RMB 961 million[1].", q, [other])
    assert check.quoted_item(q.replace("revenue and adjusted EBITA", "revenue"), "revenue", d.evidence) is None


def test_a_listed_metric_given_a_figure_of_another_period_is_absent_and_loses_it(check):
    q = "What were Cainiao's revenue and adjusted EBITA in the fourth quarter of 2023?"
    year = P("c5", "In the fourth quarter of 2023, Cainiao's revenue was RMB 28.5 billion. "
                   "For full year 2023, Cainiao's adjusted EBITA was RMB 3 billion.")
    d = draft("Cainiao's revenue was RMB 28.5 billion[1]. Its adjusted EBITA was RMB 3 billion[1].", q, [year])
    revenue, ebita = check.split(q, "en")
    assert check.answered(revenue, q, d, True) is True
    assert check.answered(ebita, q, d, True) is None  # the year's figure under the quarter's name: not said
    out = check.run(d)
    assert out.text == "Cainiao's revenue was RMB 28.5 billion[1]." and out.absent == [ebita]
    # the same figure from a sentence of the quarter asked answers it
    quarter = replace(year, text=year.text.replace("For full year 2023", "In the fourth quarter of 2023"))
    assert check.answered(ebita, q, draft(d.text, q, [quarter]), True) is True


def test_a_listed_metric_the_re_answer_leaves_out_is_quoted(check):
    q = "What were Cainiao's revenue and adjusted EBITA this quarter?"
    d = draft("Cainiao's logistics business kept growing[1].", q, [CAINIAO])
    retry = check.run(d)
    assert isinstance(retry, Retry)
    second = Draft(replace(retry.evidence, passages=[CAINIAO]), text="Cainiao's revenue was RMB 28.5 billion[1].")
    out = retry.combine(retry.draft, second)
    assert out.text == ("Cainiao's logistics business kept growing[1]. Cainiao's revenue was RMB 28.5 billion[1]. "
                        "Adjusted EBITA: 菜鸟的经调整 EBITA 为 9.61 亿元人民币[1].")
    assert out.absent == []


def test_a_quoted_sentence_loses_the_spoken_word_linking_it_to_the_one_before():
    from rag.answer.stages.parts import quote
    said = P("s1", "And excluding special items, we reported an $85 million profit or $0.14 per diluted share.")
    d = Draft(Evidence(question="q", lang="en", passages=[]), text="")
    assert quote(d, [("net income", said, said.text)]).text == (
        "Net income: Excluding special items, we reported an $85 million profit or $0.14 per diluted share[1].")
    # a sentence opening with a word of its own keeps it
    own = P("s2", "Andean sales grew 5%.")
    assert quote(d, [("sales", own, own.text)]).text == "Sales: Andean sales grew 5%[1]."


def test_a_part_found_absent_stays_said_absent_when_another_is_asked_again(check):
    q = "What were Cainiao's revenue, free cash flow and adjusted EBITA this quarter?"
    d = draft("Cainiao's revenue was RMB 28.5 billion[1].", q, [CAINIAO])
    retry = check.run(d)
    assert isinstance(retry, Retry) and "EBITA" in retry.evidence.question
    fcf = "What were Cainiao's free cash flow this quarter?"
    assert check.split(q, "en")[1] == fcf
    # no generation left, or the re-answer given: either way free cash flow is said to be absent
    assert retry.fallback(retry.draft).absent == [fcf]
    second = Draft(replace(retry.evidence, passages=[CAINIAO]), text="Cainiao's adjusted EBITA was RMB 961 million[1].")
    out = retry.combine(retry.draft, second)
    assert out.absent == [fcf] and out.text.endswith("Cainiao's adjusted EBITA was RMB 961 million[1].")


def C(cid, call, text):
    return replace(P(cid, text), call=call, call_label=call)


def two_quarters(base_config):
    """A library of one company's Q3 and Q4 2021 calls, and its parts stage."""
    from rag.library import Call

    q3 = [C("a", "co-q3-2021", "We now expect organic revenue growth of 13% to 14% in 2021."),
          C("b", "co-q3-2021", "Our Q3 organic revenue was up 14% with price/mix up 6%."),
          C("c", "co-q3-2021", "Thank you, operator.")]
    q4 = [C("d", "co-q4-2021", "Organic revenue grew 10% in the fourth quarter.")]

    class Library:
        knowledge = Knowledge(load(base_config.lexicon, base_config.glossary))
        calls = {"co-q3-2021": Call("co-q3-2021", "Co", period="Q3 2021", fiscal_year=2021, fiscal_quarter=3),
                 "co-q4-2021": Call("co-q4-2021", "Co", period="Q4 2021", fiscal_year=2021, fiscal_quarter=4)}
        chunks = q3 + q4

        def search(self, question, k, calls=None):  # ranks the outlook first, as a search did
            return [Hit(c, 1.0) for c in self.chunks if not calls or c.call in calls][:k]

        def text_of(self, calls):
            return "\n".join(c.with_header for c in self.chunks if c.call in calls)

    lib = Library()
    return CheckParts(Ctx(base_config, lib.knowledge, lib)), lib, q3, q4


def test_a_call_missing_from_a_comparison_is_asked_from_its_sentences_stating_the_measure(base_config):
    """Two quarters compared, the answer gives one: the other call is asked
    from its sentences giving the measure for its quarter, first those its
    search ranks first; its full-year outlook (another period) is not one."""
    from rag.library import Call
    from rag.retrieve import Hit as H

    check, lib, q3, q4 = two_quarters(base_config)
    question = "How did Co's organic revenue growth in Q4 2021 compare with Q3 2021?"
    d = Draft(Evidence(question=question, lang="en", passages=q4, hits=[H(c, 1.0) for c in q4],
                       scope=["co-q3-2021", "co-q4-2021"]), text="Organic revenue grew 10% in Q4 2021[1].")
    retry = check.by_call(d)
    assert [c.id for c in retry.evidence.passages] == ["b"]
    assert retry.evidence.scope == ["co-q3-2021"] and "Co · Q3 2021" in retry.evidence.prompt_question
    # no generation left: the call's sentence stating it is quoted, under its name and cited
    out = retry.fallback(retry.draft)
    assert out.text == ("Organic revenue grew 10% in Q4 2021[1]. "
                        "Co · Q3 2021: Our Q3 organic revenue was up 14% with price/mix up 6%[2].")
    assert [c.id for c in out.evidence.passages] == ["d", "b"] and out.evidence.passages[1].text == q3[1].text
    # a call giving the measure in words ("relatively flat"), or asked in another language, is no absent one
    q3[1] = C("b", "co-q3-2021", "Organic revenue for the quarter was relatively flat versus prior year.")
    lib.chunks = q3 + q4
    retry = check.by_call(d)
    assert [c.id for c in retry.evidence.passages] == ["b"]
    d_zh = replace(d, evidence=replace(d.evidence, question="可口可乐第四季度和第三季度的有机收入增长分别是多少？", lang="zh"))
    assert [c.id for c in check.by_call(d_zh).evidence.passages] == ["b"]
    # a third call stating none: said absent, whether or not the re-answer comes
    lib.calls["co-q2-2021"] = Call("co-q2-2021", "Co", period="Q2 2021", fiscal_year=2021, fiscal_quarter=2)
    lib.chunks = q3 + q4 + [C("e", "co-q2-2021", "Thank you, operator.")]
    d3 = replace(d, evidence=replace(d.evidence, scope=["co-q2-2021", "co-q3-2021", "co-q4-2021"]))
    retry = check.by_call(d3)
    assert retry.evidence.scope == ["co-q3-2021"]
    second = Draft(replace(retry.evidence, passages=[q3[1]]), text="It was relatively flat in Q3[1].")
    for out in (retry.fallback(retry.draft), retry.combine(retry.draft, second)):
        assert out.absent == ["organic revenue (Co · Q2 2021)"]
    # a figure the answer gives for the call stating none goes, with its clause only
    d2 = replace(d3, evidence=replace(d3.evidence, passages=q3[1:2] + q4, hits=[H(c, 1.0) for c in q3[1:2] + q4]),
                 text="Organic revenue was flat in Q3 2021, grew 10% in Q4 2021 and 3% in Q2 2021[2].")
    out = check.by_call(d2).draft  # Q3 asked again (its figure is in words), from the answer as it stands
    assert out.text == "Organic revenue was flat in Q3 2021, grew 10% in Q4 2021[2]."
    assert out.absent == ["organic revenue (Co · Q2 2021)"]


def test_a_figure_given_under_the_other_quarter_compared_does_not_answer_for_its_call(base_config):
    """Asked to compare two quarters, the model gave the fourth quarter's 10%
    as the third's: read over the whole answer, 10% answered for the Q4 call
    and the Q3 call's 14% was never asked. Each call is answered by the
    clauses naming its quarter (or none of the two); the figure given under
    the wrong quarter goes, and that call is asked again."""
    check, lib, q3, q4 = two_quarters(base_config)
    both = q3[1:2] + q4
    question = "Co的2021年第三季度和第四季度的有机收入增长分别是多少？"
    d = Draft(Evidence(question=question, lang="zh", passages=both, hits=[Hit(c, 1.0) for c in both],
                       scope=["co-q3-2021", "co-q4-2021"]), text="2021年第三季度的有机收入增长为 10%，第四季度为 10%[2]。")
    retry = check.by_call(d)
    assert isinstance(retry, Retry) and retry.evidence.scope == ["co-q3-2021"]
    assert retry.draft.text == "第四季度为 10%[2]。"
    # the two quarters' figures swapped: neither call is answered, though each figure is in a passage
    swapped = check.by_call(replace(d, text="2021年第三季度的有机收入增长为 10%，第四季度为 14%[1][2]。"))
    assert isinstance(swapped, Retry) and swapped.evidence.scope == ["co-q3-2021", "co-q4-2021"]
    # the quarter named in an opening phrase is the clause's after it
    opening = check.by_call(replace(d, text="有机收入增长为 14%[1]。根据第四季度电话会，有机收入增长为 14%[1]。"))
    assert isinstance(opening, Retry) and opening.draft.text == "有机收入增长为 14%[1]。"
    # the right quarter named, or none: the answer stands
    for text in ("2021年第三季度的有机收入增长为 14%，第四季度为 10%[1][2]。", "有机收入增长为 14%和 10%[1][2]。"):
        assert check.by_call(replace(d, text=text)).text == text
    # a clause naming the other quarter too, as a comparison's base, keeps its figure; that call is asked
    text = "Q3 2021 organic revenue growth was 14% compared to Q4 2021[1]."
    retry = check.by_call(replace(d, text=text, evidence=replace(d.evidence, lang="en")))
    assert retry.evidence.scope == ["co-q4-2021"] and retry.draft.text == text


def test_a_re_answer_restating_the_answer_adds_only_what_is_new(check):
    first = draft("Chipotle's digital sales were $840 million, up 9%[1].", "q", passages=(CAINIAO,))
    second = draft("Digital sales grew nearly 9% year-over-year to $840 million[1]. Digital sales were 42.5% of "
                   "sales[1]. It was driven by the app[1].", "q", passages=(CAINIAO,))
    assert without_repeats(second, first).text == "Digital sales were 42.5% of sales[1]. It was driven by the app[1]."
    # asked again, the model said only what the answer said: nothing is added
    q = "What did Alibaba say about Cainiao's IPO, and what was Cainiao's revenue this quarter?"
    d = draft("Cainiao's revenue was RMB 28.5 billion[1]. Alibaba withdrew Cainiao's IPO[2].", q)
    retry = check.run(draft("Alibaba withdrew Cainiao's IPO[2].", q))
    assert isinstance(retry, Retry)
    again = Draft(replace(retry.evidence, passages=[CAINIAO]), text="Cainiao's revenue was RMB 28.5 billion[1].")
    assert retry.combine(d, again).text == d.text


def test_a_part_answered_on_its_own_joins_with_its_markers_renumbered():
    first = draft("Alibaba withdrew Cainiao's IPO[2].", "q", passages=(CAINIAO, IPO))
    aidc = P("c3", "阿里国际数字商业集团收入为 285 亿元人民币。")
    second = draft("AIDC's revenue was RMB 28.5 billion[1], see also[2].", "p", passages=(aidc, IPO))
    second.unverified = ["7"]
    joined = merge(first, second, ["p"])
    assert joined.text == "Alibaba withdrew Cainiao's IPO[2]. AIDC's revenue was RMB 28.5 billion[3], see also[2]."
    assert [c.id for c in joined.evidence.passages] == ["c1", "c2", "c3"] and joined.used == [2, 3]
    assert joined.unverified == ["7"] and joined.absent == []
    # a part the calls do not answer is said to be absent, never filled in
    assert merge(first, Refuse("no"), ["p"]).absent == ["p"]


def test_the_warning_names_unverified_numbers_and_sentences_no_passage_supports():
    a = Answer(question="q", text="t", refused=False, language="en")
    assert a.warning is None
    a.unverified_numbers = ["12.1%"]
    assert a.warning == "Unverified numbers: 12.1%"
    a.unsupported_claims = ["The impact is relatively limited, as the local business is still small and growing."]
    assert a.warning == ("Unverified numbers: 12.1%. 1 sentence not found in any passage: "
                         "“The impact is relatively limited, as the local business is…”")
    assert a.to_dict()["warning"] == a.warning and a.to_dict()["unsupported_claims"] == a.unsupported_claims


def test_a_chinese_answer_is_warned_in_chinese():
    a = Answer(question="q", text="t", refused=False, language="zh",
               unverified_numbers=["12.1%", "35亿"], unsupported_claims=["这说明我们的策略开始见效。", "用户会回来。"])
    assert a.warning == "未经核实的数字：12.1%、35亿。2 句话在资料中找不到依据：“这说明我们的策略开始见效。”；“用户会回来。”"


def test_corrections_are_listed_under_the_answer_in_its_language_by_the_cli_and_the_chat():
    from rag.commands import render
    from ui import answer_markdown

    a = Answer(question="q", text="Cloud revenue was RMB 28.1 billion[1].", refused=False, language="en")
    assert a.correction_note is None and "Corrected" not in render(a) and "corrected" not in answer_markdown(a)
    a.corrections = [("RMB 281 billion", "RMB 28.1 billion"), ("of Example Capital", "")]
    note = "Corrected: RMB 281 billion → RMB 28.1 billion; of Example Capital (removed)"
    assert a.correction_note == note and a.to_dict()["correction_note"] == note
    assert note in render(a).splitlines()
    assert f'<span class="corrected">{note}</span>' in answer_markdown(a)
    zh = replace(a, language="zh", corrections=[("281 billion", "281 亿元"), ("示例资本", "")])
    assert zh.correction_note == "已更正：281 billion → 281 亿元；示例资本（已删除）"
