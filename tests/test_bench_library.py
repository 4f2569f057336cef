"""The library bench's corpus: the shipped calls, then copies under other
company names, each detected as a call of its own company."""

from rag.bench_library import sources, write_copies
from rag.callinfo import for_file


def test_copies_are_distinct_calls_of_other_companies(tmp_path):
    n = len(sources()) + 3
    paths = write_copies(n, tmp_path)
    assert len(paths) == n and len({p.read_text(encoding="utf-8") for p in paths}) == n
    companies = [for_file(p, p.read_text(encoding="utf-8")).company for p in paths]
    originals = companies[: len(sources())]
    for p, company in zip(paths[len(sources()):], companies[len(sources()):]):
        assert company not in originals and company in p.read_text(encoding="utf-8")
