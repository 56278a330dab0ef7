"""The worker that finishes and writes pages while MkDocs renders the next: the site it writes is
the one this process would have written, and when it fails nothing raw reaches site/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from attacks.community import NOW, make_community
from test_attacks import audit

pytestmark = pytest.mark.slow  # real MkDocs builds of the attack corpus


def _build(root: Path, monkeypatch, site: str) -> None:
    """The plugin's build of ``root`` in this process, into ``site``, with a check that misses
    everything (as the attack tests: the construction alone protects)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from gazette.site import Stage

    monkeypatch.setenv("GAZETTE_NOW", NOW)
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(root.parent / "cache"))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)
    build(load_config(str(root / "mkdocs.yml"), site_dir=str(root / site)))


def _files(site: Path) -> dict[str, bytes]:
    return {str(path.relative_to(site)): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


def _children() -> set[int]:
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_community(tmp_path_factory.mktemp("worker") / "community")


def _no_worker(tree, errors):
    raise OSError("no process left")


def test_the_worker_writes_the_site_this_process_would(corpus, monkeypatch):
    from gazette.site import pagewriter

    _build(corpus, monkeypatch, "site-worker")
    with monkeypatch.context() as patch:
        patch.setattr(pagewriter, "_spawn", _no_worker)
        _build(corpus, monkeypatch, "site-here")
    worker, here = _files(corpus / "site-worker"), _files(corpus / "site-here")
    assert len([name for name in worker if name.endswith(".html")]) > 100
    assert worker == here


def test_a_worker_that_does_not_start_leaves_the_pages_to_this_process(corpus, monkeypatch):
    from gazette.site import pagewriter

    def broken(tree, errors):
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=errors)

    _build(corpus, monkeypatch, "site-reference")
    monkeypatch.setattr(pagewriter, "_spawn", broken)
    _build(corpus, monkeypatch, "site-fallback")
    assert _files(corpus / "site-fallback") == _files(corpus / "site-reference")


# The real worker, killed with SIGKILL by itself after it has written a few pages.
DYING = """
import os, signal, sys
from gazette.site import finish, pagewriter
written = 0
page = finish.Finisher.page
def dying(self, relpath, html):
    global written
    written += 1
    if written == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    return page(self, relpath, html)
finish.Finisher.page = dying
sys.exit(pagewriter.main(sys.argv[1:]))
"""


def test_a_worker_killed_half_way_fails_the_build_and_leaves_no_raw_page(corpus, monkeypatch, caplog):
    from mkdocs.exceptions import Abort

    from gazette.site import pagewriter

    def dying(tree, errors):
        return subprocess.Popen([sys.executable, "-c", DYING, str(tree)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=errors)

    monkeypatch.setattr(pagewriter, "_spawn", dying)
    before = _children()
    with pytest.raises(Abort):
        _build(corpus, monkeypatch, "site-killed")
    assert "the worker finishing the pages was stopped by SIGKILL" in caplog.text
    site = corpus / "site-killed"
    pages = sorted(site.rglob("*.html"))
    assert 0 < len(pages) < 20  # the three the worker wrote, and the theme's own
    assert [fault for page in pages for fault in audit(page, page.name).faults] == []
    assert _children() <= before  # no worker left behind


def test_a_build_that_fails_stops_its_worker(corpus, monkeypatch):
    """A plugin failing on the fifth page: the build stops, and so does the worker."""
    from mkdocs.plugins import BasePlugin

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    class Failing(BasePlugin):
        pages = 0

        def on_page_context(self, context, page, config, nav):
            Failing.pages += 1
            if Failing.pages == 5:
                raise RuntimeError("a plugin failed")
            return context

    monkeypatch.setenv("GAZETTE_NOW", NOW)
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(corpus.parent / "cache"))
    config = load_config(str(corpus / "mkdocs.yml"), site_dir=str(corpus / "site-failed"))
    config.plugins["failing"] = Failing()
    before = _children()
    with pytest.raises(Exception, match="a plugin failed"):
        build(config)
    assert _children() <= before


def test_a_module_in_the_repository_is_not_what_the_worker_imports(corpus, monkeypatch):
    """Builds run from the repository's folder, which contributors write."""
    marker = corpus.parent / "imported"
    (corpus / "nh3.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(corpus)
    try:
        _build(corpus, monkeypatch, "site-planted")
    finally:
        (corpus / "nh3.py").unlink()
    assert not marker.exists()
    assert len(list((corpus / "site-planted").rglob("*.html"))) > 100


def test_mkdocs_says_nothing_of_the_pages_the_worker_writes(sample):
    env = {**os.environ, "GAZETTE_NOW": "2026-11-29T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(sample.root / ".cache-test")}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=sample.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Page skipped" not in done.stderr
    assert "Documentation built" in done.stderr
    assert (sample.root / "site/charte/index.html").is_file()


TAIL_HOOK = """from mkdocs.plugins import event_priority


@event_priority({priority})
def on_post_page(output, page, config):
    if page.file.src_uri == "netiquette.md":
        return ""  # this hook's way to leave a page out
    return output + "<!-- tail-marker -->"
"""


@pytest.mark.parametrize("priority", [0, -100, -200])
def test_a_hook_before_or_after_gazette_s_gets_whole_pages(sample, priority):
    """Before Gazette's page hook (0), the worker writes the pages the hook made, and not the
    one it emptied. After it (a hook runs after the plugins at the same priority, -100):
    MkDocs writes what the hook returns, so Gazette finishes the pages itself rather than hand
    them to the worker (an empty page turned into a marker was written over the worker's)."""
    sample.write("hooks/tail.py", TAIL_HOOK.format(priority=priority))
    config = sample.root / "mkdocs.yml"
    config.write_text(config.read_text() + "\nhooks:\n  - hooks/tail.py\n")
    env = {**os.environ, "GAZETTE_NOW": "2026-11-29T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(sample.root / ".cache-test")}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=sample.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pages = sorted((sample.root / "site").rglob("index.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text()
        assert html.endswith("<!-- tail-marker -->") and "</html>" in html, page
    assert not (sample.root / "site/netiquette/index.html").exists()  # left out, as MkDocs does
    assert "Page skipped: 'netiquette.md'" in done.stderr


def test_a_verbose_worker_does_not_hang_the_build(sample):
    """PYTHONVERBOSE: the worker writes an import trace of 100+ KB on stderr before its first page."""
    env = {**os.environ, "GAZETTE_NOW": "2026-11-29T12:00:00+01:00", "NO_MKDOCS_2_WARNING": "1",
           "GAZETTE_CACHE_DIR": str(sample.root / ".cache-test")}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=sample.root, capture_output=True,
                           env={**env, "PYTHONVERBOSE": "1"}, timeout=300)
    assert build.returncode == 0
    assert (sample.root / "site/charte/index.html").is_file()


def test_ctrl_c_in_the_worker_is_left_to_the_build(corpus):
    """Ctrl-C reaches the whole process group: the build stops on it; the worker goes on until
    the build closes the pipe, with no traceback of its own."""
    import signal

    from gazette.site.pagewriter import READY

    worker = subprocess.Popen([sys.executable, "-P", "-m", "gazette.site.pagewriter", str(corpus / ".gazette/public")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert worker.stdout.read(1) == READY
    worker.send_signal(signal.SIGINT)
    output, errors = worker.communicate(timeout=60)
    assert worker.returncode == 0 and errors == b""


def test_a_page_the_worker_cannot_write_is_named(corpus, monkeypatch, caplog):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from gazette.site import Stage

    site = corpus / "site-blocked"
    (site / "titres/index.html").mkdir(parents=True)  # where a page goes
    monkeypatch.setenv("GAZETTE_NOW", NOW)
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(corpus.parent / "cache"))
    monkeypatch.setattr(Stage, "_refuse", lambda self, errors: None)
    with pytest.raises(Exception):
        build(load_config(str(corpus / "mkdocs.yml"), site_dir=str(site)), dirty=True)
    failure = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"][-1]
    assert failure.startswith(f"gazette: {site / 'titres/index.html'}: ")
    assert "Traceback" not in caplog.text
