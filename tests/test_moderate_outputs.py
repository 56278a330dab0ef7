"""`gazette moderate` writes, byte for byte, the queues it wrote before its speed work (issue 19).

The digests were taken with the code before gazette.phones and the other fast paths of that
stop, on the benchmark's export (scripts/bench_moderate.py, 10,000 messages, 7,341 flags) and on
the labelled corpora: a speed change that moves one flag, span, explanation or byte fails here.
A deliberate change of the rules' answers records new digests (and says why in its commit).
"""

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from gazette.moderate import moderate, render_json, render_text
from gazette.netiquette import build_moderator

ROOT = Path(__file__).resolve().parent.parent
# name: (flags, sha256 of the JSON queue, sha256 of the text queue)
BEFORE = {
    "export.csv": (7341, "626c7d4689c532a049691d2fa9a8d6bc87db5532ca7cdbb0f570d1e32edf2563",
                   "31d019ffd2b29e1301ef613cc32b5e88ccbc2fe7274608a248f96d3ce963faff"),
    "findings.golden.jsonl": (2144, "f53953866956cfb1f71a647c7e31f1b7dd598b1c9e4b2ec644ae73fb5dbc8a1f",
                              "c4ef5ffc1defec1535bc2fe6bf6087ef2bd92e4890033af0b94a7147b57f4fe0"),
    "heldout.jsonl": (95, "0e225079ea055d233fcbc1fc39c00b5a45836a413241fb300630c9116d7dc404",
                      "861c42e7506c631583c474183277d97e2290ee033e52cf75509e042f8c392c04"),
    "tune.jsonl": (189, "315ee27c0f5fe1220b6584c0e0d3a44d0d5ad192129d5c0bafae5e2ae8bd5395",
                   "50297462c866f765c30ec27e64f1a03fb50319520651e9b782144856dd1da671"),
}
CLI_JSON_OF_THE_EXPORT = "9be034d1648df8cd62609009132c85f72f0556d3748442b7048a475919afe567"


@pytest.fixture(scope="module")
def bench_export(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("bench_moderate", ROOT / "scripts" / "bench_moderate.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    export = tmp_path_factory.mktemp("bench") / "export.csv"
    bench.make_export(export, 10_000)
    return export


def digest(text) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_the_queue_is_byte_identical_to_the_one_before(name, bench_export):
    path = bench_export if name == "export.csv" else ROOT / "tests" / "moderation" / name
    notes: list = []
    messages, flags = moderate(path, build_moderator(None, use_cache=False)[0], notes)
    count, json_digest, text_digest = BEFORE[name]
    assert len(flags) == count
    assert digest(render_json(messages, flags, notes)) == json_digest
    assert digest("\n".join(render_text(messages, flags))) == text_digest


def test_the_command_writes_the_same_bytes(bench_export):
    gazette = Path(sys.executable).with_name("gazette")
    done = subprocess.run([str(gazette), "moderate", str(bench_export), "--format", "json"], capture_output=True,
                          cwd=bench_export.parent)
    assert done.returncode == 1 and digest(done.stdout) == CLI_JSON_OF_THE_EXPORT
