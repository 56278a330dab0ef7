"""Messages people read, in their language (gettext).

Write every message a person reads as ``_("unknown channel {name}").format(name=…)``:
the English text is the msgid, placeholders are named and filled *after*
translation. Problem codes, JSON keys and exit codes are identifiers and stay
English. Texts defined at import time (tables, constants) are marked with
``N_`` and translated with ``_`` where they are shown.

The language, first found wins: ``gazette --lang``, then ``gazette: {language: …}``
in ``calendar/channels.yml``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (a ``C`` or
unknown locale is English). It is looked up when a message is translated, not at
import, so one process (a test session, the MkDocs plugin) can change it; the
French catalog is read on first use only: English costs a dictionary lookup,
and ``gazette --help`` imports no more than ``gettext``.

Catalogs: ``locale/<lang>/LC_MESSAGES/gazette.po`` (edited by people) compiled to
``gazette.mo`` (shipped in the wheel); ``scripts/i18n.py update`` refreshes both.
"""

from __future__ import annotations

import os

DOMAIN = "gazette"
DEFAULT = "en"
LANGUAGES = ("en", "fr")
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
ENVIRONMENT = ("LC_ALL", "LC_MESSAGES", "LANG")

_explicit: str | None = None  # --lang
_repository: str | None = None  # calendar/channels.yml
_catalogs: dict = {}


def normalize(value) -> str | None:
    """'fr_FR.UTF-8', 'fr-CA', 'FR' -> 'fr'; 'C', 'POSIX' -> 'en'; unknown -> None."""
    if not value or not isinstance(value, str):
        return None
    code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    if code in ("c", "posix"):
        return DEFAULT
    return code if code in LANGUAGES else None


def environment_language() -> str:
    """The first locale variable set decides (as the C library reads them)."""
    for name in ENVIRONMENT:
        value = os.environ.get(name)
        if value:
            return normalize(value) or DEFAULT
    return DEFAULT


def language() -> str:
    return _explicit or _repository or environment_language()


def chosen_language() -> str | None:
    """The language someone chose: ``--lang``, the repository's, or a locale variable naming
    one Gazette speaks; None when nothing did (unset, ``C``, ``POSIX``, a language Gazette
    lacks), where a caller may fall back on something better than English."""
    if _explicit or _repository:
        return _explicit or _repository
    for name in ENVIRONMENT:
        value = os.environ.get(name)
        if value:
            code = normalize(value)
            return None if code == DEFAULT and value.split(".")[0].upper() in ("C", "POSIX") else code
    return None


def set_language(value: str | None) -> None:
    """What ``--lang`` says (None: not given). Starts a new invocation: forgets the repository's."""
    global _explicit, _repository
    _explicit, _repository = normalize(value), None


def use_repository(root) -> None:
    """The repository's ``gazette: {language: …}``, unless ``--lang`` was given.

    Read on its own (a few lines of YAML) rather than through the frame so every
    message of the command, including those about the frame, is in one language.
    Any trouble with the file is the check's to report; here it only means "no opinion".
    """
    global _repository
    _repository = None
    if _explicit or root is None:
        return
    from .load import CHANNELS_FILE, read_text

    try:
        text, problem = read_text(root, CHANNELS_FILE)
        if problem or "language" not in text:
            return
        from . import yamlsafe  # only now: PyYAML's import is a tenth of checking one file

        data, _lines = yamlsafe.parse(text)
        settings = data.get("gazette") if isinstance(data, dict) else None
        if isinstance(settings, dict):
            _repository = normalize(settings.get("language"))
    except Exception:  # a broken channels.yml: the check reports it, in the environment's language
        return


def catalog(lang: str):
    """The compiled catalog of ``lang`` (read once per process), or a pass-through."""
    found = _catalogs.get(lang)
    if found is None:
        import gettext

        found = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
        _catalogs[lang] = found
    return found


def catalog_files() -> list:
    """The compiled catalogs (their stat is part of what invalidates cached problems)."""
    found = []
    for lang in LANGUAGES:
        try:
            info = os.stat(os.path.join(LOCALE_DIR, lang, "LC_MESSAGES", f"{DOMAIN}.mo"))
            found.append((lang, info.st_size, info.st_mtime_ns))
        except OSError:
            pass
    return found


def _(message: str) -> str:
    lang = language()
    if lang == DEFAULT or not message:
        return message
    return catalog(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = language()
    if lang == DEFAULT:
        return singular if n == 1 else plural
    return catalog(lang).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for extraction where it is defined; ``_`` translates it where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """``N_`` for a pair that ``ngettext`` translates where it is shown."""
    return singular, plural


# Python's type names shown in schema problems ("title must be text, not list"): identifiers in
# English, words in French. Only the names a YAML value can have.
TYPE_NAMES = (N_("list"), N_("dict"), N_("str"), N_("int"), N_("float"), N_("bool"), N_("NoneType"),
              N_("date"), N_("datetime"))


def type_name(value) -> str:
    """The name of ``value``'s type for a person: Python's in English, translated in French."""
    return _(type(value).__name__)


# The C library's words for a failed file operation ("No such file or directory") are
# English whatever locale Python runs in: the usual ones are said in the reader's language.
_OS_REASONS = {  # msgids: the GNU C library's words, so English output stays what it was
    "ENOENT": N_("No such file or directory"),
    "EACCES": N_("Permission denied"),
    "EPERM": N_("Operation not permitted"),
    "EISDIR": N_("Is a directory"),
    "ENOTDIR": N_("Not a directory"),
    "ENOSPC": N_("No space left on device"),
    "EDQUOT": N_("Disk quota exceeded"),
    "EROFS": N_("Read-only file system"),
    "ELOOP": N_("Too many levels of symbolic links"),
    "EEXIST": N_("File exists"),
    "ENAMETOOLONG": N_("File name too long"),
}


def os_reason(error: OSError) -> str:
    """Why a file operation failed, in the reader's language where Gazette knows the words."""
    import errno

    known = _OS_REASONS.get(errno.errorcode.get(error.errno or 0, ""))
    if known is None or language() == DEFAULT:
        return error.strerror or str(error)  # the platform's own English words
    return _(known)
