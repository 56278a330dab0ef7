"""``gazette check``: the whole command as a list of stages (like mkdocs' build)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from .i18n import _
from .problems import Problem, count


class UsageError(Exception):
    """Bad arguments (exit 2), as opposed to problems in the content (exit 1)."""


class CheckResult:
    def __init__(self, problems: list[Problem], checked: int, scope: str = "all"):
        self.problems = problems
        self.checked = checked  # item files looked at
        self.scope = scope  # "all", "paths" or "changed"

    @property
    def errors(self) -> int:
        return count(self.problems)[0]

    @property
    def warnings(self) -> int:
        return count(self.problems)[1]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def run_check(root: Path, now: datetime, paths=(), changed_since: str | None = None,
              cache: bool = True, progress=None, pending=None, loaded=None) -> CheckResult:
    """Check the repository, or the PATHS / the changes since a ref; never raises for content.

    ``progress``, if given, wraps the list of files being read (for a progress bar).
    ``pending``: the git reads of ``changed_since`` if the caller already started them
    (:class:`gazette.changes.PendingChanges`).
    ``loaded``: the whole repository as :func:`gazette.load.load_repo` gave it (the site stage
    has just read and parsed every file): the same stages run over its items, so the site's
    verdict is this command's report without parsing anything twice.
    """
    if loaded is not None and (paths or changed_since):
        raise ValueError("a loaded repository is checked whole: no paths, no changed_since")
    if changed_since and pending is None:
        from .changes import GitError, PendingChanges

        try:
            pending = PendingChanges(root, changed_since)
        except GitError as error:
            raise UsageError(_('--changed-since {changed_since}: {error}')
                                 .format(changed_since=changed_since, error=error)) from None
    searches: list = []  # the searches for neighbours started below
    try:
        if not (changed_since and cache):
            return _checked(root, now, paths, changed_since, cache, progress, pending, loaded, searches)
        # The same few YAML texts run after run (a hook): their parses are remembered by text.
        from .parsememo import active

        with active(root) as memo:
            result = _checked(root, now, paths, changed_since, cache, progress, pending, loaded, searches)
        if memo is not None:
            memo.save()
        return result
    finally:  # on every way out (a bad PATH after git started, an interrupt): no git left running
        for started in [pending, *searches]:
            if started is not None:
                started.cancel()


def _checked(root, now, paths, changed_since, cache, progress, pending, loaded, searches) -> CheckResult:
    from .load import no_gc

    with no_gc():  # the rules' imports and the frame: long-lived objects, no cycles to find
        from . import validate
        from .load import load_frame

        # 1. What to look at.
        if loaded is None:
            frame, problems = load_frame(root)
        else:  # the frame's, the listing's and each file's own problems (parse, name): already found
            frame, problems = loaded.frame, list(loaded.problems)
        if _may_exist(root, LISTENING_FILE):
            from .listening.config import load as load_listening

            problems += load_listening(root, lambda: frame.timezone)[1]
        only, scope = select(root, paths, changed_since, pending, frame)

    # Step 3's search for the items that may share a slot with the selection runs while
    # the rules do, on the days written in the selected files: almost always their slots'.
    # Ignored files are no change, but a full check reads them: searched on disk as the untracked are.
    untracked = pending.untracked_paths | pending.ignored_paths if pending else None
    guessed = guessed_days(root, only) if only is not None and len(only) <= GUESS_FOR else set()
    indexed = None
    if pending and only is not None and cache:  # REF's files answer from the index of its tree
        from .dayindex import IndexedDays

        indexed = IndexedDays(root, pending, build_now=bool(guessed))
        searches.append(indexed)
        if not indexed.usable:
            indexed = None
    if guessed and indexed is None:
        from .changes import PendingDays

        search = PendingDays(root, guessed, untracked)
        searches.append(search)

    # 2. Per-file results: from the cache when the bytes and the frame are unchanged.
    repo, wanted, store, _check_one = scan(root, now, frame, problems, only, cache, progress, loaded)

    # 3. Items that may share a slot with the selection: they are read (not reported)
    #    so that calendar conflicts with unchanged files are still seen. A slot's instant
    #    can be written with any offset, in any spelling, by an item of any year.
    slots = {(pub.channel, pub.at) for pub in repo.publications} if only is not None else set()
    days = set()
    if slots:
        from .changes import slot_days

        days = slot_days(at for _channel, at in slots)
    if guessed and indexed is None and not (days and days <= guessed):
        search.cancel()
    if indexed is not None and not days:
        indexed.cancel()
    if days:
        import re

        from .changes import PendingDays, day_pattern
        from .load import each_file, is_listed_item, load_item, no_gc
        from .plan import publications

        found = indexed.result(days) if indexed is not None else None
        if found is None:
            found = (search.result() if guessed and indexed is None and days <= guessed
                     else PendingDays(root, days, untracked).result())
        neighbours = sorted(path for path in found - set(wanted) if is_listed_item(path))  # the full check's files
        written = re.compile(day_pattern(days))

        def publications_of(relpath: str, text: str):
            if not written.search(text):
                return []  # found for a guessed day that is no slot's
            # Only their slots are wanted: parsing is enough, their rules' findings are not reported.
            item, _found = load_item(relpath, text, lambda: frame.timezone)
            return [pub for pub in publications(item) if (pub.channel, pub.at) in slots] if item else []

        with no_gc():
            for _path, _text, pubs in each_file(root, neighbours, [], None, publications_of):
                repo.publications += pubs

    # 4. What needs the whole repository, then severities and order.
    problems += validate.check_repo(repo, only)
    if only is not None:  # a name not in UTF-8 is reported under its printable form (load.printable_name)
        from .load import is_text_name, printable_name

        only = only | {printable_name(path) for path in only if not is_text_name(path)}
    if only is None or any(path.startswith("metrics/") for path in only):
        from .report.metrics import check_metrics

        problems += check_metrics(root)
    if store:
        store.save(prune=True)
    return CheckResult(validate.finish(problems, repo, only), len(wanted), scope)


# gazette.listening.config's file: most repositories have none, and importing its schema to
# learn that is ~0.5 ms of a one-file check.
LISTENING_FILE = "calendar/listening.yml"


def _may_exist(root: Path, relpath: str) -> bool:
    """False only when nothing is at ``relpath`` (nor its folder): whatever else (a link, a
    folder, an unreadable parent) the reader decides, as it did before this shortcut."""
    try:
        os.lstat(os.path.join(root, relpath))
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True


# Margin for coarse file-system clocks: a file's mtime may lag the clock by a tick.
SETTLED_NS = 2_000_000_000

# Up to this many selected files, their dates are read before the rules run to start the
# search for neighbours early; a larger selection (a folder) would read them twice for little.
GUESS_FOR = 64


def guessed_days(root: Path, only: set[str]) -> set:
    """The days a slot of the selected items with channels may be written on, from the
    dates written in their front matter (a local day: the UTC day is one either side,
    a neighbour's written day one more).

    Read before anything is parsed, to start the search for neighbours early; a guess
    only (``run_check`` searches again if a slot is on another day, e.g. ``20261205``)."""
    import re
    from datetime import date, timedelta

    from .load import kind_of, read_bytes

    days = set()
    for relpath in only:
        if relpath.endswith(".md") and kind_of(relpath):
            raw, _problem = read_bytes(root, relpath)
            head = raw.split(b"\n---", 1)[0] if raw else b""
            if b"channels:" in head:
                for year, month, day in re.findall(rb"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", head):
                    try:
                        written = date(int(year), int(month), int(day))
                        days.update(written + timedelta(days=shift) for shift in range(-2, 3))
                    except (ValueError, OverflowError):
                        pass
    return days


def scan(root: Path, now: datetime, frame, problems: list, only: set[str] | None = None, cache: bool = True,
         progress=None, loaded=None):
    """Every item file once: problems, references checked, publications gathered.

    Shared by ``check`` and ``publish`` (which needs only the publications): both
    fill and read the same per-file cache. With ``loaded`` (a whole ``load_repo`` result),
    the rules run over its items instead of files read again; their results are cached
    apart ("site-check": the loaded index already holds each file's own problems).
    Returns (repo, files read, cache, the per-file function).
    """
    from . import validate
    from .load import (Repo, each_file, frame_digest, list_item_paths, listing_problems, load_item, no_gc,
                       selected_item_paths, stat_file)
    from .plan import Publication, publications

    if loaded is not None:
        item_paths = loaded.item_paths
    elif only is None:
        item_paths, _pages, found = list_item_paths(root)
        problems += found
    else:
        item_paths = selected_item_paths(root, only)
        # What the full listing reports about files it cannot load (a pull request's .MD, a
        # backup, a link, a script, a draft in content/post/).
        problems += listing_problems(root, only)
    # A loaded repository keeps its items: the links to the site read a linked item's status and
    # date from them (else sitelinks reads and parses that file again).
    repo = Repo(root, loaded.items if loaded is not None else [], frame, problems, item_paths)
    repo.listed_all = only is None
    frame.memo["use_cache"] = cache  # --no-cache: nothing from an earlier run (netiquette.moderator_for)
    store = None
    if cache and only is None:
        from .cache import FileCache

        store = FileCache(root, "check" if loaded is None else "site-check", frame_digest(root))

    def rules(item):
        local, refs = validate.check_item(item, repo)
        # Plain tuples: unpickling 20,000 namedtuples costs more than rebuilding them.
        return local, refs, [tuple(p) for p in publications(item)]

    if loaded is None:
        wanted = item_paths if only is None else [p for p in item_paths if p in only]

        def check_one(relpath: str, text: str):
            item, found = load_item(relpath, text, lambda: frame.timezone)
            if item is None:
                return found, [], []
            local, refs, pubs = rules(item)
            return found + local, refs, pubs
    else:
        by_path = {item.path: item for item in loaded.items}
        wanted = list(by_path)

        def check_one(relpath: str, _text: str):
            return rules(by_path[relpath])

    def loaded_results(paths):
        """(path, None, rules' results) per loaded item, from the cache when its file's size and
        mtime are unchanged. The load has already read and judged each file: nothing is read
        again, so entries are kept by stat only (a fresh clone runs the rules again). A file
        saved after the load began (``mkdocs serve``) would keep the results of the text loaded
        before: only files untouched since well before the load are stored."""
        settled = getattr(loaded, "loaded_at", None)
        for relpath in paths:
            info = result = None
            if store is not None:
                info, _problem = stat_file(root, relpath)
                result = store.get_by_stat(relpath, info) if info is not None else None
            if result is None:
                result = check_one(relpath, None)
                if info is not None and settled is not None and info.st_mtime_ns < settled - SETTLED_NS:
                    store.put(relpath, b"", result, info)
            yield relpath, None, result

    repo.now, repo.publications = now, []
    with no_gc():
        listed = progress(wanted) if progress else wanted
        results = each_file(root, listed, problems, store, check_one) if loaded is None else loaded_results(listed)
        for relpath, _text, (found, refs, pubs) in results:
            problems += found
            problems += validate.check_references(relpath, refs, repo)
            repo.publications += map(Publication._make, pubs)
    return repo, wanted, store, check_one


def select(root: Path, paths, changed_since: str | None, pending, frame) -> tuple[set[str] | None, str]:
    """The repository paths to report on (None: everything) and the scope's name."""
    only: set[str] | None = None
    scope = "all"
    if pending:
        from .changes import GitError, frame_reach, referrers

        try:
            changed, gone = pending.result()
            reach = frame_reach(changed | gone)
            if reach != "all":  # else everything, as a full check
                only = changed | referrers(root, changed_since, changed, gone, frame, pending.untracked_paths)
            if reach == "frame":
                from .community.registry import registry_files
                from .load import frame_paths

                only |= set(frame_paths(root)) | set(registry_files(root))
        except GitError as error:
            pending.cancel()
            raise UsageError(_('--changed-since {changed_since}: {error}')
                                 .format(changed_since=changed_since, error=error)) from None
        scope = "changed"
    if paths:
        selected = select_paths(root, paths)
        if "" not in selected:
            folders = tuple(p for p in selected if p.endswith("/"))
            if folders:
                from .load import frame_paths, list_item_paths

                items, _pages, found = list_item_paths(root)
                from .community.registry import registry_files

                every = (items + frame_paths(root) + registry_files(root)
                         + [p.path for p in found if p.code == "file/extension"])
                selected = {p for p in selected if not p.endswith("/")} | {p for p in every if p.startswith(folders)}
            only = selected if only is None else only & selected
            scope = "paths" if scope == "all" else scope
    return only, scope


def select_paths(root: Path, paths) -> set[str]:
    """Repository-relative POSIX paths for the command-line PATHS; folders end with '/'."""
    selected: set[str] = set()
    for given in paths:
        full = Path(os.path.normpath(Path.cwd() / given))
        try:
            rel = full.relative_to(root)
        except ValueError:
            raise UsageError(_('{given}: outside the repository {root}').format(given=given, root=root)) from None
        if not os.path.lexists(full):
            raise UsageError(_('{given}: no such file or folder').format(given=given))
        if full.is_dir() and not full.is_symlink():
            prefix = rel.as_posix()
            selected.add("" if prefix == "." else prefix + "/")
        else:
            selected.add(rel.as_posix())
    return selected
