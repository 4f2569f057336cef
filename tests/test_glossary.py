"""The glossary reads a text only with the names it may hold: the same
matches as trying every name, at a library's scale."""

from rag.glossary import Entry, Glossary


def test_names_are_found_as_when_every_name_is_tried():
    g = Glossary([Entry(zh=("自由现金流",), en=("free cash flow", "FCF"), kind="finance"),
                  Entry(zh=("收入",), en=("revenue", "revenues"), kind="finance"),
                  Entry(zh=("客户管理收入",), en=("customer management revenue", "CMR"), kind="finance"),
                  Entry(zh=("菜鸟",), en=("Cainiao",), kind="unit")])
    texts = ["Free  cash flow was $5 billion; CMR grew 4%.", "客户管理收入同比增长4%，菜鸟的收入为285亿。",
             "FreeCashFlow rose; revenues fell.", "nothing here"]
    for t in texts:
        every = []
        rest = t
        for rx, e in g._patterns:  # the slow way: every name, longest first
            every += [(m.start(), m.end(), e) for m in rx.finditer(rest)]
            rest = rx.sub(lambda m: "\x00" * len(m.group()), rest)
        assert g.spans(t) == sorted(every, key=lambda f: f[0])
        assert g.spans(t[:20], within=t) == g.spans(t[:20])
    assert [e.en[0] for _, _, e in g.spans(texts[0])] == ["free cash flow", "customer management revenue"]
