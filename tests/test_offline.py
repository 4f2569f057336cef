"""Nothing reaches the network at run time: indexing and answering a question
run inside a network namespace with no interface up (`unshare -n`)."""

import json
import shutil
import subprocess

import pytest

from tests.conftest import CORPUS, RAG


def _netns_available() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def netns():
    if not _netns_available():
        pytest.fail("`unshare -n` is needed to prove offline operation (run the tests as root)")
    probe = subprocess.run(["unshare", "-n", "python3", "-c",
                            "import socket; socket.create_connection(('151.101.0.223', 443), timeout=3)"],
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "unreachable" in probe.stderr  # really no network in there
    return ["unshare", "-n", "--"]


@pytest.mark.slow
def test_index_and_answer_without_network(netns, tmp_path):
    idx = tmp_path / "index"
    r = subprocess.run([*netns, RAG, "index", "--quiet", "--index-dir", str(idx), str(CORPUS)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "indexed 1 document(s)" in r.stdout
    r = subprocess.run([*netns, RAG, "ask", "What was Cloud Intelligence Group's revenue this quarter?", "--json",
                        "--index-dir", str(idx)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert not answer["refused"] and "28.1 billion" in answer["text"]
    assert answer["citations"]
