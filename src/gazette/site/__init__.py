"""The members' site: the site stage (``stage``), the public tree it writes (``tree``), the
finish step after any engine (``finish``) and the thin MkDocs adapter (``plugin``).

``gazette.site:GazettePlugin`` is the ``gazette`` entry point in ``mkdocs.plugins``.
"""

from .plugin import GazettePlugin
from .stage import OVERRIDES, Stage, escaped_meta, markdown_text

__all__ = ["GazettePlugin", "OVERRIDES", "Stage", "escaped_meta", "markdown_text"]
