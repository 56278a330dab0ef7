#!/usr/bin/env python3
"""The git-side fault matrix of publishing, on a real bare remote and a local SMTP server.

    python scripts/bench_publish_faults.py [--recipients 2000] [--batch 100]

Each fault hits a `gazette publish --push` run on one clone (kill -9 at a step
boundary, a pre-receive hook refusing the push, a full disk when run as root);
then a run on a *fresh clone* (no state folder, no cache) and a run on the
first machine finish the job. Printed per fault: messages per recipient
(min/max), lost recipients, social posts under distinct keys (must be 1),
seconds for the three runs. Done when: 0 lost, max <= 2, at most one batch again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

NOW = "2026-12-01T13:00:00+01:00"
CHANNELS = ("timezone: Europe/Paris\nchannels:\n  mastodon: {network: mastodon}\n"
            "  newsletter: {network: newsletter, target: smtp, batch: BATCH,"
            " unsubscribe: \"https://example.org/desabonnement\"}\n")
POST = ("---\ntitle: Annonce\ndate: 2026-12-01T11:00:00+01:00\nstatus: approved\n"
        "channels:\n  mastodon: {text: \"Rendez-vous à l'atelier\"}\n---\n\nTexte.\n")
LETTER = ("---\ntitle: La lettre\ndate: 2026-12-01T12:00:00+01:00\nstatus: approved\nsubject: Décembre\n"
          "channels:\n  newsletter: {}\n---\n\n## Portes ouvertes\n\nVenez.\n")


class Count:
    def __init__(self):
        self.recipients: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def git(path: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True)


def community(folder: Path, batch: int) -> Path:
    """A bare remote holding a post due on Mastodon and a newsletter due by SMTP."""
    work = folder / "seed"
    for relpath, text in (("calendar/channels.yml", CHANNELS.replace("BATCH", str(batch))),
                          ("content/posts/2026/annonce.md", POST), ("content/newsletters/2026/lettre.md", LETTER),
                          ("content/index.md", "---\ntitle: Accueil\n---\n")):
        (work / relpath).parent.mkdir(parents=True, exist_ok=True)
        (work / relpath).write_text(text, encoding="utf-8")
    git(work.parent, "init", "-q", "-b", "main", str(work))
    git(work, "add", "-A")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    remote = folder / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(remote)], check=True)
    return remote


def clone(remote: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(dest)], check=True)
    return dest


def publish(path: Path, env: dict, kill_when=None) -> int:
    """One run; ``kill_when()`` true kills it (SIGKILL) wherever it is, mid-batch included."""
    environment = {**os.environ, **env, "GAZETTE_STATE_DIR": f"{path}-state", "GAZETTE_CACHE_DIR": f"{path}-cache"}
    process = subprocess.Popen([sys.executable, "-m", "gazette.cli", "publish", "--push", "--repo", str(path),
                                "--now", NOW], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    while kill_when is not None and process.poll() is None:
        if kill_when():
            process.kill()
            break
        time.sleep(0.005)
    return process.wait()


def scenario(name: str, recipients: int, batch: int, port: int, handler: Count, fault: dict) -> tuple:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        remote = community(folder, batch)
        subscribers = folder / "abonnes.csv"
        subscribers.write_text("email,name\n" + "".join(f"m{i}@example.org,M {i}\n" for i in range(recipients)))
        env = {"GAZETTE_SUBSCRIBERS": str(subscribers), "GAZETTE_SMTP_HOST": "127.0.0.1",
               "GAZETTE_SMTP_PORT": str(port), "GAZETTE_OUTBOX": str(folder / "world"),
               "GAZETTE_SMTP_TLS": "none", "GAZETTE_UNSUBSCRIBE_SECRET": "s" * 32}
        handler.recipients.clear()
        first = clone(remote, folder / "first")
        start = time.perf_counter()
        hook = remote / "hooks/pre-receive"
        if fault.get("refuse_push"):
            hook.write_text("#!/bin/sh\nwhile read o n ref; do case $ref in refs/heads/*) "
                            "echo protected >&2; exit 1;; esac; done\n")
            hook.chmod(0o755)
        kill_at = fault.get("kill_at_message")
        kill_when = (lambda: sum(handler.recipients.values()) >= kill_at) if kill_at else None
        codes = [publish(first, {**env, **fault.get("env", {})}, kill_when)]
        if hook.exists():
            hook.unlink()
        codes.append(publish(clone(remote, folder / "fresh"), env))
        codes.append(publish(first, env))
        seconds = time.perf_counter() - start
        counts = [handler.recipients.get(f"m{i}@example.org", 0) for i in range(recipients)]
        posts = len(list((folder / "world").rglob("*.json"))) if (folder / "world").exists() else 0
        return (name, min(counts), max(counts), sum(1 for c in counts if c == 0), sum(counts) - recipients,
                posts, codes, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    if shutil.which("git") is None:
        sys.exit("git is required")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Count()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    middle = max(1, args.recipients // args.batch // 2)
    faults = {"none": {}}
    for point in ("lease", "delivered@1", "written@1", "committed@1", "pushed@1", "batch@1", f"batch@{middle}",
                  "delivered@2", "written@2", "committed@2", "pushed@2"):
        faults[f"kill -9 at {point}"] = {"env": {"GAZETTE_TEST_KILL_AT": point}}
    faults["kill -9 mid-batch (half sent)"] = {"kill_at_message": args.recipients // 2 + args.batch // 2,
                                               "env": {"GAZETTE_TEST_SMTP_DELAY": "0.002"}}
    faults["push refused (pre-receive hook)"] = {"refuse_push": True}
    print(f"{args.recipients} recipients, batches of {args.batch}; each fault, then a fresh clone, then the first "
          "machine again")
    print(f"{'fault':<34} {'min':>4} {'max':>4} {'lost':>5} {'extra':>6} {'posts':>6}  {'exit codes':<12} seconds")
    try:
        for name, fault in faults.items():
            row = scenario(name, args.recipients, args.batch, port, handler, fault)
            print(f"{row[0]:<34} {row[1]:>4} {row[2]:>4} {row[3]:>5} {row[4]:>6} {row[5]:>6}  "
                  f"{' '.join(map(str, row[6])):<12} {row[7]:.1f}")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
