"""页面的“说明文字”：守门测试（术语、用词、手写数字、段落长度）共用的一套提取规则。

说明文字是读者读到的句子：代码块、输出块、行内代码、HTML 注释、链接地址、``{{ n.键 }}``
（构建时换成实测值的数字）、``--8<--`` 引入的生成片段都不算。笔记本只取 Markdown 单元。
页面按导航顺序排列：术语的先后、首次出现都以这个顺序为准。
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", re.S | re.M)
COMMENT = re.compile(r"<!--.*?-->", re.S)
INLINE_CODE = re.compile(r"`[^`\n]+`")
GENERATED = re.compile(r"\{\{.*?\}\}|^[ \t]*--8<--.*$", re.M)
LINK_TARGET = re.compile(r"\]\([^)]*\)|\]\[[^\]]*\]")
ATTRS = re.compile(r"\{\s*[#:.][^}\n]*\}")
HTML_TAG = re.compile(r"<[^>\n]+>")


@cache
def nav_pages() -> tuple[str, ...]:
    """mkdocs.yml 导航里的页面（相对 docs/ 的路径），按阅读顺序。"""
    config = load_config(str(ROOT / "mkdocs.yml"))
    pages: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            pages.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(config.nav)
    return tuple(pages)


def chapter_pages() -> list[str]:
    """正文各页（不含首页和参考页），按阅读顺序。"""
    return [p for p in nav_pages() if p != "index.md" and not p.startswith("reference/") and (DOCS / p).exists()]


def source(page: str) -> str:
    """页面的 Markdown 源；笔记本取全部 Markdown 单元，单元之间空一行。"""
    path = DOCS / page
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def markdown_prose(text: str, *, keep_links: bool = True) -> str:
    """说明文字：去掉代码块、注释、行内代码、生成的数字与片段；``keep_links=False`` 时也去掉链接地址。"""
    text = COMMENT.sub("", text)
    text = FENCE.sub("", text)
    text = INLINE_CODE.sub("", text)
    text = GENERATED.sub("", text)
    if not keep_links:
        text = LINK_TARGET.sub("]", text)
        text = ATTRS.sub("", text)
        text = HTML_TAG.sub("", text)
    return text


def prose(page: str, *, keep_links: bool = True) -> str:
    return markdown_prose(source(page), keep_links=keep_links)


def paragraphs(text: str) -> list[str]:
    """按空行切开的段落（列表项、表格行各自算一段；标题不算）。"""
    blocks = re.split(r"\n[ \t]*\n", text)
    out: list[str] = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines or lines[0].startswith("#"):
            continue
        item: list[str] = []
        for line in lines:
            if re.match(r"^([-*+]|\d+\.|\|)\s", line) and item:
                out.append(" ".join(item))
                item = []
            item.append(line)
        out.append(" ".join(item))
    return out
