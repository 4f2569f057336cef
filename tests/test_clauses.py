"""A Chinese answer given the rest of the source sentence its figures come from."""

from rag.chunking import Chunk
from rag.clauses import complete_clauses


def P(text):
    return Chunk(id=text[:8], doc="d", text=text, start=0, end=len(text), tokens=0, section="业务进展", speaker="蒋凡")


ORDERS = P("首先是商业模式与供应链服务升级。上个季度，AliExpress 实现了超过 60%的订单同比增长，"
           "主要由 2023年初推出的新模式 AE Choice 带来的。\n目前 2024 年 1 月，AE Choice 订单已经占到一半。")
BUYBACK = P("我们一直积极回购股份。在截至 2023年 12月 31日止的 12个月，我们共回购了价值 95亿美元的股份，"
            "在考虑员工持股计划（ESOP）的影响后，股数减少了 3.3%。从 2024 年 1 月 1 日到 2 月 6 日，我们回购了约 14亿美元的股份。")
RETAIL = P("international retail commerce 业务收入同比增长 56%，达到 233 亿元人民币。增长主要是由 AliExpress 以及 "
           "Trendyol 的收入稳健增长所驱动。international wholesale commerce 业务收入为 53 亿元人民币，同比增长 8%。")


def test_a_cause_asked_for_is_taken_from_the_rest_of_the_figures_sentence():
    text, added = complete_clauses("AliExpress 的订单增长了超过 60%[1]。", "AliExpress 的订单增长了多少？由什么带来？", [ORDERS])
    assert text == "AliExpress 的订单增长了超过 60%，主要由 2023年初推出的新模式 AE Choice 带来的[1]。"
    assert added == ["主要由 2023年初推出的新模式 AE Choice 带来的"]


def test_a_cause_not_asked_for_is_not_added():
    text, added = complete_clauses("AliExpress 的订单增长了超过 60%[1]。", "AliExpress 的订单增长了多少？", [ORDERS])
    assert (text, added) == ("AliExpress 的订单增长了超过 60%[1]。", [])


def test_an_answer_that_gives_a_cause_gets_no_second_one():
    text, added = complete_clauses("AliExpress 的订单增长了超过 60%，由于新模式[1]。", "AliExpress 的订单为什么增长？", [ORDERS])
    assert added == []


def test_a_further_figure_of_the_same_sentence_is_kept_with_the_clause_leading_to_it():
    text, added = complete_clauses("阿里巴巴回购了价值 95亿美元的股份[1]。", "截至2023年12月31日的12个月里，阿里巴巴回购了多少股份？",
                                   [BUYBACK])
    assert text == "阿里巴巴回购了价值 95亿美元的股份，在考虑员工持股计划（ESOP）的影响后，股数减少了 3.3%[1]。"
    # the next sentence (another period's buybacks) is not taken
    assert "14亿" not in text


def test_a_cause_stated_in_the_next_sentence_is_taken_when_that_sentence_opens_with_it():
    text, _ = complete_clauses("国际零售商业收入同比增长 56%，达到 233 亿元人民币[1]。", "国际零售商业收入增长由什么驱动？", [RETAIL])
    assert text == ("国际零售商业收入同比增长 56%，达到 233 亿元人民币，增长主要是由 AliExpress 以及 Trendyol 的收入稳健增长"
                    "所驱动[1]。")


def test_a_sentence_whose_figures_are_all_given_is_left_as_it_is():
    answer = "国际零售商业收入同比增长 56%，达到 233 亿元人民币[1]。"
    assert complete_clauses(answer, "国际零售商业收入是多少？", [RETAIL]) == (answer, [])


def test_only_sentences_with_a_figure_of_the_passage_change_and_markers_stay():
    answer = "AE Choice 是新模式[1]。AliExpress 的订单增长了超过 60%[1]。"
    text, _ = complete_clauses(answer, "AliExpress 的订单增长了多少？由什么带来？", [ORDERS])
    assert text == "AE Choice 是新模式[1]。AliExpress 的订单增长了超过 60%，主要由 2023年初推出的新模式 AE Choice 带来的[1]。"


def test_a_figure_no_passage_states_adds_nothing():
    answer = "订单增长了 45%[1]。"
    assert complete_clauses(answer, "订单为什么增长？", [ORDERS, BUYBACK]) == (answer, [])
