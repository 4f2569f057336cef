"""Number parsing, normalisation and conversion (pure logic)."""

import pytest

from rag import numbers as num


def values(text):
    return [(n.value, n.kind, n.currency) for n in num.extract(text)]


@pytest.mark.parametrize("text,expected", [
    ("合并收入共计 2,603 亿元人民币", [(2603e8, "amount", "RMB")]),
    ("菜鸟的经调整 EBITA 为 9.61 亿元人民币", [(9.61e8, "amount", "RMB")]),
    ("去年同一季度则为亏损 1200 万元人民币", [(1200e4, "amount", "RMB")]),
    ("回购了价值 95亿美元的股份", [(95e8, "amount", "USD")]),
    ("同比增长 5%", [(5.0, "percent", None)]),
    ("高约 4个百分点至约 24%", [(4.0, "pp", None), (24.0, "percent", None)]),
    ("RMB 28.1 billion, up 3%", [(28.1e9, "amount", "RMB"), (3.0, "percent", None)]),
    ("US$25 billion", [(25e9, "amount", "USD")]),
    ("RMB 961 million", [(961e6, "amount", "RMB")]),
    ("down 4 percentage points", [(4.0, "pp", None)]),
    ("7500 万股", [(7500e4, "amount", None)]),
    ("1688.com 与 20-F 表格", []),
    ("1、商品供给", []),
    ("as follows: 1. Supply; 2 . Price", []),  # list markers, also once a citation marker is removed
    ("the following areas: 1.", []),  # a claim ending at its list marker
    ("it opened 5. Then 35 more", [(5.0, "plain", None), (35.0, "plain", None)]),
    ("it rose by   5. Then", [(5.0, "plain", None)]),  # spaces alone do not start a list item
    ("Areas:\n1. Supply", []),
    # basis points are hundredths of a percentage point, in either language
    ("margin compressed by 40 basis points", [(0.4, "pp", None)]),
    # an English unit right before a Chinese character ends there: no word boundary follows it
    ("毛利率提升的驱动因素是350 basis points的定价改善", [(3.5, "pp", None)]),
    ("增长了 3 percent的幅度，约 1.5 billion美元", [(3.0, "percent", None), (1.5e9, "amount", "USD")]),
    ("3 percentage", [(3.0, "plain", None)]),  # not a unit: "percentage" goes on
    ("down 50 bps, up 20bp", [(0.5, "pp", None), (0.2, "pp", None)]),
    ("第四季度为-500个基点", [(5.0, "pp", None)]),  # a minus after a Chinese word is a sign, not a hyphen
    ("COVID-19 cases", []),
])
def test_extract_values_units_currencies(text, expected):
    assert values(text) == expected


def test_years_and_dates_are_not_amounts():
    kinds = [n.kind for n in num.extract("2024 年 2 月 7 日，到 2027 年 3月")]
    assert kinds == ["year", "date", "date", "year", "date"]


def test_amounts_are_the_money_figures_only():
    text = "2023 年，收入 2,603 亿元，同比增长 5%，回购 95 亿美元，新开 35 个仓"
    assert [n.text.strip() for n in num.amounts(text)] == ["2,603 亿元", "95 亿美元"]


@pytest.mark.parametrize("zh,en", [
    ("281亿元", "RMB 28.1 billion"),
    ("9.61亿元", "RMB 961 million"),
    ("250亿美元", "US$25 billion"),
    ("2,603 亿元人民币", "RMB 260.3 billion"),
    ("1200 万元人民币", "RMB 12 million"),
    ("686 亿美元", "US$68.6 billion"),
])
def test_same_value_across_languages_and_both_conversions(zh, en):
    a, b = num.extract(zh)[0], num.extract(en)[0]
    assert a.same_value(b) and b.same_value(a)
    assert num.format_en(a.value, a.currency) == en
    back = num.extract(num.format_zh(b.value, b.currency))[0]
    assert back.same_value(a)


def test_different_values_units_or_currencies_do_not_match():
    assert not num.extract("281亿元")[0].same_value(num.extract("RMB 281 billion")[0])
    assert not num.extract("95亿美元")[0].same_value(num.extract("95亿元人民币")[0])
    assert not num.extract("5%")[0].same_value(num.extract("5 亿元")[0])
    assert not num.extract("4个百分点")[0].same_value(num.extract("4%")[0])


def test_scale_fix_only_when_certain():
    pool = num.extract("云智能集团的收入为 281 亿元人民币，菜鸟 9.61 亿元人民币")
    wrong = num.extract("RMB 281 billion")[0]
    assert num.scale_fix(wrong, pool).value == 281e8
    wrong = num.extract("9.61 billion")[0]
    assert num.scale_fix(wrong, pool).value == 9.61e8
    assert num.scale_fix(num.extract("RMB 300 billion")[0], pool) is None  # other digits: no fix
    two = num.extract("281 亿元 与 2.81 亿元")
    assert num.scale_fix(num.extract("281 billion")[0], two) is None  # ambiguous: no fix


def test_shares_written_in_words_match_their_percentages():
    text = "目前 2024 年 1 月，AE Choice 订单已经占到 AliExpress 订单量的一半"
    pool = num.source_numbers(text)
    assert [(n.text, n.kind) for n in pool if n.kind == "percent"] == [("一半", "percent")]
    assert num.find_match(num.extract("AE Choice accounted for 50% of orders")[0], pool)
    assert not num.find_match(num.extract("AE Choice accounted for 60% of orders")[0], pool)
    assert num.word_shares("约三分之一")[0].same_value(num.extract("33.33%")[0])
    assert not any(n.kind == "percent" for n in num.extract(text))  # digits only: a passage's stated figures
