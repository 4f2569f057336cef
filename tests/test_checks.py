"""Citation mapping, number verification, the measure check, refusals,
completions and clean-up (pure logic; passages are real chunks of the default
transcript or written like them)."""

from dataclasses import dataclass

import pytest

from rag.answer.records import Draft, Evidence, Refuse
from rag.answer.stages.cite import AttributeCitations
from rag.answer.stages.decide import Decide
from rag.answer.stages.numbers import VerifyNumbers
from rag.chunking import Chunk
from rag.cleanup import english_amounts, english_only, stray_chinese
from rag.completions import complete_parts, drop_changes_of_other_metrics
from rag.generate import AnswerFieldStreamer, parse_json
from rag.glossary import load, squash
from rag.knowledge import Knowledge
from rag.measures import figures, measure_of, measured, stating_sentences, states


@pytest.fixture(scope="module")
def glossary(base_config):
    return load(base_config.lexicon, base_config.glossary)


@pytest.fixture(scope="module")
def knowledge(glossary):
    return Knowledge(glossary)


def P(text, speaker="徐宏"):
    return Chunk(id=text[:8], doc="d", text=text, start=0, end=len(text), tokens=0, section="财务业绩", speaker=speaker)


@dataclass
class Ctx:
    knowledge: Knowledge
    cfg: object = None

    @property
    def glossary(self):
        return self.knowledge.glossary


@dataclass
class Checked:
    draft: Draft

    @property
    def text(self):
        return self.draft.text

    @property
    def used(self):
        return self.draft.used

    @property
    def unverified(self):
        return self.draft.unverified

    @property
    def corrections(self):
        return self.draft.corrections

    @property
    def uncited(self):
        return self.draft.uncited

    @property
    def any_cited(self):
        return bool(self.draft.used)


def verify(answer, passages, question, glossary, lang, knowledge=None):
    """The citation and number stages on one answer."""
    ctx = Ctx(knowledge or Knowledge(glossary))
    d = Draft(Evidence(question=question, lang=lang, passages=list(passages)), text=answer)
    for stage in (AttributeCitations(ctx), VerifyNumbers(ctx)):
        d = stage.run(d)
    return Checked(d)


def metric_mismatch(question, answer, passages, glossary):
    """The answer gives figures, and none measures what the question asks."""
    m = measure_of(question, Knowledge(glossary))
    return bool(figures(answer)) and not m.empty and not measured(answer, passages, m)


def unit_unnamed(question, cited, glossary):
    """The question names a business or place that no cited passage names."""
    m = measure_of(question, Knowledge(glossary))
    return bool(cited) and not m.names_entities(" ".join(c.with_header for c in cited))


def measuring_sentences(question, passages, glossary):
    return stating_sentences(measure_of(question, Knowledge(glossary)), passages)


def metric_spec(question, glossary):
    return measure_of(question, Knowledge(glossary), with_words=False)


states_metric = states


drop_misattributed_changes = drop_changes_of_other_metrics


CLOUD = P("本季度，云智能集团的收入为 281 亿元人民币，同比增长 3%。")
CAINIAO = P("菜鸟的经调整 EBITA 为 9.61 亿元人民币，去年同一季度则为亏损 1200 万元人民币。")
BUYBACK = P("我们的董事会已批准将股票回购计划的规模再增加 250 亿美元并延长至 2027 年 3月。")
PASSAGES = [CLOUD, CAINIAO, BUYBACK]


def test_marker_pointing_at_nothing_is_removed(glossary):
    v = verify("云智能集团的收入为 281 亿元人民币 [7]。", PASSAGES, "云智能集团收入？", glossary, "zh")
    assert "[7]" not in v.text and "[1]" in v.text and v.used == [1]


def test_a_list_number_neither_keeps_a_marker_nor_ends_a_claim(glossary):
    v = verify("Priorities are as follows: 1[1]. Cloud revenue was RMB 28.1 billion [1]. 2 [2]. Cainiao [2].",
               PASSAGES, "priorities?", glossary, "en")
    assert v.text == "Priorities are as follows: 1. Cloud revenue was RMB 28.1 billion[1]. 2. Cainiao[2]."
    assert v.used == [1, 2] and not v.unverified
    # a decimal point is no list item's full stop: each sentence keeps its own marker
    from rag import claims as cl

    got = cl.split("Q3 comparable EPS was $0.65[2]. Q4 comparable EPS was $0.45[1].", 2)
    assert [(c.text, c.markers) for c in got] == [("Q3 comparable EPS was $0.65.", [2]),
                                                   ("Q4 comparable EPS was $0.45.", [1])]
    # nor is an abbreviation's ("Inc. about", "the U.S. grew", "Mr. Beck")
    assert cl.sentences("Liwag asked Rocket Lab USA, Inc. about a capsule, and Mr. Beck answered[1]. "
                        "Sales in the U.S. grew 5%[2].") == [
        "Liwag asked Rocket Lab USA, Inc. about a capsule, and Mr. Beck answered[1].", "Sales in the U.S. grew 5%[2]."]
    # nor an initial's, a capital letter standing alone; a sentence ends before it as before
    assert cl.sentences("It launched across all its U. S. and Canadian restaurants[1]. Charles J. Meyers answered[2].") == [
        "It launched across all its U. S. and Canadian restaurants[1].", "Charles J. Meyers answered[2]."]
    assert [c.render() for c in cl.split("Brisket is in its U. S. restaurants[1]. A new menu followed[1].", 1)] == [
        "Brisket is in its U. S. restaurants[1].", "A new menu followed[1]."]


def test_a_year_found_in_a_passage_does_not_cite_it(glossary):
    """"by 2030" in a passage on another plan is no support for a sentence
    about net-zero emissions: the sentence stays uncited, and so flagged."""
    plan = P("We plan to build opportunities for millions of youth to engage in sport by 2030.")
    v = verify("The company targets net-zero emissions by 2030[1].", [plan], "net-zero target?", glossary, "en")
    assert v.used == [] and not v.unverified
    # an amount found by value still cites its passage
    v = verify("Cainiao's adjusted EBITA was RMB 961 million.", PASSAGES, "Cainiao EBITA?", glossary, "en")
    assert v.used == [2]


def test_number_recited_to_the_passage_that_holds_it(glossary):
    v = verify("Cainiao's adjusted EBITA was RMB 961 million [1].", PASSAGES, "Cainiao EBITA?", glossary, "en")
    assert v.used == [2] and "[2]" in v.text and "[1]" not in v.text
    assert v.unverified == []


def test_wrong_scale_is_corrected(glossary):
    v = verify("Cloud revenue was RMB 281 billion [1].", PASSAGES, "cloud revenue?", glossary, "en")
    assert "RMB 28.1 billion" in v.text and "281 billion" not in v.text
    assert v.corrections == [("RMB 281 billion", "RMB 28.1 billion")]
    v = verify("Cainiao's adjusted EBITA was 9.61 billion [2].", PASSAGES, "Cainiao?", glossary, "en")
    assert "961 million" in v.text and v.unverified == []


def test_unknown_number_is_flagged_not_shown_as_fact(glossary):
    v = verify("Cloud revenue was RMB 30 billion, up 3% [1].", PASSAGES, "cloud?", glossary, "en")
    assert v.unverified == ["RMB 30 billion"]  # shown, listed in the warning, never as verified


def test_a_share_the_passage_writes_in_words_verifies_the_percentage(glossary):
    choice = P("目前 2024 年 1 月，AE Choice 订单已经占到 AliExpress 订单量的一半。", speaker="蒋凡")
    v = verify("AE Choice accounted for 50% of AliExpress orders [1].", [choice], "AE Choice share?", glossary, "en")
    assert v.unverified == [] and v.used == [1]
    v = verify("AE Choice accounted for 40% of AliExpress orders [1].", [choice], "AE Choice share?", glossary, "en")
    assert v.unverified == ["40%"]


def test_citation_dropped_when_passage_does_not_support(glossary):
    v = verify("董事会批准增加 250 亿美元回购 [1]。", PASSAGES, "回购？", glossary, "zh")
    assert v.used == [3]  # moved from the cloud passage to the buyback passage
    v = verify("Alibaba plans to open stores on the Moon [1].", PASSAGES, "moon?", glossary, "en")
    assert v.used == [] and not v.any_cited


def test_an_english_claim_moves_to_the_passage_holding_its_terms(glossary):
    lazada = P("关于 Lazada，首先东南亚依然是我们一个非常重要的市场。关于印尼跨境的限制，我们其实一直是比较遵守当地监管规则的，"
               "所以对我们的影响相对有限。", speaker="蒋凡")
    cross = P("我先回答一下第一个问题。首先，我们也分跨境业务和本地业务。", speaker="蒋凡")
    claim = "Lazada has been relatively unaffected by Indonesia's cross-border restrictions [2]."
    # [2] shares only "cross-border"; [1] holds Lazada, Indonesia and cross-border
    assert verify(claim, [lazada, cross], "Lazada?", glossary, "en").used == [1]
    # one shared term is still enough when no passage holds more
    assert verify(claim.replace("[2]", "[1]"), [cross, CLOUD], "Lazada?", glossary, "en").used == [1]
    # a cited passage that holds the claim's terms stays, though another holds as many
    assert verify("Lazada has been relatively unaffected by Indonesia's cross-border restrictions [2].",
                  [lazada, lazada], "Lazada?", glossary, "en").used == [2]


def test_uncited_claim_is_attributed(glossary):
    v = verify("董事会已批准将股票回购计划的规模再增加 250 亿美元。", PASSAGES, "回购？", glossary, "zh")
    assert v.used == [3] and v.text.endswith("[3]。")
    # English, no number: one shared concept suffices, as for a cited passage; the higher-ranked wins a tie
    v = verify("Cainiao's logistics keep improving.", [CLOUD, CAINIAO, CAINIAO], "Cainiao?", glossary, "en")
    assert v.used == [2] and v.any_cited
    v = verify("Alibaba plans to open stores on the Moon.", PASSAGES, "moon?", glossary, "en")
    assert v.used == [] and not v.any_cited


def test_a_sentence_no_passage_supports_is_listed_as_uncited(glossary):
    v = verify("Cloud revenue was RMB 28.1 billion [1]. The impact is limited, as the local business is still "
               "small.", PASSAGES, "cloud?", glossary, "en")
    assert v.used == [1]
    assert v.uncited == ["The impact is limited, as the local business is still small."]
    assert verify("云智能集团的收入为 281 亿元人民币 [1]。", PASSAGES, "云？", glossary, "zh").uncited == []


def test_an_uncited_sentence_is_quoted_as_finally_shown(glossary):
    # completions after the check (a firm named, a change or a loss added) edit the text: the
    # sentences listed as uncited are read from it, never from the model's first wording
    v = verify("Cloud revenue was RMB 28.1 billion [1]. Jiang Fan was upbeat.", PASSAGES, "cloud?", glossary, "en")
    assert v.uncited == ["Jiang Fan was upbeat."]
    v.draft.text = v.text.replace("Jiang Fan", "Jiang Fan (蒋凡)")
    assert v.uncited == ["Jiang Fan (蒋凡) was upbeat."]


def test_answer_grammars_compile_and_exclude_braces():
    from llama_cpp import LlamaGrammar

    from rag.generate import DECISION_GRAMMAR, ENGLISH_STRING_REST_GRAMMAR, STRING_REST_GRAMMAR

    for g in (DECISION_GRAMMAR, STRING_REST_GRAMMAR, ENGLISH_STRING_REST_GRAMMAR):
        LlamaGrammar.from_string(g, verbose=False)
    zh_char = STRING_REST_GRAMMAR.split("char ::=")[1].splitlines()[0]
    en_char = ENGLISH_STRING_REST_GRAMMAR.split("char ::=")[1].splitlines()[0]
    assert "{}]" in zh_char and '"u" hex' in zh_char
    # English: braces, Han characters, full-width punctuation and \u escapes excluded
    assert "{}" in en_char and r"\u4E00-\u9FFF" in en_char and r"\uFF00-\uFFEF" in en_char
    assert '"u"' not in en_char
    # the string closes only after a sentence end or a marker's "]"
    assert 'root ::= (char* end)? "\\""' in STRING_REST_GRAMMAR
    zh_end = STRING_REST_GRAMMAR.split("end ::=")[1].splitlines()[0]
    en_end = ENGLISH_STRING_REST_GRAMMAR.split("end ::=")[1].splitlines()[0]
    assert all(ch in zh_end for ch in ".]。！？") and all(ch in en_end for ch in ".]!?")
    assert not any(ch in en_end for ch in "。！？）")


def test_english_grammar_lets_through_glossary_names_only(glossary):
    from llama_cpp import LlamaGrammar

    from rag.generate import ENGLISH_STRING_REST_GRAMMAR, english_string_grammar

    names = glossary.zh_names()
    assert "优酷" in names and "蒋凡" in names and "高盛" in names
    assert "自由现金流" not in names and "经调整 EBITA" not in names  # terms the model translates itself
    g = english_string_grammar(names)
    LlamaGrammar.from_string(g, verbose=False)
    assert g.split("char ::=")[1].splitlines()[0].startswith(" name | ")
    assert '"优酷"' in g.split("name ::=")[1] and english_string_grammar(()) == ENGLISH_STRING_REST_GRAMMAR


def test_english_only_replaces_chinese_terms(glossary):
    t = english_only("徐宏 said 淘天集团 revenue grew, per 菜鸟 (Cainiao).", glossary)
    assert "Toby Xu (徐宏)" in t and "Taotian Group" in t
    assert stray_chinese(t) == []
    # written without spaces, as in Chinese: the English name gets them
    assert english_only("the share of淘宝merchants rose", glossary) == "the share of Taobao merchants rose"
    assert english_only("优酷's loss", glossary) == "Youku's loss"
    assert stray_chinese("Revenue of 云智能 grew") == ["云智能"]


def test_metric_mismatch(glossary):
    fcf = P("本季度，自由现金流为 565 亿人民币，同比减少 31%，自由现金流的减少是由于资本支出的增加以及若干一次性因素所致。")
    assert metric_mismatch("How much was capital expenditure?", "Capex was RMB 56.5 billion.", [fcf], glossary)
    assert not metric_mismatch("How much free cash flow?", "RMB 56.5 billion, down 31%.", [fcf], glossary)
    assert not metric_mismatch("云智能集团收入增长多少？", "同比增长 3%。", [CLOUD], glossary)
    # a figure found nowhere in the passages measures nothing asked
    assert metric_mismatch("What was free cash flow growth in percent?", "Free cash flow grew 10% [1].", [fcf], glossary)
    assert metric_mismatch("自由现金流增长了多少？", "自由现金流增长了 12 亿元人民币[1]。", [fcf], glossary)
    # a share the passage states in words is found there, as verification finds it
    half = P("目前 2024 年 1 月，AE Choice 订单已经占到 AliExpress 订单量的一半。")
    assert not metric_mismatch("What share of AliExpress orders did AE Choice account for?",
                               "AE Choice accounted for 50% of AliExpress orders [1].", [half], glossary)
    # a list item's number is no figure; a question asking no metric is not checked
    assert not metric_mismatch("What caused the free cash flow decrease?", "1. Higher capital expenditure [1].",
                               [fcf], glossary)


def test_an_answer_citing_only_passages_about_other_units_is_a_mismatch(glossary):
    taotian = P("淘天集团的订单量同比实现了两位数增长。")
    eleme = P("本地生活集团的经调整 EBITA 为亏损 21 亿元人民币，主要原因是饿了么每笔订单的 UE 改善。")
    assert unit_unnamed("饿了么本季度的订单量是多少？", [taotian], glossary)
    assert not unit_unnamed("饿了么本季度的订单量是多少？", [eleme], glossary)
    assert not unit_unnamed("饿了么本季度的订单量是多少？", [taotian, eleme], glossary)
    # any alias, in either language; the speaker's title counts (a unit's CEO says "我们")
    assert not unit_unnamed("How did Taobao and Tmall's orders grow?", [taotian], glossary)
    ceo = Chunk(id="c", doc="d", text="我们这个季度的亏损主要是由三个方面造成的。", start=0, end=20, tokens=0,
                section="Q&A", speaker="蒋凡", title="阿里国际数字商业集团 CEO")
    assert not unit_unnamed("What did Jiang Fan say caused AIDC's loss?", [ceo], glossary)
    # a question naming no unit, or an answer citing nothing, is not checked here
    assert not unit_unnamed("How much did orders grow?", [taotian], glossary)
    assert not unit_unnamed("饿了么本季度的订单量是多少？", [], glossary)


def test_an_amount_found_only_for_another_unit_is_a_mismatch(glossary):
    aidc = P("AIDC的经调整 EBITA 为亏损 31亿元人民币。亏损同比增加主要是由于对速卖通 Choice的投入增加。")
    cainiao = P("菜鸟的经调整 EBITA 为 9.61 亿元人民币，去年同期为亏损 1200 万元人民币。")
    q = "What was Cainiao's adjusted EBITA this quarter?"
    # one number is Cainiao's, the other AIDC's: before, one measured number was enough
    assert metric_mismatch(q, "Cainiao's adjusted EBITA was a loss of RMB 3.1 billion, compared with a loss of "
                              "RMB 12 million a year earlier [2].", [aidc, cainiao], glossary)
    assert not metric_mismatch(q, "Cainiao's adjusted EBITA was RMB 961 million, compared with a loss of RMB 12 "
                                  "million a year earlier [2].", [aidc, cainiao], glossary)
    both = "Compare Cainiao's and AIDC's adjusted EBITA."
    assert not metric_mismatch(both, "Cainiao: RMB 961 million [2]; AIDC: a loss of RMB 3.1 billion [1].",
                               [aidc, cainiao], glossary)


def test_a_figure_is_the_unit_named_last_before_it(glossary):
    lsg = P("本地生活集团的收入在 12 月份季度同比增长 13%至 152 亿元人民币，主要由饿了么的健康增长和高德的快速增长所推动。")
    # Amap is named in the sentence, but only as a driver of Local Services' figure
    assert metric_mismatch("高德本季度的收入是多少？", "高德本季度的收入为 152 亿元人民币[1]。", [lsg], glossary)
    assert metric_mismatch("What was Amap's revenue?", "Amap's revenue was RMB 15.2 billion [1].", [lsg], glossary)
    assert not metric_mismatch("本地生活集团的收入是多少？", "收入为 152 亿元人民币，同比增长 13%[1]。", [lsg], glossary)
    # the asked unit's own name holding another unit's (淘宝天猫 holds 淘宝 and 天猫) is still the asked unit
    taotian = P("淘宝天猫的收入为 100 亿元人民币。")
    assert not metric_mismatch("淘天集团的收入是多少？", "收入为 100 亿元人民币[1]。", [taotian], glossary)
    # the unit named again after another one, before the number, is the one measured
    both = P("菜鸟的收入增长受速卖通带动，菜鸟的收入为 285 亿元人民币。")
    assert not metric_mismatch("菜鸟的收入是多少？", "菜鸟的收入为 285 亿元人民币[1]。", [both], glossary)


def test_the_whole_groups_figure_given_for_a_unit_is_a_mismatch(glossary):
    group = P("合并收入共计 2,603 亿元人民币，同比增长 5%。本季度，云智能集团的收入为 281 亿元人民币，同比增长 3%。")
    assert metric_mismatch("Lazada 本季度的收入是多少？", "Lazada 本季度的收入为 2,603 亿元人民币，同比增长 5%[1]。",
                           [group], glossary)
    assert metric_mismatch("What was Lazada's revenue?", "Lazada's revenue was RMB 260.3 billion [1].", [group], glossary)
    # the group's own figure for a question naming no unit; a unit's figure for that unit
    assert not metric_mismatch("本季度的收入是多少？", "本季度合并收入为 2,603 亿元人民币[1]。", [group], glossary)
    assert not metric_mismatch("云智能集团的收入是多少？", "云智能集团的收入为 281 亿元人民币[1]。", [group], glossary)


def test_measuring_sentences_are_those_stating_the_metric_of_the_unit_asked(glossary):
    segments = P("淘天集团的经调整 EBITA 为 599 亿元人民币，同比增长 1%。云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。"
                 "本季度，云智能集团的收入为 281 亿元人民币，同比增长 3%。")
    assert measuring_sentences("What was Taotian's adjusted EBITA?", [CLOUD, segments], glossary) == [
        [], ["淘天集团的经调整 EBITA 为 599 亿元人民币，同比增长 1%。"]]
    assert measuring_sentences("云智能集团的收入是多少？", [segments], glossary) == [
        ["本季度，云智能集团的收入为 281 亿元人民币，同比增长 3%。"]]
    assert measuring_sentences("What was Taotian's GMV?", [segments, CLOUD], glossary) == [[], []]


def test_a_passage_states_the_metric_of_the_unit_asked(glossary):
    cainiao = metric_spec("菜鸟经调整 EBITA 去年同期是多少？", glossary)
    group = metric_spec("合并经调整 EBITA 是多少？", glossary)
    dme = metric_spec("What was DME's adjusted EBITA?", glossary)
    assert states_metric(CAINIAO.text, cainiao) and not states_metric(CAINIAO.text, group)
    others = "所有其他分部的经调整 EBITA 为亏损 32 亿元人民币。菜鸟的收入为 285 亿元人民币，同比增长 24%。"
    assert not states_metric(others, cainiao) and not states_metric(others, group)
    # a sentence naming no unit is about the unit last named in its paragraph
    dme_text = "大文娱集团的收入为 53 亿元人民币。经调整 EBITA 为亏损 5.17 亿元人民币。\n合并经调整 EBITA 共计 528 亿元人民币。"
    assert states_metric(dme_text, dme) and states_metric(dme_text, group)
    assert not states_metric(dme_text.split("\n")[0], group)


def test_streamer_yields_answer_text_increments():
    s = AnswerFieldStreamer()
    pieces = ['{"answ', 'erable": true, "an', 'swer": "RMB 28', '.1 billion \\"', 'cloud\\" [1]', '"}']
    out = "".join(s.feed(p) for p in pieces)
    assert out == 'RMB 28.1 billion "cloud" [1]'
    assert parse_json('{"answerable": true, "answer": "cut off') == {"answerable": True, "answer": "cut off"}


def test_year_over_year_change_completed_from_the_cited_source():
    from rag.completions import complete_changes

    t, added = complete_changes("Cloud revenue was RMB 28.1 billion [1].", [CLOUD], "en")
    assert t == "Cloud revenue was RMB 28.1 billion, up 3% year over year [1]." and added
    t, _ = complete_changes("云智能集团的收入为 281 亿元人民币[1]。", [CLOUD], "zh")
    assert t == "云智能集团的收入为 281 亿元人民币，同比增长 3%[1]。"
    fcf = P("本季度，自由现金流为 565 亿人民币，同比减少 31%，自由现金流的减少是由于资本支出的增加。")
    assert complete_changes("RMB 56.5 billion [1]", [fcf], "en")[0] == "RMB 56.5 billion, down 31% year over year [1]"
    same = "Cloud revenue was RMB 28.1 billion, up 3% [1]."
    assert complete_changes(same, [CLOUD], "en") == (same, [])  # already there
    assert complete_changes("Cainiao: RMB 961 million [2].", [CAINIAO], "en")[1] == []  # source states none
    aidc = P("国际零售商业业务收入同比增长 56%，达到 233 亿元人民币。")
    assert complete_changes("233 亿元人民币[1]", [aidc], "zh")[0] == "233 亿元人民币，同比增长 56%[1]"
    assert complete_changes("RMB 23.3 billion [1].", [aidc], "en")[0] == "RMB 23.3 billion, up 56% year over year [1]."
    far = P("收入同比增长 56%，主要由于订单增长。本季度收入为 233 亿元人民币。")
    assert complete_changes("233 亿元人民币[1]", [far], "zh")[1] == []  # the change is another sentence's
    cloud_ebita = P("云智能集团的经调整 EBITA 为 24 亿人民币，同比增长 86%。")
    assert complete_changes("The adjusted EBITA grew by 86% [1].", [cloud_ebita], "en")[0] == \
        "The adjusted EBITA grew by 86% (to RMB 2.4 billion) [1]."
    assert complete_changes("增长了 56%[1]。", [aidc], "zh")[0] == "增长了 56%（至 233 亿元人民币）[1]。"
    both = "Revenue was RMB 23.3 billion, while the other was RMB 23.3 billion [1]."
    assert complete_changes(both, [aidc], "en")[0].count("56%") == 1  # one figure, one change


def test_year_ago_amount_completed_from_the_cited_source():
    from rag.completions import complete_year_ago

    others = P("所有其他分部的经调整 EBITA 为亏损 32 亿元人民币，而去年同期为亏损 17 亿元人民币，主要原因是高鑫零售的部分业务规模缩减。")
    t, added = complete_year_ago("All others' adjusted EBITA was a loss of RMB 3.2 billion [1].", [others], "en")
    assert t == ("All others' adjusted EBITA was a loss of RMB 3.2 billion, compared with a loss of RMB 1.7 billion "
                 "a year earlier [1].") and added
    assert complete_year_ago("经调整 EBITA 为亏损 32 亿元人民币[1]。", [others], "zh")[0] == \
        "经调整 EBITA 为亏损 32 亿元人民币，去年同期为亏损 17 亿元人民币[1]。"
    # "去年同一季度则为": a profit now against a loss then
    assert complete_year_ago("Cainiao's adjusted EBITA was RMB 961 million [1].", [CAINIAO], "en")[0] == \
        "Cainiao's adjusted EBITA was RMB 961 million, compared with a loss of RMB 12 million a year earlier [1]."
    given = "RMB 961 million, against a loss of RMB 12 million [1]."
    assert complete_year_ago(given, [CAINIAO], "en") == (given, [])  # already there
    assert complete_year_ago("A loss of RMB 1.7 billion a year ago [1].", [others], "en")[1] == []  # the year-ago figure itself
    assert complete_year_ago("RMB 28.1 billion [1].", [CLOUD], "en")[1] == []  # source states none


def test_streamer_counts_complete_sentences():
    s = AnswerFieldStreamer()
    s.feed('{"answerable": true, "answer": "RMB 28.')
    assert s.sentences() == 0  # a decimal point is not a sentence end
    s.feed('1 billion. Up 3% [1]. 同比增长。')
    assert s.sentences() == 3
    s = AnswerFieldStreamer()
    s.feed('{"answerable": true, "answer": "Priorities: 1[1]. Supply [1]. 2. Price. 3. Service. ')
    assert s.sentences() == 3  # list numbers end no sentence


def test_an_answer_stopped_at_the_sentence_cap_ends_with_a_whole_sentence():
    from rag.generate import whole_sentences

    assert whole_sentences("Loss rose[2]. Marketing grew. Trendyol[2]. Returns will come[1]. We") == (
        "Loss rose[2]. Marketing grew. Trendyol[2]. Returns will come[1].")
    assert whole_sentences("亏损扩大[1]。营销增加。") == "亏损扩大[1]。营销增加。"
    # a list item's number ends no sentence
    assert whole_sentences("Priorities: 1. Supply [1]. 2. Price [1]. 3. ") == "Priorities: 1. Supply [1]. 2. Price [1]."
    assert whole_sentences("No end yet") == "No end yet"


def test_a_looping_answer_is_cut_after_its_first_copy():
    from rag.generate import cut_loop, looping

    text = ("DME's loss was RMB 5.17 billion, mainly due to the increase in the loss of the main business, "
            "which includes the loss of the main business, which includes the loss of the main business, which in")
    assert looping(text)
    # one copy of the repeated clause is kept
    assert cut_loop(text) == ("DME's loss was RMB 5.17 billion, mainly due to the increase in the loss of the main "
                              "business, which includes the loss of the main business.")
    assert not looping("Cloud revenue was RMB 28.1 billion, up 3% year over year [1].")
    # a thing named twice, as a comparison does, is not a loop
    assert not looping("Chipotle's actual comparable restaurant sales for Q4 2021 were 15.1% higher than the "
                       "reported comparable restaurant sales for")


def test_an_amount_its_source_states_as_a_loss_is_called_one():
    from rag.completions import mark_losses

    others = P("所有其他分部的经调整 EBITA 为亏损 32 亿元人民币，而去年同期为亏损 17 亿元人民币。"
               "本地生活集团的亏损收窄了 8 亿元人民币。")
    t, added = mark_losses("The adjusted EBITA of All others was RMB 3.2 billion [1].", [others], "en")
    assert t == "The adjusted EBITA of All others was a loss of RMB 3.2 billion [1]." and added == ["a loss of"]
    # the clause already says so for the first; the year-ago figure after "compared with" does not
    t, _ = mark_losses("All others' adjusted EBITA loss was RMB 3.2 billion, compared with RMB 1.7 billion [1].",
                       [others], "en")
    assert t == "All others' adjusted EBITA loss was RMB 3.2 billion, compared with a loss of RMB 1.7 billion [1]."
    for said in ("All others' adjusted EBITA was a loss of RMB 3.2 billion [1].",
                 "All others lost RMB 3.2 billion [1].", "All others had a deficit of RMB 3.2 billion [1]."):
        assert mark_losses(said, [others], "en") == (said, [])
    assert mark_losses("所有其他分部的经调整 EBITA 为 32 亿元人民币[1]。", [others], "zh")[0] == \
        "所有其他分部的经调整 EBITA 为亏损 32 亿元人民币[1]。"
    # a change in a loss is not a loss; a profit stays a profit
    narrowed = "Local Services' loss narrowed by RMB 800 million [1]."
    assert mark_losses(narrowed, [others], "en") == (narrowed, [])
    assert mark_losses("本地生活集团收窄了 8 亿元人民币[1]。", [others], "zh")[1] == []
    t, _ = mark_losses("Cainiao's adjusted EBITA was RMB 961 million, compared with RMB 12 million [1].", [CAINIAO], "en")
    assert t == "Cainiao's adjusted EBITA was RMB 961 million, compared with a loss of RMB 12 million [1]."
    # the same figure also stated as a non-loss in a cited passage: left as written
    profit = P("某业务的利润为 32 亿元人民币。")
    assert mark_losses("RMB 3.2 billion [1]", [others, profit], "en")[1] == []


def test_an_analyst_the_answer_names_gets_their_firm(glossary):
    from dataclasses import replace

    from rag.completions import name_firms

    asked = replace(P("我的问题是关于云业务的。", speaker="Thomas Chong"), role="analyst", firm="Jefferies")
    answered = replace(P("我们看到了非常大的潜力。", speaker="吴泳铭"), question_by="Thomas Chong",
                       question_firm="Jefferies")
    t, added = name_firms("Thomas Chong asked about the cloud business[1].", [asked], glossary, "en")
    assert t == "Thomas Chong (Jefferies) asked about the cloud business[1]." and added == ["Jefferies"]
    assert name_firms("Thomas Chong问了云业务的问题[1]。", [answered], glossary, "zh")[0] == \
        "Thomas Chong（Jefferies）问了云业务的问题[1]。"
    # the firm already named, in any of its glossary names, or in parentheses after the name: left as written
    for said in ("Thomas Chong of Jefferies asked [1].", "杰富瑞的 Thomas Chong 问了[1]。",
                 "Thomas Chong (an analyst) asked [1]."):
        assert name_firms(said, [asked], glossary, "en") == (said, [])
    # no analyst named, or a name that is only part of a word: nothing added
    assert name_firms("Eddie Wu answered [1].", [answered], glossary, "en")[1] == []
    assert name_firms("Thomas Chongqing [1].", [asked], glossary, "en")[1] == []


def test_an_amount_restated_in_brackets_after_itself_is_dropped():
    assert english_amounts("were RMB 19 billion (19 billion RMB) in losses") == "were RMB 19 billion in losses"
    assert english_amounts("RMB 48.7 billion (RMB 48.7 billion)") == "RMB 48.7 billion"
    # brackets that say something else stay
    assert english_amounts("RMB 28.1 billion (up 3%)") == "RMB 28.1 billion (up 3%)"
    assert english_amounts("RMB 10 billion (US$1.4 billion)") == "RMB 10 billion (US$1.4 billion)"


CAINIAO_TWO_FIGURES = P("菜鸟的收入为 285 亿元人民币，同比增长 24%，主要由跨境物流履约解决方案的收入增长所贡献。"
            "菜鸟的经调整 EBITA 为 9.61 亿元人民币，去年同期为亏损 1200 万元人民币。")


@pytest.mark.parametrize("lang,answer,kept", [
    ("en", "Cainiao's adjusted EBITA was RMB 961 million, compared with a loss of RMB 12 million a year earlier, "
           "up 24% year over year[1].",
     "Cainiao's adjusted EBITA was RMB 961 million, compared with a loss of RMB 12 million a year earlier[1]."),
    ("zh", "菜鸟的经调整 EBITA 为 9.61 亿元人民币，同比增长 24%[1]。", "菜鸟的经调整 EBITA 为 9.61 亿元人民币[1]。"),
])
def test_a_change_the_source_gives_to_another_metric_is_dropped(glossary, lang, answer, kept):
    text, dropped = drop_misattributed_changes(answer, [CAINIAO_TWO_FIGURES], glossary, lang)
    assert text == kept and len(dropped) == 1 and "24%" in dropped[0]


@pytest.mark.parametrize("answer", [
    "Cainiao's revenue was RMB 28.5 billion, up 24% year over year[1].",  # the metric the source gives it
    "菜鸟的收入为 285 亿元人民币，同比增长 24%[1]。",
    "Cainiao's adjusted EBITA rose, driven by 24% revenue growth[1].",  # no change phrase: not this check's
    "Cainiao's adjusted EBITA increased by 24%[1].",  # the sentence's predicate: dropping it leaves half a sentence
])
def test_a_change_given_to_its_own_metric_or_not_set_after_a_figure_stays(glossary, answer):
    lang = "zh" if "菜鸟" in answer else "en"
    assert drop_misattributed_changes(answer, [CAINIAO_TWO_FIGURES], glossary, lang) == (answer, [])


def test_glossary_mentions_are_found_in_text_order_longest_alias_first(glossary):
    found = [(i, e.zh[0]) for i, e in glossary.mentions("Cainiao's adjusted EBITA margin rose; revenue grew 24%")]
    assert [z for _, z in found if z in ("菜鸟", "经调整 EBITA 利润率", "经调整 EBITA", "收入")] == \
        ["菜鸟", "经调整 EBITA 利润率", "收入"]  # the margin is not also read as adjusted EBITA
    assert [i for i, _ in found] == sorted(i for i, _ in found)


RETURNED = P("2023 财年，股份回购达 98 亿美元，加上派息 25 亿美元，我们返还给股东的价值超过 120 亿美元。")


@pytest.mark.parametrize("lang,answer,completed", [
    ("zh", "阿里巴巴向股东返还了超过 120 亿美元[1]。",
     "阿里巴巴向股东返还了超过 120 亿美元（股份回购达 98 亿美元，加上派息 25 亿美元）[1]。"),
    ("en", "Alibaba returned over US$12 billion to shareholders [1].",
     "Alibaba returned over US$12 billion (buyback of US$9.8 billion and dividend of US$2.5 billion) "
     "to shareholders [1]."),
])
def test_a_total_gets_the_parts_its_source_adds_up_to_it(glossary, lang, answer, completed):
    assert complete_parts(answer, [RETURNED], glossary, lang)[0] == completed


def test_no_parts_when_the_answer_gives_one_or_the_amounts_before_do_not_add_up(glossary):
    given = "Buybacks were US$9.8 billion, and over US$12 billion was returned [1]."
    assert complete_parts(given, [RETURNED], glossary, "en") == (given, [])
    other = P("AIDC 收入为 285 亿元人民币。国际零售商业业务收入为 233 亿元人民币，国际批发商业业务收入为 53 亿元人民币。")
    for answer in ("AIDC's revenue was RMB 28.5 billion [1].", "Wholesale revenue was RMB 5.3 billion [1]."):
        assert complete_parts(answer, [other], glossary, "en") == (answer, [])


def test_a_place_the_question_names_must_be_named_by_a_cited_passage(glossary):
    direct = P("直营业务及其他的收入同比增长 2%至 316亿元人民币。")
    us = P("回到美国的问题，我们本身在美国也有一定的业务基础。", speaker="蒋凡")
    assert unit_unnamed("阿里巴巴本季度在美国市场的收入是多少？", [direct], glossary)
    assert not unit_unnamed("对于美国市场，蒋凡怎么说？", [us], glossary)
    assert not unit_unnamed("What was Alibaba's direct sales revenue?", [direct], glossary)  # no place asked


def test_a_figure_question_whose_answer_has_only_unverified_figures_is_refused(glossary):
    decide = Decide(Ctx(Knowledge(glossary)))

    def decided(q, text, unverified):
        d = Draft(Evidence(question=q, lang="en", passages=[CLOUD]), text=text, unverified=unverified)
        return decide.run(d)

    q = "What price did Alibaba.com pay to acquire Visible?"
    assert isinstance(decided(q, "Alibaba.com paid RMB 10.5 billion to acquire Visible[1].", ["RMB 10.5 billion"]),
                      Refuse)
    # one figure verified: the answer stands, its other figure flagged
    assert isinstance(decided("How much was returned?", "US$12 billion, of which US$3 billion [1].",
                              ["US$3 billion"]), Draft)
    # not a figure question: the narrative stands, the number flagged
    assert isinstance(decided("What did Jiang Fan say about Visible?", "It cost RMB 10.5 billion[1].",
                              ["RMB 10.5 billion"]), Draft)
    assert isinstance(decided(q, "Alibaba.com acquired Visible[1].", []), Draft)
    # a date question whose only date no passage gives: refused; a date a passage gives stands
    when = "When exactly will Cainiao list on the Hong Kong stock exchange?"
    assert isinstance(decided(when, "Cainiao will list in the second quarter of 2024[1].", ["2024"]), Refuse)
    assert isinstance(decided("菜鸟何时上市？", "菜鸟将于2024年上市[1]。", ["2024年"]), Refuse)
    assert isinstance(decided(when, "Cainiao will list in 2024[1].", []), Draft)
    assert isinstance(decided("What did Joe Tsai say about Cainiao in 2024?", "He said it listed [1] in 2024.", ["2024"]),
                      Draft)
    # nothing of the answer cited: refused
    assert isinstance(decided("What did Jiang Fan say about Visible?", "It was a good deal.", []), Refuse)


INVENTED = ("Example Capital", "Xinghai Logistics", "Li Hua", "示例资本", "星海物流")


def test_names_copied_from_the_worked_examples_are_removed():
    from rag.cleanup import drop_invented_names as drop
    from rag.cleanup import unused_names

    corpus = "徐宏 Toby Xu 回答 Ronald Keung (Goldman Sachs) 的提问。"
    assert unused_names(INVENTED, squash(corpus)) == INVENTED

    def drop_invented_names(text, invented, corpus, lang):
        return drop(text, unused_names(invented, squash(corpus)), lang)

    text, removed = drop_invented_names(
        "Toby Xu of Example Capital answered Goldman Sachs' question about the take rate[1].", INVENTED, corpus, "en")
    assert text == "Toby Xu answered Goldman Sachs' question about the take rate[1]." and removed == ["of Example Capital"]
    text, _ = drop_invented_names("Kenneth Fong asked about the ROIC strategy of Xinghai Logistics[1].",
                                  INVENTED, corpus, "en")
    assert text == "Kenneth Fong asked about the ROIC strategy[1]."
    # a sentence whose subject is invented goes whole; the rest stays
    text, removed = drop_invented_names("The take rate is slightly down[1]. Li Hua said costs rose[2].",
                                        INVENTED, corpus, "en")
    assert text == "The take rate is slightly down[1]." and removed == ["Li Hua said costs rose[2]."]
    text, _ = drop_invented_names("提问来自示例资本的张伟（示例资本）[1]。星海物流的收入增长[2]。", INVENTED, corpus, "zh")
    assert text == "提问张伟[1]。"
    # a name the transcript itself uses is the transcript's, and stays
    text, removed = drop_invented_names("Li Hua answered[1].", INVENTED, "Li Hua 回答了提问", "en")
    assert text == "Li Hua answered[1]." and removed == []


def test_the_segment_of_a_business_is_found_through_its_parents(glossary):
    [choice] = glossary.expand("速卖通 Choice").entries
    assert glossary.segment(choice).zh[0] == "阿里国际数字商业集团"
    [cainiao] = glossary.expand("菜鸟").entries
    assert glossary.segment(cainiao) is cainiao


def test_a_glossary_line_with_a_wrong_number_of_columns_is_named(tmp_path):
    from rag.errors import UserError

    bad = tmp_path / "g.tsv"
    bad.write_text("淘宝\tTaobao\tunit\t淘天集团\textra\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"g.tsv:1: expected 3 or 4 tab-separated columns"):
        load(str(bad))
    good = tmp_path / "ok.tsv"
    good.write_text("淘天集团\tTaotian\tunit\n淘宝\tTaobao\tunit\t淘天集团\n", encoding="utf-8")
    g = load(str(good))
    assert g.segment(g.entries[1]) is g.entries[0]


def test_a_year_over_year_change_set_against_the_previous_quarter_is_put_right():
    from rag.completions import fix_change_basis

    revenue = P("本季度，我们的合并收入共计 2,603 亿元人民币，同比增长 5%。")
    text, fixed = fix_change_basis("Revenue was RMB 260.3 billion, up 5% compared to the previous quarter[1].", [revenue])
    assert text == "Revenue was RMB 260.3 billion, up 5% year over year[1]." and fixed == [
        ("compared to the previous quarter", "year over year")]
    assert fix_change_basis("Free cash flow fell 31% quarter over quarter[1].", [P("自由现金流比去年同期减少 31%。")])[0] == \
        "Free cash flow fell 31% year over year[1]."
    # a source that does not state the change year over year, or no source of it: left as the model wrote it
    other = P("订单量较上一季度增长 5%。")
    assert fix_change_basis("Orders rose 5% from the previous quarter[1].", [other])[1] == []
    assert fix_change_basis("Orders rose 7% from the previous quarter[1].", [revenue])[1] == []


def test_a_chinese_sentence_is_supported_by_the_english_passage_it_translates():
    """A Chinese answer about an English call: wording cannot be compared, so
    its words are looked up in English (the dictionary read the other way)
    and its figures by value; an unrelated English passage does not support it."""
    from rag import support
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary

    k = Knowledge(Glossary([]), Dictionary(english={"流动性": frozenset({"liquidity"}),
                                                     "年底": frozenset({"year end"})}))
    claim = "年底的流动性为165亿美元[1]。"
    held = Chunk(id="a", doc="d", text="We ended the year with $16.5 billion of liquidity.", start=0, end=0, tokens=0)
    other = Chunk(id="b", doc="d", text="Revenue grew 12% on strong demand for our routes.", start=0, end=0, tokens=0)
    assert support.supports(support.score(claim, held, k, "zh"), "zh")
    assert not support.supports(support.score(claim, other, k, "zh"), "zh")
    # words with no English rendering cannot be looked for, and count neither way
    unreadable = "年底装瓶商和浓缩液厂的流动性为165亿美元[1]。"
    assert support.score(unreadable, held, k, "zh") == support.score(claim, held, k, "zh")


def test_a_chinese_word_english_calls_cannot_be_searched_for_is_no_sign_of_absence():
    """A Chinese question about English calls: a word the dictionary gives no
    English for cannot be looked for, so it neither refuses the question nor
    must be found; one it glosses in several words is found by its head noun
    ("运力", "transport capacity", as the calls' "capacity")."""
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary
    from rag.measures import measure_of

    k = Knowledge(Glossary([]), Dictionary(english={"运力": frozenset({"transport capacity"})}),
                  corpus_flat="capacity was down 9% versus 2019 and concentrate shipments grew")
    assert "capacity" in k.forms("运力") and k.attested(k.forms("运力"))
    q = "可口可乐浓缩液的出货量是多少？"
    assert [t.text for t in measure_of(q, k).unknown] == ["浓缩液"]  # a Chinese call would have to write it
    assert measure_of(q, k, english_only=True).unknown == []


def test_a_chinese_sentence_restating_the_question_is_scored_on_what_it_adds():
    """The question's wording, echoed by the answer, is the user's: the
    passage holds the answer (资本管制) in its own words."""
    from rag import support
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary

    k = Knowledge(Glossary([]), Dictionary())
    q = "分析师提到回购速度可能受到什么制约？"
    claim = "分析师提到回购速度可能受到资本管制的制约[1]。"
    held = Chunk(id="a", doc="d", text="就股份回购的速度而言，我们理解会存在一些制约因素和限制，比如资本管制。",
                 start=0, end=0, tokens=0)
    other = Chunk(id="b", doc="d", text="就股份回购的速度而言，我们会根据市场情况执行，没有任何限制。",
                  start=0, end=0, tokens=0)
    assert not support.supports(support.score(claim, held, k, "zh"), "zh")  # drowned by the question's words
    assert support.supports(support.score(claim, held, k, "zh", q), "zh")
    assert not support.supports(support.score(claim, other, k, "zh", q), "zh")
    # a claim adding only a few characters to the question is scored whole
    assert support.score("分析师提到回购速度可能受到制约。", held, k, "zh", q) == \
        support.score("分析师提到回购速度可能受到制约。", held, k, "zh")


def test_the_company_asked_about_in_chinese_is_the_scope_not_a_word_the_figure_needs():
    """"西南航空" of a question about Southwest Airlines' call: the call's own
    sentence ("we ended the year with $16.5 billion of liquidity") does not
    repeat the company, and must still state the measure."""
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary

    k = Knowledge(Glossary([]), Dictionary(english={"流动性": frozenset({"liquidity"}),
                                                     "西南航空": frozenset({"southwest airlines"})}),
                  corpus_flat="weendedtheyearwith$16.5billionofliquidity", doc_freq={"liquidity": 1})
    q = "西南航空2021年底的流动性是多少？"
    assert [t.text for t in measure_of(q, k, known=["Southwest Airlines"]).words] == ["流动性"]
    assert "西南航空" in [t.text for t in measure_of(q, k).words + measure_of(q, k).unknown]


def test_the_company_asked_about_by_one_word_of_its_name_is_the_scope_not_a_word_the_figure_needs():
    """"Southwest" of Southwest Airlines, "Campbell" of Campbell Soup: the
    call's sentence ("our first quarter operating revenue guidance of down 10
    to 15%") does not repeat it. Written in lower case it is a word."""
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary

    k = Knowledge(Glossary([]), Dictionary(english={}),
                  corpus_flat="southwestrevenueguidancesoutheastsoup",
                  doc_freq={"southwest": 3, "guidance": 2, "soup": 2})
    known = ["Southwest Airlines", "西南航空", "LUV"]
    assert [t.text for t in measure_of("What guidance is Southwest giving?", k, known=known).words] == ["guidance"]
    assert "Southwest" in [t.text for t in measure_of("What guidance is Southwest giving?", k).words]
    assert [t.text for t in measure_of("What guidance did Campbell give?", k, known=["Campbell Soup Company"]).words
            + measure_of("What guidance did Campbell give?", k, known=["Campbell Soup Company"]).unknown] == ["guidance"]


def test_an_english_passage_on_one_line_is_read_sentence_by_sentence():
    """The period named in one sentence is not the next sentence's: asked for
    the fourth quarter, the fiscal year's EPS in the sentence after a
    fourth-quarter one does not measure it."""
    from rag.measures import sentence_spans

    text = "In the fourth quarter, our tax rate was 25.5%. Diluted EPS for fiscal 2021 were $15.53, up 30.1%.\n下一行。"
    assert [text[s:e].strip() for s, e in sentence_spans(text)] == [
        "In the fourth quarter, our tax rate was 25.5%.", "Diluted EPS for fiscal 2021 were $15.53, up 30.1%.", "下一行。"]


def test_a_metric_narrowed_by_a_word_the_question_lacks_is_another_measure(glossary):
    phone = P("Phone churn for the quarter was 0.74%, well below pre-pandemic levels.")
    wholesale = P("From a channel perspective, fourth quarter wholesale revenue was up 16%, driven by full-price sales.")
    assert metric_mismatch("What was total retail postpaid churn in Q3 2021?", "Total churn was 0.74%[1].", [phone],
                           glossary)
    assert not metric_mismatch("What was phone churn in Q3 2021?", "Phone churn was 0.74%[1].", [phone], glossary)
    assert metric_mismatch("What was fourth-quarter revenue growth on a currency-neutral basis?",
                           "Revenue grew 16%[1].", [wholesale], glossary)
    assert not metric_mismatch("How did fourth-quarter wholesale revenue change?", "It was up 16%[1].", [wholesale],
                               glossary)
    # a verb, a generic or judging word, or a period before the metric narrows nothing
    for sent in ("We expect revenue growth of approximately 7% to 8%.",
                 "Strong revenue growth of 7% to 8% is expected.", "Fourth quarter revenue was up 7% to 8%."):
        assert not metric_mismatch("What revenue growth does it expect?", "Revenue growth of 7% to 8%[1].", [P(sent)],
                                   glossary), sent


def test_an_english_sources_change_right_after_an_amount_is_completed_in_its_words():
    from rag.completions import complete_changes

    src = P("Our diluted earnings per share for the fourth quarter were $3.21, an increase of 21.1% compared to the "
            "fourth quarter of 2020. Sales were $1.1 billion, up 15% versus our prior year, driven by demand.")
    out, added = complete_changes("Diluted EPS for Q4 were $3.21[1].", [src], "en")
    assert out == "Diluted EPS for Q4 were $3.21, an increase of 21.1% compared to the fourth quarter of 2020[1]."
    out, _ = complete_changes("Sales were $1.1 billion[1].", [src], "en")
    assert out == "Sales were $1.1 billion, up 15%[1]."  # the company's "our" is not copied
    # the change already given, or an amount its source states no change for: nothing added
    assert complete_changes("Diluted EPS were $3.21, up 21.1%[1].", [src], "en")[1] == []
    assert complete_changes("It was $9.9 billion[1].", [P("It was $9.9 billion in total.")], "en")[1] == []


def test_a_metric_written_before_another_only_qualifies_it(glossary):
    from rag.measures import labelled, metric_heads, names_metric, related_metrics
    loss, = [e for e in metric_heads(glossary, "loss")]
    assert metric_heads(glossary, "GAAP net loss") == {loss}
    assert metric_heads(glossary, "adjusted EBITDA loss") == {loss}
    assert len(metric_heads(glossary, "revenue and adjusted EBITDA")) == 2
    # a figure's metrics are those named before it; with `after`, those after it too
    profit, = metric_heads(glossary, "profit")
    eps, = metric_heads(glossary, "per diluted share")
    (_, before1), (_, before2) = labelled("a $68 million profit or $0.11 per diluted share", glossary)
    assert before1 == set() and before2 == {profit}
    (_, around1), (_, around2) = labelled("a $68 million profit or $0.11 per diluted share", glossary, after=True)
    assert around1 == {profit} and around2 == {profit, eps}
    # naming a metric: it or a narrower one; related: either way, or sharing a name
    revenue, = metric_heads(glossary, "revenue")
    organic, = metric_heads(glossary, "organic revenue")
    margin, = metric_heads(glossary, "operating margin")
    income, = metric_heads(glossary, "operating income")
    assert names_metric(organic, revenue) and not names_metric(revenue, organic)
    assert not names_metric(income, margin)
    assert related_metrics(revenue, organic) and related_metrics(organic, revenue)


def test_a_figure_restating_an_amount_per_share_measures_only_a_per_share_metric(glossary):
    """"a $68 million profit in fourth quarter or $0.11 per diluted share":
    the profit is $68 million; $0.11 is earnings per share, and was taken as
    the quarter's net income. A per-share figure standing alone (a dividend
    "of $0.3625 per share") is the metric's named before it."""
    from rag.measures import metric_heads, metrics_by
    from rag import numbers as num
    sent = "We reported a $68 million profit in fourth quarter or $0.11 per diluted share."
    profit = [P(sent)]
    assert metric_mismatch("What was net income in the fourth quarter?", "Net income was $0.11[1].", profit, glossary)
    assert not metric_mismatch("What was net income in the fourth quarter?", "Net income was $68 million[1].",
                               profit, glossary)
    assert not metric_mismatch("What were earnings per diluted share in the fourth quarter?", "They were $0.11[1].",
                               profit, glossary)
    dividend = [P("The board declared a quarterly dividend of $0.3625 per share, or $1.45 annualized.")]
    assert not metric_mismatch("What dividend did the board declare?", "A dividend of $0.3625 per share[1].",
                               dividend, glossary)
    eps, = metric_heads(glossary, "per diluted share")
    amount, per = num.source_numbers(sent)
    assert eps not in metrics_by(glossary, sent, amount) and metrics_by(glossary, sent, per) == {eps}


def test_the_direction_of_a_change_and_a_category_noun_are_no_words_the_source_must_repeat(glossary):
    """The source writes "compressed by 40 basis points" where the question
    says "contracted", "digital sales … 43% of sales" where it says "digital
    channels": the sign of the figure says the direction, and a category noun
    (channel, item, segment) names no measure of its own."""
    k = Knowledge(glossary)
    for q in ["How much has the operating margin contracted?", "营业利润率的降幅是多少？",
              "What net share count reduction is targeted?"]:
        m = measure_of(q, k)
        assert not [t.text for t in m.words + m.unknown if t.text.lower() in
                    {"contracted", "降幅", "reduction"}], q
    m = measure_of("What share of sales came through its digital channels?", k)
    assert "channels" not in [t.text for t in m.words + m.unknown]
    margin = Chunk(id="m", doc="d", text="Our operating margin compressed by 40 basis points year over year.",
                   start=0, end=0, tokens=0)
    assert measuring_sentences("How much has the operating margin contracted?", [margin], glossary) == [
        [margin.text]]


def test_guidance_asked_with_a_metric_is_stated_only_by_that_metric(glossary):
    """"CASM-x guidance": a sentence giving another metric's guidance ("our
    first quarter operating revenue guidance of down 10 to 15%") does not
    state it; guidance asked alone is the measure."""
    revenue = Chunk(id="r", doc="d", text="That gets us to our first quarter operating revenue guidance of down 10 to "
                    "15% versus first quarter 2019.", start=0, end=0, tokens=0)
    assert measuring_sentences("What CASM guidance did the company give for the first quarter?", [revenue],
                               glossary) == [[]]
    assert [t.text for t in metric_spec("What CASM guidance did the company give?", glossary).metrics] == ["CASM"]
    assert [t.text for t in metric_spec("What guidance did the company give?", glossary).metrics] == ["guidance"]


def test_an_english_word_only_ever_a_noun_is_a_noun_without_a_chinese_rendering():
    """"footwear" of "footwear revenue in dollars" is what is asked about: a
    sentence of North America's revenue does not state it. A word that can
    be a verb or a quality ("wholesale", "pricing") is not read as one."""
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary

    k = Knowledge(Glossary([]), Dictionary(english={}))
    assert k.is_noun("footwear", {"footwear"}) and k.is_noun("occupancy", {"occupancy"})
    assert not k.is_noun("wholesale", {"wholesale"}) and not k.is_noun("pricing", {"pricing"})


def test_a_term_hyphenated_otherwise_than_the_call_writes_it_is_in_the_calls():
    """"Asia-Pacific" asked of a call that writes "Asia Pacific" (and
    "e-commerce" of one that writes "ecommerce") is the call's term, not an
    absent concept to refuse on; a word the call does not hold stays absent."""
    from rag.dictionary import Dictionary
    from rag.glossary import Glossary

    k = Knowledge(Glossary([]), Dictionary(english={}),
                  corpus_flat="revenueinasiapacificgrew34%;e-commercegrew;wholesalerevenue")
    assert k.in_corpus("Asia-Pacific") and k.in_corpus("Asia Pacific")
    assert k.in_corpus("ecommerce") and k.in_corpus("e-commerce")
    assert not k.in_corpus("Latin-America") and not k.in_corpus("-")
