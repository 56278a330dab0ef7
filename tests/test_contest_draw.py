"""The draw's byte-exact procedure: a golden ranking, tampering detected, an independent script agrees."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from gazette.contests import draw as d

SEED = hashlib.sha256(b"golden").hexdigest()
PEOPLE = [f"person{i}@example.org" for i in range(12)]
# Computed once with hashlib; must never change across Python versions or Gazette releases:
# a change here means every published proof stops verifying.
GOLDEN_COMMITMENT = "sha256:b242b51bf03d0e1205c22701262660d8551a426d53fe5b42cf73cfafa20cdf8d"
GOLDEN_DIGEST = "sha256:528476fbb4f58fde79f0f9746b17067aa45885123f9f91c1fb63373c8acc6efd"
GOLDEN_RANKING = ["ff16fedaebaf602e2479017992bc4c8e", "93d14bcffa213c6f80861903e2d0f719",
                  "62bc1f7487e34862204ee83fd2921b34", "de6d66984493cf52480ea1e91da5c4cb",
                  "1412d71f433a843d562e5b4a5d711024", "9bde7a8b07034fced0a0142dfcb05bb0",
                  "ef5867a0da5c0dfc06716795d8e217f4", "baa177047c83d9cd7501ea6f5588f64a",
                  "667067a5daaba1d45705712bc7598bd5", "e2b6806aa6cded373ef297eb06c26d75",
                  "3efdc944c198ce9217bf40bf6f613ea1", "8702220f607d56d1d0335e8b108a68ff"]


def ids():
    return d.pseudonyms(SEED, [d.identity(p) for p in PEOPLE])


def test_golden_ranking():
    assert d.commitment(SEED) == GOLDEN_COMMITMENT
    assert d.list_digest(ids()) == GOLDEN_DIGEST
    result = d.draw(SEED, "beacon-value", ids(), winners=5, alternates=7)
    assert list(result.ranking) == GOLDEN_RANKING
    assert result.winners == 5 and result.count == 12


def test_ranking_depends_on_the_beacon_and_not_on_the_input_order():
    assert d.rank(SEED, "beacon-value", list(reversed(ids())), 12) == GOLDEN_RANKING
    assert d.rank(SEED, "another-round", ids(), 12) != GOLDEN_RANKING


def test_identity_folds_case_and_email_dots():
    assert d.identity("Lea.Martin@Example.org") == d.identity("leamartin@example.org")
    assert d.identity("@Lea@Mastodon.Social") == d.identity("lea@mastodon.social", email=False) == "@lea@mastodon.social"
    assert d.identity("LeaM") == d.identity("@leam")
    assert d.identity("lea.m") != d.identity("leam")  # dots matter in handles: other accounts


def test_verify_accepts_the_true_proof():
    checked = d.verify(commitment_value=GOLDEN_COMMITMENT, seed=SEED, beacon="beacon-value",
                       digest=GOLDEN_DIGEST, ranking=GOLDEN_RANKING[:6], ids=ids(), count=12)
    assert len(checked) == 3


@pytest.mark.parametrize("change, message", [
    ({"seed": "0" * 64}, "does not match the commitment"),
    ({"ids": "drop"}, "not the sha256:"),
    ({"ids": "swap"}, "not the sha256:"),
    ({"ranking": "reorder"}, "differs at rank 1"),
    ({"beacon": "forged"}, "differs at rank"),
])
def test_verify_fails_loudly_on_tampering(change, message):
    values = dict(commitment_value=GOLDEN_COMMITMENT, seed=SEED, beacon="beacon-value",
                  digest=GOLDEN_DIGEST, ranking=GOLDEN_RANKING[:6], ids=ids(), count=12)
    if change.get("ids") == "drop":
        values["ids"] = ids()[1:]
    elif change.get("ids") == "swap":
        values["ids"] = ids()[1:] + ["0" * 32]
    elif change.get("ranking"):
        values["ranking"] = [GOLDEN_RANKING[1], GOLDEN_RANKING[0]] + GOLDEN_RANKING[2:6]
    elif "seed" in change:
        values["seed"] = change["seed"]
    else:
        values["beacon"] = change["beacon"]
    with pytest.raises(d.VerifyError, match=message):
        d.verify(**values)


def test_bad_inputs_are_refused():
    with pytest.raises(d.DrawError):
        d.commitment("not hex")
    with pytest.raises(d.DrawError, match="twice"):
        d.draw(SEED, "", ids() + ids()[:1], 1, 0)
    with pytest.raises(d.DrawError, match="one line"):
        d.check_beacon("a\nb")
    with pytest.raises(d.VerifyError, match=":2: not a pseudonym"):
        d.parse_list(b"%s\nHELLO\n" % GOLDEN_RANKING[0].encode())
    assert d.check_beacon(" none ") == ""


def test_an_independent_script_reproduces_the_draw(tmp_path):
    listed = tmp_path / "list.txt"
    listed.write_bytes(d.list_bytes(ids()))
    script = Path(__file__).with_name("verify_draw_standalone.py")
    assert len(script.read_text().splitlines()) <= 30
    out = subprocess.run([sys.executable, "-I", str(script), SEED, "beacon-value", str(listed), "12"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "commitment " + GOLDEN_COMMITMENT
    assert out[1] == "digest " + GOLDEN_DIGEST
    assert [line.split()[1] for line in out[2:]] == GOLDEN_RANKING


def test_the_docs_worked_example_is_what_the_script_prints():
    root = Path(__file__).resolve().parent.parent
    docs = (root / "docs/contests.md").read_text(encoding="utf-8")
    seed = docs.split("- graine : `")[1][:64]
    beacon = docs.split("- aléa : `")[1][:64]
    script = Path(__file__).with_name("verify_draw_standalone.py")
    out = subprocess.run([sys.executable, "-I", str(script), seed, beacon,
                          str(root / "content/contests/2026/concours-photo-automne.entries.txt"), "10"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert f"engagement : `{out[0].split()[1]}`" in docs
    assert f"empreinte de la liste : `{out[1].split()[1]}`" in docs
    for line in out[2:]:
        assert f"`{line.split()[1]}`" in docs
    front = (root / "content/contests/2026/concours-photo-automne.md").read_text(encoding="utf-8")
    assert f"seed: {seed}" in front and f"beacon: {beacon}" in front


def test_verify_requires_the_count():
    with pytest.raises(d.VerifyError, match="count"):
        d.verify(commitment_value=GOLDEN_COMMITMENT, seed=SEED, beacon="beacon-value",
                 digest=GOLDEN_DIGEST, ranking=GOLDEN_RANKING[:6], ids=ids())


@pytest.mark.parametrize("bytes_of", [lambda ids: "".join(f"{p}\n" for p in reversed(ids)).encode(),
                                      lambda ids: "\n".join(ids).encode()])
def test_a_list_file_is_read_as_its_bytes(bytes_of):
    with pytest.raises(d.VerifyError, match="cannot match the digest"):
        d.parse_list(bytes_of(sorted(ids())), "list.txt")
    assert d.parse_list(d.list_bytes(ids()), "list.txt") == sorted(ids())
