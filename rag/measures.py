"""What a figure question measures, and whether a source sentence states it.

A figure is an answer to "What was Cainiao's adjusted EBITA this quarter?"
only if the sentence it comes from states that measure: the metric (named
next to the figure), the entity (the business the sentence is about) and
the period. Number verification matches by value, so without this check a
true figure of something else passes: asked for R&D spending, the model
gave Cainiao's adjusted EBITA ("9.61 亿"); asked for the headcount, Taotian's
revenue.

The measure is read from the question with the corpus's knowledge:
- metrics the glossary knows ("adjusted EBITA", "自由现金流"): one of their
  forms must stand next to the figure;
- the question's other content words ("R&D", "研发", "employees"), each
  with its translations: the sentence must hold most of them, weighed by
  rarity, so that a word the calls never use cannot be skipped;
- the business units it names: the sentence is about one of them, or about
  no other one and not about the whole group;
- the periods it names: the sentence names none other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Iterator

from . import numbers as num
from . import periods
from .chunking import Chunk
from .claims import MARKER_RE
from .glossary import squash
from .knowledge import Knowledge, found, lemmas
from .language import HAN_RE
from .coverage import names_company
from .questions import EN_GENERIC, EN_NOT_MEASURED, Term, words

# Glossary kinds that name what is measured, those of a topic a figure may
# be about ("R&D", "AI"), and those of a business.
METRIC_KINDS = {"finance"}
# Finance terms that say when or how a figure is given, not what it measures:
# asked with a metric ("CASM-x guidance", "2022 organic revenue outlook"), only
# that metric makes a sentence state the measure; "our operating revenue
# guidance of down 10 to 15%" gives no CASM-x guidance. Asked alone ("what
# guidance did it give?"), they are the measure. General vocabulary of any call.
WHEN_GIVEN = {"guidance"}
TOPIC_KINDS = {"concept", "strategy"}
UNIT_KINDS = {"unit"}
# Number kinds that can measure a metric (years and dates do not).
MEASURED_KINDS = ("amount", "percent", "pp", "plain")
# Window around a number in which the metric it measures must be named,
# in characters of its sentence: Chinese names it right before ("自由现金流为
# 565 亿"), sometimes right after ("17 亿美元的非核心资产"); English words are
# longer ("free cash flow for the quarter was RMB 56.5 billion").
WINDOW = {"zh": (40, 12), "en": (90, 40)}
# A metric's name followed by "per …" names a ratio of it ("revenue per
# passenger cruise day", "每股收益" is its own entry), another measure.
PER_RE = re.compile(r"\s+per\s+(?!cent\b)", re.I)
# A figure restating the amount before it per share: "a $68 million profit in
# the fourth quarter, or $0.11 per diluted share". The metric named there is
# the amount's ($68 million is the profit); the restated figure measures
# only a per-share metric (earnings per share), not the total asked (net
# income). A per-share figure standing alone ("a dividend of $0.3625 per
# share") is the named metric's and is not one.
RESTATED_BEFORE_RE = re.compile(r"\bor\s*(?:[$€£¥]|US\$|RMB\s?)?$", re.I)
PER_SHARE_AFTER_RE = re.compile(r"\s*(?:per|a)\s+(?:(?:diluted|basic|common|ordinary|fully[- ]diluted)\s+)?share\b", re.I)
# A metric's name that is itself per share ("earnings per share", "EPS", "每股收益").
PER_SHARE_NAME_RE = re.compile(r"\bper\b.*\bshare\b|\bEPS\b|每股", re.I)
# Characters before and after a number in which the year-ago words naming it stand.
YEAR_AGO_WINDOW = {"zh": (12, 0), "en": (40, 30)}
# Glossary kinds of a place ("the US", "欧洲"): a figure for it names it.
PLACE_KINDS = {"region"}
# Characters before a figure's sentence in which the place it is for may be named.
PLACE_CONTEXT = 200
# Share of the question's content words (weighed by rarity) a sentence must
# hold to state what is asked: most of them, the rarest counting most.
WORDS_COVER = 0.5
# A sentence: Chinese and English ends, and a line's end. An English full
# stop ends one only before a space ("25.5%", "1688.com" do not): an English
# passage joined onto one line is several sentences, and the periods of one
# ("for fiscal 2021 were $15.53") are not those of the next's figure.
SENTENCE_RE = re.compile(r"[^。！？；;!?\n]+?(?:[。！？；;!?]|\.(?=\s)|(?=\n)|$)")
# The word right before a metric's name, when it is one word of letters and
# not an owner ("Verizon's"): what may narrow the metric ("Phone churn").
MODIFIER_RE = re.compile(r"(?<![\w'’.-])([A-Za-z][A-Za-z-]+)\s+$")
# Words before a metric's name that leave it the metric asked: generic and
# function words, and words judging a figure rather than naming a part of it.
NOT_NARROWING = EN_GENERIC | EN_NOT_MEASURED | {
    "strong", "solid", "healthy", "robust", "record", "higher", "lower", "better", "worse", "positive", "negative",
    "continued", "significant", "modest", "improved", "underlying", "consolidated", "net", "gaap", "reported",
    "reportable", "corporate", "operating",
    # a number's scale is part of the figure, not a kind of the metric ("an $85 million profit")
    "thousand", "million", "billion", "trillion", "percent", "points"}
# Words of a sentence stating the whole group's figure ("合并收入", "consolidated
# revenue"): it names no business unit, yet its figures are not a unit's.
GROUP_LEVEL_RE = re.compile(r"合并|集团整体|整个集团|consolidated|group-wide|across the group", re.I)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in SENTENCE_RE.finditer(text) if m.group().strip()]


@dataclass
class Measure:
    question: str
    metrics: list[Term] = field(default_factory=list)
    words: list[Term] = field(default_factory=list)  # nouns of the question the calls use
    unknown: list[Term] = field(default_factory=list)  # nouns of the question the calls never use
    all_metrics: frozenset[str] = frozenset()  # every metric name the calls' glossary knows
    units: list[str] = field(default_factory=list)  # squashed names of the units asked about
    other_units: list[str] = field(default_factory=list)
    # names of businesses of other segments than those asked (a sub-business
    # of the one asked, or its parent, is not one: 速卖通 is part of AIDC)
    foreign_units: list[str] = field(default_factory=list)
    places: list[Term] = field(default_factory=list)  # places asked about ("the US"), named where the figure is
    asked_periods: set = field(default_factory=set)
    names: dict[str, list[str]] = field(default_factory=dict)  # what is asked, named per language
    # per call id, the years its sentences naming no period may speak of (periods.of_call)
    implied: dict[str, frozenset] = field(default_factory=dict)
    related_units: list[str] = field(default_factory=list)  # businesses of the segments asked
    glossary: object = field(default=None, repr=False)
    metric_entries: list = field(default_factory=list, repr=False)  # the glossary's entries of `metrics`

    @cached_property
    def ratio_asked(self) -> bool:
        """The question asks a metric per something ("revenue per passenger
        cruise day"): that ratio is the measure, not the metric itself."""
        if self.glossary is None:
            return False
        # longest names first: "earnings per share" is its own metric, not earnings per something;
        # so is a name followed by one that opens with "per" ("earnings" + "per diluted share")
        spans = self.glossary.spans(self.question, METRIC_KINDS)
        starts = {a for a, _, _ in spans}
        return any((m := PER_RE.match(self.question, end)) and m.end() - len(m.group().lstrip()) not in starts
                   for _, end, _ in spans)

    @property
    def empty(self) -> bool:
        return not (self.metrics or self.words or self.units or self.places)

    def describe(self, lang: str) -> str:
        """What is measured, named in `lang` ("Cainiao, adjusted EBITA")."""
        return ("、" if lang == "zh" else ", ").join(self.names.get(lang, []))

    def names_entities(self, text: str) -> bool:
        """`text` (a passage with its header) names every unit and place asked."""
        return (not self.units or self.names_unit(squash(text))) and all(found(p.forms, text) for p in self.places)

    # ------------------------------------------------------------ checks
    @property
    def absent(self) -> bool:
        """What is asked is named in a word the calls never use, in any
        form ("guidance", "人数" of "员工总人数"): no figure of theirs is it."""
        return bool(self.unknown)

    def metric_near(self, sent: str, n: num.Number) -> bool:
        """A metric asked is named next to the number `n` of sentence `sent`;
        when the question names none, no other metric is named right before
        it ("菜鸟的经调整 EBITA 为 9.61 亿" measures adjusted EBITA, not R&D),
        unless that metric is one of the question's own words ("orders" for
        订单量)."""
        before, after = WINDOW["zh" if HAN_RE.search(sent) else "en"]
        if not self.metrics:
            window = sent[max(0, n.start - before) : n.start]
            named = {v.lower() for e in self._metrics_in(window, sent) for v in e.zh + e.en}
            mine = {f for t in self.words for f in t.forms}
            return not named or any(a in b or b in a for a in mine if len(a) >= 2 for b in named)
        if self.restated_per_share(sent, n) and not self.per_share_asked:
            return False  # "…profit, or $0.11 per diluted share": the profit is the amount before
        window = sent[max(0, n.start - before) : n.end + after]
        if self.glossary is None:
            return any(found(t.forms, window) for t in self.metrics)
        # a metric asked, named in the window, not as a part of another metric's
        # name: 收入 in 客户管理收入 is not revenue; 回购计划 in 股票回购计划 is a buyback program
        others = [(a, b) for a, b, e in self.glossary.spans(window, METRIC_KINDS, sent)
                  if e not in self.metric_entries]
        offset = max(0, n.start - before)
        for rx, e in self.glossary._present(window, sent):
            if e in self.metric_entries:
                for m in rx.finditer(window):
                    if bool(PER_RE.match(window, m.end())) != self.ratio_asked:
                        continue  # "revenue per passenger cruise day" is a ratio, not revenue, and the other way round
                    if self.narrowed(sent, offset + m.start()):
                        continue  # "Phone churn" is not the total churn asked
                    if not any(a <= m.start() and m.end() <= b and b - a > m.end() - m.start() for a, b in others):
                        return True
        return False

    @staticmethod
    def restated_per_share(sent: str, n: num.Number) -> bool:
        """The number `n` of `sent` restates the amount before it per share
        ("…, or $0.11 per diluted share")."""
        return bool(RESTATED_BEFORE_RE.search(sent, 0, n.start) and PER_SHARE_AFTER_RE.match(sent, n.end))

    @property
    def per_share_asked(self) -> bool:
        """A metric asked is one per share (its names say so)."""
        return any(per_share(e.zh + e.en) for e in self.metric_entries) or \
            any(per_share(t.forms) for t in self.metrics)

    def narrowed(self, sent: str, start: int) -> bool:
        """The metric named at `start` of the English sentence `sent` is
        narrowed by a word right before it that the question does not hold in
        any form: "Phone churn" of a phone line, "wholesale revenue" of one
        channel, "Consumer revenue" of one segment, while the question asks
        the whole ("total retail postpaid churn", "revenue growth on a
        currency-neutral basis"). Function and generic words ("total", "our",
        "strong"), periods and owners ("Verizon's") narrow nothing."""
        if HAN_RE.search(sent) or self.asked_text is None:
            return False
        m = MODIFIER_RE.search(sent, 0, start)
        if not m:
            return False
        word = m.group(1).lower()
        if word in NOT_NARROWING or periods.named(word) or not names_a_kind(word):
            return False
        return not found({word}, self.asked_text)

    @cached_property
    def asked_text(self) -> str | None:
        """The question with every form of its words, metrics and places:
        where a narrowing word must be found; None for a Chinese question,
        whose words are not matched word for word against English."""
        if HAN_RE.search(self.question):
            return None
        return " ".join([self.question] + [f for t in self.words + self.metrics + self.places for f in t.forms])

    def _metrics_in(self, text: str, within: str | None = None) -> list:
        if self.glossary is None:
            return []
        return [e for _, _, e in self.glossary.spans(text, METRIC_KINDS, within)]

    def words_held(self, sent: str) -> bool:
        """The sentence holds most of the question's other content words."""
        if not self.words:
            return True
        total = sum(t.weight for t in self.words)
        held = sum(t.weight for t in self.words if found(t.forms, sent))
        return total <= 0 or held / total >= WORDS_COVER

    def names_unit(self, flat: str) -> bool:
        return any(v in flat for v in self.units)

    def names_other_unit(self, flat: str) -> bool:
        return any(v in flat for v in self.other_units)

    def about_unit(self, sent: str, n: num.Number | None = None, context: str = "") -> bool:
        """The sentence is about a unit asked: it names one, or names none and
        the passage named one last before it (`context`: its header and the
        text before the sentence); naming another unit or the whole group, it
        is not. Given the
        number, the unit named last before it is the one it measures: in
        "本地生活集团的收入为 152 亿元，主要由饿了么和高德的增长所推动" the 152 亿
        is not Amap's."""
        if not self.units:
            return True
        flat = squash(sent)
        if self.names_unit(flat):
            return n is None or not self._other_unit_last(squash(sent[: n.start]))
        if self.names_other_unit(flat) or GROUP_LEVEL_RE.search(sent):
            return False
        before = squash(context)
        if self.names_unit(before) or self.names_other_unit(before):
            return not self._other_unit_last(before)
        return False  # no business named anywhere near: not the one asked by name

    def about_foreign_unit(self, sent: str, context: str = "") -> bool:
        """The sentence (or, naming no business, the passage before it) is
        about a business of another segment than the ones asked, and not
        about one asked: "增长主要是由速卖通……所驱动" is about AIDC, not the
        cloud."""
        if not self.units:
            return False
        for text in (sent, context[-PLACE_CONTEXT:]):
            flat = squash(text)
            mine = self.names_unit(flat) or any(v in flat for v in self.related_units)
            if mine:
                return False
            if any(v in flat for v in self.foreign_units):
                return True
        return False

    def _other_unit_last(self, before: str) -> bool:
        """Another unit is named after the last mention of one asked (or
        without one) in `before`. The asked units' names are masked first, so
        a long name holding a short one counts once."""
        for v in sorted(self.units, key=len, reverse=True):
            before = before.replace(v, "\x00" * len(v))
        return max((before.rfind(v) for v in self.other_units), default=-1) > before.rfind("\x00")

    def stated_by(self, sent: str, n: num.Number, context: str = "", call: str = "") -> bool:
        """The number `n` of sentence `sent` (of the call `call`) measures what was asked."""
        near = context[-PLACE_CONTEXT:] + sent
        return (self.metric_near(sent, n) and self.words_held(sent) and self.about_unit(sent, n, context)
                and all(found(p.forms, near) for p in self.places)
                and self.fits_period(sent, call)
                and self.year_ago_near(sent, n))

    def fits_period(self, sent: str, call: str = "") -> bool:
        """The sentence `sent` (of the call `call`) names no other period than
        those asked (periods.fits, with the years that call's sentences naming
        none speak of)."""
        return periods.fits(self.asked_periods, sent, self.implied.get(call, frozenset()))

    def year_ago_near(self, sent: str, n: num.Number) -> bool:
        """Asked for a year-ago figure (or a change against the previous
        quarter), the number is the one the sentence gives with those words
        ("，去年同期为亏损 17 亿元", "compared with RMB 1.7 billion a year
        earlier", "环比增长 5%"), not the quarter's beside it."""
        relative = {p.kind for p in self.asked_periods if p.kind in periods.RELATIVE_KINDS}
        if not relative:
            return True
        before, after = YEAR_AGO_WINDOW["zh" if HAN_RE.search(sent) else "en"]
        around = sent[max(0, n.start - before) : n.start] + " " + sent[n.end : n.end + after]
        return bool(relative & {p.kind for p in periods.named(around)})


@lru_cache(maxsize=4096)
def names_a_kind(word: str) -> bool:
    """`word` can say what kind of thing follows it (a noun or an adjective:
    "phone", "wholesale", "consumer"), or is no dictionary word ("postpaid",
    "Fios"); not a verb or an inflected verb ("expect", "delivered", "drove"),
    which stands before a metric as its verb ("we expect organic revenue
    growth of 7% to 8%")."""
    pos = lemmas(word)
    if not pos:
        return True
    inflected = any(lemma != word for lemma in pos.get("VERB", ()) + pos.get("AUX", ()))
    return bool({"NOUN", "ADJ"} & pos.keys()) and not inflected


def measure_of(question: str, knowledge: Knowledge, with_words: bool = True, known: list[str] = (),
               implied: dict[str, frozenset] | None = None, english_only: bool = False) -> Measure:
    """What `question` measures; `with_words=False` keeps to the glossary's
    metrics, units and places (the retriever's cheaper reading); `known`: the
    companies of the calls it is about; `implied`: per call, the years its
    sentences naming no period speak of; `english_only`: those calls are all
    English, so a Chinese word with no English rendering cannot be looked
    for ("浓缩液", "箱量"): it is neither required nor a sign of absence."""
    g = knowledge.glossary
    entries = g.expand(question).entries
    asked = [e for e in entries if e.kind in METRIC_KINDS | UNIT_KINDS | PLACE_KINDS]
    metric_entries = [e for e in entries if e.kind in METRIC_KINDS]
    heads = [e for e in metric_entries if e.name("en") not in WHEN_GIVEN]
    if heads:  # "CASM-x guidance" measures CASM-x: the guidance of another metric does not state it
        metric_entries = heads
    metrics = [Term(e.name("en"), frozenset(v.lower() for v in e.zh + e.en), 1.0) for e in metric_entries]
    places = [Term(e.name("en"), frozenset(v.lower() for v in e.zh + e.en), 1.0)
              for e in entries if e.kind in PLACE_KINDS]
    units = [e for e in entries if e.kind in UNIT_KINDS]
    topics = [Term(e.name("en"), frozenset(v.lower() for v in e.zh + e.en), knowledge.rarity(set(e.zh + e.en)),
                   True, knowledge.attested(set(e.zh + e.en))) for e in entries if e.kind in TOPIC_KINDS]
    # the company of the calls asked about, named in Chinese ("西南航空" of Southwest
    # Airlines), is the scope of the question, not a word its figure's sentence holds
    nouns = [t for t in topics + words(question, knowledge, known)
             if t.noun and not names_company(t.text, knowledge, known)
             and not (english_only and not t.in_english)] if with_words else []
    others = [t for t in nouns if t.attested]
    # every business the question names (a product too: "AliExpress Choice") and its segment
    businesses = [e for e in entries if e.kind in UNIT_KINDS | {"product"}]
    segments = {g.segment(e) for e in businesses}
    related = [e for e in g.entries if e.kind in UNIT_KINDS and e not in units and g.segment(e) in segments]
    ancestors = {a for e in businesses for a in _ancestors(g, e)}
    return Measure(question=question, metrics=metrics, words=others, unknown=[t for t in nouns if not t.attested],
                   glossary=g, metric_entries=metric_entries,
                   foreign_units=[squash(v) for e in g.entries if e.kind in UNIT_KINDS and e not in units
                                  and e not in related and e not in ancestors for v in e.zh if len(v) >= 2],
                   related_units=[squash(v) for e in related + list(ancestors) for v in e.zh + e.en if len(v) >= 2],
                   all_metrics=frozenset(v.lower() for e in g.entries if e.kind in METRIC_KINDS for v in e.zh + e.en),
                   units=[squash(v) for e in units for v in e.zh + e.en],
                   other_units=[squash(v) for e in g.entries if e.kind in UNIT_KINDS and e not in units
                                for v in e.zh if len(v) >= 2],
                   places=places, asked_periods=asked_periods(question), implied=implied or {},
                   names={lang: [e.name(lang) for e in asked] + [t.text for t in others] for lang in ("en", "zh")})


def asked_periods(question: str) -> set:
    """The periods a figure asked must be of. A quarter written only to name
    the call ("2022 guidance on its Q3 2021 call") is not one when another
    period is asked: the call's sentences on 2022 name 2022, not Q3."""
    asked = periods.named(question)
    return (asked - periods.naming_call(question)) or asked


def _ancestors(g, entry) -> list:
    """The businesses `entry` is part of, nearest first."""
    out, seen = [], {entry}
    while entry.part_of:
        parent = g._by_zh.get(entry.part_of)
        if parent is None or parent in seen:
            break
        out.append(parent)
        seen.add(parent)
        entry = parent
    return out


def metric_heads(glossary, text: str, within: str | None = None) -> set:
    """The metrics named in `text`, each run of names written one right after
    the other counted by its last: a basis or measure written before another
    qualifies it ("GAAP net loss" is a loss, "adjusted EBITDA loss" a loss,
    "经调整EBITDA亏损" a loss)."""
    spans = glossary.spans(text, METRIC_KINDS, within if within is not None else text)
    return {e for i, (_, b, e) in enumerate(spans)
            if not (i + 1 < len(spans) and not text[b : spans[i + 1][0]].strip(" -"))}


def names_metric(given, asked) -> bool:
    """The metric `given` is `asked` or a narrower one, its name holding the
    asked one's ("organic revenue" for revenue; not "operating income" for
    operating margin, though "EBIT" is in "EBIT margin")."""
    if given is asked:
        return True
    x, y = {v.lower() for v in asked.zh + asked.en}, {v.lower() for v in given.zh + given.en}
    return any(p in q for p in x for q in y)


def related_metrics(a, b) -> bool:
    """Two metrics are the same or one's name holds the other's ("buyback"
    and "buyback program", "revenue" and "organic revenue")."""
    return names_metric(a, b) or names_metric(b, a)


def metrics_by(glossary, sent: str, n: num.Number) -> set:
    """The metrics a source sentence names next to its number `n` (within
    the language's WINDOW), each run of names counted by its last."""
    before, after = WINDOW["zh" if HAN_RE.search(sent) else "en"]
    heads = metric_heads(glossary, sent[max(0, n.start - before) : n.end + after], sent)
    if Measure.restated_per_share(sent, n):  # "…profit, or $0.11 per diluted share": EPS, not the profit
        heads = {e for e in heads if per_share(e.zh + e.en)}
    return heads


def per_share(names) -> bool:
    """One of a metric's `names` says it is per share ("earnings per share", "每股收益")."""
    return any(PER_SHARE_NAME_RE.search(v) for v in names)


# The end of an answer's sentence: its closing mark (after its markers) before a space or the end.
SENTENCE_END_RE = re.compile(r"(?:\[\d+\])*[.!?。！？](?:\[\d+\])*(?=\s|$)|[。！？]")


def labelled(text: str, glossary, after: bool = False) -> list[tuple[num.Number, set]]:
    """Each figure of `text` with the metrics the text names right before it
    (since the figure before), and with `after` those right after it too (to
    the figure after, within its sentence: "a $68 million profit"; not "…RMB
    28.5 billion[1]. Its adjusted EBITA…", the next sentence's metric)."""
    found = figures(text)
    out = []
    for i, n in enumerate(found):
        start = found[i - 1].end if i else 0
        end = n.start
        if after:
            stop = SENTENCE_END_RE.search(text, n.end)
            end = min(found[i + 1].start if i + 1 < len(found) else len(text), stop.start() if stop else len(text))
        out.append((n, metric_heads(glossary, text[start:n.start], text) |
                    (metric_heads(glossary, text[n.end:end], text) if after else set())))
    return out


def figures(text: str) -> list[num.Number]:
    """The answer's numbers that can measure something (not its markers, years or dates)."""
    return [n for n in num.extract(MARKER_RE.sub(" ", text)) if n.kind in MEASURED_KINDS]


def sources(values: list[num.Number], passages: list[Chunk]) -> Iterator[tuple[int, str, num.Number, Chunk, str]]:
    """Every occurrence in the passages of a number of `values`, matched by
    value as verification reads them (shares in words too: 一半 is 50%):
    (its index in `values`, the sentence, the source number, the passage,
    the passage's text before the sentence)."""
    for c in passages:
        for s, e in sentence_spans(c.text):
            sent = c.text[s:e]
            for n in num.source_numbers(sent):
                for i, a in enumerate(values):
                    if n.same_value(a):
                        yield i, sent, n, c, c.header + "\n" + c.text[:s]


def measured(text: str, passages: list[Chunk], m: Measure, question: str | None = None) -> bool:
    """Some figure of `text` measures `m` in a passage sentence it comes
    from, and, when a business is asked, no amount of it is found only in
    sentences about other businesses (AIDC's loss beside Cainiao's figure).
    The question's own numbers ("the 12 months to December") are not the
    answer's figures (`question`: the whole question, when `m` is one part's)."""
    asked = num.extract(question or m.question)
    values = [f for f in figures(text) if not num.find_match(f, asked)]
    ok = False
    unit_ok: dict[int, bool | None] = {i: None for i, a in enumerate(values) if a.kind == "amount"}
    for i, sent, n, c, before in sources(values, passages):
        ok = ok or m.stated_by(sent, n, before, c.call)
        if i in unit_ok:
            unit_ok[i] = bool(unit_ok[i]) or m.about_unit(sent, n, before)
    return ok and not (m.units and any(v is False for v in unit_ok.values()))


def stating_sentences(m: Measure, passages: list[Chunk]) -> list[list[str]]:
    """Per passage, its sentences that state a figure of the measure asked."""
    out = []
    for c in passages:
        kept = []
        for s, e in sentence_spans(c.text):
            sent = c.text[s:e]
            if any(m.stated_by(sent, n, c.header + "\n" + c.text[:s], c.call) for n in num.source_numbers(sent)
                   if n.kind in MEASURED_KINDS):
                kept.append(sent.strip())
        out.append(kept)
    return out


# A size said in words, which is a figure though not a number.
WORDED_FIGURE_RE = re.compile(r"\b(?:single|double|triple)[- ]digits?\b|\b(?:doubled|tripled|halved|flat)\b"
                              r"|翻了?一?番|翻倍|持平|[两个三]位数", re.I)


def naming_sentences(m: Measure, passages: list[Chunk]) -> list[list[str]]:
    """Per passage, its sentences giving a figure of a metric asked, read
    more loosely than `stating_sentences`: the metric named (in any language
    the glossary knows) next to a number or a size said in words ("comparable
    gross margin for the quarter was relatively flat"), in a period that fits,
    the question's other words not required (a Chinese question's 逆风 is no
    word of an English call)."""
    out = []
    entries = set(m.metric_entries)
    for c in passages:
        kept = []
        for s, e in sentence_spans(c.text):
            sent = c.text[s:e]
            if not entries or not m.fits_period(sent, c.call):
                continue
            before, after = WINDOW["zh" if HAN_RE.search(sent) else "en"]
            sizes = [(n.start, n.end) for n in num.source_numbers(sent) if n.kind in MEASURED_KINDS]
            sizes += [(w.start(), w.end()) for w in WORDED_FIGURE_RE.finditer(sent)]
            names = [(a, b) for a, b, e in m.glossary.spans(sent, METRIC_KINDS, sent) if e in entries]
            if any(x - before <= b and a <= y + after for x, y in sizes for a, b in names):
                kept.append(sent.strip())
        out.append(kept)
    return out


def states(text: str, m: Measure) -> bool:
    """`text` (a passage) has a sentence giving a figure of the measure
    asked: of the unit asked by name, or, when the question names no unit,
    of no unit (the group's figure, not a segment's). A sentence naming no
    unit is about the unit its paragraph named last ("大文娱集团的收入为
    ...。经调整 EBITA 为亏损 5.17 亿 ...")."""
    for paragraph in text.split("\n"):
        about_asked = about_other = False
        for s, e in sentence_spans(paragraph):
            sent = paragraph[s:e]
            flat = squash(sent)
            asked, other = m.names_unit(flat), m.names_other_unit(flat)
            if asked or other:
                about_asked, about_other = asked, other and not asked
            # the unit was settled above, so only the metric is checked at the number
            if (about_asked if m.units else not about_other) and any(
                    m.metric_near(sent, n) for n in num.extract(sent) if n.kind in MEASURED_KINDS):
                return True
    return False
