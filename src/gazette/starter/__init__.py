"""A new community in one command (``gazette init``) and template improvements later (``gazette upgrade``).

The template is a copier template kept in this package, one folder per
released version (see :mod:`gazette.starter.history` for how ``upgrade``
finds the version a community was made with). Copier is imported only here.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import _
from .history import HISTORY_RELPATH, VERSIONS, StarterError, build, versions

__all__ = ["DISTRIBUTION", "InitResult", "StarterError", "UpgradeResult", "init", "requirement", "upgrade"]

# "gazette" on the package index is an unrelated CMS (2015): ours is published under this name;
# the command and the import package stay `gazette`.
DISTRIBUTION = "gazette-editorial"
# Until the distribution is on the package index, workflows install this repository at the release tag.
SOURCE_GIT = "https://github.com/gazette-editorial/gazette"
PUBLISHED = False
ANSWERS = ".copier-answers.yml"
LANGUAGES = ("fr", "en")


def installed_version() -> str:
    from .. import __version__

    return __version__


def requirement(version: str | None = None) -> str:
    """What a community's workflows install: exactly the Gazette that wrote them."""
    version = version or installed_version()
    public = version.split("+")[0]
    if PUBLISHED:
        return f"{DISTRIBUTION}=={public}"
    return f"{DISTRIBUTION} @ git+{SOURCE_GIT}@v{public}"


@dataclass
class InitResult:
    root: Path
    version: str
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)   # already there (--force): never overwritten
    commit: str | None = None


@dataclass
class UpgradeResult:
    root: Path
    old: str
    new: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _inside(folder: Path):
    """Copier resolves the relative ``_src_path`` from the working directory."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _files(root: Path) -> set[str]:
    skip = {".git", ".gazette"}
    found = set()
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or path.is_dir():
            continue
        found.add(relative.as_posix())
    return found


def _validate(name: str, language: str, timezone: str, site_url: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name.strip() or any(ch in name for ch in "\r\n\x00"):
        raise StarterError(_("--name: give the community's name on one line"))
    # Material writes site_name into HTML attributes and <title> unescaped (aria-label="{{ config.site_name }}"):
    # no YAML quoting can make these safe there, and escaping them in mkdocs.yml would show entities elsewhere.
    unsafe = sorted({ch for ch in name if ch in '"<>'})
    if unsafe:
        raise StarterError(_("--name: {chars} would break the site's pages (the theme writes the name into HTML "
                             "as it is); write the name without them").format(chars=" ".join(unsafe)))
    if language not in LANGUAGES:
        raise StarterError(_("--language: {language!r} is not one of {known}").format(
            language=language, known=", ".join(LANGUAGES)))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise StarterError(_("--timezone: unknown time zone {zone!r} (an IANA name, e.g. Europe/Paris)").format(
            zone=timezone)) from None
    if not site_url.startswith(("https://", "http://")) or any(ch.isspace() for ch in site_url):
        raise StarterError(_("--site-url: {url!r} is not an http(s) address").format(url=site_url))


def _quiet_copier():
    """Copier prints to stderr as it goes; Gazette reports once, in its own words."""
    return contextlib.redirect_stderr(open(os.devnull, "w"))


def init(dest: Path | str, *, name: str | None = None, language: str = "fr", timezone: str = "Europe/Paris",
         site_url: str = "https://example.org/", sample: bool = False, force: bool = False,
         folder: Path | None = None, gazette_version: str | None = None) -> InitResult:
    """Create a community repository in ``dest`` and commit it.

    A folder with files in it is refused unless ``force``; even then no file
    that is already there is ever overwritten (they are listed in ``kept``).
    """
    folder = folder or VERSIONS
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise StarterError(_("{path} exists and is not a folder").format(path=dest))
    if dest.is_symlink():
        raise StarterError(_("{path} is a symbolic link; give the real folder").format(path=dest))
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    before = _files(dest)
    if before and not force:
        raise StarterError(_("{path} is not empty ({count} files); choose an empty folder, or pass --force to add "
                             "what is missing without overwriting anything").format(path=dest, count=len(before)))
    name = name if name is not None else dest.name
    site_url = site_url if site_url.endswith("/") else site_url + "/"
    undo = _Undo(dest, created, before)
    try:
        _validate(name, language, timezone, site_url)
        return _init(dest, before, folder, name=name, language=language, timezone=timezone, site_url=site_url,
                     sample=sample, gazette_version=gazette_version)
    except BaseException:  # Ctrl-C too: a re-run must find the folder as it was
        undo()
        raise


class _Undo:
    """Removes what a failed ``init`` wrote, so that running it again works: the folder if
    this run made it, else the files, folders, ``.git`` and ``.gazette`` that were not there."""

    def __init__(self, dest: Path, created: bool, before: set[str]):
        self.dest, self.created, self.before = dest, created, before
        self.folders = {path for path in _all_folders(dest)}

    def __call__(self) -> None:
        import shutil

        if self.created:
            shutil.rmtree(self.dest, ignore_errors=True)
            return
        for special in (".git", ".gazette"):
            if special not in self.folders:
                shutil.rmtree(self.dest / special, ignore_errors=True)
        for relative in sorted(_files(self.dest) - self.before):
            with contextlib.suppress(OSError):
                (self.dest / relative).unlink()
        for relative in sorted(_all_folders(self.dest) - self.folders, key=len, reverse=True):
            with contextlib.suppress(OSError):
                (self.dest / relative).rmdir()  # only empty ones: never a file that was there


def _all_folders(root: Path) -> set[str]:
    found = set()
    for directory, folders, _files_here in os.walk(root, followlinks=False):
        relative = Path(directory).relative_to(root)
        found.update((relative / name).as_posix() for name in folders)
        folders[:] = [name for name in folders if name not in (".git", ".gazette") or relative.parts]
    return found


def _init(dest: Path, before: set[str], folder: Path, *, name: str, language: str, timezone: str, site_url: str,
          sample: bool, gazette_version: str | None) -> InitResult:
    from copier import run_copy

    _history, tag = build(dest, folder)
    data = {"community_name": name, "language": language, "timezone": timezone, "site_url": site_url,
            "sample": sample, "gazette_requirement": requirement(gazette_version)}
    try:
        with _inside(dest), _quiet_copier():
            run_copy(HISTORY_RELPATH, ".", data=data, vcs_ref=tag, defaults=True, overwrite=False,
                     skip_if_exists=["*"] if before else [], quiet=True, unsafe=False)
    except Exception as error:  # copier's own errors: a template or git problem, never a traceback
        raise StarterError(f"copier: {error}") from None
    written = sorted(_files(dest) - before)
    result = InitResult(dest, tag.lstrip("v"), written, sorted(before & _files(dest)))
    result.commit = _first_commit(dest, written, name)
    return result


def _first_commit(dest: Path, paths: list[str], name: str) -> str | None:
    from ..gitops import Git, GitFailed

    git = Git(dest)
    try:
        # Its own repository, even inside another one (an agency's folder of communities).
        if not (dest / ".git").exists():
            git("init", "-q", "-b", "main")
        if not paths:
            return None
        return git.commit_paths(paths, f"New community: {name} (gazette init)")
    except GitFailed as error:
        raise StarterError(str(error)) from None


def upgrade(root: Path | str, *, folder: Path | None = None, gazette_version: str | None = None) -> UpgradeResult:
    """Bring the newest template into the community as uncommitted changes, conflicts marked inline.

    Nothing is committed: the person reviews ``git diff``, resolves the
    ``<<<<<<<`` markers listed in ``conflicts`` and commits (or opens a pull request).
    """
    import yaml
    from copier import run_update

    from ..gitops import Git, GitFailed

    folder = folder or VERSIONS
    root = Path(root).resolve()
    answers_path = root / ANSWERS
    if not answers_path.is_file() or answers_path.is_symlink():
        raise StarterError(_("{answers} not found in {root}: only a community made by `gazette init` can be "
                             "upgraded").format(answers=ANSWERS, root=root))
    try:
        answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise StarterError(_("{answers}: not readable YAML ({error})").format(answers=ANSWERS, error=error)) from None
    if not isinstance(answers, dict) or not str(answers.get("_commit", "")).startswith("v"):
        raise StarterError(_("{answers}: no template version (_commit: vX.Y.Z) recorded").format(answers=ANSWERS))
    old = str(answers["_commit"]).lstrip("v")
    if answers.get("_src_path") != HISTORY_RELPATH:
        raise StarterError(_("{answers}: _src_path is {found!r}, expected {expected!r}").format(
            answers=ANSWERS, found=answers.get("_src_path"), expected=HISTORY_RELPATH))
    known = [version for version, _ in versions(folder)]
    if old not in known:
        raise StarterError(_("{answers}: template version {version} is not one this Gazette knows ({known}); "
                             "upgrade Gazette first").format(answers=ANSWERS, version=old, known=", ".join(known)))
    git = Git(root)
    try:
        if git("status", "--porcelain").strip():
            raise StarterError(_("the repository has uncommitted changes: commit or stash them, then upgrade "
                                 "(the upgrade must be a change of its own to review)"))
    except GitFailed as error:
        raise StarterError(str(error)) from None
    _history, tag = build(root, folder)
    new = tag.lstrip("v")
    result = UpgradeResult(root, old, new)
    if old == new and answers.get("gazette_requirement") == requirement(gazette_version):
        return result
    try:
        with _inside(root), _quiet_copier():
            run_update(".", data={"gazette_requirement": requirement(gazette_version)}, vcs_ref=tag,
                       defaults=True, overwrite=True, conflict="inline", quiet=True, unsafe=False)
    except Exception as error:
        raise StarterError(f"copier: {error}") from None
    try:
        status = git("status", "--porcelain", "-z", "--untracked-files=all")
    except GitFailed as error:
        raise StarterError(str(error)) from None
    for entry in filter(None, status.split("\0")):
        path = entry[3:]
        result.changed.append(path)
        full = root / path
        if full.is_file() and not full.is_symlink() and "<<<<<<< " in full.read_text("utf-8", "replace"):
            result.conflicts.append(path)
    return result
