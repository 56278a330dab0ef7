"""What start-up savings must not change: PyYAML read through yamlsafe's lazy import."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r'''
import sys
if sys.argv[1] == "lazy":
    import gazette.yamlsafe
import yaml
assert ("LazyPattern" in type(yaml.reader.Reader.NON_PRINTABLE).__name__) == (sys.argv[1] == "lazy")
documents = ["a: 2024-01-08", "a: 2024-1-8 10:00:00", "a: 2024-01-08t10:00:00.5Z", "b: [yes, No, off, ON, y]",
             "c: [1.5, .inf, -.Inf, .NaN, 1e3, 1_000.5, 6.8523015e+5, 190:20:30.15]",
             "d: [0x1F, 0o17, 017, 0b101, -1_000, 190:20:30, +12]", "e: [~, null, Null, '']", "<<: {a: 1}",
             "f: =", "g: !!str 12", "h: '\u00e9\u2028'", "i: \x07", "j: \ud7ff\ue000", "k: [a, [b, {c: d}]]",
             "l: 12:30", "m: 2026-02-30", "n: x\x85y"]
for loader in (yaml.SafeLoader, yaml.CSafeLoader):
    for document in documents:
        try:
            print(repr(yaml.load(document, Loader=loader)))
        except (yaml.YAMLError, ValueError) as error:
            print(type(error).__name__, str(error).replace(chr(10), " "))
    print([loader("").resolve(yaml.ScalarNode, value, (True, False))
           for value in ("1", "1.0", "true", "~", "2024-01-01", "x", "<<", "=", "0b1", "1:20")])
'''


def run(mode: str) -> str:
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                          check=True).stdout


def test_pyyaml_imported_with_lazy_patterns_reads_every_scalar_as_plain_pyyaml():
    lazy, plain = run("lazy"), run("plain")
    assert lazy == plain
    assert "ReaderError" in lazy and "datetime.datetime(2024, 1, 8, 10, 0)" in lazy


def test_code_sharing_the_process_gets_real_compiled_patterns_from_pyyaml():
    # MkDocs runs in `gazette site build`'s process and may hand PyYAML's resolver patterns to
    # `re` itself: only the pure reader's pattern, which libyaml never uses, is left to compile.
    script = ("import re, gazette.yamlsafe, yaml\n"
              "patterns = [p for rules in yaml.resolver.Resolver.yaml_implicit_resolvers.values() for _, p in rules]\n"
              "assert patterns and all(isinstance(p, re.Pattern) for p in patterns)\n"
              "assert re.match(yaml.resolver.Resolver.yaml_implicit_resolvers['y'][0][1], 'yes')\n")
    subprocess.run([sys.executable, "-c", script], check=True)
