"""The answer path as data: the declared stages, the loop that runs them
(bounded retries, added parts, fallbacks, notes), and the README's list
matching the code. Stages here are stubs: this is the loop's logic; the
real stages are tested in their own files and end to end."""

import re
from dataclasses import dataclass, field, replace

from rag.answer import pipeline
from rag.answer.pipeline import STAGES, Pipeline
from rag.answer.records import Draft, Evidence, Refuse, Retry
from rag.answer.stages.generate import Generate
from rag.config import Config
from tests.conftest import ROOT


@dataclass
class Ctx:
    cfg: Config = field(default_factory=Config)


def generating(text):
    """A Generate stand-in whose 'model' writes `text(evidence)` in two pieces."""

    class Gen(Generate):
        def __init__(self, ctx):
            self.ctx = ctx

        def run(self, draft):
            out = text(draft.evidence)

            def stream():
                yield out[:3]
                yield out[3:]
                return {"answerable": bool(out), "answer": out}

            return draft.but(pending=stream())

    return Gen


def stage(fn):
    class S:
        def __init__(self, ctx):
            self.ctx = ctx

        def run(self, draft):
            return fn(draft)

    S.__name__ = fn.__name__
    return S


def drain(gen):
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as done:
            return events, done.value


def ev(q="q", passages=("p",)):
    return Evidence(question=q, lang="en", passages=list(passages))


def test_stages_are_classes_with_a_docstring_and_one_run_method():
    for s in STAGES:
        doc = s.__module__ and __import__(s.__module__, fromlist=["x"]).__doc__
        assert doc and "Error" in doc, s  # each names the class of error it exists for
        assert callable(getattr(s, "run"))


def test_the_readme_lists_the_stages_in_the_codes_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\d+\. \*\*`(\w+)`\*\*", readme, re.M)
    assert listed == [s.__name__ for s in STAGES]


def test_the_first_generation_streams_and_its_text_reaches_the_draft():
    p = Pipeline(Ctx(), [generating(lambda e: "Revenue grew[1].")])
    events, final = drain(p.run(Draft(ev())))
    assert "".join(e for e in events if isinstance(e, str)) == "Revenue grew[1]."
    assert isinstance(final, Draft) and final.text == "Revenue grew[1]." and final.generations == 1


def test_a_retry_starts_again_at_generation_once_and_is_not_streamed():
    asked = []

    def check(draft):
        asked.append(draft.evidence.question)
        if draft.evidence.question == "q":
            return Retry("wrong figure", replace(draft.evidence, question="q2"))
        return draft

    p = Pipeline(Ctx(), [generating(lambda e: f"answer to {e.question}"), stage(check)])
    events, final = drain(p.run(Draft(ev())))
    assert final.text == "answer to q2" and final.generations == 2 and asked == ["q", "q2"]
    assert "".join(e for e in events if isinstance(e, str)) == "answer to q"  # only the first streams
    assert [(n.stage, n.action) for n in final.notes] == [("check", "retry")]


def test_retries_are_bounded_and_an_exhausted_retry_refuses():
    def always(draft):
        return Retry("still wrong", replace(draft.evidence, question=draft.evidence.question + "!"))

    p = Pipeline(Ctx(), [generating(lambda e: "x"), stage(always)])
    _, final = drain(p.run(Draft(ev())))
    assert isinstance(final, Refuse) and final.reason == "still wrong"
    assert [n.action for n in final.notes] == ["retry", "retry"]
    p = Pipeline(Ctx(Config(max_retries=0)), [generating(lambda e: "x"), stage(always)])
    _, final = drain(p.run(Draft(ev())))
    assert isinstance(final, Refuse) and len(final.notes) == 1


def test_a_combined_retry_adds_its_answer_and_a_fallback_stands_when_none_is_left():
    def parts(draft):
        if "part" in draft.text:
            return draft
        return Retry("a part left out", ev("part?"), combine=lambda a, b: a.but(text=a.text + " " + b.text),
                     fallback=lambda d: d.but(absent=["part?"]))

    p = Pipeline(Ctx(), [generating(lambda e: f"{e.question} answered"), stage(parts)])
    _, final = drain(p.run(Draft(ev("first"))))
    assert final.text == "first answered part? answered" and final.absent == []
    p = Pipeline(Ctx(Config(max_retries=0)), [generating(lambda e: f"{e.question} answered"), stage(parts)])
    _, final = drain(p.run(Draft(ev("first"))))
    assert final.text == "first answered" and final.absent == ["part?"]


def test_a_retry_starts_from_the_draft_as_its_stage_left_it():
    """What the stage noted before asking again (a part it found absent) is
    what the fallback and the combined answer start from."""
    def parts(draft):
        if "part" in draft.text:
            return draft
        return Retry("a part left out", ev("part?"), draft=draft.but(absent=["other?"]),
                     combine=lambda a, b: a.but(text=a.text + " " + b.text), fallback=lambda d: d)

    p = Pipeline(Ctx(), [generating(lambda e: f"{e.question} answered"), stage(parts)])
    _, final = drain(p.run(Draft(ev("first"))))
    assert final.text == "first answered part? answered" and final.absent == ["other?"]
    assert final.generations == 2
    p = Pipeline(Ctx(Config(max_retries=0)), [generating(lambda e: f"{e.question} answered"), stage(parts)])
    _, final = drain(p.run(Draft(ev("first"))))
    assert final.text == "first answered" and final.absent == ["other?"]


def test_a_stage_can_be_left_out_by_configuration_and_changes_are_noted():
    def shout(draft):
        return draft.but(text=draft.text.upper())

    stages = [generating(lambda e: "quiet"), stage(shout)]
    _, final = drain(Pipeline(Ctx(), stages).run(Draft(ev())))
    assert final.text == "QUIET" and [(n.stage, n.action) for n in final.notes] == [("shout", "changed")]
    _, final = drain(Pipeline(Ctx(Config(disabled_stages=["shout"])), stages).run(Draft(ev())))
    assert final.text == "quiet"


def test_a_refusal_ends_the_run_with_its_reason():
    def refuse(draft):
        return Refuse("not in the calls")

    def never(draft):
        raise AssertionError("stages after a refusal do not run")

    _, final = drain(Pipeline(Ctx(), [generating(lambda e: "x"), stage(refuse), stage(never)]).run(Draft(ev())))
    assert isinstance(final, Refuse) and final.notes[-1].stage == "refuse"


def test_the_declared_list_holds_every_stage_module():
    modules = {s.__module__.rsplit(".", 1)[1] for s in STAGES}
    files = {p.stem for p in (ROOT / "rag" / "answer" / "stages").glob("*.py") if p.stem != "__init__"}
    assert modules == files
    assert pipeline.STAGES[0].__name__ == "Standalone" and pipeline.STAGES[-1].__name__ == "Decide"
