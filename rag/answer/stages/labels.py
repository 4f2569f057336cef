"""Stage: each figure of the answer is given under the metric its source names.

Error it exists for: number verification matches by value, so a true figure
of one metric passes under another's name. "Under Armour's inventory … was
$1.7 billion" (the call's $1.7 billion is its cash); "total wireless retail
postpaid churn was 267,000" (267,000 is its postpaid phone net adds); "营收为
4.86亿美元" ($486 million is its full-year operating income); "adjusted
EBITDA loss of $60 million" (the quarter's revenue); "the launch backlog was
$542.5 million" (by which the total backlog grew). A figure is mislabelled
when the answer names a metric right before it, and every sentence of the
passages holding its value names, next to it, a metric and none of those
(nor one whose name holds theirs: a buyback for a "buyback program"); an
amount the answer gives as a level is mislabelled when every sentence
holding it gives it as a change ("up 108%, or $542.5 million"); a figure
no passage holds at all (listed unverified by the number stage) given
under a metric's name is the model's own ("Under Armour reported revenue of
$10.4 billion", where the call says $5.7 billion; "postpaid phone churn was
0.01%"): flagging it still shows it as the answer. Its
clause is dropped, with the clauses after it that name no metric of their
own ("…, down 9% from the previous year"), and listed as a correction; what
the question asked is then found missing by the measure and parts stages,
which answer it again from the sentences stating it or say it is absent.
"""

from __future__ import annotations

import re
from typing import Callable

from ... import claims as cl
from ... import numbers as num
from ...call_periods import quarter_spans
from ...measures import METRIC_KINDS, figures, metric_heads, metrics_by, related_metrics, sentence_spans
from ..records import Draft, Stage

# Where a sentence of the answer divides into clauses: Chinese commas and
# semicolons, an English comma not inside a number ("267,000").
CLAUSE_RE = re.compile(r"(?:[^，；;,]|,(?=\d))+(?:[，；;]|,(?!\d)|$)")
# A source giving an amount as a change: the change word right before it
# ("up $19 billion", "increased by approximately $360 million", "up 108%, or
# $542.5 million", "an increase of $2 billion", "增加 250 亿美元"), or its noun
# right after ("the $360 million customer deposit increase").
_CHANGE_WORD = (r"(?:up|down|increased?|decreased?|grew|grown|rose|risen|fell|fallen|declined?|improved?|added|gained|"
                r"expanded|contracted|higher|lower)")
CHANGE_BEFORE_RE = re.compile(
    r"(?:\b" + _CHANGE_WORD + r"\s+(?:by\s+)?(?:[\d.,]+\s*(?:%|percent|basis points),?\s+or\s+)?"
    r"|\b(?:increase|decrease|improvement|decline|reduction|rise|drop|gain)s?\s+of\s+"
    r"|(?:增加|增长|减少|下降|提升|提高|上升|降低)了?\s*)"
    r"(?:(?:approximately|about|nearly|almost|roughly|over|more than|some|约|近|超过)\s*)?\$?\s*$", re.I)
CHANGE_AFTER_RE = re.compile(r"\s*(?:(?!(?:was|were|is|are|be|been|a|an|the|of|in|to|and|or|for|with|as|versus|vs|"
                             r"compared)\b)[A-Za-z-]+\s+){0,3}(?:increase|decrease|improvement|decline|reduction|rise|"
                             r"drop|gain)s?\b", re.I)
# An answer giving an amount as a change: a change word near it.
CHANGE_NEAR_RE = re.compile(r"\b(?:up|down|increas\w*|decreas\w*|gr[eo]w\w*|r[io]se\w*|fell|fall\w*|declin\w*|improv\w*|"
                            r"higher|lower|add\w*|gain\w*|expan\w*|chang\w*|more|less|rais\w*|cut\w*|reduc\w*|drop\w*)\b"
                            r"|增|减|降|升|提高|变化", re.I)
# Words opening a clause that only join it to the one before.
JOINING_RE = re.compile(r"^\s*(?:and|while|whereas|with|but|而|并且|以及|和)\s+", re.I)


class CheckLabels(Stage):

    @staticmethod
    def holding(n: num.Number, sources: list[list[tuple]]) -> list[tuple]:
        """The sentences (with their numbers) holding the value of `n`: those
        of the first of `sources` (the cited passages', then all those shown)
        where some do."""
        return next((held for group in sources if (held := [s for s in group if num.find_match(n, s[1])])), [])

    def mislabelled(self, labels: set, n: num.Number, sources: list[list[tuple]]) -> bool:
        """Every sentence holding the value of `n` states another metric: it
        names next to the value metrics, none of them `labels` or related;
        or, naming none there, it and the sentence before name metrics, none
        of them `labels` or related ("This range reflects $60 million to $65
        million of contribution from space systems", after the revenue
        guidance, given as an adjusted EBITDA loss). False when none holds
        it, or one holding it names no metric at all."""
        held = False
        for sent, numbers, before_sent in self.holding(n, sources):
            for m in numbers:
                if not m.same_value(n):
                    continue
                held = True
                near = metrics_by(self.ctx.glossary, sent, m) or \
                    metric_heads(self.ctx.glossary, both := before_sent + " " + sent, both)
                if not near or any(related_metrics(a, b) for a in labels for b in near):
                    return False
        return held

    @staticmethod
    def sentences(text: str) -> list[tuple[str, list, str]]:
        """A passage's sentences, each with its numbers and the sentence before."""
        spans = sentence_spans(text)
        return [(text[s:e], num.source_numbers(text[s:e]), text[spans[i - 1][0] : spans[i - 1][1]] if i else "")
                for i, (s, e) in enumerate(spans)]

    def change_as_level(self, clause: str, n: num.Number, sources: list[list[tuple]]) -> bool:
        """The amount `n` is stated by the answer's clause as a level ("the
        launch backlog was $542.5 million"), while every sentence holding it
        gives it as a change ("total backlog was up 108%, or $542.5 million",
        "the $360 million customer deposit increase"); False when none holds it."""
        if n.kind != "amount" or CHANGE_NEAR_RE.search(clause[max(0, n.start - 40) : n.end + 30]):
            return False
        holding = self.holding(n, sources)
        for sent, numbers, _ in holding:
            for m in numbers:
                if m.same_value(n) and not (CHANGE_BEFORE_RE.search(sent, 0, m.start)
                                            or CHANGE_AFTER_RE.match(sent, m.end)):
                    return False
        return bool(holding)

    def run(self, draft: Draft) -> Draft:
        ev = draft.evidence
        # each passage's sentences with their numbers, read once for every claim
        read = [self.sentences(c.text) for c in ev.passages]
        shown = [x for sents in read for x in sents]
        invented = [n for u in draft.unverified for n in num.extract(u) if n.kind not in ("year", "date")]

        def wrong(claim: cl.Claim, piece: str, n: num.Number, labels: set) -> bool:
            if labels and any(n.same_value(u) for u in invented):
                return True
            sources = [[x for i in claim.markers for x in read[i - 1]], shown]
            return bool(labels and self.mislabelled(labels, n, sources)) or self.change_as_level(piece, n, sources)

        out = drop_figures(draft, self.ctx.glossary, wrong)
        if out is draft:
            return draft
        left = figures(out.text)
        return out.but(unverified=[u for u in out.unverified
                                   if any(n.same_value(f) for n in num.extract(u) for f in left)
                                   or all(n.kind in ("year", "date") for n in num.extract(u))])


# An amount whose metric follows it: "$15 billion on share repurchases", "$830
# million of capital expenditures", "$4.5 billion in buybacks", "an $85 million
# profit". Not a share "of" something ("19.7% of sales" is no sales figure).
AFTER_AMOUNT_RE = re.compile(r"\s*(?:(?:of|on|in|for)\s+(?:the\s+|our\s+|its\s+|their\s+)?)?", re.I)


def named_after(glossary, piece: str, n: num.Number, within: str) -> set:
    """The metrics named right after the amount `n` of the clause `piece`
    (the figure's own label when the answer writes it after: "spent $830
    million on capital expenditures and $15 billion on share repurchases",
    where reading back from $15 billion finds capital expenditures)."""
    if n.kind != "amount":
        return set()
    rest = piece[n.end :]
    start = AFTER_AMOUNT_RE.match(rest).end()
    spans = [x for x in glossary.spans(rest, METRIC_KINDS, within) if x[0] >= start]
    if not spans or spans[0][0] != start:
        return set()
    last = spans[0]  # a run of names one right after the other is named by its last (metric_heads)
    for x in spans[1:]:
        if rest[last[1] : x[0]].strip(" -"):
            break
        last = x
    return {last[2]}


# " and " right before a figure also divides clauses: "6% in Q3 2021 and 10% in
# Q4 2021", "$15 billion on capital expenditures and $4.5 billion on share
# repurchases" give two figures, each its own.
AND_FIGURE_RE = re.compile(r"\s+(?=(?:and|以及|和)\s*(?:(?:US|RMB|HK)?\$|¥|€|£)?\s?\d)", re.I)


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Where the clauses of `text` (one sentence) are (CLAUSE_RE, then AND_FIGURE_RE)."""
    out = []
    for m in CLAUSE_RE.finditer(text):
        if not m.group().strip():
            continue
        start = m.start()
        for cut in AND_FIGURE_RE.finditer(text, m.start(), m.end()):
            out.append((start, cut.start()))
            start = cut.start()
        out.append((start, m.end()))
    return out


def wrong_clauses(text: str, glossary, wrong: Callable[[str, num.Number, set], bool]) -> list[tuple[int, int]]:
    """The spans of `text` (one sentence) to drop: each clause giving a figure
    `wrong` says is wrong (given the clause, the figure and the metrics named
    right before it), with the clauses after it naming no metric nor quarter."""
    clauses = clause_spans(text)
    drop, previous, dropping = [], 0, False
    for a, b in clauses:
        piece = text[a:b]
        named = glossary.spans(piece, METRIC_KINDS, text)
        bad = False
        for n in figures(piece):
            # the metrics named before the figure in its own clause; else since
            # the figure before ("977 million or $1.61 per diluted share, and
            # its liquidity was $1.3 billion": not the share's metric)
            labels = named_after(glossary, piece, n, text) or \
                metric_heads(glossary, text[max(previous, a) : a + n.start], text) or \
                metric_heads(glossary, text[previous : a + n.start], text)
            previous = a + n.end
            bad = wrong(piece, n, labels) or bad
        # a clause after a dropped one, naming no metric, goes with it ("…, or $1.61 per
        # share"), unless it names a quarter of its own ("…第三季度为 10%，第四季度为 9%")
        if bad or (dropping and not named and not quarter_spans(piece)):
            drop.append((a, b))
            dropping = True
        else:
            dropping = False
    return drop


def drop_figures(draft: Draft, glossary, wrong: Callable[[cl.Claim, str, num.Number, set], bool]) -> Draft:
    """The draft without the clauses giving a figure `wrong` says is wrong
    (see `wrong_clauses`), each listed as a correction; a claim left with no
    figure goes."""
    ev = draft.evidence
    kept, dropped = [], []
    for claim in cl.split(draft.text, len(ev.passages)):
        spans = wrong_clauses(claim.text, glossary, lambda piece, n, labels, c=claim: wrong(c, piece, n, labels))
        if not spans:
            kept.append(claim)
            continue
        pieces, last = [], 0
        for a, b in spans:
            pieces.append(claim.text[last:a])
            last = b
            dropped.append(claim.text[a:b].strip(" ,，;；"))
        rest = ""
        for piece in pieces + [claim.text[last:]]:
            # after nothing, or an opening phrase with no figure ("Excluding special items,"),
            # a kept clause's joining word goes ("and earnings per share were …")
            space = " " if rest and not rest.endswith(("，", "；")) else ""
            rest += JOINING_RE.sub(space, piece) if not figures(rest) else piece
        rest = rest.strip().strip(" ,，;；")
        if figures(rest):
            end = claim.text.rstrip()[-1:] if claim.text.rstrip()[-1:] in cl.ENDS else ""
            kept.append(cl.Claim(rest[:1].upper() + rest[1:] + (end if not rest.endswith(end) else ""), claim.markers))
    if not dropped:
        return draft
    return draft.but(text=cl.join(kept, ev.lang), corrections=draft.corrections + [(d, "") for d in dropped])
