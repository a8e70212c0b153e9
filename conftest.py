"""让站点上的每段代码都在 pytest 下运行（Sybil）。

- ``docs/**/*.md``：页面代码块与输出块，解析与求值见 ``tests/markdown_sybil.py``；
- ``src/**/*.py``：docstring 里的 ``>>>`` 例子用 Sybil 的 rest 解析器运行。
"""

from __future__ import annotations

import os

# 必须在任何 matplotlib 导入之前：测试机没有显示器。
os.environ.setdefault("MPLBACKEND", "Agg")

from markdown_sybil import CHECKER_FLAGS, close_figures, markdown_parsers
from sybil import Sybil
from sybil.parsers.rest import DocTestParser
from sybil.parsers.rest import SkipParser as RestSkipParser

docs_sybil = Sybil(
    parsers=markdown_parsers,
    path="docs",
    patterns=["*.md"],
    teardown=close_figures,
    name="docs",
)
docstring_sybil = Sybil(
    parsers=[DocTestParser(optionflags=CHECKER_FLAGS), RestSkipParser()],
    path="src",
    patterns=["*.py"],
    teardown=close_figures,
    name="docstrings",
)

pytest_collect_file = (docs_sybil + docstring_sybil).pytest()
