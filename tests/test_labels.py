"""A figure given under another metric than its source names (pure logic on
passages; the glossary's metric names come from the general finance data)."""

from rag.answer.records import Draft, Evidence
from rag.answer.stages.labels import CheckLabels

from test_second_look import Ctx, P, draft, ctx  # noqa: F401  (the shared fixture)

CASH = P("Inventory was down 9% to $811 million. And finally, we ended the year with $1.7 billion in cash.", 1)
CHURN = P("Phone churn for the quarter was 0.74%. Postpaid phone net adds were 267,000, above our Q3 performance.", 2)
OPINC = P("Our full year operating income reached $486 million, net income was $360 million.", 3)
BUYBACK = P("我们的董事会已批准将股票回购计划的规模再增加 250 亿美元并延长至 2027 年 3月。", 4)
RANGE = P("This range reflects $60 million to $65 million of contribution from space systems.", 5)


def run(ctx, question, passages, text, lang="en"):
    return CheckLabels(ctx).run(draft(question, passages, passages, text, lang=lang))


def stands(ctx, passage, text):
    """The English answer `text`, drawn from `passage`, passes unchanged."""
    d = draft("q?", [passage], [passage], text, lang="en")
    return CheckLabels(ctx).run(d) is d


def test_a_figure_its_source_gives_another_metric_is_dropped_with_its_continuation(ctx):
    out = run(ctx, "What was Under Armour's inventory and how did it change?", [CASH],
              "Under Armour's inventory at the end of Q4 2021 was $1.7 billion, down 9% from the previous year[1].")
    assert isinstance(out, Draft) and out.text == ""
    assert ("Under Armour's inventory at the end of Q4 2021 was $1.7 billion", "") in out.corrections


def test_only_the_mislabelled_clause_of_a_sentence_is_dropped(ctx):
    out = run(ctx, "What was phone churn and total churn?", [CHURN],
              "For Verizon in Q3 2021, retail postpaid phone churn was 0.74%, and total wireless retail postpaid "
              "churn was 267,000[1].")
    assert out.text == "For Verizon in Q3 2021, retail postpaid phone churn was 0.74%[1]."
    # a thousands separator divides no clause
    out = run(ctx, "What were net adds and churn?", [CHURN],
              "Postpaid phone net adds were 267,000, phone churn was 0.74%, and total churn was 267,000[1].")
    assert out.text == "Postpaid phone net adds were 267,000, phone churn was 0.74%[1]."
    zh = run(ctx, "Under Armour 第四季度的营收是多少、同比增长多少？净利润是多少？", [OPINC],
             "Under Armour 第四季度的营收为 4.86亿美元，同比增长 9%，净利润为 3.6亿美元[1]。", lang="zh")
    assert zh.text == "净利润为 3.6亿美元[1]。"


def test_figures_under_their_own_metric_or_a_related_one_stand(ctx):
    for text, passages in [
        ("Phone churn was 0.74% and net adds were 267,000[1].", [CHURN]),
        ("Alibaba increased its share buyback program by US$25 billion[1].", [BUYBACK]),
        # the source names no metric next to the figure: nothing to say it is another's
        ("The adjusted EBITDA loss is $60 million to $65 million[1].", [RANGE]),
        # no metric named before the figure in the answer
        ("It was $1.7 billion[1].", [CASH]),
    ]:
        d = draft("q?", passages, passages, text, lang="en")
        assert CheckLabels(ctx).run(d) is d, text


BACKLOG = P("We ended Q4 2023 with launch backlog of $248.3 million. Relative to where we ended 2022, total backlog was up "
            "108%, or $542.5 million, thanks primarily to the SDA award.", 6)
DEPOSITS = P("The $360 million customer deposit increase added to the total.", 7)
SALES = P("Compared to the prior year, revenue was up 9% to $1.5 billion.", 8)


def test_an_amount_its_source_gives_as_a_change_is_no_level(ctx):
    out = run(ctx, "How big was the launch backlog?", [BACKLOG],
              "The launch backlog at the end of 2023 was $542.5 million[1].")
    assert out.text == "" and out.corrections
    out = run(ctx, "What was the customer deposit balance?", [DEPOSITS], "The customer deposit balance was $360 million[1].")
    assert out.text == ""
    # given as the change it is, or the source's level after "to": stands
    for text, passages in [("Total backlog was up $542.5 million[1].", [BACKLOG]),
                           ("Customer deposits increased by $360 million[1].", [DEPOSITS]),
                           ("Revenue was $1.5 billion[1].", [SALES])]:
        d = draft("q?", passages, passages, text, lang="en")
        assert CheckLabels(ctx).run(d) is d, text


def test_a_figure_whose_source_names_no_metric_next_to_it_is_read_with_the_sentence_before(ctx):
    guide = P("We expect revenue in the first quarter to range between $92 million and $98 million. This range reflects "
              "$60 million to $65 million of contribution from space systems.", 10)
    out = run(ctx, "What adjusted EBITDA loss is expected?", [guide],
              "Revenue is $92 million to $98 million, and the adjusted EBITDA loss is $60 million to $65 million[1].")
    assert out.text == "Revenue is $92 million to $98 million[1]."
    # the sentence before names the answer's metric: the figure is its own ("We expect it to be …")
    pronoun = P("Turning to adjusted EBITDA. We expect a loss of $28 million to $30 million.", 11)
    assert stands(ctx, pronoun, "The adjusted EBITDA loss is $28 million to $30 million[1].")


def test_a_basis_written_before_a_metric_only_qualifies_it(ctx):
    opex = P("We expect first-quarter GAAP operating expenses to range between $73 million and $75 million.", 12)
    out = run(ctx, "What GAAP net loss is expected?", [opex], "The GAAP net loss is $73 million to $75 million[1].")
    assert out.text == "" and out.corrections
    assert stands(ctx, opex, "GAAP operating expenses are $73 million to $75 million[1].")


def test_a_level_followed_by_its_change_is_a_level(ctx):
    eps = P("Fourth quarter comparable earnings per share of $0.45 was a decline of 5% year over year.", 9)
    assert stands(ctx, eps, "Comparable EPS in Q4 2021 was $0.45[1].")



def test_a_figure_no_passage_holds_given_under_a_metric_is_dropped(ctx):
    # the number stage listed $10.4 billion as found in no passage: given as revenue, it is the model's own
    d = draft("What was Under Armour's revenue and gross margin?", [SALES], [SALES],
              "Under Armour's revenue was $10.4 billion, and gross margin was 50.7%[1].", lang="en")
    out = CheckLabels(ctx).run(d.but(unverified=["$10.4 billion", "50.7%"]))
    assert out.text == "" and ("Under Armour's revenue was $10.4 billion", "") in out.corrections
    # the dropped figures are no longer listed as unverified; a year the question did not name stays listed
    d = draft("q?", [SALES], [SALES], "Revenue was up 9% in 2021, and gross margin was 50.7%[1].", lang="en")
    out = CheckLabels(ctx).run(d.but(unverified=["50.7%", "2021"]))
    assert out.text == "Revenue was up 9% in 2021[1]." and out.unverified == ["2021"]
    # an unverified figure with no metric named before it is left to the number stage's flag
    d = draft("q?", [SALES], [SALES], "It was $10.4 billion[1].", lang="en").but(unverified=["$10.4 billion"])
    assert CheckLabels(ctx).run(d) is d


def test_a_figure_is_read_under_the_metric_its_own_clause_names(ctx):
    income = P("For full year 2021, our net income was 977 million or $1.61 per diluted share. Excluding special items, "
               "our full year net loss was 1.3 billion or a $2.15 loss per diluted share.", 11)
    # "per diluted share" ends the clause before: it does not make $1.3 billion a figure of earnings per share
    out = run(ctx, "What were net income, EPS and liquidity?", [income],
              "Net income was $977 million, or $1.61 per diluted share, and its liquidity at the end of 2021 "
              "was $1.3 billion[1].")
    assert out.text == "Net income was $977 million, or $1.61 per diluted share[1]."
    assert ("and its liquidity at the end of 2021 was $1.3 billion.", "") in out.corrections
    # a clause naming no metric before its figure is read with the clause before ("Net income, …, was")
    assert stands(ctx, income, "Net income, including the payroll support, was $977 million[1].")


def test_an_amount_is_read_under_the_metric_written_right_after_it(ctx):
    capital = P("We returned $15 billion in share repurchases during fiscal 2021. We invested $830 million in "
                "capital expenditures during the fourth quarter.", 12)
    # "$15 billion on share repurchases": not capital expenditures, read back from the figure before
    assert stands(ctx, capital, "Home Depot spent approximately $830 million on capital expenditures and "
              "$15 billion on share repurchases[1].")
    # the metric after the amount is its label, and a wrong one is found
    out = run(ctx, "How much did Home Depot spend on capex?", [capital],
              "Home Depot spent $15 billion of capital expenditures[1].")
    assert out.text == ""
    # a share "of" a metric is no figure of it
    ratio = P("Operating expenses were approximately 19.7% of sales.", 13)
    assert stands(ctx, ratio, "Operating expenses were 19.7% of sales[1].")


def test_a_clause_kept_after_an_opening_phrase_loses_its_joining_word(ctx):
    out = run(ctx, "What were revenue and net income?", [OPINC],
              "Excluding special items, revenue was $486 million, and net income was $360 million[1].")
    assert out.text == "Excluding special items, net income was $360 million[1]."
    # after a kept figure the joining word stays
    out = run(ctx, "What were net income, revenue and EPS?", [OPINC],
              "Net income was $360 million, revenue was $486 million, and operating income was $486 million[1].")
    assert out.text == "Net income was $360 million, and operating income was $486 million[1]."


def test_and_before_a_figure_divides_clauses(ctx):
    from rag.answer.stages.labels import clause_spans

    t = "Growth was 6% in Q3 2021 and 10% in Q4 2021, while sales and costs rose."
    assert [t[a:b] for a, b in clause_spans(t)] == ["Growth was 6% in Q3 2021", " and 10% in Q4 2021,",
                                                    " while sales and costs rose."]
    capital = P("We returned $15 billion in share repurchases during fiscal 2021, including $4.5 billion in the "
                "fourth quarter. We invested $830 million in capital expenditures during the fourth quarter.", 14)
    # only the wrong figure's clause goes, not the right one joined to it by "and"
    out = run(ctx, "How much did Home Depot spend on capex and buybacks?", [capital],
              "Home Depot spent $15 billion on capital expenditures and $4.5 billion on share repurchases[1].")
    assert out.text == "$4.5 billion on share repurchases[1]."
