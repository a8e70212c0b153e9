"""守门测试：docs/ 里每个 Python 代码块都必须被 Sybil 收集。

Sybil 自带的 Markdown 解析器只认信息串恰好是 ``python`` 的代码块，
```` ```python title="x" ```` 或 ```` ```py ```` 会被悄悄跳过——页面上有、测试里没有。
这里用一条独立的、宽松的规则找出所有“看起来是 Python”的代码块，逐个核对。
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown_sybil
import pytest
from sybil import Document

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
# 宽松地认出 Python 代码块的开头：```python、```py title=...、``` { .python }、```pycon……
LOOKS_LIKE_PYTHON = re.compile(r"^[ \t]*(`{3,}|~{3,})\s*\{?\s*\.?(python3?|py3?|pycon|ipython)\b",
                               re.IGNORECASE)
INVISIBLE_PYTHON = re.compile(r"^[ \t]*<!--+\s*invisible-code-block:\s*python", re.IGNORECASE)




def python_block_lines(text: str) -> list[int]:
    """独立的扫描：每个 Python 代码块开头所在的行号（嵌在更长围栏里的只是展示，不算）。"""
    lines, outer = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        fence = re.match(r"^[ \t]*(`{3,}|~{3,})(.*)$", line)
        if outer is not None:
            if fence and fence[1][0] == outer[0] and len(fence[1]) >= len(outer) \
                    and not fence[2].strip():
                outer = None
            continue
        if LOOKS_LIKE_PYTHON.match(line) or INVISIBLE_PYTHON.match(line):
            lines.append(number)
        if fence:
            outer = fence[1]
    return lines


def collected_lines(path: Path) -> set[int]:
    document = Document.parse(str(path), *markdown_sybil.markdown_parsers)
    return {example.line for example in document}


def test_guard_sees_the_pages() -> None:
    assert any(python_block_lines(p.read_text(encoding="utf-8")) for p in PAGES)


def test_guard_catches_a_block_the_stock_parser_skips(tmp_path: Path) -> None:
    """反证：Sybil 自带解析器漏掉的写法，守门规则能看到，而我们的解析器收集到了。"""
    from sybil.parsers.markdown import PythonCodeBlockParser

    page = tmp_path / "page.md"
    page.write_text('```python title="a.py"\nx = 1\n```\n\n```py\ny = 2\n```\n', encoding="utf-8")
    stock = Document.parse(str(page), PythonCodeBlockParser())
    assert list(stock) == []
    assert python_block_lines(page.read_text(encoding="utf-8")) == [1, 5]
    assert collected_lines(page) == {1, 5}


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_every_python_block_is_collected(page: Path) -> None:
    expected = python_block_lines(page.read_text(encoding="utf-8"))
    missing = sorted(set(expected) - collected_lines(page))
    assert not missing, (
        f"{page.relative_to(ROOT)} 第 {missing} 行的 Python 代码块没有被测试收集；"
        "信息串请以 python 开头（可带 title 等属性），输出写成 ```text title=\"输出\"```"
    )
