"""Reporting periods named in questions and source sentences, and answers
whose figures belong to another period (pure logic; sentences are the
default transcript's)."""

import pytest

from rag.chunking import Chunk
from rag.glossary import load
from rag.knowledge import Knowledge
from rag.measures import figures, measure_of, measured
from rag.periods import Period, conflict, named


@pytest.fixture(scope="module")
def period_mismatch(base_config):
    """The answer's figures do not measure what was asked, here for their period."""
    k = Knowledge(load(base_config.lexicon, base_config.glossary))
    return lambda q, answer, passages: bool(figures(answer)) and not measured(answer, passages, measure_of(q, k))

TWELVE_MONTHS = ("在截至 2023年 12月 31日止的 12个月，我们共回购了价值 95亿美元的股份，在考虑员工持股计划（ESOP）"
                 "的影响后，股数减少了 3.3%。")
FISCAL_2023 = "2023 财年，股份回购达 98 亿美元，加上派息 25 亿美元，我们返还给股东的价值超过 120 亿美元。"
NO_PERIOD = "我们的董事会已批准将股票回购计划的规模再增加 250 亿美元并延长至 2027 年 3月。"


def P(*sentences):
    text = "\n".join(sentences)
    return Chunk(id=text[:8], doc="d", text=text, start=0, end=len(text), tokens=0)


@pytest.mark.parametrize("text, periods", [
    ("截至2023年12月31日的12个月里，阿里巴巴回购了多少股份？", {Period("twelve_months")}),
    ("看过去的 12 个月，我们实际上将股数减少了 3.3%。", {Period("twelve_months")}),
    (FISCAL_2023, {Period("fiscal_year", 2023)}),
    ("How much did Alibaba buy back in fiscal year 2023?", {Period("fiscal_year", 2023)}),
    ("FY24 revenue", {Period("fiscal_year", 2024)}),
    ("FY2023 buybacks", {Period("fiscal_year", 2023)}),
    ("本季度，自由现金流为 565 亿人民币，同比减少 31%。", {Period("quarter")}),
    ("What was revenue for the December 2023 quarter?", {Period("quarter")}),
    ("What were sales in the quarter ended March 31?", {Period("quarter")}),
    ("2023年12月份季度的收入", {Period("quarter")}),
    ("How much free cash flow did Alibaba generate in the quarter?", {Period("quarter")}),
    # the fiscal year to date is its nine months, not the whole year
    ("2024财年开始至今，即本财年头九个月期间，我们已经退出了 17 亿美元的非核心资产。",
     {Period("nine_months", 2024), Period("nine_months"), Period("year_to_date"), Period("year_to_date", 2024)}),
    ("How much has Alibaba exited so far in fiscal 2024?", {Period("year_to_date", 2024), Period("year_to_date")}),
    ("AIDC去年同期的经调整 EBITA 亏损是多少？", {Period("year_ago")}),
    ("By how much did cloud revenue change quarter-on-quarter?", {Period("sequential")}),
    ("阿里巴巴下个季度的收入指引是多少？", {Period("next_quarter")}),
    # not periods: a speaker's "last quarter" (ambiguous), a rate, a month of a plan
    ("上个季度，AliExpress 实现了超过 60%的订单同比增长。", set()),
    ("按照每年回购 120亿美元以及股价上扬，我认为达到每年 3%的增值还是合理的。", set()),
    (NO_PERIOD, set()),
    # a year named bare is the year; a comparison's base, a date and a year's quarter are not
    ("What organic revenue growth did Coca-Cola guide to for 2022?", {Period("year", 2022)}),
    ("可口可乐给出的2022年全年有机收入增长指引是多少？", {Period("year", 2022)}),
    ("西南航空2021年底的流动性是多少？", {Period("year_end", 2021)}),
    ("For the full year, revenue was $151.2 billion.", {Period("year")}),
    ("How did revenue per passenger cruise day compare with 2019?", set()),
    ("How much stock did Alibaba buy back between January 1 and February 6, 2024?", set()),
    # two quarters sharing one word "quarter"
    ("How did price/mix change from the third to the fourth quarter of 2021?",
     {Period("quarter", 2021, 3), Period("quarter", 2021, 4)}),
    ("第三和第四季度的收入", {Period("quarter", None, 3), Period("quarter", None, 4)}),
    # a quarter without 第; a year that is a comparison's base
    ("西南航空对2022年一季度营业收入(相对2019年同期)的指引", {Period("quarter", 2022, 1)}),
    ("四季度收入较2019年增长多少？", {Period("quarter", None, 4)}),
    ("一个季度的收入", set()),
    # a year opening a sentence, or after "our", is what its noun is of; one opening a quarter is not
    ("2021 gross margin was up 210 basis points to a record 50.3%.", {Period("year", 2021)}),
    ("Our 2021 revenue grew 27%.", {Period("year", 2021)}),
    ("2021 fourth quarter revenue was up 9%.", {Period("quarter", None, 4)}),
    ("2021 to 2022 growth was 5%.", set()),
    ("What was Coca-Cola's 2021 free cash flow?", {Period("year", 2021)}),
    # "over 2022" is a period, "grew 5% over 2019" a change's base
    ("We expect $10.5 billion of free cash flow over 2022.", {Period("year", 2022)}),
    ("Revenue grew 5% over 2019, and unit cases were up over 2019 levels.", set()),
    # nor is a year's level: "ahead of 2019 levels" is a comparison's base
    ("Unit case growth was 6% with absolute unit cases ahead of 2019 levels.", set()),
])
def test_named_periods(text, periods):
    assert named(text) == periods


def test_a_period_other_than_the_reported_quarter_must_be_named_by_the_sentence():
    from rag.periods import fits

    assert not fits(named("What was revenue for the first nine months of fiscal 2024?"), "合并收入共计 2,603 亿元人民币。")
    assert not fits(named("By how much did revenue change quarter-on-quarter?"), "收入同比增长 5%。")
    assert not fits(named("阿里巴巴下个季度的收入指引是多少？"), "合并收入共计 2,603 亿元人民币。")
    assert fits(named("How much has Alibaba exited so far in fiscal 2024?"),
                "2024财年开始至今，即本财年头九个月期间，我们已经退出了 17 亿美元的非核心资产。")
    assert fits(named("本季度的收入是多少？"), "合并收入共计 2,603 亿元人民币。")  # the reported quarter
    # a quarter after "versus" in a passage is a comparison's base; in a question, one asked
    both = named("Compare unit case growth in Q3 2021 vs Q4 2021.")
    assert both == {Period("quarter", 2021, 3), Period("quarter", 2021, 4)}
    assert fits(both, "Unit case growth was 6%, a sequential improvement versus the second quarter.")
    assert not fits(both, "Unit case growth in the second quarter was 8%.")


def test_conflict_needs_two_explicit_periods_that_differ():
    q, fy = {Period("quarter")}, {Period("fiscal_year", 2023)}
    assert conflict(q, fy)
    assert conflict({Period("fiscal_year", 2024)}, fy)
    assert not conflict({Period("fiscal_year")}, fy)  # "本财年" vs "2023 财年": year unknown, not a conflict
    assert not conflict(q, set()) and not conflict(set(), fy)
    assert not conflict(q, {Period("quarter"), Period("fiscal_year", 2023)})


def test_a_figure_of_another_period_is_a_mismatch(period_mismatch):
    q = "截至2023年12月31日的12个月里，阿里巴巴回购了多少股份？"
    passages = [P(TWELVE_MONTHS), P(FISCAL_2023)]
    assert period_mismatch(q, "阿里巴巴回购了价值 98 亿美元的股份[2]。", passages)
    assert not period_mismatch(q, "阿里巴巴回购了价值 95亿美元的股份[1]。", passages)
    # English answers are matched by value
    assert period_mismatch("How much stock did Alibaba buy back in the 12 months to December 2023?",
                           "Alibaba repurchased US$9.8 billion of shares[2].", passages)


def test_no_mismatch_without_an_explicit_period_on_both_sides(period_mismatch):
    passages = [P(TWELVE_MONTHS), P(FISCAL_2023), P(NO_PERIOD)]
    # the question names no period
    assert not period_mismatch("阿里巴巴回购了多少股份？", "回购了 98 亿美元[2]。", passages)
    # a sentence naming no period speaks of the reported quarter: not of a fiscal year asked
    assert period_mismatch("2023财年回购计划增加了多少？", "增加了 250 亿美元[3]。", passages)
    assert not period_mismatch("本季度回购计划增加了多少？", "增加了 250 亿美元[3]。", passages)
    # the amount is also stated in a sentence of the period asked
    both = [P(FISCAL_2023), P("看过去的 12 个月，我们返还给股东的价值也超过 120 亿美元。")]
    assert not period_mismatch("过去12个月返还了多少？", "超过 120 亿美元[1]。", both)
    assert period_mismatch("过去12个月返还了多少？", "超过 120 亿美元[1]。", both[:1])
    # a number the passages lack measures nothing: it is never the figure asked
    assert period_mismatch("截至2023年12月31日的12个月里回购了多少？", "回购了 77 亿美元。", passages)


def test_a_quarter_written_before_the_call_names_the_call():
    from rag.measures import asked_periods
    from rag.periods import naming_call

    q = "What organic revenue growth did Coca-Cola guide to for 2022 on its Q3 2021 earnings call?"
    assert naming_call(q) == {Period("quarter", 2021, 3)}
    assert asked_periods(q) == {Period("year", 2022)}
    assert naming_call("在2021年第四季度电话会上，2022年的指引是多少？") == {Period("quarter", 2021, 4)}
    # the call's quarter is the period asked when no other is named
    assert asked_periods("What was revenue on the Q3 2021 call?") == {Period("quarter", 2021, 3)}
    assert naming_call("What was revenue in Q3 2021?") == set()


def test_a_sentence_naming_no_period_speaks_of_its_calls_year():
    from rag.periods import fits, of_call

    q3, q4 = of_call(2021, 3, "2021-10-27"), of_call(2021, 4, "2022-02-10")
    assert q3 == {Period("year", 2021), Period("quarter", 2021, 3)}
    assert q4 == {Period("year", 2021), Period("year", 2022), Period("quarter", 2021, 4)}
    outlook = "We now expect to deliver organic revenue growth of 13% to 14%."
    asked = named("What organic revenue growth did Coca-Cola guide to for 2022?")
    assert not fits(asked, outlook, q3)  # a Q3 2021 call's outlook is 2021's
    assert fits(asked, outlook, q4)  # a Q4 2021 call's is 2022's
    assert not fits(asked, "Revenue grew 16% in 2021.", q4)  # a sentence naming another year
    # a fiscal year asked is still named by the sentence
    assert not fits(named("What was revenue in fiscal 2021?"), outlook, q4)


def test_the_end_of_a_year_is_the_end_of_its_fourth_quarter():
    from rag.periods import fits, of_call

    for text, year in [("How big was RKLB's launch backlog at the end of 2023?", 2023),
                       ("What was Carnival's liquidity at the end of fiscal 2021?", 2021),
                       ("What was net debt at year-end 2021?", 2021), ("安德玛2021年底的现金是多少？", 2021)]:
        assert named(text) == {Period("year_end", year)}, text
    # the end of a quarter of the year is that quarter
    assert named("at the end of the fourth quarter of 2023") == {Period("quarter", 2023, 4)}
    asked = named("How big was the launch backlog at the end of 2023?")
    q4, q3 = of_call(2023, 4, "2024-02-27"), of_call(2023, 3, "2023-11-08")
    assert fits(asked, "We ended Q4 2023 with launch backlog of $248.3 million.", q4)
    assert fits(asked, "We ended 2023 with launch backlog of $248.3 million.", q4)
    # "the quarter", or no period, on the fourth quarter's call: its end is the year's
    assert fits(asked, "Launch backlog was $248.3 million at the end of the quarter.", q4)
    assert fits(asked, "Launch backlog was $248.3 million.", q4)
    # not on another quarter's call, nor at the end of another quarter, nor of another year
    assert not fits(asked, "Launch backlog was $200 million at the end of the quarter.", q3)
    assert not fits(asked, "Launch backlog was $200 million.", q3)
    assert not fits(asked, "Launch backlog was $200 million at the end of the third quarter.", q4)
    assert not fits(asked, "We ended Q4 2022 with launch backlog of $120 million.", q4)
    # the whole year asked is still not a quarter's
    assert not fits(named("What was revenue in 2023?"), "We ended Q4 2023 with revenue of $60 million.", q4)


def test_a_ratio_asked_is_measured_by_the_ratio_not_by_its_metric(base_config):
    """"revenue per passenger cruise day" asked: the ratio is the measure;
    revenue asked, the ratio is another measure."""
    k = Knowledge(load(base_config.lexicon, base_config.glossary))
    ratio = P("Revenue per passenger cruise day for the fourth quarter increased 4% compared to a strong 2019.")
    total = P("Revenue for the fourth quarter increased 9% compared to 2019.")
    per_day = measure_of("How did revenue per passenger cruise day in the fourth quarter compare with 2019?", k)
    revenue = measure_of("How did revenue in the fourth quarter compare with 2019?", k)
    assert measured("Revenue per passenger cruise day rose 4%[1].", [ratio], per_day)
    assert not measured("Revenue per passenger cruise day rose 9%[1].", [total], per_day)
    assert measured("Revenue rose 9%[1].", [total], revenue)
    assert not measured("Revenue rose 4%[1].", [ratio], revenue)
    # a metric whose own name holds "per" is no ratio of another
    eps = measure_of("What were earnings per share in the fourth quarter?", k)
    assert not eps.ratio_asked and per_day.ratio_asked
    assert measured("EPS was $0.14[1].", [P("Excluding special items, earnings per share was $0.14.")], eps)
    # nor is a name followed by one opening with "per": "earnings" + "per diluted share" is EPS
    both = measure_of("Excluding special items, what were Q4 net income and earnings per diluted share?", k)
    assert not both.ratio_asked
    # and a number's scale before a metric does not narrow it: "an $85 million profit" is net income
    profit = P("And excluding special items, we reported an $85 million profit or $0.14 per diluted share.")
    assert measured("Net income was $85 million and EPS $0.14[1].", [profit], both)
    income = measure_of("Excluding special items, what was Q4 net income?", k)
    assert measured("Net income was $85 million[1].", [profit], income)
