"""What a question asks: a figure or a statement, its parts, and its terms.

Language rules only (English and Chinese question words); what the calls
call things comes from `Knowledge`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .claims import MARKER_RE, unasked
from .dictionary import _stemmer
from .knowledge import EN_WORD_RE, Knowledge
from .language import HAN_RE, detect
from .numbers import extract
from .periods import NUMBERED_QUARTER

# A question asking for a figure: "多少", "how much", "what price".
FIGURE_RE = re.compile(r"多少|几[个家次年倍成]|金额|价格|比例|比率|占比|增速|增幅|降幅|\bhow (?:much|many|big|large|fast)\b"
                       r"|\bprice\b|\bwhat (?:amount|figure|percentage|share|sum|proportion|portion)\b"
                       r"|\bby what (?:percentage|amount)\b|\bwhat (?:was|were|is|are) (?:the )?(?:\w+\W+){0,6}?"
                       r"(?:revenue|revenues|sales|income|profit|loss|margin|ebitda?|ebita|cash flow|rate)s?\b"
                       r"|\bwhat (?:\w+\s+){0,3}(?:guidance|forecast|target|outlook|estimate)\b",
                       re.I)
# A question asking for a reason, someone's words or a description, not a figure.
NARRATIVE_RE = re.compile(r"\bwhy\b|\bhow (?!much\b|many\b|big\b|large\b|fast\b)\w+|\bsa(?:y|id)\b|\bdescrib|\bexplain"
                          r"|\bcomment|\bview|\bthink|\bstrateg|\bplan|\bwho\b|\bwhich (?!\w+ (?:was|were) (?:the )?(?:"
                          r"highest|largest|biggest))|为什么|为何|原因|如何|怎么|怎样|说|谈|介绍|看法|认为|观点|策略|战略|计划|谁|哪位|哪家",
                          re.I)
# A question asking why a figure moved or what drove it.
CAUSE_RE = re.compile(r"为什么|为何|原因|由什么|什么(?:驱动|带来|推动|带动|导致|造成)|哪些因素"
                      r"|\bwhy\b|\bdr(?:ove|iven|ivers?)\b|\breasons?\b|\bcaused?\b|\bdue to\b|\bbehind\b", re.I)


# The words that make a sentence a question or a request. A question with
# none of them is an analyst's shorthand ("UA Q4 inventory?", "VZ total retail
# postpaid churn, Q3 2021?"): naming a metric, it asks for its figure.
QUESTION_WORD_RE = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how|did|does|do|is|are|was|were|has|have|"
                              r"had|will|would|can|could|should|tell|give|list|describe|explain|compare|summari[sz]e)\b"
                              r"|多少|多大|什么|哪|谁|为什么|为何|如何|怎么|怎样|是否|吗|呢|请|介绍|说明|比较|对比", re.I)
# A change of a metric asked for: its figures ("how did revenue change", "利润率变化了多少").
CHANGE_RE = re.compile(r"\bhow (?:did|does|has|have|will|would)\b.*\b(?:chang|compar|grow|grew|increas|decreas|"
                       r"declin|mov|evolv|trend|shift|improv)|\bcompare[sd]?\b|\bversus\b|\bvs\.?\b|变化|对比|相比|比较",
                       re.I)
# "What was/is X", "Compare X and Y" ask for X itself: a figure when X is a metric.
WHAT_IS_RE = re.compile(r"\bwhat (?:was|were|is|are)\b|\bcompar|\bvs\b|\bversus\b|对比|比较|分别", re.I)
# "What load factor did Southwest guide to?", "What top line did Rocket Lab post?":
# the words between "what" and the verb name what is asked, a figure when they hold a metric.
WHAT_OBJECT_RE = re.compile(r"^\s*what\s+(?P<obj>(?:[\w/&'’-]+\s+){1,6}?)(?:did|does|do|will|would|has|have|had)\b",
                            re.I)


# "What did it guide to", "what did it actually deliver", "what did Home Depot report": verbs
# whose object is a figure, asked of a metric the question names before ("For 2021 free cash
# flow, what did Coca-Cola guide to on its Q3 call, and what did it actually deliver?").
FIGURE_VERB_RE = re.compile(r"\bwhat (?:did|does|do|will|would|has|have|had)\b(?:\s+[\w.&'’-]+){1,4}?\s+(?:actually\s+)?"
                            r"(?:guid\w*|report\w*|deliver\w*|post\w*|generat\w*|earn\w*|achiev\w*|forecast\w*|"
                            r"project\w*|book\w*|record\w*)\b", re.I)


# "When will …", "by when", "what date", "何时", "什么时候", "哪一年": the answer is a date.
WHEN_RE = re.compile(r"\bwhen\b|\bwhat (?:date|year|month|quarter)\b|\bby what time\b|何时|什么时候|哪一?年|哪个月|哪天|几月", re.I)


def asks_when(question: str) -> bool:
    """The question asks when something happens or happened."""
    return bool(WHEN_RE.search(question))


def asks_figure(question: str, knowledge: Knowledge | None = None) -> bool:
    """The question asks for a figure (an amount, a rate, a count), not for
    a statement: "What was Cainiao's revenue?", "What was Taotian's GMV?"
    (a metric the calls' glossary knows), "What was R&D expense this
    quarter?" (what something was in a period), "What load factor did
    Southwest guide to?" (a metric asked as the object), "For 2021 free cash
    flow, what did it actually deliver?" (a verb whose object is a figure), "菜鸟的收入是多少？",
    not "What did the CFO say about cash flow?" nor "Why did it fall?"."""
    metric = bool(knowledge and any(e.kind == "finance" for e in knowledge.glossary.expand(question).entries))
    if metric and CHANGE_RE.search(question):  # "How did Coca-Cola's price/mix change from Q3 to Q4?"
        return True
    if metric and (m := WHAT_OBJECT_RE.match(question)) and \
            any(e.kind == "finance" for e in knowledge.glossary.expand(m.group("obj")).entries):
        return True
    if metric and FIGURE_VERB_RE.search(question):  # "For 2021 free cash flow, what did it guide to?"
        return True
    if NARRATIVE_RE.search(question) and not re.search(r"多少|how (?:much|many)", question, re.I):
        return False
    if metric and not QUESTION_WORD_RE.search(question):  # "VZ total retail postpaid churn, Q3 2021?"
        return True
    if FIGURE_RE.search(question):
        return True
    from .periods import named

    return bool(WHAT_IS_RE.search(question)) and (bool(named(question)) or metric)


def asks_cause(question: str) -> bool:
    return bool(CAUSE_RE.search(question))


# Words that carry no part of what is measured or discussed: question words,
# function words, and the generic words of any figure ("rate", "total",
# "this quarter", "增幅"). General English and Chinese, not any call's vocabulary.
EN_GENERIC = set("""
what which who whom whose when where why how much many big large fast did does do done doing is are was were be been
being has have had having will would could should can may might must shall the a an of in on at to for from by with
and or nor but so as about into onto than then this that these those its it it's their theirs our ours your yours his
her hers they them we us you i me my please tell give show list name explain describe say said says saying
mention mentioned mentions according report reported reporting quarter quarters quarterly year years annual annually
fiscal period periods month months week weeks day today figure figures number numbers amount amounts total totals
level levels value values rate rates percent percentage percentages share proportion portion fraction ratio
growth grow grew grown growing change changed
changes compare compared comparing comparison versus vs company companies company's business businesses segment
segments group groups overall current currently latest last previous prior same end ended ending during over under
up down increase increased increases decrease decreased decreases year-over-year yoy also any all each every some
both either neither other another such only just more most less least very there here not no yes new now still
one two three first second third fourth q1 q2 q3 q4 fy via per since until after before while again approximately
roughly around nearly almost exactly specific specifically key main major contribution contributions
""".split())
# Words of a figure question that say which way a change went or what kind of
# part is meant, not what is measured: the source may write "compressed" or
# "down" where the question says "contracted", and the figure's sign says it;
# "digital channels" is digital sales. Not looked for in the sentence stating
# the figure; still words of an answer's claims (support, restatement).
EN_NOT_MEASURED = set("""
decline declined declines reduction reductions reduced improved improvement contracted contraction compressed
compression expanded widened narrowed rose fell dropped drop channel channels item items
""".split())
ZH_GENERIC = set("""
多少 什么 哪些 哪个 哪 怎么 怎样 如何 为什么 为何 是否 有没有 有 没有 的 了 是 在 和 与 及 也 都 就 而 对 为 于 把 被 让 给
从 向 中 上 下 个 这 那 我 你 他 她 它 我们 你们 他们 公司 集团 业务 本季度 季度 本 该 其 这个 那个 同比 环比 增长 增加 下降
减少 变化 变动 情况 数字 数据 金额 总额 数额 数量 比例 比率 多 少 亿元 万元 亿 万 元 人民币 美元 港元 期间 期 年 月 日 当季 本期
今年 去年 同期 是多少 分别 以及 并且 还有 另外 同时 呢 吗 吧 啊 请 问 说 谈 一下 一个 几 达到 达 为止 截至 时候 相比 对比 比较
提到 提及 表示 介绍 主要 具体 大约 约 左右 整体 总体 各 每 所 等 及其 方面 关于 电话会 电话会议 业绩会
会上 电话 财报 业绩 增幅 降幅 涨幅 提升 提高 下滑 收窄 缩小 扩大 改善
""".split())


@dataclass(frozen=True)
class Term:
    """A word of the question and what the calls may write for it."""

    text: str
    forms: frozenset[str]
    weight: float  # its rarity in the calls: rare words say more about what is asked
    noun: bool = True  # names a thing, not an action or a quality
    attested: bool = True  # some form of it occurs in the calls

    def __str__(self) -> str:
        return self.text

    @property
    def in_english(self) -> bool:
        """Some form of it can be looked for in an English call (a Chinese
        word the dictionary gives no English for, "装瓶", cannot)."""
        return any(EN_WORD_RE.search(f) for f in self.forms)


def _unmatched(question: str, knowledge: Knowledge) -> str:
    """The question with every glossary name or term blanked out."""
    rest = question
    for rx, _ in knowledge.glossary._present(question):
        rest = rx.sub(" \x00 ", rest)
    return rest


def words(question: str, knowledge: Knowledge, known: list[str] = ()) -> list[Term]:
    """The question's content words the glossary does not know: what is
    asked about beyond its known names and metrics ("R&D", "研发", "employees",
    "人数"), each with the forms the calls may write it in. `known`: the
    companies of the calls the question is about (their Chinese names count
    as attested)."""
    rest = _unmatched(question, knowledge)
    for rx in NUMBERED_QUARTER:  # "3Q21", "Q4 2023" name a period, not a thing asked about
        rest = rx.sub(" ", rest)
    out: dict[str, Term] = {}

    def phrase(m: re.Match) -> str:  # a name of several words the dictionary knows whole ("Chinese New Year")
        found = knowledge.dictionary.phrase(m.group())
        if not found:
            return m.group()
        forms = frozenset({m.group().lower(), *found})
        out.setdefault(m.group().lower(), Term(m.group(), forms, knowledge.rarity(set(forms)), True,
                                               knowledge.attested(forms)))
        return " "

    rest = PHRASE_RE.sub(phrase, rest)
    if HAN_RE.search(rest):
        import jieba.posseg as pseg

        for piece in pseg.lcut(rest):
            w = piece.word.strip()
            if len(w) < 2 or not HAN_RE.search(w) or w in ZH_GENERIC or re.fullmatch(r"[\d.,%]+", w):
                continue
            from .knowledge import NOUN_TAGS

            from .coverage import found_otherwise

            forms = frozenset(knowledge.forms(w))
            # a name the calls write in English ("西南航空" as "Southwest Airlines") is
            # attested, as the coverage check reads it before any refusal
            out.setdefault(w, Term(w, forms, knowledge.rarity(set(forms)), piece.flag in NOUN_TAGS,
                                   knowledge.attested(forms) or found_otherwise(w, knowledge, known)))
    verbs = {m.group("verb").lower() for m in MAIN_VERB_RE.finditer(question)}
    for m in EN_WORD_RE.finditer(rest):
        w = m.group()
        low = w.lower().removesuffix("'s")
        if low in EN_GENERIC or low in EN_NOT_MEASURED or len(low) < 2 or (len(low) < 3 and not w.isupper()):
            continue
        forms = frozenset(knowledge.forms(low))
        out.setdefault(low, Term(w.removesuffix("'s"), forms, knowledge.rarity(set(forms)),
                                 low not in verbs and knowledge.is_noun(w, forms), knowledge.attested(forms)))
    return list(out.values())


# The main verb of an English question: the word after its auxiliary and its
# subject ("did Rocket Lab post", "does Alibaba target", "did it report"), an
# action, not a thing measured, whatever else the word can be.
MAIN_VERB_RE = re.compile(r"\b(?:did|does|do|will|would|has|have|had|can|could)\s+(?:(?:it|they|we|he|she|the company|"
                          r"management)\s+|(?:[A-Z][\w&.'’-]*\s+){1,4})(?P<verb>[a-z]+)\b")
# A name of several capitalised words ("Chinese New Year"), read whole.
PHRASE_RE = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")
# Where a question holds a second question: a second sentence, or a clause
# after "and"/"以及" that opens with its own question word.
_EN_Q = r"(?:what|how|who|whom|which|when|why|where|did|does|do|is|are|was|were|has|have|had|will|would|can|could)\b"
EN_PART_RE = re.compile(r"(?:[,;]\s*(?:and\s+|also\s+|plus\s+)?|\s+and\s+(?:also\s+)?)(?=" + _EN_Q + r")", re.I)
ZH_PART_RE = re.compile(r"[，,；;]\s*(?:以及|并且|另外|还有|同时|此外|而且|那么)?|(?:以及|并且|另外|此外)")
EN_ASKS_RE = re.compile(r"\b(?:what|how|who|whom|which|when|why|where|whose)\b|^\s*(?:did|does|do|is|are|was|were|has|"
                        r"have|had|will|would|can|could)\b", re.I)
ZH_ASKS_RE = re.compile(r"多少|什么|哪|谁|如何|怎么|怎样|为什么|为何|是否|吗|呢|几")
# A question ends at its question mark, unless the mark closes a quotation: "（追问，上一问是“合并收入是多少？”）
# 同比增长多少？" is one question (the form a part leaning on the one before is asked again in).
SENTENCE_SPLIT_RE = re.compile(r"(?<=[?？])\s*(?=[^\s”\"'’」』）)])")
# Glossary kinds that make a part a question of its own: it names what it is about.
SUBJECT_KINDS = {"unit", "product", "person", "firm", "company", "finance", "concept", "strategy", "region"}


def self_contained(part: str, knowledge: Knowledge) -> bool:
    """The part names what it asks about (a business, a person, a metric, a
    topic), unlike "来自哪家机构？", "同比增长多少？" or "who answered?", which
    lean on the part before them."""
    return any(e.kind in SUBJECT_KINDS for e in knowledge.glossary.expand(part).entries)


def parts(question: str) -> list[str]:
    """The questions a question holds: "What did Alibaba say about Cainiao's
    IPO, and what was Cainiao's revenue?" holds two; "合并收入是多少？同比增长多少？"
    two; "What was Cainiao's revenue and how did it change?" two. A part too
    short to ask anything ("and why?") stays with the one before it."""
    out: list[str] = []
    for sent in SENTENCE_SPLIT_RE.split(question.strip()):
        if detect(sent) == "zh":
            cuts = [m for m in ZH_PART_RE.finditer(sent)]
            # a Chinese clause is a question of its own when both sides ask something
            starts, keep = 0, []
            for m in cuts:
                left, right = sent[starts : m.start()], sent[m.end() :]
                nxt = ZH_PART_RE.search(right)
                right = right[: nxt.start()] if nxt else right
                if ZH_ASKS_RE.search(left) and ZH_ASKS_RE.search(right):
                    keep.append(m)
                    starts = m.end()
        else:
            # a clause is a question of its own when the text before it asks something too
            keep, start = [], 0
            for m in EN_PART_RE.finditer(sent):
                if EN_ASKS_RE.search(sent[start : m.start()]):
                    keep.append(m)
                    start = m.end()
        pieces, last = [], 0
        for m in keep:
            if len(re.sub(r"\W", "", sent[m.end() :])) < 4:
                break  # "…, and why?" asks nothing of its own
            pieces.append(sent[last : m.start()])
            last = m.end()
        pieces.append(sent[last:])
        out += [p.strip(" ,;，；") for p in pieces if p.strip(" ,;，；")]
    return out or [question]


# A question answered yes or no.
YES_NO_RE = re.compile(r"^\s*(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could|should)\b"
                       r"|是否|有没有|是不是|吗[？?]?\s*$", re.I)
# Chinese characters that carry no content of their own in an answer.
ZH_FUNCTION_CHARS = set("的了是在和与及为对从把被也都就而其这那个之所等或并且即")


def restates(answer: str, question: str, names: list[str] = ()) -> bool:
    """The answer only restates the question: no figure, name or content
    word of its own once the question's words (and `names`, the companies
    asked about) are set aside. "Taotian Group's other merchant count grew
    strongly at Taotian" for "Which other merchant count did the CFO say grew
    strongly at Taotian?"; "Neutron火箭只从Wallops发射" for "为什么只从Wallops发射"."""
    if YES_NO_RE.search(question):
        return False  # "Did Alibaba raise its buyback?": restating it is the answer
    text = MARKER_RE.sub(" ", answer)
    for n in sorted(names, key=len, reverse=True):
        if n:
            text = re.sub(re.escape(n), " ", text, flags=re.I)
    asked = extract(question)
    if any(not any(n.same_value(a) for a in asked) for n in extract(text)):
        return False
    stem = _stemmer().stemWord
    mine = {w.lower() for w in EN_WORD_RE.findall(question)}
    mine |= {stem(w) for w in mine}
    for w in EN_WORD_RE.findall(text):
        low = w.lower().removesuffix("'s")
        if low not in EN_GENERIC and len(low) >= 3 and low not in mine and stem(low) not in mine:
            return False
    rest = unasked(text, question)
    return sum(1 for ch in rest if HAN_RE.match(ch) and ch not in ZH_FUNCTION_CHARS) < 2
