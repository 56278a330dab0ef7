"""The git operations publishing needs, through the git command line.

Every failure becomes :class:`GitFailed` carrying git's own message (the CLI
shows it, exit 2), never a traceback. Commits are built with a private index
so a person's staged files are never swept into a Gazette commit, and
history is only ever moved forward: fast-forward, or a rebase of Gazette's
own commits that is aborted on conflict. Nothing here resets a branch.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

NAME, EMAIL = "Gazette", "gazette@localhost"
# Gazette's commits carry this author; "our own" unpushed commits are recognised by it.
IDENTITY = {"GIT_AUTHOR_NAME": NAME, "GIT_AUTHOR_EMAIL": EMAIL,
            "GIT_COMMITTER_NAME": NAME, "GIT_COMMITTER_EMAIL": EMAIL}


class GitFailed(Exception):
    """A git command failed; the message is git's."""


class PushRefused(GitFailed):
    """The remote refused a push for another reason than being ahead of us (a hook, rights)."""


class Git:
    def __init__(self, root: Path):
        self.root = Path(root)

    def __call__(self, *args: str, input: bytes | None = None, env: dict | None = None,
                 ok: tuple[int, ...] = (0,)) -> str:
        try:
            done = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=self.root, input=input,
                                  capture_output=True, env={**os.environ, **(env or {})})
        except FileNotFoundError:
            raise GitFailed("git is not installed") from None
        if done.returncode not in ok:
            message = done.stderr.decode("utf-8", "replace").strip() or done.stdout.decode("utf-8", "replace")
            command = next((arg for arg in args if not arg.startswith("-")), "")
            raise GitFailed(f"git {command}: {message.strip() or f'exit {done.returncode}'}")
        return done.stdout.decode("utf-8", "replace")

    # -- reading --------------------------------------------------------------------

    def is_repository(self) -> bool:
        try:
            return self("rev-parse", "--is-inside-work-tree").strip() == "true"
        except GitFailed:
            return False

    def head(self) -> str | None:
        out = self("rev-parse", "-q", "--verify", "HEAD^{commit}", ok=(0, 1)).strip()
        return out or None

    def ref(self, name: str) -> str | None:
        return self("rev-parse", "-q", "--verify", f"{name}^{{commit}}", ok=(0, 1)).strip() or None

    def branch(self) -> str:
        name = self("symbolic-ref", "-q", "--short", "HEAD", ok=(0, 1)).strip()
        if not name:
            raise GitFailed("HEAD is detached: check out the branch to publish from")
        return name

    def remote(self, branch: str) -> str | None:
        configured = self("config", "--get", f"branch.{branch}.remote", ok=(0, 1)).strip()
        if configured:
            return configured
        remotes = self("remote").split()
        return "origin" if "origin" in remotes else (remotes[0] if remotes else None)

    def show(self, rev: str, path: str, in_tree: bool = True) -> bytes | None:
        """A file's bytes at ``rev`` ("" for the index), None if absent. ``in_tree``: ``path``
        is relative to the community's folder (which may sit inside a larger repository)."""
        spec = f"{rev}:./{path}" if in_tree else f"{rev}:{path}"
        try:
            done = subprocess.run(["git", "cat-file", "blob", spec], cwd=self.root,
                                  capture_output=True)
        except FileNotFoundError:
            raise GitFailed("git is not installed") from None
        return done.stdout if done.returncode == 0 else None

    def changes(self) -> list[tuple[str, str]]:
        """(XY status, path) of tracked files that differ from HEAD in the index or the tree;
        paths relative to the community's folder (``:/path`` when outside it)."""
        prefix = self("rev-parse", "--show-prefix").strip()
        out = self("--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no")
        entries, fields = [], out.split("\0")
        i = 0
        while i < len(fields):
            entry = fields[i]
            if len(entry) > 3:
                path = entry[3:]
                entries.append((entry[:2], path[len(prefix):] if path.startswith(prefix) else f":/{path}"))
                if entry[0] in "RC":
                    i += 1  # a rename's source path follows
            i += 1
        return entries

    def commits(self, spec: str) -> list[tuple[str, str, str]]:
        """(sha, author email, subject) for a revision range."""
        out = self("log", "--format=%H%x00%ae%x00%s", spec, "--")
        return [tuple(line.split("\0", 2)) for line in out.splitlines() if line]

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            return subprocess.run(["git", "merge-base", "--is-ancestor", older, newer], cwd=self.root,
                                  capture_output=True).returncode == 0
        except FileNotFoundError:
            raise GitFailed("git is not installed") from None

    # -- writing --------------------------------------------------------------------

    def commit_paths(self, paths: list[str], message: str, date: str | None = None) -> str:
        """Commit exactly ``paths`` (as they are on disk) on top of HEAD; the person's
        index keeps whatever else they staged. ``date`` (ISO 8601): the step's time, as
        author and committer date."""
        head = self.head()
        with tempfile.TemporaryDirectory(prefix="gazette-index-") as folder:
            env = {"GIT_INDEX_FILE": os.path.join(folder, "index")}
            if head:
                self("read-tree", head, env=env)
            self("update-index", "--add", "--remove", "--", *paths, env=env)  # --remove: a deleted file (forget)
            tree = self("write-tree", env=env).strip()
        parents = ["-p", head] if head else []
        dated = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
        sha = self("commit-tree", tree, *parents, "-m", message, env={**IDENTITY, **dated}).strip()
        # Compare-and-swap: never move a branch someone else moved meanwhile.
        self("update-ref", "-m", f"gazette: {message.splitlines()[0]}", "HEAD", sha, head or "0" * 40)
        # The person's index now sees our files as committed, not as staged reversals.
        self("reset", "-q", "HEAD", "--", *paths)
        return sha

    def fetch(self, remote: str, *refspecs: str) -> None:
        self("fetch", "-q", "--prune", "--no-tags", remote, *refspecs)

    def integrate(self, upstream: str) -> None:
        """Bring HEAD onto ``upstream``: fast-forward, or replay our own commits on it.

        A conflict aborts the rebase and leaves every commit where it was.
        """
        head = self.head()
        if head is None or self.is_ancestor(upstream, head):
            return
        if self.is_ancestor(head, upstream):
            self("merge", "-q", "--ff-only", upstream)
            return
        try:
            self("rebase", "-q", upstream, env=IDENTITY)
        except GitFailed as error:
            try:
                self("rebase", "--abort")
            except GitFailed:
                pass
            raise GitFailed(f"our receipts conflict with commits on {upstream}; nothing was reset, the "
                            f"rebase was aborted: resolve by hand ({error})") from None

    def push(self, remote: str, *refspecs: str, lease: str | None = None) -> None:
        """Push; :class:`PushRefused` if the remote declined for another reason than being ahead."""
        args = ["push", "-q", remote, *refspecs]
        if lease is not None:
            args.insert(1, f"--force-with-lease={lease}")
        try:
            self(*args)
        except GitFailed as error:
            text = str(error)
            if "[rejected]" in text and ("fetch first" in text or "non-fast-forward" in text
                                         or "stale info" in text):
                raise
            if "cannot lock ref" in text or "reference already exists" in text:
                raise  # another push updated the same ref at the same moment: a lost race
            raise PushRefused(text) from None
