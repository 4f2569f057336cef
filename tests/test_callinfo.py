"""Call records: what each real transcript says about itself (company, ticker,
period, date, language), what only its file name says (listed as guessed),
and the sidecar that overrides both."""

from pathlib import Path

import pytest

from rag.callinfo import CallInfo, detect, for_file, load_sidecar
from rag.errors import BadInput, UserError
from tests.conftest import ROOT

CORPUS = ROOT.parent / "shared" / "corpus"
EN_DEV = CORPUS / "en-dev"
CALLS_TEST = ROOT / "eval" / "calls-test"
DATA = Path(__file__).parent / "data"

FROM_NAME = ["company", "fiscal_quarter", "fiscal_year", "period"]  # ECTSum: the text names neither
# file -> (company, ticker, period, fiscal_year, fiscal_quarter, date, language, guessed)
EXPECTED = {
    CORPUS / "alibaba-2023q4-earnings-call-zh.txt":
        ("阿里巴巴集团", None, "2023年12月份季度", 2024, None, "2024-02-07", "zh", []),
    EN_DEV / "Rocket Lab Q4 2023 earnings call (speaker lines).txt":
        ("Rocket Lab USA, Inc.", "RKLB", "Q4 2023", 2023, 4, "2024-02-27", "en", []),
    EN_DEV / "Carnival Q4 2021 earnings call.txt": ("Carnival", None, "Q4 2021", 2021, 4, None, "en", FROM_NAME),
    # "Chipotle's third quarter results highlight ..."
    EN_DEV / "Chipotle Q3 2021 earnings call.txt": ("Chipotle", None, "Q3 2021", 2021, 3, None, "en",
                                                    ["fiscal_year", "period"]),
    EN_DEV / "Coca-Cola Q3 2021 earnings call.txt": ("Coca-Cola", None, "Q3 2021", 2021, 3, None, "en", FROM_NAME),
    # "Now looking more closely at our fourth quarter results."
    EN_DEV / "Coca-Cola Q4 2021 earnings call.txt": ("Coca-Cola", None, "Q4 2021", 2021, 4, None, "en",
                                                     ["company", "fiscal_year", "period"]),
    # the call speaks of "fiscal 2021"
    EN_DEV / "Home Depot Q4 2021 earnings call.txt": ("Home Depot", None, "Q4 fiscal 2021", 2021, 4, None, "en", FROM_NAME),
    EN_DEV / "Southwest Airlines Q4 2021 earnings call.txt": ("Southwest Airlines", None, "Q4 2021", 2021, 4, None, "en",
                                                             ["company", "fiscal_year", "period"]),
    EN_DEV / "Under Armour Q4 2021 earnings call.txt": ("Under Armour", None, "Q4 fiscal 2021", 2021, 4, None, "en",
                                                        FROM_NAME),
    EN_DEV / "Verizon Q3 2021 earnings call.txt": ("Verizon", None, "Q3 2021", 2021, 3, None, "en", FROM_NAME),
    CALLS_TEST / "Amphenol Q3 2021 earnings call.txt": ("Amphenol", None, "Q3 2021", 2021, 3, None, "en", FROM_NAME),
    CALLS_TEST / "Amphenol Q4 2021 earnings call.txt": ("Amphenol", None, "Q4 2021", 2021, 4, None, "en", FROM_NAME),
    # "Today, we will review the second quarter 2021 financial results"
    CALLS_TEST / "Bio-Rad Q2 2021 earnings call.txt": ("Bio-Rad", None, "Q2 2021", 2021, 2, None, "en", ["company"]),
    # "our third quarter performance", "fiscal 2021"
    CALLS_TEST / "Campbell Soup Q3 2021 earnings call.txt": ("Campbell Soup", None, "Q3 fiscal 2021", 2021, 3, None, "en",
                                                             ["company", "fiscal_year", "period"]),
    CALLS_TEST / "Campbell Soup Q4 2021 earnings call.txt": ("Campbell Soup", None, "Q4 fiscal 2021", 2021, 4, None, "en",
                                                             ["company", "fiscal_year", "period"]),
    # "our FY '21 outlook"
    CALLS_TEST / "Clorox Q1 2021 earnings call.txt": ("Clorox", None, "Q1 fiscal 2021", 2021, 1, None, "en", FROM_NAME),
    # "welcome to the Equinix Third Quarter Earnings Conference Call": the year only in the file name
    CALLS_TEST / "Equinix Q3 2022 earnings call.txt": ("Equinix", None, "Q3 2022", 2022, 3, None, "en",
                                                       ["fiscal_year", "period"]),
    DATA / "sample-call-zh.txt": ("星辰科技", None, "2024年3月份季度", None, None, "2024-05-15", "zh", []),
    # "NWRB earnings call for the period ending June 30, 2024": a period end, not the call's date
    DATA / "shape-c-dashes.txt": ("Northwind Robotics", "NWRB", "Q2 2024", 2024, 2, None, "en", []),
    DATA / "shape-c-colon.txt": ("Contoso Foods", None, "Q3 fiscal 2024", 2024, 3, "2024-03-05", "en", []),
    DATA / "shape-e.md": ("Fabrikam Energy", None, "Q1 2024", 2024, 1, "2024-04-24", "en", []),
}


def _info(info: CallInfo) -> tuple:
    return (info.company, info.ticker, info.period, info.fiscal_year, info.fiscal_quarter, info.date, info.language,
            sorted(info.guessed))


@pytest.mark.parametrize("path", list(EXPECTED), ids=lambda p: p.stem)
def test_detection_on_every_real_file(path):
    assert path.exists(), f"{path} is missing"
    *fields, guessed = EXPECTED[path]
    assert _info(detect(path.read_text(encoding="utf-8"), path.name)) == (*fields, sorted(guessed))


def test_every_real_file_is_in_the_table():
    real = {p for p in [*CORPUS.glob("*.txt"), *EN_DEV.glob("* earnings call*.txt"), *CALLS_TEST.glob("*.txt")]}
    assert real <= set(EXPECTED)


def test_the_text_wins_over_the_file_name():
    path = CALLS_TEST / "Bio-Rad Q2 2021 earnings call.txt"
    info = detect(path.read_text(encoding="utf-8"), "Bio-Rad Q4 2020 earnings call.txt")
    assert (info.period, info.fiscal_quarter, info.fiscal_year) == ("Q2 2021", 2, 2021)
    assert "period" not in info.guessed


def test_a_ticker_file_name():
    path = CALLS_TEST / "Campbell Soup Q3 2021 earnings call.txt"
    info = detect(path.read_text(encoding="utf-8"), "CPB_q3_2021.txt")
    assert _info(info) == (None, "CPB", "Q3 fiscal 2021", 2021, 3, None, "en", ["fiscal_year", "period", "ticker"])


def test_the_chinese_month_quarter_is_no_fiscal_quarter_unless_the_text_says():
    text = "阿里巴巴集团 2023 年 12 月份季度业绩电话会议\n"
    info = detect(text, "alibaba-2023q4-earnings-call-zh.txt")
    assert (info.period, info.fiscal_quarter, info.fiscal_year) == ("2023年12月份季度", None, None)
    info = detect(text + "这是 2024 财年第三季度的业绩。\n", "x.txt")
    assert (info.period, info.fiscal_quarter, info.fiscal_year) == ("2023年12月份季度", 3, 2024)


def test_nothing_known_is_nothing_guessed_but_the_default_language():
    info = detect("", "notes.txt")
    assert _info(info) == (None, None, None, None, None, None, "en", ["language"])


def test_sidecar_overrides_detection(tmp_path):
    call = tmp_path / "Equinix Q3 2022 earnings call.txt"
    call.write_text((CALLS_TEST / call.name).read_text(encoding="utf-8"), encoding="utf-8")
    assert load_sidecar(call) == {}
    (tmp_path / (call.name + ".call.toml")).write_text(
        'company = "Equinix, Inc."\nticker = "EQIX"\nfiscal_year = 2022\ndate = 2022-10-26\n', encoding="utf-8")
    assert load_sidecar(call) == {"company": "Equinix, Inc.", "ticker": "EQIX", "fiscal_year": 2022,
                                  "date": "2022-10-26"}
    info = for_file(call, call.read_text(encoding="utf-8"))
    assert _info(info) == ("Equinix, Inc.", "EQIX", "Q3 2022", 2022, 3, "2022-10-26", "en", ["period"])


@pytest.mark.parametrize("content, words", [
    ('company = "Acme\n', "not valid TOML"),
    ('company = "Acme"\nquarter = 3\n', "unknown key(s) quarter"),
    ("fiscal_quarter = 5\n", "fiscal_quarter must be 1 to 4"),
    ('fiscal_year = "2024"\n', "fiscal_year must be a number"),
    ('date = "27 February"\n', "date must be a date"),
    ('language = "fr"\n', "language must be one of en, zh"),
])
def test_a_bad_sidecar_is_one_line(tmp_path, content, words):
    call = tmp_path / "call.txt"
    call.write_text("Operator: hello.\n", encoding="utf-8")
    (tmp_path / "call.txt.call.toml").write_text(content, encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load_sidecar(call)
    assert isinstance(e.value, UserError)
    assert words in str(e.value) and "\n" not in str(e.value)
