"""The fast paths of `gazette moderate` give what the plain ones gave (issue 19, speed)."""

import csv
import io
import json
import random

import pytest

from gazette import moderate, sealed
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


def test_the_compiled_lists_come_back_from_the_cache_identical(repo, tmp_path):
    from gazette import netiquette
    from gazette.netiquette import Moderator, build_moderator, load_config

    fresh = Moderator(load_config(repo.root)[0])
    assert set(vars(fresh)) == set(netiquette._COMPILED) | {"automaton", "cue"}  # nothing left out of the cache
    first, problems = build_moderator(repo.root)
    assert problems == [] and netiquette._cache_path(repo.root).is_file()
    cached, _ = build_moderator(repo.root)
    assert cached.state() == fresh.state() and cached is not first
    text = "Quel connard, appelle le 06 12 34 56 78 ou julie.martin@gmail.com !!!"
    assert cached.scan(text) == fresh.scan(text) != []


def test_a_changed_community_list_is_read_again(repo):
    from gazette.netiquette import build_moderator

    assert build_moderator(repo.root)[0].scan("Espèce de patate") == []
    repo.write("calendar/moderation.yml", "rules:\n  insult: {words: {fr: [patate]}}\n")
    assert [f.text for f in build_moderator(repo.root)[0].scan("Espèce de patate")] == ["patate"]
    repo.write("calendar/moderation.yml", "rules:\n  insult: {severity: loud}\n")
    moderator, problems = build_moderator(repo.root)
    assert [p.code for p in problems] == ["schema/type"]
    assert [p.code for p in build_moderator(repo.root)[1]] == ["schema/type"]  # reported every time


def test_a_linked_community_file_never_comes_from_the_cache(repo, tmp_path):
    from gazette.netiquette import build_moderator

    outside = tmp_path / "outside.yml"
    outside.write_text("rules:\n  insult: {words: {fr: [patate]}}\n", encoding="utf-8")
    (repo.root / "calendar" / "moderation.yml").symlink_to(outside)
    for _ in range(2):
        moderator, problems = build_moderator(repo.root)
        assert problems and moderator.scan("Espèce de patate") == []


def test_a_broken_cache_file_only_costs_time(repo):
    from gazette import netiquette
    from gazette.netiquette import build_moderator

    build_moderator(repo.root)
    netiquette._cache_path(repo.root).write_bytes(b"\x00garbage")
    assert [f.text for f in build_moderator(repo.root)[0].scan("Quel connard")] == ["connard"]


def _misshapen_states(state):
    """States a cache file may hold under the right key: each would crash the scan if used."""
    yield {}
    yield {**state, "allow": 5}
    yield {**state, "severity": {"insult": "error"}}
    yield {**state, "words": {**state["words"], "con": ("insult",)}}
    yield {**state, "by_length": {**state["by_length"], ("z", 9): ["zzzzzzzzz"]}}
    yield {**state, "keys": {**state["keys"], " zut ": [("word", "rude", "fr", "zut")]}}
    yield {**state, "keys": {**state["keys"], " zut ": [()]}}
    yield {**state, "keys": {**state["keys"], " zut ": [("word", ["insult"], "fr", "zut")]}}
    yield {**state, "keys": {**state["keys"], " züt ": [("group", "zut")]}}
    yield {**state, "context": {**state["context"], "fiction": None}}
    yield {**state, "shout_letters": "12"}
    yield [state]


def test_a_cache_file_that_loads_but_holds_something_else_only_costs_time(repo, tmp_path):
    """Under the right key, a state of the wrong shape (damaged, written by another tool) is
    compiled again: moderate and check answer as without a cache, no traceback."""
    import marshal

    from click.testing import CliRunner

    from gazette import netiquette, phones
    from gazette.cli import cli
    from gazette.netiquette import build_moderator

    repo.write("content/posts/troll.md", "---\ntitle: Troll\ndate: 2026-11-20\n---\n\nQuel connard.\n")
    export = tmp_path / "c.csv"
    export.write_text("id,author,text\n1,lea,Quel connard\n", encoding="utf-8")
    runner = CliRunner()
    expected_moderate = runner.invoke(cli, ["moderate", str(export), "--repo", str(repo.root)]).output
    expected_check = repo.gazette("check")
    assert "netiquette/insult" in expected_moderate and "netiquette/insult" in expected_check.output
    key = netiquette._cache_key(repo.root)
    state = build_moderator(repo.root)[0].state()
    path = netiquette._cache_path(repo.root)
    for bad in _misshapen_states(state):
        path.write_bytes(sealed.seal(marshal.dumps((key, bad))))
        assert [f.text for f in build_moderator(repo.root)[0].scan("Quel connard zut züt")] == ["connard"], bad
        path.write_bytes(sealed.seal(marshal.dumps((key, bad))))
        moderated = runner.invoke(cli, ["moderate", str(export), "--repo", str(repo.root)])
        assert (moderated.exception is None or isinstance(moderated.exception, SystemExit)), moderated.exc_info
        assert moderated.output == expected_moderate
        path.write_bytes(sealed.seal(marshal.dumps((key, bad))))
        checked = repo.gazette("check")
        assert (checked.output, checked.exit_code) == (expected_check.output, expected_check.exit_code)
    # The right state under the right key is still used (nothing compiled again).
    path.write_bytes(sealed.seal(marshal.dumps((key, state))))
    assert netiquette._state_shaped(state)


def test_the_rewritten_shouting_and_quotation_patterns_match_as_the_plain_ones():
    import re

    from gazette import netiquette

    pairs = [(re.compile(netiquette.SHOUT_BEFORE), netiquette.SHOUT), (re.compile(netiquette.QUOTED_BEFORE),
                                                                        netiquette.QUOTED)]
    rng = random.Random(5)
    alphabet = list("AÉBCDEZ aéz0_'’-\n.,!?\"«»“”„‘×") + ["ÇA", "LE TOUR", "MERCI", "Hello", "😀"]
    matched = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for pos in (0, rng.randint(0, len(text))):
            for plain, fast in pairs:
                expected = [m.span() for m in plain.finditer(text, pos)]
                assert [m.span() for m in fast.finditer(text, pos)] == expected, (text, pos)
                matched += bool(expected)
    assert matched > 5000


def test_e_mails_and_ibans_are_found_as_by_the_plain_patterns():
    import re

    from gazette import netiquette

    iban_before = re.compile(netiquette.IBAN_BEFORE)
    rng = random.Random(11)
    alphabet = list("ab.Z_+-@ \n,é1") + ["ω", "٣", "x.fr", "@free.fr", "julie.martin", "FR76", " 3000", "GB82",
                                        "WEST", "ǅ", "\u0301", "(", "<", "FR76 3000 6000 0112 3456 7890 189",
                                        "GB82WEST12345698765432", "_"]
    found = ibans = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        first = rng.randint(0, len(text))
        last = rng.randint(first, len(text))
        expected = [m.span() for m in netiquette.EMAIL.finditer(text, first, last)]
        assert [m.span() for m in netiquette._email_matches(text, first, last)] == expected, (text, first, last)
        found += bool(expected)
        expected = [m.span() for m in iban_before.finditer(text, first, last)]
        assert [m.span() for m in netiquette.IBAN.finditer(text, first, last)] == expected, (text, first, last)
        ibans += bool(expected)
    assert found > 300 and ibans > 300, (found, ibans)


class _SeenSetStretched:
    """The stretched-word reader before issue 19's review: a set of the words' starts, the start
    found again at every hit (quadratic on a run of one letter)."""

    def _stretched(self, text, plain, hits, found, where):
        from gazette.netiquette import RUNS

        seen = set()
        for start, _, _ in hits:
            begin = plain.rfind(" ", 0, start) + 1
            stop = plain.find(" ", start)
            stop = len(plain) if stop < 0 else stop
            if begin in seen:
                continue
            seen.add(begin)
            word = plain[begin:stop]
            for squeezed in (RUNS.sub(r"\1\1", word), RUNS.sub(r"\1", word)):
                tag = self._lookup(squeezed)
                if tag:
                    self._words(text, plain, [(begin, stop, ("word",) + tag)], found, where, "stretched",
                                ", letters repeated")
                    break


def test_stretched_words_are_flagged_as_before_and_a_long_run_of_one_letter_is_read_in_linear_time():
    import time

    from gazette.netiquette import Moderator, load_config

    config = load_config(None)[0]
    moderator = Moderator(config)
    before = type("Before", (_SeenSetStretched, Moderator), {})(config)
    rng = random.Random(23)
    pieces = ["connnnard", "fuuuuck", "coooon", "aaa", "www.", "c0nnnnard", "salooooope", "Connnnard", "bla", " ",
              " ", "\n", ".", "«", "»", "\"", "traité de ", "le méchant ", "mmmmmerci", "zzz", "Www", "a" * 50, "é"]
    flagged = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        found = moderator.scan(text)
        assert found == before.scan(text), text
        flagged += any(f.rule == "stretched" for f in found)
    assert flagged > 300
    for n in (10, 1000, 20_000):
        for text in ("a" * n, "co" + "n" * n + "ard", "w" * n + " x", ("fuuuck " * n)[:n]):
            assert moderator.scan(text) == before.scan(text)
    # A million letters (bodies go up to 1 MiB): ~1.2 s CPU here, linear; it took 13 s.
    text = "co" + "n" * 1_000_000 + "ard"
    started = time.process_time()
    found = moderator.scan(text)
    assert time.process_time() - started < 4
    assert [f.text for f in found] == [text]


def test_one_number_type_lookup_answers_is_valid_number_too():
    """_phone_numbers asks phonenumbers for a number's type once and reads validity from it:
    is_valid_number(n) must be number_type(n) != UNKNOWN on valid, invalid, possible-only,
    shared-code (+44 Jersey, +1 Canada), non-geographic (+800) and unknown-code numbers."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    rng = random.Random(19)
    written = ["06 12 34 56 78", "01 23 45 67 89", "08 00 12 34 56", "0899 12 34 56", "+44 7700 900123",
               "07700 900123", "+44 1534 123456", "+1 613 555 0199", "+1 212 555 0199", "+800 1234 5678",
               "+999 123 456 789", "+33 9 12 34 56 78", "+39 06 1234 5678", "+41 78 927 2696"]
    written += ["0" + "".join(rng.choice("0123456789") for _ in range(9)) for _ in range(300)]
    written += ["+" + "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 14))) for _ in range(300)]
    checked = 0
    for text in written:
        for region in ("FR", "GB", "US", "BE"):
            try:
                number = phonenumbers.parse(text, region)
            except phonenumbers.NumberParseException:
                continue
            checked += 1
            assert phonenumbers.is_valid_number(number) == (
                phonenumbers.number_type(number) != PhoneNumberType.UNKNOWN), (text, region)
    assert checked > 1000


def test_phone_numbers_are_read_without_a_cache_on_the_matched_text():
    """No cache keyed on what matched: every repeat of a number is parsed again (a queue that
    repeats one number must cost what a queue of distinct numbers costs)."""
    from gazette import netiquette

    assert not hasattr(netiquette._phone_numbers, "cache_info")
    assert netiquette._phone_numbers("06 12 34 56 78", ("FR",)) == ((0, 14, "06 12 34 56 78", True, "FR"),)
    assert netiquette._phone_numbers("08 00 12 34 56", ("FR",)) == ()  # toll-free: a public service


def _phone_numbers_before(span, regions):
    """The reading before: every region's PhoneNumberMatcher over the span, valid and type asked apart."""
    import phonenumbers
    from phonenumbers import PhoneNumberType as Type

    public = (Type.TOLL_FREE, Type.PREMIUM_RATE, Type.SHARED_COST, Type.UAN, Type.VOICEMAIL)
    out = []
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        trunk = "0" if metadata is not None and metadata.national_prefix == "0" else ""
        for number in phonenumbers.PhoneNumberMatcher(span, region, phonenumbers.Leniency.POSSIBLE):
            raw = number.raw_string
            if trunk and not raw.lstrip("(").startswith(("+", trunk)):
                continue
            valid = phonenumbers.is_valid_number(number.number)
            if not valid and not (raw.lstrip("(")[:1] in "+0" and sum(c.isdigit() for c in raw) >= 10):
                continue
            if valid and phonenumbers.number_type(number.number) in public:
                continue
            out.append((number.start, number.end, raw, valid, region))
    return out


def _first_of_each_span(found):
    """What Moderator._phones keeps: the first number of each (start, end)."""
    kept = {}
    for item in found:
        kept.setdefault(item[:2], item)
    return list(kept.values())


def test_phone_numbers_skip_the_matcher_only_where_it_would_find_the_whole_span():
    """_phone_numbers parses a plain number (digits in groups) whole without PhoneNumberMatcher,
    and skips a later region when an earlier one kept the whole span and the later one parses
    it as possible: what Moderator._phones keeps is unchanged, on
    French, British, American, Belgian, toll-free, premium, too short, too long, bracketed,
    slashed, dated and random spans, in every order of regions."""
    from gazette.netiquette import _phone_numbers

    rng = random.Random(5)
    spans = ["06 12 34 56 78", "06.12.34.56.78", "0612345678", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78",
             "08 00 12 34 56", "0800 123 456", "08 99 12 34 56", "07700 900123", "+44 7700 900123", "020 7946 0958",
             "(020) 7946 0958", "+1 212 555 0199", "212-555-0199", "04 72 10 30 30", "0470 12 34 56",
             "12/03/2024 06 12 34 56", "06 12 34 56 78 / 01 23 45 67 89", "2024-03-12 10", "0033 6 12 34 56 78",
             "06 12 34 56 78 90", "+32 470 12 34 56", "00 00 00 00 00", "1234 5678 9012"]
    for _ in range(400):
        digits = rng.choice(["0", "+33 ", "+44 ", "+1 ", "00", "", "(0"]) + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(7, 13)))
        spans.append("".join(c + (rng.choice([" ", ".", "-", "", "", "/", ") "]) if rng.random() < 0.3 else "")
                             for c in digits).strip())
    spans += ["2024-03-12 10", "1999 12 31 23", "+33 6 12 34 56 78 90 12 34 56 78", "0" * 25, "1-2-3-4-5-6-7-8",
              "+0 12 34 56 78", "06 12 34 56 78 06 12 34 56 78", "12.345.678", "+44.20.7946.0958", "3 14 15 92 65 35"]
    for _ in range(600):  # plain numbers (digits and one space, dot or hyphen), which skip the matcher
        groups = [str(rng.randint(0, 10 ** rng.randint(1, 4))).zfill(rng.randint(1, 3)) for _ in range(rng.randint(2, 7))]
        spans.append(rng.choice(["", "+", "0"]) + rng.choice([" ", ".", "-", ""]).join(groups))
    for regions in (("FR", "GB"), ("GB", "FR"), ("FR", "GB", "US", "BE"), ("US", "FR"), ("FR",), ("DE", "IT")):
        for span in spans:
            assert _first_of_each_span(_phone_numbers(span, regions)) == \
                _first_of_each_span(_phone_numbers_before(span, regions)), (span, regions)


def test_allowed_phrases_are_found_by_the_automaton_and_let_go_as_before():
    """The allowed phrases are keys of the one automaton: a text (or a joined queue) holding none
    skips the per-finding look-up; one holding a phrase lets go exactly the findings inside it,
    whether the phrase is in the same message or only in another one of the queue."""
    from gazette.netiquette import Moderator, load_config

    config = load_config(None)[0]
    config["allow_phrases"] = [*config.get("allow_phrases", ()), "quel connard de boss", "Sale Con-Carne"]
    moderator = Moderator(config)
    plain = Moderator({**config, "allow_phrases": []})
    texts = ["Le jeu Quel connard de boss", "Quel connard ce livreur", "chili con carne, con !", "sale con carne",
             "un connard", "CHILI CON CARNE C'EST TROP BON ICI", "Quel Connard De Boss!!!", "rien"]
    assert [[f.text for f in moderator.scan(t)] for t in texts] == [
        [], ["connard"], ["con"], [], ["connard"], ["CHILI CON CARNE C'EST TROP BON ICI"], ["!!!"], []]
    assert [f.text for f in plain.scan("Le jeu Quel connard de boss")] == ["connard"]  # the phrase let it go
    assert moderator.scan_many(texts) == [moderator.scan(t) for t in texts]
    state = moderator.state()
    assert "quel connard de boss" in state["keys"] and Moderator.from_state(state).scan_many(texts) == \
        moderator.scan_many(texts)


def test_the_exclamation_pattern_finds_what_the_plain_one_found():
    import re

    from gazette.netiquette import BANGS

    rng = random.Random(3)
    plain = re.compile(r"!{3,}")
    for _ in range(3000):
        text = "".join(rng.choice(["!", "!", "!!", "a", " ", "\n", "é", "¡"]) for _ in range(rng.randint(0, 30)))
        assert [m.span() for m in BANGS.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def test_the_cue_words_found_by_the_automaton_change_no_answer(monkeypatch):
    """A fiction, reporting or public-number cue is searched only near the longest word of one of
    its entries (found by the automaton): the same findings as searching it around every listed
    word and every number, a community's own cues included."""
    from gazette.netiquette import Moderator, _Where, load_config

    config = load_config(None)[0]
    config["context"]["fiction"] = config["context"]["fiction"] + ["le grand méchant loup", "sketch"]
    config["context"]["report"] = config["context"]["report"] + ["il a dit"]
    config["context"]["public_numbers"] = config["context"]["public_numbers"] + ["office du tourisme"]
    moderator = Moderator(config)
    rng = random.Random(5)
    pieces = ["connard", "Connard", "idiot", "les migrants", "sont des parasites", "le méchant", "la méchante",
              "personnage", "dans le film", "film", "villain", "the villain", "le grand", "méchant loup", "sketch",
              "sketches", "play", "display", ".", "!", "\n", " ", "«", "»", "traité de", "loup", "il a dit",
              "called me", "06 12 34 56 78", "01 23 45 67 89", "+44 7700 900123", "la mairie au", "mairie",
              "office du tourisme", "tourisme", "standard", "au", "le 15"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 25))) for _ in range(1500)]
    # Cues at the edges of the windows they are searched in (40 characters before a word, 50
    # before a number, a sentence cut at 300), inside longer words, with several spaces.
    for cue in ("a dit", "traité de", "dans le film", "in the movie", "la mairie", "numéro vert", "personnage",
                "office du tourisme", "villain"):
        for width in (0, 1, 20, 25, 30, 35, 38, 39, 40, 41, 45, 48, 49, 50, 51, 100, 250, 280, 290, 295, 298, 299,
                      300, 301, 302):
            z, y = "z" * width, "y" * width
            texts += [f"{cue} {z} connard", f"{cue.replace(' ', '   ')} {z} 06 12 34 56 78", f"{cue}{z} connard",
                      f"{y}{cue} connard", f"{y}{cue} 06 12 34 56 78", f"connard {z} {cue}", f"connard {z}{cue}x",
                      f"connard {y} {cue}s", f"{cue[:-1]} {z} connard", f"x{cue} {z} 06 12 34 56 78"]
        # The 40-character window starting on the cue's first letter, a letter before it; the
        # 300-character sentence ending on the cue's last letter, a letter after it.
        texts += [f"yyyyy{cue} {'z' * (38 - len(cue))} connard", f"connard {'z' * (298 - len(cue))} {cue}s"]
    fast = [moderator.scan(text) for text in texts] + moderator.scan_many(texts)
    monkeypatch.setattr(_Where, "may_hold", lambda self, cue, start, end: True)
    plain = [moderator.scan(text) for text in texts] + moderator.scan_many(texts)
    assert fast == plain
    assert sum(f.rule == "word-list" for found in fast for f in found) > 200  # the texts do hold words
    assert sum(f.rule == "phone" for found in fast for f in found) > 200  # and numbers


def test_the_flags_of_a_batch_are_those_scan_joined_gives_one_by_one():
    from gazette.netiquette import Moderator, load_config

    moderator = Moderator(load_config(None)[0])
    rng = random.Random(13)
    pieces = ["connard", "C'EST VRAIMENT INADMISSIBLE", "!!!", "06 12 34 56 78", "julie.martin@gmail.com", "é", "😀",
              "\n", "", " ", "«", "»", "les migrants sont des parasites", "\x00", "\u2028", "Connard"]
    for _ in range(60):
        batch = [(str(i), f"m{i}", " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))), i + 2)
                 for i in range(rng.randint(2, 40))]
        expected = []
        for index, start, end, (code, _s, _e, match, severity, rule, why) in moderator.scan_joined(
                [m[2] for m in batch]):
            message_id, author, text, line = batch[index]
            expected.append(Flag(message_id, author, line, code, severity, match, start, end, text, rule, why))
        flags: list = []
        moderate._flag_batch(moderator, batch, flags)
        assert flags == expected and all(type(f) is Flag for f in flags)


def test_the_header_read_from_the_first_line_is_the_one_read_from_the_whole_export():
    def whole(text, delimiter):
        try:
            return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            return None

    rng = random.Random(17)
    pieces = ["id", "text", ",", ";", "\t", "\"", "\n", "\r", "\r\n", "x", " ", "é", "\x00", "\"\"", "sep=;"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        for delimiter in ",;\t":
            assert moderate._header(text, delimiter) == whole(text, delimiter), (text, delimiter)


def test_the_dedupe_keeps_what_the_plain_loop_kept():
    from gazette.netiquette import Finding, _dedupe

    def plain(found):
        out = []
        for finding in found:
            if out and out[-1].code == finding.code and finding.start < out[-1].end:
                continue
            out.append(finding)
        return out

    rng = random.Random(23)
    for _ in range(3000):
        found = sorted((Finding(rng.choice("ab"), start, start + rng.randint(0, 6), "x", "error")
                        for start in (rng.randint(0, 30) for _ in range(rng.randint(0, 8)))), key=lambda f: (f.start, f.code))
        assert _dedupe(list(found)) == plain(found)


@pytest.mark.parametrize("notes", [[], ["a note"], HOSTILE, ["é", "", "\\ud800"]])
def test_the_queue_head_is_what_json_dumps_writes(notes):
    flags = [Flag(str(i % 3), "a", i, "netiquette/insult", "error", "x", 0, 1, "x", "word-list", "w")
             for i in range(5)]
    for messages in (0, 7, 10_000):
        head = {"version": 1, "messages": messages, "to_review": len({f.id for f in flags}), "notes": notes}
        expected = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
        assert moderate.render_json(messages, flags, notes).startswith(expected + ',\n  "queue": [')
        assert moderate.render_json(messages, [], notes) == expected.replace('"to_review": 3', '"to_review": 0') \
            + ',\n  "queue": []\n}'


def test_cue_key_words_are_whole_words_else_the_cue_is_searched_everywhere(monkeypatch):
    """A cue's key words are whole words of 3 letters or more (a key inside words, or "le" from a
    community's "le 15", would be a hit at every other word of French prose); a cue with a shorter
    one is searched everywhere, as before, with the same answers."""
    from gazette.netiquette import Moderator, _Where, load_config

    config = load_config(None)[0]
    keys = Moderator(config).automaton.keys
    cue_keys = [key for key, tags in keys.items() if any(tag[0] == "cue" for tag in tags)]
    assert cue_keys and all(key[0] == key[-1] == " " and len(key.strip()) >= 3 and " " not in key.strip()
                            for key in cue_keys)
    config["context"]["public_numbers"] = config["context"]["public_numbers"] + ["le 15"]
    moderator = Moderator(config)
    assert moderator.cue.everywhere == {"public_numbers"}
    assert not any(tag == ("cue", "public_numbers") for tags in moderator.automaton.keys.values() for tag in tags)
    texts = ["appelle le 15 ou le 06 12 34 56 78", "le 06 12 34 56 78", "spa " * 5000 + "06 12 34 56 78",
             "spaspa" * 3000 + " 06 12 34 56 78", "la SPA au 06 12 34 56 78", "le 15 connard"]
    fast = [moderator.scan(text) for text in texts]
    monkeypatch.setattr(_Where, "may_hold", lambda self, cue, start, end: True)
    assert fast == [moderator.scan(text) for text in texts]
    assert [len(found) for found in fast] == [0, 1, 0, 1, 0, 1]


def _quoted_before(where, start, end):
    """_Where.quoted before the look for an opening mark: every message's quotations found."""
    from bisect import bisect_right

    from gazette import netiquette

    first, last = where.bounds(start)
    text = where.text if len(where.starts) == 1 else where.text[first:last]
    spans = [(s + first, e + first) for s, e in (m.span() for m in netiquette.QUOTED.finditer(text))]
    at = bisect_right([s for s, _e in spans], start) - 1
    return at >= 0 and end <= spans[at][1]


def test_a_word_is_quoted_as_before_when_no_opening_mark_is_looked_for():
    """_Where.quoted finds a message's quotations only when an opening mark lies in reach before
    the word: same answer as finding them always, for every word of random and hostile texts,
    alone and joined (apostrophes after letters, digits, "_", other marks, line breaks,
    quotations of 1 to 90 characters, a mark at a message's start)."""
    from gazette import netiquette

    rng = random.Random(11)
    alphabet = list("aé_Z0 ''‘’\"«»“”„\n.") + ["connard", "l'", "qu'un", " '", "_'", "9'", "é'", "😀"]
    alphabet += ["\u00a0", "x" * 40, "« " + "y" * 79, "'" + "z" * 59]
    checked = quoted = 0
    for _ in range(1500):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(rng.randint(1, 4))]
        joined, starts, ends = _batch(texts)
        raw = netiquette._latin1(joined)
        where = netiquette._Where(joined, raw, raw.translate(netiquette.CLASSES), starts, ends)
        for first, last in zip(starts, ends):
            words = [(first + m.start(), first + m.end()) for m in __import__("re").finditer(r"\w+", joined[first:last])]
            for start, end in words:
                expected = _quoted_before(where, start, end)
                assert where.quoted(start, end) == expected, (joined, start, end)
                checked += 1
                quoted += expected
    assert checked > 10000 and quoted > 500


def _batch(texts):
    """The texts joined as scan_many joins a batch: (joined, each text's start, each text's end)."""
    from gazette import netiquette

    joined = netiquette.SCAN_MANY_SEPARATOR.join(texts)
    starts, at = [], 0
    for text in texts:
        starts.append(at)
        at += len(text) + len(netiquette.SCAN_MANY_SEPARATOR)
    return joined, starts, [start + len(text) for start, text in zip(starts, texts)]


def _segments_before(where, haystack, *needles):
    """_Where.segments before its one-needle path: every needle's texts in a set, sorted."""
    found = set()
    for needle in needles:
        at = haystack.find(needle)
        while at >= 0:
            found.add(where.bounds(at))
            at = haystack.find(needle, where.bounds(at)[1])
    return sorted(found)


def test_the_texts_holding_one_needle_are_those_the_set_of_all_needles_gave():
    from gazette import netiquette

    rng = random.Random(12)
    alphabet = ["UU", "U", "@", "dd", "UUdd", "x", " ", "www.", "://", "é", "\n"]
    for _ in range(3000):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 12))]
        joined, starts, ends = _batch(texts)
        raw = netiquette._latin1(joined)
        where = netiquette._Where(joined, raw, raw, starts, ends)
        for needle in (b"UU", b"@", b"UUdd", b"://", b"www."):
            assert where.segments(raw, needle) == _segments_before(where, raw, needle), (texts, needle)


@pytest.mark.parametrize("pieces", [["{", '"a": 1', "}"], ["x\033[1my", "z\033[0m", ""], [], ["é", "😀"]])
def test_a_queue_written_in_pieces_is_the_line_echo_writes(pieces, capsys, monkeypatch):
    """gazette moderate writes its JSON queue piece by piece (echo_pieces): the bytes echo writes
    for the joined text, styles stripped off a terminal by the same rule; a failed write is the
    same usage error."""
    import errno

    from gazette import commands

    commands.echo("".join(pieces))
    whole = capsys.readouterr().out
    commands.echo_pieces(iter(pieces))
    assert capsys.readouterr().out == whole

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    for write in (commands.echo, commands.echo_pieces):
        monkeypatch.setattr("sys.stdout", Full())
        with pytest.raises(commands.CommandError, match="cannot write the output"):
            write("".join(pieces)) if write is commands.echo else write(iter(pieces))


def test_the_json_queue_in_pieces_is_the_whole_queue():
    flags = [Flag(str(i), "a", i, "netiquette/insult", "error", "x", 0, 1, "x" * i, "word-list", "w")
             for i in range(1, 700)]
    pieces = list(moderate.render_json_pieces(700, flags, ["note"]))
    assert len(pieces) > 4 and "".join(pieces) == moderate.render_json(700, flags, ["note"])
    assert json.loads("".join(pieces))["queue"][698]["id"] == "699"
    entries = moderate._entries(flags)
    assert "".join(pieces) == "".join(pieces[:1]) + ",\n    ".join(entries) + "\n  ]\n}"
    # A long message's left-out flags are a note of the head: its entries are made first.
    long = [Flag("L", "a", 9, "netiquette/insult", "error", "x", i, i + 1, "y" * 2500, "word-list", "w")
            for i in range(300)]
    queue = json.loads("".join(moderate.render_json_pieces(3, flags[:5] + long, [])))
    assert len(queue["queue"]) == 25 and "280 more flags" in queue["notes"][0]


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64 * 1024])
def test_the_export_is_split_into_the_lines_a_stringio_gives(piece, monkeypatch):
    """_lines splits the export a piece at a time with str.splitlines, where the text holds no
    line break a newline="" file does not know: the lines io.StringIO gave, on texts of \\r, \\n,
    \\r\\n (cut or not at a piece's end), quoted fields across lines, the other breaks (read as
    before), long lines and hostile characters."""
    monkeypatch.setattr(moderate, "LINES_A_PIECE", piece)
    rng = random.Random(piece)
    alphabet = ["a", "é", "\n", "\r", "\r\n", "\n\n", '"', ",", ";", "x" * 50, "\x00", "😀", *HOSTILE,
                "\x0b", "\x0c", "\x1c", "\x85", "\u2029"]
    texts = ["", "\n", "\r", "\r\n", "a", "a\r\nb\r\n", "a\rb\nc", "\r\n" * 5]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    for text in texts:
        assert list(moderate._lines(text)) == list(io.StringIO(text, newline="")), text
        rows = list(csv.reader(moderate._lines(text))) if "\x00" not in text else None
        if rows is not None:
            assert rows == list(csv.reader(io.StringIO(text, newline=""))), text


def test_a_window_that_cuts_a_word_is_searched_for_a_report_cue_only_where_one_may_start(monkeypatch):
    """A reported insult's 40-character window mostly cuts a word at its start; the report cue
    is searched there only when the cut word's tail is the first and key word of an entry
    (_Cues.may_start_cut). Same flags as searching at every cut, on random texts of cue words,
    tails of them ("ntraite", "xle", "ecrit"), insults at every distance, in French and English."""
    from gazette import netiquette
    from gazette.netiquette import Moderator, load_config

    moderator = Moderator(load_config(None)[0])
    words = ["traite", "de", "le", "mot", "insulte", "comme", "a", "ecrit", "dit", "called", "me", "said",
             "ntraite", "xle", "mots", "xmot", "rite", "signale", "gnale", "terme", "l", "expression", "xx",
             "bla", "connard", "connard", "salope", "idiot", "asshole", "word", "quote", ".", "\n", "«", "»"]
    rng = random.Random(13)
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(4000)]
    texts += ["".join(rng.choice(words) + rng.choice(["", " ", "  "]) for _ in range(rng.randint(1, 30)))
              for _ in range(2000)]
    new = [moderator.scan(text) for text in texts]
    monkeypatch.setattr(netiquette._Cues, "may_start_cut", lambda self, *args: True)  # searched at every cut
    reference = Moderator(load_config(None)[0])
    assert [reference.scan(text) for text in texts] == new
    assert sum(any(f.rule == "word-list" for f in found) for found in new) > 500
