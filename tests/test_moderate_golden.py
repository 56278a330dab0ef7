"""The scanner reports exactly the flags it reported before its speed work (issue 19):
same code, span, text, severity, rule and explanation on the labelled corpus, the unit
cases and 2,000 hostile mixes (scripts/moderation_golden.py wrote the reference)."""

import json
from pathlib import Path

from gazette.netiquette import Moderator, load_config

GOLDEN = Path(__file__).parent / "moderation" / "findings.golden.jsonl"


import pytest


@pytest.mark.parametrize("automaton", ["NFA", "DFA"])
def test_the_scanner_reports_the_reference_flags(automaton):
    moderator = Moderator(load_config(None)[0])
    if automaton == "DFA":  # what a long run switches to (after 2 MiB)
        moderator.automaton.rust, moderator.automaton.dfa = moderator.automaton._rust("DFA"), True
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 2400 and sum(bool(r["findings"]) for r in rows) > 1000
    differ = []
    for row in rows:
        got = [[f.code, f.start, f.end, f.text, f.severity, f.rule, f.why] for f in moderator.scan(row["text"])]
        if got != row["findings"]:
            differ.append((row["text"], row["findings"], got))
    assert differ[:3] == []


def test_one_scan_of_many_messages_flags_each_as_its_own_scan():
    """scan_many joins messages into one text: no rule may see across two of them (a report
    cue, a link, a birth date, a postal address, a spelled-out e-mail in the message before)."""
    import random

    moderator = Moderator(load_config(None)[0])
    texts = [json.loads(line)["text"] for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    # Pairs built to leak if a window crossed messages.
    texts += ["Il m'a traité de", "connard", "Escort dispo", "https://example.org", "né le 3 mars 2016",
              "il va à l'école Jean Moulin", "paul POINT girard", "AROBASE free POINT fr", "A B C D E F G H I J K L M",
              "Www.xxx-cams.example escort", "12 rue des Lilas, 69003 Lyon, il habite là", "Marie Dupont habite à Rennes",
              "IBAN QA11 ABCD EFGH IJKL MNOP QRST UVWX Y", "réf 1234567890", "", "\n", "'", "connard'", "« connard",
              "»", "",
              # A first sentence longer than the 300 characters a sentence is looked back for.
              "On a vu la piece, le mechant etait incroyable", "bla " * 80 + "t'es un connard",
              "J'habite a Lyon depuis dix ans", "bla " * 80 + "rendez-vous au 12 rue de la Paix pour la sortie",
              "bla " * 80 + "Les migrants sont des parasites"]
    rng = random.Random(3)
    for _ in range(30):
        batch = rng.sample(texts, rng.randint(2, 300))
        assert moderator.scan_many(batch) == [moderator.scan(text) for text in batch]
    tail = texts[-27:]
    for a in tail:
        for b in tail:
            assert moderator.scan_many([a, b]) == [moderator.scan(a), moderator.scan(b)], (a, b)


PAD = "bla " * 80  # 320 characters without an end of sentence


@pytest.mark.parametrize("before, message, code", [
    ("On a vu la piece, le mechant etait incroyable", PAD + "t'es un connard", "netiquette/insult"),
    ("Dans le film, le role du mechant", PAD + "Les migrants sont des parasites", "netiquette/discrimination"),
    ("Il m'a traité de", PAD + "connard", "netiquette/insult"),
])
def test_a_cue_in_the_message_before_a_long_sentence_does_not_excuse_it(before, message, code):
    """A message's first sentence, longer than the 300 characters a sentence is looked back for,
    was read from the start of the queue: the message before's fiction cue excused its insult."""
    moderator = Moderator(load_config(None)[0])
    alone = moderator.scan(message)
    assert [f.code for f in alone] == [code]
    assert moderator.scan_many([before, message]) == [moderator.scan(before), alone]


def test_a_residence_cue_in_the_message_before_does_not_make_an_address_private():
    moderator = Moderator(load_config(None)[0])
    message = PAD + "rendez-vous au 12 rue de la Paix pour la sortie"
    assert moderator.scan(message) == []
    assert moderator.scan_many(["J'habite a Lyon depuis dix ans", message]) == [[], []]
    # The same cue in the message's own sentence still makes it one.
    said = PAD + "j'habite au 12 rue de la Paix"
    assert [f.rule for f in moderator.scan(said)] == ["postal-address"]


def test_a_cue_far_back_in_the_same_text_does_not_excuse_a_word():
    """A fiction cue counts in the word's sentence, not 300 characters and more before it."""
    moderator = Moderator(load_config(None)[0])
    found = moderator.scan("Le méchant était drôle. Ensuite " + PAD + "espèce de connard")
    assert [(f.code, f.text) for f in found] == [("netiquette/insult", "connard")]
    assert moderator.scan("Ensuite le méchant dit " + "bla " * 20 + "espèce de connard") == []  # one sentence
    # A sentence cut at its window's start (300 characters before the word, here at the "p"):
    # the tail of the cut word is no cue.
    cut = "xxxxx" + "personnage" + " " + "bla " * 72 + " " + "connard"
    assert cut.index("connard") - 300 == cut.index("personnage")
    assert [f.text for f in moderator.scan(cut)] == ["connard"]
