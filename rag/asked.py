"""What a question asks, thing by thing: its own questions ("…, and what
was…"), the metrics it lists ("revenue range, adjusted EBITDA loss, and GAAP
net loss?"), or one metric of several businesses side by side. Read by the
parts check (rag/answer/stages/parts.py), which has each thing answered or
said to be absent.
"""

from __future__ import annotations

import re

from .glossary import Glossary
from .knowledge import Knowledge
from .language import HAN_RE
from .measures import METRIC_KINDS, UNIT_KINDS
from .prompting import load_prompt
from .questions import asks_figure, parts

# A question that puts businesses side by side ("Cainiao's and AIDC's
# revenue", "淘天集团和云智能集团"), not one naming a second as context
# ("AIDC's revenue excluding Trendyol").
SIDE_BY_SIDE_RE = re.compile(r"\band\b|\bvs\b|\bversus\b|\bcompar|和|与|及|、|分别|对比|比较", re.I)
# What divides a list of metrics: in English a comma or "and", with up to
# three words of the items around it that are not function words ("revenue
# range, adjusted EBITDA loss, and GAAP net loss"; "operating income,
# adjusted operating income and operating margin"; not "on a GAAP and on a
# non-GAAP basis"); in Chinese a list mark alone ("营收、毛利率和经营利润"), a
# Chinese item's own words being inseparable from the question's.
EN_LIST_SEP_RE = re.compile(r",\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+", re.I)
EN_ITEM_WORD_RE = re.compile(r"[a-z][a-z-]*")
EN_ITEM_WORDS = 3
EN_FUNCTION = set("""what which who whom how why when where did does do is are was were be been being has have had
the a an of in on at to for from by with as its it their our your his her per than versus vs about into over
and or but not no both each either""".split())
# Where an item of an English list opens with "its" (", its Q4 occupancy, and its
# Q4 adjusted net loss"), and the company's possessive that opens the first item.
ITS_SEP_RE = re.compile(r",\s*(?:and\s+)?its\s+|\s+and\s+its\s+", re.I)
OWNER_RE = re.compile(r"^.*?\b[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*(?:'s|’s|'|’)\s+")
ZH_LIST_SEP_RE = re.compile(r"^\s*(?:、|，|,|和|及|与|以及)\s*$")


def metric_list(question: str, glossary: Glossary) -> list[tuple[str, str]]:
    """A figure question listing metrics ("Rocket Lab's Q1 2024 outlook:
    revenue range, adjusted EBITDA loss, and GAAP net loss?") as one
    question per metric, the list replaced by each of its items (each
    with its item); [] when it lists none. Asked three figures, the model
    gives two, or fills the third with a neighbouring figure."""
    spans = glossary.spans(question, METRIC_KINDS, question)
    # a name written right before another qualifies it: one item ("GAAP net loss")
    runs: list[list[int]] = []
    for a, b, _ in spans:
        if runs and not question[runs[-1][1] : a].strip(" -"):
            runs[-1][1] = b
        else:
            runs.append([a, b])
    zh = bool(HAN_RE.search(question))
    best: list[tuple[int, int]] = []
    items: list[tuple[int, int]] = []
    for i, (a, b) in enumerate(runs):
        sep = separator(question, runs[i - 1][1], a, zh) if i else None
        if sep is None:
            items = [(a if zh else noun_start(question, a), b)]
        else:
            items[-1] = (items[-1][0], sep[0])
            items.append((sep[1], b))
        if len(items) > len(best):
            best = list(items)
    if len(best) < 2:
        return [] if zh else owned_list(question)
    head, tail = question[: best[0][0]], question[best[-1][1] :]
    return [(head + question[a:b] + tail, question[a:b]) for a, b in best]


def owned_list(question: str) -> list[tuple[str, str]]:
    """An English list whose later items each open with "its", after a
    first one opened by the company's possessive ("What were Carnival's
    liquidity at the end of fiscal Q4 2021, its Q4 occupancy, and its Q4
    adjusted net loss?"): one question per item, however many words it
    has and whether or not the glossary knows its metric; [] otherwise."""
    seps = list(ITS_SEP_RE.finditer(question))
    owner = OWNER_RE.match(question[: seps[0].start()]) if seps else None
    if not owner:
        return []
    end = len(question.rstrip(" ?？."))
    bounds = [owner.end()] + [m.end() for m in seps]
    stops = [m.start() for m in seps] + [end]
    items = [question[a:b].strip() for a, b in zip(bounds, stops)]
    if any(not item for item in items):
        return []
    return [(owner.group(0) + item + question[end:], item) for item in items]


def separator(question: str, a: int, b: int, zh: bool) -> tuple[int, int] | None:
    """Where the list mark between two metrics' names (`a` to `b`) is,
    when they are items of one list; else None."""
    between = question[a:b]
    if zh:
        return (a, b) if ZH_LIST_SEP_RE.match(between) else None
    marks = list(EN_LIST_SEP_RE.finditer(between))
    if len(marks) != 1:
        return None
    rest = (between[: marks[0].start()] + " " + between[marks[0].end() :]).split()
    if len(rest) > EN_ITEM_WORDS or any(not EN_ITEM_WORD_RE.fullmatch(w) or w in EN_FUNCTION for w in rest):
        return None
    return a + marks[0].start(), a + marks[0].end()


def noun_start(question: str, a: int) -> int:
    """Where the English item whose metric's name starts at `a` starts:
    its lower-case words before it that are not function words
    ("consolidated total revenue", "wireless service revenue growth")."""
    for _ in range(EN_ITEM_WORDS):
        m = re.search(r"(?<![\w'’&])([a-z][a-z-]*)\s+$", question[:a])
        if not m or m.group(1) in EN_FUNCTION:
            break
        a = m.start(1)
    return a


def split(question: str, lang: str, knowledge: Knowledge, prompts_dir: str) -> list[str]:
    """The parts of `question` (one for a question of one part)."""
    asked = parts(question)
    if len(asked) > 1:
        return asked
    if asks_figure(question, knowledge) and (listed := metric_list(question, knowledge.glossary)):
        return [p for p, _ in listed]
    mentioned = list(dict.fromkeys(e for _, e in knowledge.glossary.mentions(question)))
    units = [e for e in mentioned if e.kind in UNIT_KINDS]
    metrics = [e for e in mentioned if e.kind in ("finance", "concept")]
    if len(units) < 2 or not metrics or not SIDE_BY_SIDE_RE.search(question) or \
            not asks_figure(question, knowledge):
        return asked
    template = load_prompt(prompts_dir, f"unit_question_{lang}.txt")
    metric = ("、" if lang == "zh" else " and ").join(e.name(lang) for e in metrics)
    return [template.format(unit=u.name(lang), metric=metric) for u in units]
