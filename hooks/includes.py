"""MkDocs 钩子：包含进页面的源码段要能复制即运行。

页面写 ``--8<-- "src/nnlearn/layers.py:affine"`` 只取出 ``class Affine`` 那一节；它用到的
``ArrayLike``、``Layer``、模块里的私有辅助函数都定义在节外，读者复制粘贴后会 ``NameError``。
这里在 pymdownx.snippets 展开之前，给 Python 代码块里的每个 ``--8<--`` 行前面插上它需要的
import 行（``markdown_blocks.add_snippet_imports``）：页面如实显示这段代码依赖包里的什么，
复制按钮复制的、Sybil 运行的、可下载笔记本里的，都是同一段。
"""

from __future__ import annotations

from pathlib import Path

import markdown_blocks as blocks
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

_ROOTS: list[Path] = []


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    _ROOTS[:] = blocks.snippet_roots(Path(config.config_file_path).parent)
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return blocks.add_page_snippet_imports(markdown, _ROOTS)
