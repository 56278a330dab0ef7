"""The one loader for templates a repository carries (templates/new/, templates/email/).

Those files come from pull requests. A template, or a file it includes, that is a
symbolic link (``env.txt -> /proc/self/environ``) or sits under one would read
whatever the link points to, environment and secrets included: every component of
the path is checked without following links, the file is opened with O_NOFOLLOW,
and what resolves outside the folder is refused.
"""

from __future__ import annotations

import os
import stat

import jinja2

MAX_TEMPLATE_BYTES = 1024 * 1024


class LinkedTemplate(jinja2.TemplateError):
    """A template path that goes through a symbolic link or leaves its folder."""


class SafeFileLoader(jinja2.BaseLoader):
    """Templates under ``root/folder`` (folder relative, e.g. ``templates/new``), never through a link."""

    def __init__(self, root, folder: str):
        self.root, self.folder = os.path.abspath(root), folder.strip("/")

    def get_source(self, environment, template: str):
        pieces = jinja2.loaders.split_template_path(template)  # refuses "..": TemplateNotFound
        relpath = "/".join([self.folder, *pieces])
        path = self.root
        for piece in relpath.split("/"):
            path = os.path.join(path, piece)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                raise jinja2.TemplateNotFound(template) from None
            if stat.S_ISLNK(mode):
                raise LinkedTemplate(f"{relpath}: {path[len(self.root) + 1:]} is a symbolic link; "
                                     "Gazette does not follow links in templates (commit the file itself)")
        base = os.path.realpath(os.path.join(self.root, self.folder))
        if not os.path.realpath(path).startswith(base + os.sep):
            raise LinkedTemplate(f"{relpath} is outside {self.folder}/")
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            raise jinja2.TemplateNotFound(template) from None
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise jinja2.TemplateNotFound(template)
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
        if len(data) > MAX_TEMPLATE_BYTES:
            raise LinkedTemplate(f"{relpath} is over {MAX_TEMPLATE_BYTES // 1024} KiB")
        mtime = os.lstat(path).st_mtime
        return data.decode("utf-8"), path, lambda: _mtime(path) == mtime


def _mtime(path: str) -> float | None:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return None
