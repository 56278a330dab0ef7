"""The check's verdict on the index the site stage has already loaded.

``gazette check`` reads and parses every item file; the site stage has just done the same
(from the parse cache when the bytes are unchanged). Running the check in a second process
parsed everything twice: here the same stages as :func:`gazette.check.run_check` run over the
loaded items. tests/test_site_verdict.py compares both reports on varied repositories,
hostile ones included, so a stage added to the check is noticed.
"""

from __future__ import annotations

from datetime import datetime


def check_loaded(repo, now: datetime) -> list:
    """The problems ``gazette check`` (whole repository) reports, from a ``load_repo`` result."""
    from .. import validate
    from ..listening.config import load as load_listening
    from ..load import Repo, no_gc
    from ..plan import publications
    from ..report.metrics import check_metrics

    frame = repo.frame
    problems = list(repo.problems)  # the frame's, the listing's and each file's own (parse, name)
    problems += load_listening(repo.root, lambda: frame.timezone)[1]
    # As the check sees it: per-item rules get a repository that lists paths (their results are
    # cached per file). Its items serve only the links to the site (sitelinks reads the status and
    # date of a linked item from them, else reads and parses that file again).
    checking = Repo(repo.root, repo.items, frame, problems, repo.item_paths)
    checking.listed_all = repo.listed_all
    checking.now, checking.publications = now, []
    with no_gc():
        for item in repo.items:
            found, refs = validate.check_item(item, checking)
            problems += found
            problems += validate.check_references(item.path, refs, checking)
            checking.publications += publications(item)
    problems += validate.check_repo(checking, None)
    problems += check_metrics(repo.root)
    return validate.finish(problems, checking, None)
