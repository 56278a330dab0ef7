"""The fast paths of `gazette moderate` give what the plain ones gave (issue 19, speed)."""

import csv
import io
import json
import random

import pytest

from gazette import moderate
from gazette.moderate import FAMILIES, Flag, InputError

HOSTILE = ["", "a", "\"", "\\", "\n", "\r\n", "\t", "\x00", "\x1f", "\x7f", "é", "œ", "😀", "\u2028", "\ud800",
           "</script>", "{\"x\": 1}", ", ", "\u00a0", "'"]


def reference_rows(text):
    """What the reader gave with csv.DictReader, for exports it could read."""
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    fields = moderate._columns(header)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [(row.get(fields.get("id", ""), "") or str(reader.line_num), row.get(fields.get("author", ""), "") or "",
             row.get(fields["text"]) or "", reader.line_num) for row in reader]


def test_the_csv_reader_reads_what_dictreader_read():
    rng = random.Random(19)
    pieces = ["id", "text", "author", "message", ",", ",", "\"", "\n", "x", " ", "\r\n", "é", "\"\"", ",,"]
    compared = 0
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        if "text" not in moderate._columns(next(csv.reader(io.StringIO(text, newline="")), [])):
            continue
        if sum("text" in moderate._columns(next(csv.reader(io.StringIO(text, newline=""), delimiter=d), []))
               for d in ",;\t") != 1:
            continue
        try:
            expected = reference_rows(text)
        except csv.Error:
            continue
        assert list(moderate._csv_rows("p", text)) == expected, text
        compared += 1
    assert compared > 300, compared


@pytest.mark.parametrize("header", ["text,text,id", "id,,text", ",text", "author,texte,auteur"])
def test_repeated_and_empty_column_names_read_as_before(header):
    text = header + "\n" + "1,2,3\n\n4\n5,6,7,8\n"
    assert list(moderate._csv_rows("p", text)) == reference_rows(text)


def test_a_header_that_fits_no_delimiter_shows_the_sniffed_split():
    with pytest.raises(InputError, match=r"found: a, b"):
        list(moderate._csv_rows("p", "a;b\n1;2\n3;4\n"))


def test_the_json_queue_is_what_json_dumps_writes():
    rng = random.Random(7)
    flags = []
    for index in range(400):
        pick = lambda: "".join(rng.choice(HOSTILE) for _ in range(rng.randint(0, 5)))  # noqa: E731
        text = pick()
        flags.append(Flag(pick(), pick(), index, rng.choice([*FAMILIES, "netiquette/other"]),
                          rng.choice(["error", "warning"]), pick(), rng.randint(0, 99), rng.randint(0, 99),
                          text, pick(), pick()))
    expected = [json.dumps({"id": f.id, "author": f.author, "line": f.line, "code": f.code, "severity": f.severity,
                            "family": FAMILIES.get(f.code, f.code.split("/")[-1]), "rule": f.rule, "why": f.why,
                            "match": f.match, "start": f.start, "end": f.end, "text": f.text}, ensure_ascii=False)
                for f in flags]
    assert list(moderate._entries(flags)) == expected
    rendered = moderate.render_json(3, flags, ["a note"])
    assert json.loads(rendered) == {"version": 1, "messages": 3, "to_review": len({f.id for f in flags}),
                                    "notes": ["a note"], "queue": [json.loads(line) for line in expected]}
