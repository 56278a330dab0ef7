#!/usr/bin/env python3
"""Benchmark publishing: the newsletter over SMTP, and a publish run with nothing due.

    python scripts/bench_publish.py [--recipients 10000] [--corpus bench-corpus]
    python scripts/bench_publish.py --faults [--recipients 2000]

1. 10,000 recipients to a local aiosmtpd server through Gazette's smtp target
   (batches, fsync'd ledger), against a bare smtplib loop sending the same
   messages over one connection, in the same run. Target: <= 1.5x the loop.
2. With --corpus (make_corpus.py output, all receipted or future): `gazette
   publish --dry-run`'s planning against `gazette check`, both warm. Target <= 1.2x.
3. --faults: the SMTP fault matrix (issue 13) on 2,000 recipients, each fault
   against its own aiosmtpd handler, runs repeated as cron would until the
   newsletter is complete; prints per fault the messages each recipient got
   (min/max over those who should get one), how many got more than one
   (2+) and how many were lost.
   Target: 0 lost, max <= 2 (one batch re-sent at most, only after kill -9).
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


SECRET = "bench-secret-0123456789abcdef"


def environment(temp: str, port: int, subscribers: Path) -> None:
    os.environ.update(GAZETTE_SUBSCRIBERS=str(subscribers), GAZETTE_SMTP_HOST="127.0.0.1",
                      GAZETTE_SMTP_PORT=str(port), GAZETTE_STATE_DIR=temp, GAZETTE_SMTP_TLS="none",
                      GAZETTE_UNSUBSCRIBE_SECRET=SECRET)


def newsletter(key: str = "k" * 32):
    from gazette.clock import parse_moment
    from gazette.load import Item
    from gazette.targets import Delivery

    body = "## Portes ouvertes\n\nLe **5 décembre**, venez à l'atelier.\n\n" * 10
    item = Item("newsletter", "content/newsletters/2026/x.md", "x",
                {"title": "Lettre", "subject": "Décembre", "preheader": "Portes ouvertes"}, body)
    return Delivery(item, "newsletter", "newsletter", {}, "", parse_moment("2026-12-04T09:00:00+01:00"), key)


CHANNEL = {"batch": 200, "from": "lettre@example.org", "unsubscribe": "https://example.org/desabonnement"}


def bench_smtp(recipients: int) -> None:
    from aiosmtpd.controller import Controller

    from gazette.addresses import read_subscribers
    from gazette.targets.smtp import SMTPTarget, render

    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as temp:
            subscribers = Path(temp) / "abonnes.csv"
            subscribers.write_text("email,name\n" + "".join(f"m{i}@example.org,Membre {i}\n" for i in range(recipients)))
            environment(temp, controller.port, subscribers)
            delivery = newsletter()
            target = SMTPTarget(Path(temp), CHANNEL)

            parts = render(delivery, CHANNEL)
            people, _ = read_subscribers(subscribers)
            start = time.perf_counter()
            server = smtplib.SMTP("127.0.0.1", controller.port)
            for person in people:
                server.sendmail("lettre@example.org", [person.address.send], target._data(delivery, parts, person))
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


class FaultySink:
    """What real servers do: 452 to some RCPTs (once), 550 to others, hang up after N messages."""

    def __init__(self, defer_once=(), refuse=(), close_after=None, smtputf8=True):
        self.defer_once, self.refuse, self.close_after = set(defer_once), set(refuse), close_after
        self.copies: dict[str, int] = {}
        self.per_session: dict[int, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        if address in self.defer_once:
            self.defer_once.discard(address)
            return "452 4.2.2 mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        for address in envelope.rcpt_tos:
            self.copies[address.casefold()] = self.copies.get(address.casefold(), 0) + 1
        count = self.per_session[id(session)] = self.per_session.get(id(session), 0) + 1
        if self.close_after and count >= self.close_after:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"


def _child() -> None:
    """The publisher killed with -9 mid-batch (run by --faults in a subprocess)."""
    from pathlib import Path as _Path

    from gazette.targets.smtp import SMTPTarget

    SMTPTarget(_Path(os.environ["GAZETTE_STATE_DIR"]), CHANNEL).deliver(newsletter())


def bench_faults(recipients: int) -> None:
    import signal
    import subprocess
    from datetime import timedelta

    from aiosmtpd.controller import Controller

    from gazette.clock import parse_moment
    from gazette.targets import DeliveryIncomplete
    from gazette.targets.smtp import SMTPTarget

    people = [f"m{i}@example.org" for i in range(recipients)]
    rows = [f"{address},Membre {i}" for i, address in enumerate(people)]
    bad_rows = ['"m-bad@example.org","Membre\nBcc: x@example.org"', "pas une adresse,X", "josé@example.org,José"]
    duplicates = [f"M{i}@EXAMPLE.org,Doublon {i}" for i in range(0, recipients, 40)]
    faults = [
        ("none", {}, rows, {}),
        ("452 to 50 RCPTs (once)", {"defer_once": people[::40]}, rows, {}),
        ("close after 40 messages", {"close_after": 40}, rows, {}),
        ("550 to one RCPT", {"refuse": {people[7]}}, rows, {"refused": {people[7]}}),
        ("bad rows (newline, invalid, josé w/o SMTPUTF8)", {}, rows + bad_rows, {"smtputf8": False}),
        ("50 duplicates (case variants)", {}, rows + duplicates, {}),
        ("kill -9 mid-batch, then resume", {}, rows, {"kill": True}),
        ("all of the above at once", {"defer_once": people[::40], "close_after": 40, "refuse": {people[7]}},
         rows + bad_rows + duplicates, {"refused": {people[7]}, "smtputf8": False, "kill": True}),
    ]
    print(f"SMTP fault matrix, {recipients} recipients, batch {CHANNEL['batch']}, runs every 15 min until complete")
    print(f"  {'fault':<48} {'runs':>4} {'min':>4} {'max':>4} {'2+':>4} {'lost':>5} {'refused':>8} {'time':>7}")
    for name, handler_options, lines, options in faults:
        handler = FaultySink(**handler_options)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                                enable_SMTPUTF8=options.get("smtputf8", True))
        controller.start()
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory() as temp:
                subscribers = Path(temp) / "abonnes.csv"
                subscribers.write_text("email,name\n" + "\n".join(lines) + "\n", encoding="utf-8")
                environment(temp, controller.port, subscribers)
                runs = 0
                if options.get("kill"):
                    env = {**os.environ, "GAZETTE_TEST_SMTP_DELAY": "0.001"}
                    child = subprocess.Popen([sys.executable, __file__, "--child"], env=env,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    deadline = time.monotonic() + 120
                    while sum(handler.copies.values()) < recipients // 2 + 37 and time.monotonic() < deadline:
                        time.sleep(0.005)
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    runs += 1
                target = SMTPTarget(Path(temp), CHANNEL)
                now = parse_moment("2026-12-04T09:00:00+01:00")
                receipt = None
                while receipt is None and runs < 10:
                    runs += 1
                    try:
                        receipt = target.deliver(newsletter(), now=now + timedelta(minutes=15 * runs))
                    except DeliveryIncomplete:
                        pass
        finally:
            controller.stop()
        expected = [p for p in people if p not in options.get("refused", ())]
        copies = [handler.copies.get(p, 0) for p in expected]
        lost = sum(1 for c in copies if c == 0)
        refused = receipt["refused"] if receipt else "-"
        twice = sum(1 for c in copies if c > 1)
        print(f"  {name:<48} {runs:>4} {min(copies):>4} {max(copies):>4} {twice:>4} {lost:>5} {refused:>8} "
              f"{time.perf_counter() - started:6.1f}s")


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
    parser.add_argument("--faults", action="store_true", help="run the SMTP fault matrix (default 2,000 recipients)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child()
    if args.faults:
        return bench_faults(args.recipients if args.recipients != 10_000 else 2_000)
    bench_smtp(args.recipients)
    if args.corpus:
        bench_nothing_due(args.corpus.resolve())


if __name__ == "__main__":
    sys.exit(main())
