"""页面代码块的 Sybil 解析与求值：根目录 conftest.py 用它收集测试，tests/docs/ 用它测试它自己。

- ``docs/**/*.md``：Python 代码块按页面顺序在同一个命名空间里执行；紧跟其后的
  ```` ```text title="输出" ```` 代码块就是它应当打印的内容，逐字比对
  （doctest 的 ``ELLIPSIS | NORMALIZE_WHITESPACE``）。
- 代码块正文若是 ``--8<-- "src/...py:节名"``（pymdownx.snippets 的写法），就读出
  包里那一节源码，在页面命名空间的 *副本* 里执行：证明页面展示的源码能跑，
  又不会用它覆盖页面后面要用的包对象。
"""

from __future__ import annotations
import __future__

import contextlib
import doctest
import importlib.util
import io
import re
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import markdown_blocks as blocks
from sybil import Document, Example, Region
from sybil.parsers.markdown import ClearNamespaceParser, SkipParser

ROOT = Path(__file__).resolve().parents[1]


Fence, scan_fences, INCLUDE, INVISIBLE = blocks.Fence, blocks.scan_fences, blocks.INCLUDE, blocks.INVISIBLE
PYTHON_LANGUAGES, FORBIDDEN_LANGUAGES = blocks.PYTHON_LANGUAGES, blocks.FORBIDDEN_LANGUAGES
OUTPUT_TITLE = blocks.OUTPUT_TITLE


def read_snippet(target: str) -> str:
    """``--8<--`` 指向的源码；路径从仓库根目录算起（与 mkdocs.yml 里 snippets 的 base_path 一致）。"""
    return blocks.read_snippet(target, ROOT)



CHECKER_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

def module_for(path_text: str) -> ModuleType | None:
    """包含的是 ``src/`` 下的模块时，返回已导入的模块（它的全局名字是源码运行的上下文）。"""
    path = (ROOT / path_text).resolve()
    src = ROOT / "src"
    if path.suffix != ".py" or src not in path.parents:
        return None
    parts = path.relative_to(src).with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return importlib.import_module(name)


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


def compile_at(source: str, path: str, first_line: int, flags: int = 0):
    """编译代码，让回溯里的行号就是 Markdown 文件里的行号。"""
    return compile("\n" * (first_line - 1) + source, path, "exec", flags=flags, dont_inherit=True)


def expand_includes(snippet: Snippet) -> tuple[str, int]:
    """把 ``--8<--`` 行替换成它指向的源码；返回源码和需要的 future 标志。"""
    pieces, flags = [], 0
    for line in snippet.source.splitlines(keepends=True):
        match = INCLUDE.match(line)
        if match is None:
            pieces.append(line)
            continue
        target = match["target"]
        pieces.append(textwrap.indent(textwrap.dedent(read_snippet(target)), match["indent"]))
        module = module_for(target.partition(":")[0])
        if module is not None and getattr(module, "annotations", None) is __future__.annotations:
            flags |= __future__.annotations.compiler_flag
    return "".join(pieces), flags


def include_namespace(snippet: Snippet, namespace: dict) -> dict:
    """包含源码的执行环境：页面命名空间的副本，缺的名字从源码所在模块补上。"""
    scratch = dict(namespace)
    for target in snippet.includes:
        module = module_for(target.partition(":")[0])
        if module is not None:
            for name, value in vars(module).items():
                if not name.startswith("__"):
                    scratch.setdefault(name, value)
    return scratch


def evaluate_snippet(example: Example) -> str | None:
    """执行一个代码块，比对它打印的内容和页面上的输出块。返回 ``None`` 表示通过。"""
    __tracebackhide__ = True
    snippet: Snippet = example.parsed
    where = f"{example.path}:{snippet.first_line - 1}"
    if not snippet.hidden and snippet.source.lstrip().startswith(">>>"):
        return f"{where}: 页面上的代码块不能带 >>> 提示符（读者复制后无法直接运行）"
    namespace = example.namespace
    if snippet.includes:
        source, flags = expand_includes(snippet)
        namespace = include_namespace(snippet, namespace)
    else:
        source, flags = snippet.source, 0
    code = compile_at(source, example.path, snippet.first_line, flags)
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
    if doctest.OutputChecker().check_output(snippet.expected, got, CHECKER_FLAGS):
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
    """找出 Markdown 里的 Python 代码块（信息串第一个词匹配即可）和它们的输出块。"""

    def __call__(self, document: Document) -> Iterable[Region]:
        text = document.text
        fences = list(scan_fences(text))
        items: list[tuple[int, object]] = [(f.start, f) for f in fences]
        for match in INVISIBLE.finditer(text):
            # 围栏里的注释只是被展示的文字（例如讲写作约定的页面），不执行。
            if not any(f.start <= match.start() < f.end for f in fences):
                items.append((match.start(), match))
        items.sort(key=lambda item: item[0])
        fences_taken: set[int] = set()
        for index, (_start, item) in enumerate(items):
            if isinstance(item, re.Match):
                if item["lang"].lower() in PYTHON_LANGUAGES:
                    body = textwrap.dedent(item["body"])
                    line = text.count("\n", 0, item.start("body")) + 1
                    yield Region(item.start(), item.end(), Snippet(body, line, hidden=True),
                                 evaluate_snippet)
                continue
            fence: Fence = item  # type: ignore[assignment]
            if fence.start in fences_taken:
                continue
            if fence.language in FORBIDDEN_LANGUAGES:
                yield Region(fence.start, fence.end, fence.language, forbidden_fence)
                continue
            if fence.is_output:
                yield Region(fence.start, fence.end, None, orphan_output)
                continue
            if fence.language not in PYTHON_LANGUAGES:
                continue
            snippet = Snippet(fence.body, fence.body_line)
            snippet.includes = [m["target"] for line in fence.body.splitlines()
                                if (m := INCLUDE.match(line))]
            end = fence.end
            following = items[index + 1][1] if index + 1 < len(items) else None
            if (isinstance(following, Fence) and following.is_output
                    and not text[fence.end : following.start].strip()):
                snippet.expected = following.body
                snippet.expected_line = following.line
                fences_taken.add(following.start)
                end = following.end
            yield Region(fence.start, end, snippet, evaluate_snippet)


def close_figures(namespace: dict) -> None:
    """页面跑完后关掉 pyplot 里残留的图（若页面用过 pyplot）。"""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


markdown_parsers = [MarkdownPythonParser(), SkipParser(), ClearNamespaceParser()]
