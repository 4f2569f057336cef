"""Which calls of a library a question is about, and calls named by a user
(pure logic on call records)."""

import pytest

from rag.errors import BadInput
from rag.library import Call, select, slug
from rag.scope import periods_named, resolve

LIBRARY = [
    Call("campbell-soup-q3-2021", "Campbell Soup Company", "CPB", "Q3 fiscal 2021", 2021, 3),
    Call("campbell-soup-q4-2021", "Campbell Soup Company", "CPB", "Q4 fiscal 2021", 2021, 4),
    Call("amphenol-q3-2021", "Amphenol Corporation", "APH", "Q3 2021", 2021, 3),
    Call("amphenol-q4-2021", "Amphenol Corporation", "APH", "Q4 2021", 2021, 4),
    Call("equinix-q3-2022", "Equinix, Inc.", "EQIX", "Q3 2022", 2022, 3),
    Call("alibaba-2023-12", "阿里巴巴集团", "BABA", "2023年12月份季度", 2024, None, aliases=["Alibaba Group", "Alibaba"]),
]


@pytest.mark.parametrize("question,calls", [
    ("What was Campbell's organic sales growth in the third quarter of fiscal 2021?", ["campbell-soup-q3-2021"]),
    ("CPB Q4 2021 adjusted EPS?", ["campbell-soup-q4-2021"]),
    ("How did Amphenol's sales change from Q3 to Q4 2021?", ["amphenol-q3-2021", "amphenol-q4-2021"]),
    ("What did Equinix say about power costs?", ["equinix-q3-2022"]),
    ("What was Amphenol's latest quarterly revenue?", ["amphenol-q4-2021"]),
    ("What was Alibaba's revenue in the December 2023 quarter?", ["alibaba-2023-12"]),
    ("阿里巴巴集团本季度的收入是多少？", ["alibaba-2023-12"]),
    ("Which company raised its dividend?", []),  # no company, no period: every call
    # a year of another phrase is not the quarter's: the Q3 call
    ("Why did Amphenol give no 2022 target on its Q3 call?", ["amphenol-q3-2021"]),
    ("What did Amphenol report in 3Q21?", ["amphenol-q3-2021"]),
    # a quarter named by its month, of a call that states its quarter by number
    ("What was Amphenol's gross margin in the December quarter?", ["amphenol-q4-2021"]),
    # a period after a company's calls is an outlook: its latest call
    ("What revenue did Amphenol guide to for Q1 2022?", ["amphenol-q4-2021"]),
    ("What did Equinix guide to for 2023?", ["equinix-q3-2022"]),
    ("Why would Amphenol's Q1 margin fall?", ["amphenol-q4-2021"]),  # the quarter after the latest, no year
    ("What interest expense is Amphenol modeling for 2022?", ["amphenol-q4-2021"]),
])
def test_a_question_is_answered_from_the_calls_it_names(question, calls):
    assert sorted(resolve(question, LIBRARY).calls) == sorted(calls)


def test_a_company_and_period_the_library_lacks_is_said_so():
    s = resolve("What were Campbell's sales in the first quarter of fiscal 2021?", LIBRARY)
    assert s.calls == [] and "Campbell Soup" in s.missing and s.companies == ["Campbell Soup Company"]
    assert resolve("What were Amphenol's sales in Q2?", LIBRARY).missing  # before its calls, not an outlook
    assert resolve("What were Amphenol's actual sales in Q1 2022?", LIBRARY).missing  # a result, not an outlook
    assert resolve("阿里巴巴2023年9月份季度的收入是多少？", LIBRARY).missing
    # a company the library does not hold names no call: the question goes to every call (and is refused later)
    assert resolve("What was Tyson Foods' dividend per share?", LIBRARY).calls == []


def test_periods_are_read_with_their_year():
    got = periods_named("How did sales change from the third quarter to the fourth quarter of fiscal 2021?")
    assert [(p.quarter, p.year) for p in got] == [(3, 2021), (4, 2021)]
    assert [(p.quarter, p.year) for p in periods_named("Q1 2024 versus Q4 2023")] == [(1, 2024), (4, 2023)]
    # two quarters sharing one word "quarter"
    assert [(p.quarter, p.year) for p in periods_named("from the third to the fourth quarter of 2021")] == [(3, 2021), (4, 2021)]
    assert [p.quarter for p in periods_named("第三和第四季度的收入")] == [3, 4]
    assert [(p.month, p.year) for p in periods_named("阿里巴巴 2023年12月份季度的收入")] == [(12, 2023)]


def test_calls_are_named_by_id_or_words_and_a_wrong_name_lists_the_library():
    assert [c.id for c in select(LIBRARY, ["equinix-q3-2022"])] == ["equinix-q3-2022"]
    assert [c.id for c in select(LIBRARY, ["CPB Q4"])] == ["campbell-soup-q4-2021"]
    assert [c.id for c in select(LIBRARY, ["amphenol"])] == ["amphenol-q3-2021", "amphenol-q4-2021"]
    with pytest.raises(BadInput, match=r"no call matches 'Tyson'; the library holds: .*campbell-soup-q3-2021"):
        select(LIBRARY, ["Tyson"])
    assert slug("Campbell Soup", "Q3 2021") == "campbell-soup-q3-2021" and slug("阿里巴巴集团", "2023年12月") == "阿里巴巴集团-2023年12月"


def test_a_chinese_company_is_named_without_its_corporate_ending_and_in_english_by_its_glossary_row():
    from rag.glossary import Entry, Glossary
    from rag.retrieve import company_names

    zh = Call(id="ali", company="阿里巴巴集团", period="2023年12月份季度", language="zh")
    en = Call(id="cpb", company="Campbell Soup", period="Q3 fiscal 2021", language="en")
    assert resolve("阿里巴巴的收入是多少？", [zh, en]).calls == ["ali"]
    glossary = Glossary([Entry(zh=("阿里巴巴集团", "阿里巴巴"), en=("Alibaba Group", "Alibaba"), kind="company"),
                         Entry(zh=("菜鸟",), en=("Cainiao",), kind="unit")])
    zh.aliases = company_names(glossary, zh.company)
    assert zh.aliases == ["阿里巴巴", "Alibaba Group", "Alibaba"]
    assert resolve("What was Alibaba's revenue?", [zh, en]).calls == ["ali"]
    assert company_names(glossary, "Campbell Soup") == []


def test_a_days_date_dates_an_event_not_the_call_and_a_calendar_year_matches_a_fiscal_years_call():
    ali = Call(id="ali", company="阿里巴巴集团", period="2023年12月份季度", fiscal_year=2024, fiscal_quarter=3,
               language="zh", aliases=["Alibaba Group", "Alibaba"])
    other = Call(id="cpb", company="Campbell Soup", period="Q3 fiscal 2021", fiscal_year=2021, fiscal_quarter=3)
    for q in ("How much stock did Alibaba repurchase between January 1 and February 6, 2024?",
              "在截至2023年12月31日止的12个月里，阿里巴巴回购了价值多少的股份？",
              "What did Alibaba say about the 2023 calendar year?"):
        s = resolve(q, [ali, other])
        assert s.calls == ["ali"] and not s.missing, (q, s)
    assert resolve("What was Campbell's revenue in 2019?", [ali, other]).missing


def test_a_chinese_question_names_an_english_call_by_the_companies_data():
    """data/companies.tsv gives large companies' Chinese names; a call's
    company matches its row whatever its corporate ending ("The Home Depot",
    "Rocket Lab USA, Inc.")."""
    from rag.config import PROJECT_ROOT
    from rag.glossary import load
    from rag.retrieve import company_names

    g = load(str(PROJECT_ROOT / "data" / "companies.tsv"))
    home = Call("home-depot-q4-2021", "The Home Depot", "HD", "Q4 fiscal 2021", 2021, 4)
    home.aliases = company_names(g, home.company)
    assert "家得宝" in home.aliases and "Rocket Lab" in company_names(g, "Rocket Lab USA, Inc.")
    assert resolve("家得宝这次把季度股息上调到每股多少？", [home, *LIBRARY]).calls == ["home-depot-q4-2021"]


def test_a_ticker_from_the_companies_data_names_a_call_whose_transcript_states_none():
    """Analysts ask "KO comparable EPS?": data/companies.tsv gives a large
    company's ticker, matched in its own case only ("LOW" is Lowe's, "low"
    a word), and kept apart from the names, which match in any case."""
    from rag.config import PROJECT_ROOT
    from rag.glossary import load
    from rag.retrieve import company_names, company_ticker

    g = load(str(PROJECT_ROOT / "data" / "companies.tsv"))
    assert company_ticker(g, "The Coca-Cola Company") == "KO" and company_ticker(g, "Lowe's") == "LOW"
    assert company_ticker(g, "Campbell Soup Company") == "CPB" and company_ticker(g, "Acme Widgets") == ""
    assert "KO" not in company_names(g, "Coca-Cola")  # not a name: "ko" in a question is not Coca-Cola
    assert [e.en[0] for e in g.expand("KO comparable EPS for Q4?").entries] == ["Coca-Cola"]
    assert g.expand("Why is the cost so low?").entries == []
    ko = Call("coca-cola-q4-2021", "Coca-Cola", company_ticker(g, "Coca-Cola"), "Q4 2021", 2021, 4)
    assert resolve("KO comparable EPS for Q4 2021?", [ko, *LIBRARY]).calls == ["coca-cola-q4-2021"]
    assert resolve("Is KO's ko-branded product named?", [ko]).calls == ["coca-cola-q4-2021"]
    assert resolve("Any knockout quarter?", [ko, *LIBRARY]).calls == []
