"""章节里的说明段落不超过约 200 字：一段只讲一件事，长了就拆开。

字数按读者看到的算：链接只算文字，行内公式按渲染后的大致宽度（命令算一个字、去掉括号与上下标符号），
独立公式、代码、表格不算。列表的每一项各算一段。
"""

from __future__ import annotations

import re

import pytest
from page_prose import chapter_pages, paragraphs, prose

LIMIT = 220  # “约 200 字”：留一点余量给标点和行内公式的估算误差
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"\$(?P<tex>[^$\n]+)\$")


def visible_length(paragraph: str) -> int:
    def shown(m: re.Match[str]) -> str:
        tex = re.sub(r"\\[A-Za-z]+", "x", m["tex"])
        return re.sub(r"[{}^_\s]", "", tex)

    text = INLINE_MATH.sub(shown, paragraph)
    text = re.sub(r"[*_]{1,3}|[\[\]]|^[-*+]\s|^\d+\.\s|^>\s*", "", text)
    return len(text)


def long_paragraphs(page: str) -> list[tuple[int, str]]:
    text = DISPLAY_MATH.sub("", prose(page, keep_links=False))
    return [(visible_length(p), p) for p in paragraphs(text)
            if not p.startswith("|") and visible_length(p) > LIMIT]


@pytest.mark.parametrize("page", chapter_pages())
def test_paragraphs_are_short(page: str) -> None:
    found = long_paragraphs(page)
    assert not found, f"{page} 有 {len(found)} 段超过 {LIMIT} 字，请按论点拆开：\n" + "\n".join(
        f"  {n} 字：{p[:60]}…" for n, p in found)


def test_length_counts_what_the_reader_sees() -> None:
    assert visible_length("**梯度** $\\frac{\\partial L}{\\partial x}$") == len("梯度 xxLxx")
    assert visible_length("- 一项") == 2
