#!/usr/bin/env python3
"""Benchmark publishing: the newsletter over SMTP, and a publish run with nothing due.

    python scripts/bench_publish.py [--recipients 10000] [--corpus bench-corpus]

1. 10,000 recipients to a local aiosmtpd server through Gazette's smtp target
   (batches, fsync'd ledger), against a bare smtplib loop sending the same
   messages over one connection, in the same run. Target: <= 1.5x the loop.
2. With --corpus (make_corpus.py output, all receipted or future): `gazette
   publish --dry-run`'s planning against `gazette check`, both warm. Target <= 1.2x.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import sys
import tempfile
import time
from pathlib import Path


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_smtp(recipients: int) -> None:
    from aiosmtpd.controller import Controller

    from gazette.clock import parse_moment
    from gazette.load import Item
    from gazette.targets import Delivery
    from gazette.targets.smtp import SMTPTarget, render

    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as temp:
            subscribers = Path(temp) / "abonnes.csv"
            subscribers.write_text("email,name\n" + "".join(f"m{i}@example.org,Membre {i}\n" for i in range(recipients)))
            os.environ.update(GAZETTE_SUBSCRIBERS=str(subscribers), GAZETTE_SMTP_HOST="127.0.0.1",
                              GAZETTE_SMTP_PORT=str(controller.port), GAZETTE_STATE_DIR=temp)
            body = "## Portes ouvertes\n\nLe **5 décembre**, venez à l'atelier.\n\n" * 10
            item = Item("newsletter", "content/newsletters/2026/x.md", "x",
                        {"title": "Lettre", "subject": "Décembre", "preheader": "Portes ouvertes"}, body)
            delivery = Delivery(item, "newsletter", "newsletter", {}, "", parse_moment("2026-12-04T09:00:00+01:00"),
                                "k" * 32)
            target = SMTPTarget(Path(temp), {"batch": 200, "from": "lettre@example.org"})

            html, text = render(delivery, {})
            start = time.perf_counter()
            server = smtplib.SMTP("127.0.0.1", controller.port)
            for index in range(recipients):
                message = target._message(delivery, f"m{index}@example.org", f"Membre {index}", html, text)
                server.send_message(message)
            server.quit()
            bare = time.perf_counter() - start

            start = time.perf_counter()
            receipt = target.deliver(delivery)
            gazette = time.perf_counter() - start
            assert receipt["recipients"] == recipients, receipt
    finally:
        controller.stop()
    print(f"{recipients} recipients to a local aiosmtpd server")
    print(f"  bare smtplib loop (same messages)   {bare:7.2f} s")
    print(f"  gazette smtp target                 {gazette:7.2f} s  {gazette / bare:4.2f}x the loop (target <= 1.5x)")


def bench_nothing_due(corpus: Path) -> None:
    from gazette.check import run_check
    from gazette.clock import parse_moment
    from gazette.publish import run

    now = parse_moment("2026-11-23T12:00:00+01:00")
    run_check(corpus, now)  # warm both caches
    run(corpus, now, dry_run=True)
    start = time.perf_counter()
    run_check(corpus, now)
    check = time.perf_counter() - start
    start = time.perf_counter()
    outcomes = run(corpus, now, dry_run=True)
    publish = time.perf_counter() - start
    print(f"{corpus}: {len(outcomes)} due")
    print(f"  gazette check (warm)                {check:7.2f} s")
    print(f"  gazette publish, planning (warm)    {publish:7.2f} s  {publish / check:4.2f}x check (target <= 1.2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path)
    args = parser.parse_args()
    bench_smtp(args.recipients)
    if args.corpus:
        bench_nothing_due(args.corpus.resolve())


if __name__ == "__main__":
    sys.exit(main())
