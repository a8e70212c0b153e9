"""让站点上的每段代码都在 pytest 下运行（Sybil）。

- ``docs/**/*.md``：Python 代码块按页面顺序在同一个命名空间里执行；紧跟其后的
  ```` ```text title="输出" ```` 代码块就是它应当打印的内容，逐字比对
  （doctest 的 ``ELLIPSIS | NORMALIZE_WHITESPACE``）。
- 代码块正文若是 ``--8<-- "src/...py:节名"``（pymdownx.snippets 的写法），就读出
  包里那一节源码，在页面命名空间的 *副本* 里执行：证明页面展示的源码能跑，
  又不会用它覆盖页面后面要用的包对象。
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
