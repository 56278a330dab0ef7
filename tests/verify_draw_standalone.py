"""An independent check of a Gazette contest draw: standard library only, no Gazette.

Usage: python verify_draw_standalone.py SEED BEACON LIST_FILE [TOP]
Prints the commitment, the list digest and the first TOP pseudonyms of the ranking.
"""
import hashlib
import sys


def main(seed, beacon, list_file, top=10):
    data = open(list_file, "rb").read()
    ids = data.decode("ascii").split("\n")[:-1]
    assert data == b"".join(p.encode() + b"\n" for p in sorted(set(ids))), "not a sorted list of distinct ids"
    print("commitment sha256:" + hashlib.sha256(bytes.fromhex(seed)).hexdigest())
    print("digest sha256:" + hashlib.sha256(data).hexdigest())
    prefix = (seed + "\n" + beacon + "\n").encode("utf-8")
    ranking = sorted(ids, key=lambda p: (hashlib.sha256(prefix + p.encode()).digest(), p))
    for place, p in enumerate(ranking[:int(top)], 1):
        print(place, p)


if __name__ == "__main__":
    main(*sys.argv[1:])
