"""Deciding that the transcript does not hold the answer.

The small model answers readily, and similarity alone cannot tell "What was
Taotian's revenue?" from "What was Taotian's GMV in RMB?" (no GMV figure is
given). Two general checks back the model's own `answerable` flag:

1. Coverage: every concept and named entity of the question must exist
   somewhere in the indexed transcripts (concepts through the glossary, in
   either language). "JD.com", "腾讯", "苹果公司", "guidance" (指引) fail here.
2. Metric: when the question asks about a metric (revenue, GMV, free cash
   flow...) and the answer gives numbers, the source sentence of at least one
   of those numbers must name that metric. A revenue figure offered for a
   GMV question fails here.
3. Unit: when the question names a business unit, a passage the answer cites
   must name it. Taotian's order growth offered as Ele.me's fails here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from . import numbers as num
from .chunking import Chunk
from .clauses import SOURCE_SENTENCE_RE
from .glossary import Glossary, squash
from .verify import CLAIM_RE, MARKER_RE, bigrams

# Glossary kinds whose presence in the question must be matched by the passages.
CONCEPT_KINDS = {"finance", "unit", "product", "concept", "person", "firm", "strategy", "region"}
# Kinds that name what is measured, for the metric check.
METRIC_KINDS = {"finance", "concept"}
NAME_RE = re.compile(r"\b(?:[A-Z][A-Za-z0-9&.\-]*[A-Za-z0-9]|[a-z]+\.[a-z]{2,})(?:'s)?")
# Capitalised words that start questions or are generic, not names: question
# words, imperatives, and English's closed classes (prepositions, conjunctions,
# auxiliaries, determiners, pronouns), any of which can open a question
# ("Into which markets...", "Besides Taobao, ...").
GENERIC_WORDS = set("""what which who whom whose when where why how did does do is are was were will would could can
should shall may might must has have had be been being compare according please tell give show list name explain
describe summarize summarise i in into onto the a an and or but nor so yet also not no of for on at by to from as
if than then excluding including except besides beyond between among across through throughout about above below
under over within without along around against toward towards upon via per since until after before during
regarding concerning despite apart aside this that these those its it his her their our we you they any all each
every some both either neither other another such overall q1 q2 q3 q4 fy ceo cfo coo ir""".split())
SENTENCE_RE = re.compile(r"[^。！？；;!?]+[。！？；;!?]?")


def missing_concepts(question: str, corpus: str, glossary: Glossary) -> list[str]:
    """Question concepts and names that the transcripts never mention.
    `corpus` is the transcripts' text squashed (`squash`), done once by the
    retriever rather than for every question."""
    exp = glossary.expand(question)
    missing = []
    for e in exp.entries:
        if e.kind in CONCEPT_KINDS and not any(squash(v) in corpus for v in e.zh + e.en):
            missing.append(e.name("en"))
    # names the glossary does not know: must appear in the transcript itself
    rest = question
    for rx, _ in glossary._patterns:
        rest = rx.sub(" ", rest)
    for m in NAME_RE.finditer(rest):
        word = m.group().removesuffix("'s")
        if word.lower() in GENERIC_WORDS or len(word) < 2:
            continue
        if squash(word) not in corpus and squash(word.removesuffix("s")) not in corpus:
            missing.append(word)
    for tok in _chinese_names(question):
        if squash(tok) not in corpus:
            missing.append(tok)
    return missing


ORG_SUFFIXES = ("集团", "公司", "银行", "证券")
# Generic tails of a proper noun: "美国市场" is about 美国, which the call mentions.
GENERIC_TAILS = ("市场", "地区", "业务", "平台", "政府")


def _head(word: str) -> str:
    for tail in GENERIC_TAILS:
        if word.endswith(tail) and len(word) > len(tail):
            return word[: -len(tail)]
    return word


def _chinese_names(text: str) -> list[str]:
    """Proper nouns (jieba part-of-speech tags) and organisation names
    ("蚂蚁集团", "苹果公司": a word followed by 集团/公司...) of a Chinese question."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return []
    import jieba.posseg as pseg

    words = pseg.lcut(text)
    names = [_head(w.word) for w in words if w.flag in ("nr", "ns", "nt", "nz") and len(_head(w.word)) >= 2]
    for prev, w in zip([None, *words], words):
        if w.word in ORG_SUFFIXES and prev is not None and re.fullmatch(r"[\u4e00-\u9fff]{2,6}", prev.word):
            names.append(prev.word + w.word)
        elif w.word.endswith(ORG_SUFFIXES) and len(w.word) > 3:
            names.append(w.word)
    return names


# Window around a number, in characters of the same sentence, in which the
# metric it measures must be named: Chinese mostly names it first ("自由现金流为
# 565 亿"), sometimes right after ("17 亿美元的非核心资产").
METRIC_BEFORE = 40
METRIC_AFTER = 12
# Number kinds that can measure a metric (years and dates do not).
MEASURED_KINDS = ("amount", "percent", "pp", "plain")
UNIT_KINDS = {"unit"}
# Words of a sentence that states the whole group's figure ("合并收入共计 2,603
# 亿元", "consolidated revenue"): it names no other unit, yet its figures are
# not a business unit's.
GROUP_LEVEL_WORDS = ("合并", "集团整体", "我们集团", "consolidated")


def metric_terms(question: str, glossary: Glossary, lang: str) -> str:
    """The metrics and units a question asks about, named in its language (for the retry hint)."""
    entries = [e for e in glossary.expand(question).entries if e.kind in METRIC_KINDS | UNIT_KINDS]
    names = [e.name(lang) for e in entries]
    return "、".join(names) if lang == "zh" else ", ".join(names)


@dataclass
class MetricSpec:
    """What a question measures: metric names and business-unit names (all
    variants, squashed), and the names of the other units."""
    metrics: list[str]
    units: list[str]
    other_units: list[str]

    def measured_by(self, sent: str, n) -> bool:
        """The number `n` of sentence `sent` measures the metric of the unit asked about."""
        return self.metric_near(sent, n) and self.about_unit(sent, n)

    def metric_near(self, sent: str, n) -> bool:
        """The metric asked is named next to the number `n` of sentence `sent`."""
        window = squash(sent[max(0, n.start - METRIC_BEFORE) : n.end + METRIC_AFTER])
        return not self.metrics or any(v in window for v in self.metrics)

    def names_unit(self, flat: str) -> bool:
        """The squashed sentence names the unit asked about."""
        return any(v in flat for v in self.units)

    def names_other_unit(self, flat: str) -> bool:
        return any(v in flat for v in self.other_units)

    def about_unit(self, sent: str, n: num.Number | None = None) -> bool:
        """The sentence names the unit asked about, or neither another unit nor
        the whole group. Given its number `n`, the unit named last before the
        number is the one it measures: in "本地生活集团的收入为 152 亿元，主要由
        饿了么和高德的增长所推动" the 152 亿 is not Amap's."""
        flat = squash(sent)
        if not self.units:
            return True
        if self.names_unit(flat):
            return n is None or not self._other_unit_last(squash(sent[: n.start]))
        return not self.names_other_unit(flat) and not any(w in flat for w in GROUP_LEVEL_WORDS)

    def _other_unit_last(self, before: str) -> bool:
        """Another unit is named after the last mention of the one asked (or
        without it) in `before`. The asked unit's names are masked first, so
        淘天's variant 淘宝天猫 does not count as 淘宝 and 天猫."""
        for v in sorted(self.units, key=len, reverse=True):
            before = before.replace(v, "\x00" * len(v))
        return max((before.rfind(v) for v in self.other_units), default=-1) > before.rfind("\x00")


def metric_spec(question: str, glossary: Glossary) -> MetricSpec | None:
    entries = glossary.expand(question).entries
    metrics = [e for e in entries if e.kind in METRIC_KINDS]
    units = [e for e in entries if e.kind in UNIT_KINDS]
    if not (metrics or units):
        return None
    return MetricSpec(metrics=[squash(v) for e in metrics for v in e.zh + e.en],
                      units=[squash(v) for e in units for v in e.zh + e.en],
                      other_units=[squash(v) for e in glossary.entries if e.kind in UNIT_KINDS and e not in units
                                   for v in e.zh if len(v) >= 2])


def measured_numbers(answer: str) -> list[num.Number]:
    """The answer's numbers that can measure a metric (not its markers, years or dates)."""
    return [n for n in num.extract(MARKER_RE.sub(" ", answer)) if n.kind in MEASURED_KINDS]


def number_sources(numbers: list[num.Number], passages: list[Chunk]) -> Iterator[tuple[int, str, num.Number]]:
    """Every occurrence in the passages of a number of `numbers`, matched by
    value, read as verification reads them (shares in words too: 一半 is 50%):
    (its index in `numbers`, the passage sentence, the source number)."""
    for c in passages:
        for m in SENTENCE_RE.finditer(c.text):
            sent = m.group()
            for n in num.source_numbers(sent):
                for i, a in enumerate(numbers):
                    if n.same_value(a):
                        yield i, sent, n


def metric_mismatch(question: str, answer: str, passages: list[Chunk], glossary: Glossary) -> bool:
    """True if the answer's numbers do not measure what was asked: no source
    occurrence of any of them has the question's metric near it in a
    sentence not about another business unit (none of its figures occurring
    in the passages at all included: "Tmall's GMV growth was 10%" with no
    10% anywhere); or, when the question names a business unit, an amount of
    the answer is found only in sentences about other units (AIDC's loss
    given as Cainiao's)."""
    spec = metric_spec(question, glossary)
    answer_numbers = measured_numbers(answer)
    if spec is None or not answer_numbers:
        return False
    found = measured = False
    # per answer amount: None = not in the passages, else whether one of its
    # source sentences may be about the unit asked
    unit_ok: dict[int, bool | None] = {i: None for i, a in enumerate(answer_numbers) if a.kind == "amount"}
    for i, sent, n in number_sources(answer_numbers, passages):
        found = True
        measured = measured or spec.measured_by(sent, n)
        if i in unit_ok:
            unit_ok[i] = bool(unit_ok[i]) or spec.about_unit(sent, n)
    if found and not measured:
        return True
    # a metric asked, and not one of the answer's figures (amounts, percentages;
    # not a list item's "1") in the passages: the figure is the model's own
    if not found and spec.metrics and any(a.kind != "plain" for a in answer_numbers):
        return True
    return bool(spec.units) and any(v is False for v in unit_ok.values())


def unit_unnamed(question: str, cited: list[Chunk], glossary: Glossary) -> bool:
    """True if the question names a business unit, or a place, and none of
    the passages the answer cites names it (in any language, the speaker's
    title included): the answer is about another business or market.
    "饿了么本季度的订单量是多少？" answered "饿了么的订单量同比实现了两位数增长"
    from a passage on Taotian's orders; "阿里巴巴本季度在美国市场的收入是多少？"
    answered with the direct-sales revenue. The metric check cannot see
    either: the first gives no figure, the second names no unit."""
    if not cited:
        return False
    headers = [squash(c.with_header) for c in cited]
    spec = metric_spec(question, glossary)
    if spec is not None and spec.units and not any(spec.names_unit(h) for h in headers):
        return True
    places = [squash(v) for e in glossary.expand(question).of_kind("region") for v in e.zh + e.en]
    return bool(places) and not any(p in h for p in places for h in headers)


# A question asking for a figure: "多少", "how much", "what price".
FIGURE_QUESTION_RE = re.compile(r"多少|几[个家次年倍]|金额|价格|比例|\bhow (?:much|many)\b|\bprice\b|\bwhat (?:amount|figure|"
                                r"percentage|share|sum)\b", re.I)


def figures_unverified(question: str, answer: str, unverified: list[str]) -> bool:
    """True if the question asks for a figure and every figure of the answer
    is one verification found in no passage: nothing of what was asked is
    left to show ("Alibaba.com paid RMB 10.5 billion to acquire Visible",
    a price the transcript does not give)."""
    figures = measured_numbers(answer)
    flagged = [n for u in unverified for n in num.extract(u)]
    return bool(FIGURE_QUESTION_RE.search(question)) and bool(figures) and \
        all(any(f.same_value(u) for u in flagged) for f in figures)


def states_metric(text: str, spec: MetricSpec) -> bool:
    """`text` has a sentence giving a figure of the metric asked, of the unit
    asked by name ("菜鸟的经调整 EBITA 为 9.61 亿"), or, when the question names
    no unit, of no unit (the group's figure, not a segment's). A sentence
    naming no unit is about the unit last named in its paragraph ("大文娱集团的
    收入为 ...。经调整 EBITA 为亏损 5.17 亿 ...")."""
    for paragraph in text.split("\n"):
        about_asked = about_other = False
        for m in SENTENCE_RE.finditer(paragraph):
            sent = m.group()
            flat = squash(sent)
            asked, other = spec.names_unit(flat), spec.names_other_unit(flat)
            if asked or other:
                about_asked, about_other = asked, other and not asked
            # the unit was settled above, so only the metric is checked at the number
            if (about_asked if spec.units else not about_other) and any(
                    spec.metric_near(sent, n) for n in num.extract(sent) if n.kind in MEASURED_KINDS):
                return True
    return False


def measuring_sentences(question: str, passages: list[Chunk], glossary: Glossary) -> list[list[str]]:
    """Per passage, its sentences holding a number that measures what the
    question asks (the metric near the number, the unit in the sentence)."""
    spec = metric_spec(question, glossary)
    if spec is None:
        return [[] for _ in passages]
    return [[m.group().strip() for m in SENTENCE_RE.finditer(c.text)
             if any(spec.measured_by(m.group(), n) for n in num.extract(m.group()) if n.kind in MEASURED_KINDS)]
            for c in passages]


# The metrics a percentage change is reported for. A change in an answer is
# checked against the one of these named last before it, in the answer and
# in its source ("Cainiao's adjusted EBITA ..., up 24%" where the source's 24%
# follows 收入: revenue grew 24%, not adjusted EBITA). Broader terms (跨境,
# 商家) are not: they name what drove a figure, not the figure.
HEADLINE_METRICS = ("收入", "经调整 EBITA", "经调整 EBITDA", "经调整 EBITA 利润率", "净利润", "非公认会计准则净利润",
                    "公认会计准则净利润", "自由现金流", "净现金", "资本支出", "客户管理收入", "GMV", "订单量")
# A change phrase around a percentage: the words before it, and after it.
_EN_MOVE = (r"(?:an?\s+)?(?:increase|decrease|rise|decline|growth|drop|fall)\s+of|up|down|grew|rose|fell"
            r"|(?:increas|decreas|grow|ris|declin|fall|dropp)(?:ed|ing|s)?(?:\s+by)?")
CHANGE_BEFORE_PCT = {"en": re.compile(r"(?:,\s*|\s+)(?:" + _EN_MOVE + r")\s*$", re.I),
                     "zh": re.compile(r"[，,]?\s*(?:同比|比去年同期)?\s*(?:增长|增加|下降|减少|上升|提升)了?\s*$")}
CHANGE_AFTER_PCT = {"en": re.compile(r"^\s*(?:year[- ]over[- ]year|YoY|from a year earlier|from the previous year)?",
                                     re.I),
                    "zh": re.compile(r"^")}


def metric_before(text: str, glossary: Glossary) -> str | None:
    """The headline metric (its Chinese name) named last in `text`."""
    names = [e.zh[0] for _, e in glossary.mentions(text) if e.zh[0] in HEADLINE_METRICS]
    return names[-1] if names else None


def drop_misattributed_changes(text: str, passages: list[Chunk], glossary: Glossary,
                               lang: str) -> tuple[str, list[str]]:
    """Remove each change phrase set after an amount or a comma ("RMB 924
    million, up 24% year over year", "9.24 亿元人民币，同比增长 24%") whose
    percentage every source gives to another headline metric than the one
    the answer names before it. The model takes a change from a neighbouring
    sentence; the change that does belong to the figure is then added from
    its source (verify.complete_changes)."""
    dropped: list[str] = []
    for n in sorted(num.extract(text), key=lambda x: -x.start):  # right to left: earlier spans stay valid
        if n.kind != "percent":
            continue
        sent_start = max((m.end() for m in re.finditer(r"[。！？；;!?]|\.\s", text[: n.start])), default=0)
        asked = metric_before(MARKER_RE.sub(" ", text[sent_start : n.start]), glossary)
        before = CHANGE_BEFORE_PCT[lang].search(text[: n.start])
        if asked is None or before is None or not (before.group().lstrip()[:1] in ",，"
                                                   or _after_amount(text[: before.start()])):
            continue  # dropping a change that is the sentence's predicate would leave half a sentence
        stated = {metric_before(sent[: src.start], glossary) for _, sent, src in number_sources([n], passages)}
        if not stated or None in stated or asked in stated:
            continue  # not found, or a source names no metric before it or names this one
        end = n.end + CHANGE_AFTER_PCT[lang].match(text[n.end :]).end()
        dropped.append(text[before.start() : end].strip(" ，,"))
        text = text[: before.start()] + text[end:]
    return text, dropped


def _after_amount(text: str) -> bool:
    """`text` ends with an amount."""
    amounts = num.amounts(text)
    return bool(amounts) and not text[amounts[-1].end :].strip()


# Share of a source sentence's character bigrams (business names left out)
# that a claim must hold to count as copied from it: a copied sentence keeps
# 0.8-1.0 of them, a claim that only shares the topic well under half.
COPIED_SHARE = 0.7
# A source sentence this short (in bigrams, names left out) is too generic to
# tell where a claim was copied from ("同比增长 5%").
MIN_COPIED_BIGRAMS = 10


# Glossary kinds that name a business (a segment, a unit within it, a product).
BUSINESS_KINDS = UNIT_KINDS | {"product"}


@lru_cache(maxsize=4)
def _business_names(glossary: Glossary) -> re.Pattern | None:
    """A pattern of every name of a business in the glossary, longest first:
    built once per glossary, not for every answer checked."""
    names = sorted({v for e in glossary.entries if e.kind in BUSINESS_KINDS for v in e.zh + e.en}, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in names)) if names else None


@dataclass
class Misattributed:
    claim: str  # the answer's sentence, markers included
    copied: list[int]  # positions (0-based) in the passages of those holding the sentence it copies


def misattributed_claims(text: str, passages: list[Chunk], glossary: Glossary) -> list[Misattributed]:
    """The sentences of a Chinese answer that copy a source sentence about
    another business segment than the one the answer puts before it: asked
    how the public cloud revenue did, the model wrote "阿里云来自外部客户的公共云
    收入增长主要由速卖通……所驱动", copying the cause of AIDC's growth.
    - A claim copies a source sentence when it holds most of that sentence's
      wording (names aside) and all the claim's figures are in it.
    - The businesses the claim adds are those it names outside the copied
      words (usually taken from the question). The businesses the source is
      about are those its sentence names or, when it names none, those the
      sentence before it names ("增长主要是由……" follows its figure's sentence).
    - A claim is misattributed when every sentence it copies names
      businesses and none of the same reporting segment as those the claim
      adds (淘宝 is part of 淘天集团: glossary "part of")."""
    kinds = BUSINESS_KINDS
    name_re = _business_names(glossary)

    def segments(s: str) -> set:
        return {glossary.segment(e) for _, e in glossary.mentions(s) if e.kind in kinds}

    def plain(s: str) -> str:
        return name_re.sub("", s) if name_re else s

    out = []
    for m in CLAIM_RE.finditer(text):
        claim = MARKER_RE.sub("", m.group()).strip()
        if not segments(claim):
            continue
        figures = [n for n in num.extract(claim) if n.kind in ("amount", "percent", "pp")]
        have = bigrams(plain(claim))
        verdicts, sources = [], []
        for i, c in enumerate(passages):
            sents = [s.group() for s in SOURCE_SENTENCE_RE.finditer(c.text)]
            for k, s in enumerate(sents):
                grams = bigrams(plain(s))
                if len(grams) < MIN_COPIED_BIGRAMS or len(grams & have) / len(grams) < COPIED_SHARE:
                    continue
                pool = num.extract(s)
                if not all(num.find_match(f, pool) for f in figures):
                    continue
                added = segments(_outside(claim, s))
                about = segments(s) or segments(sents[k - 1] if k else "")
                verdicts.append(bool(added and about and not added & about))
                sources.append(i)
        if verdicts and all(verdicts):
            out.append(Misattributed(m.group().strip(), sorted(set(sources))))
    return out


# Characters a run of the claim must share with the source to count as
# copied: a name the claim repeats outside the copy ("阿里云与淘天在AI方面的协同
# 对淘天未来……") is not in one.
COPIED_RUN = 4


def _outside(claim: str, source: str) -> str:
    """The characters of `claim` in no run of COPIED_RUN characters that
    `source` also holds: the words the claim did not copy, gaps as spaces."""
    flat, src = re.sub(r"\s+", "", claim), re.sub(r"\s+", "", source)
    covered = [False] * len(flat)
    for i in range(len(flat) - COPIED_RUN + 1):
        if flat[i : i + COPIED_RUN] in src:
            covered[i : i + COPIED_RUN] = [True] * COPIED_RUN
    return "".join(" " if cov else ch for ch, cov in zip(flat, covered))
