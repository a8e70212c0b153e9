"""页面代码块的 Sybil 解析与求值：根目录 conftest.py 用它收集测试，tests/docs/ 用它测试它自己。

- ``docs/**/*.md``：Python 代码块按页面顺序在同一个命名空间里执行；紧跟其后的
  ```` ```text title="输出" ```` 代码块就是它应当打印的内容，逐字比对
  （只忽略行尾空白和首尾空行；``...`` 可代替会变的部分，即 doctest 的 ``ELLIPSIS``）。哪些是代码块、哪个是它的输出块，
  由 ``hooks/markdown_blocks.page_blocks`` 决定（笔记本转换用的是同一个函数）。
- 代码块正文若是 ``--8<-- "src/...py:节名"``（pymdownx.snippets 的写法），运行的正是页面上
  显示、复制按钮复制的那段：段首补上的 import 行（``markdown_blocks.add_snippet_imports``）
  加上包里那一节源码，在页面的命名空间里执行——和读者把它粘贴进同一个解释器一样。
"""

from __future__ import annotations

import contextlib
import doctest
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import markdown_blocks as blocks
from sybil import Document, Example, Region
from sybil.parsers.markdown import ClearNamespaceParser, SkipParser

ROOT = Path(__file__).resolve().parents[1]


PYTHON_LANGUAGES, FORBIDDEN_LANGUAGES = blocks.PYTHON_LANGUAGES, blocks.FORBIDDEN_LANGUAGES
OUTPUT_TITLE = blocks.OUTPUT_TITLE
#: docstring 里的 >>> 例子（NumPy 数组的换行随宽度变）用 doctest 的宽松比对。
CHECKER_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
#: 页面上的输出块逐字比对：读者看到的空格就是代码真正打印的空格（对齐的表格不会悄悄走样）。
PAGE_OUTPUT_FLAGS = doctest.ELLIPSIS


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


def output_matches(expected: str, got: str) -> bool:
    """页面上的输出块与实际打印的内容是否一致（忽略行尾空白与首尾空行，允许 ``...``）。"""
    return doctest.OutputChecker().check_output(_lines(expected), _lines(got), PAGE_OUTPUT_FLAGS)


def snippet_roots() -> list[Path]:
    """``--8<--`` 的查找位置：mkdocs.yml 里 snippets 的 ``base_path``（从仓库根目录算起）。"""
    return blocks.snippet_roots(ROOT)


def read_snippet(target: str) -> str:
    """``--8<--`` 指向的源码。"""
    roots = snippet_roots()
    root = next((r for r in roots if (r / target.partition(":")[0]).is_file()), roots[0])
    return blocks.read_snippet(target, root)


def copied_source(source: str) -> str:
    """代码块在页面上显示、被复制按钮复制的内容：补上 import 行、展开 ``--8<--``。"""
    roots = snippet_roots()
    return blocks.expand_snippet_lines(blocks.add_snippet_imports(source, roots), roots)


# ---------------------------------------------------------------------------
# 代码块 + 输出块
# ---------------------------------------------------------------------------
@dataclass
class Snippet:
    source: str
    first_line: int  # 正文第一行在 Markdown 里的行号
    hidden: bool = False
    includes: list[str] = field(default_factory=list)
    expected: str | None = None
    expected_line: int | None = None


def compile_at(source: str, path: str, first_line: int):
    """编译代码，让回溯里的行号就是 Markdown 文件里的行号（展开的源码段内部除外）。"""
    return compile("\n" * (first_line - 1) + source, path, "exec", dont_inherit=True)


def evaluate_snippet(example: Example) -> str | None:
    """执行一个代码块，比对它打印的内容和页面上的输出块。返回 ``None`` 表示通过。"""
    __tracebackhide__ = True
    snippet: Snippet = example.parsed
    where = f"{example.path}:{snippet.first_line - 1}"
    if not snippet.hidden and snippet.source.lstrip().startswith(">>>"):
        return f"{where}: 页面上的代码块不能带 >>> 提示符（读者复制后无法直接运行）"
    namespace = example.namespace
    source = copied_source(snippet.source) if snippet.includes else snippet.source
    code = compile_at(source, example.path, snippet.first_line)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(code, namespace)
    namespace.pop("__builtins__", None)
    got = buffer.getvalue()
    if snippet.hidden:
        return None
    if snippet.expected is None:
        if got.strip():
            return (
                f"{where}: 代码块打印了内容，但页面上没有紧跟其后的 "
                f'```text title="{OUTPUT_TITLE}"``` 输出块。实际打印：\n{got}'
            )
        return None
    if output_matches(snippet.expected, got):
        return None
    return (
        f"{where}: 代码块的输出与页面不符"
        f"（输出块在 {example.path}:{snippet.expected_line}）\n"
        f"--- 页面上写的 ---\n{snippet.expected}"
        f"--- 实际打印的 ---\n{got}"
    )


def orphan_output(example: Example) -> str:
    return (
        f"{example.path}:{example.line}: 输出块前面不是 Python 代码块"
        "（输出块必须紧跟在它所属的代码块之后，中间只能有空行）"
    )


def forbidden_fence(example: Example) -> str:
    return (
        f"{example.path}:{example.line}: 不要用 {example.parsed!r} 代码块："
        "页面代码要能直接复制运行，写成 ```python 代码块 + 输出块"
    )


class MarkdownPythonParser:
    """Markdown 里的 Python 代码块（信息串第一个词匹配即可，缩进在提示框、折叠块、标签页里的
    也算）和它们的输出块，按 ``markdown_blocks.page_blocks`` 的规则。"""

    def __call__(self, document: Document) -> Iterable[Region]:
        for block in blocks.page_blocks(document.text):
            if block.kind == "forbidden":
                yield Region(block.start, block.end, block.language, forbidden_fence)
            elif block.kind == "output":
                yield Region(block.start, block.end, None, orphan_output)
            else:
                snippet = Snippet(block.source, block.line, hidden=block.kind == "hidden",
                                  includes=block.includes, expected=block.expected,
                                  expected_line=block.expected_line)
                yield Region(block.start, block.end, snippet, evaluate_snippet)


def close_figures(namespace: dict) -> None:
    """页面跑完后关掉 pyplot 里残留的图（若页面用过 pyplot）。"""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


markdown_parsers = [MarkdownPythonParser(), SkipParser(), ClearNamespaceParser()]
