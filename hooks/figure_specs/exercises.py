"""练习总览：构建时从各章（Markdown 页面与两个笔记本）读出练习的标题，生成一张表。

练习写在各章末尾的 ``## 练习 {#exercises}`` 里，每题一个三级标题
``### 练习 N（基础|进阶|挑战）：短标题 {#ex-<页>-N}``。表由这些标题生成，所以永远与页面一致；
``tests/docs/test_exercises.py`` 用同一套解析检查各章的格式。
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: 各章：练习锚点里用的名字 → docs/ 下的文件，按书的顺序。
CHAPTERS: dict[str, str] = {
    "loss": "learning/loss.md",
    "derivative": "learning/derivative.md",
    "chain-rule": "learning/chain-rule.md",
    "graph": "learning/graph.md",
    "backprop": "learning/backprop.md",
    "update": "learning/update.md",
    "spiral": "solving/spiral.ipynb",
    "training": "solving/training.ipynb",
    "speedup": "speed/speedup.md",
}
LEVELS = ("基础", "进阶", "挑战")
#: 构建缓存也要看这些文件：页面改了，表就重新生成（hooks/figures.py 读取它）。
DEPENDS = [f"docs/{path}" for path in CHAPTERS.values()]

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{\s*#([^}\s]+)[^}]*\})?\s*$")  # attr_list：{#id} 或 { #id .cls }
EXERCISE = re.compile(r"^练习\s*(\d+)（(" + "|".join(LEVELS) + r")）：(.+)$")
FENCE = re.compile(r"^\s*(```|~~~)")
SOLUTION_MD = re.compile(r'^\s*(\?\?\?\+?|!!!)\s+success\s+"参考答案"|<summary>\s*参考答案')
SOLUTION_CELL = re.compile(r"^#\s*参考答案")


@dataclass
class Heading:
    level: int
    text: str
    anchor: str | None


@dataclass
class Exercise:
    page: str
    number: int
    level: str
    title: str
    anchor: str | None
    heading: str
    solutions: int = 0
    text: list[str] = field(default_factory=list)  # 题目与答案的原文（Markdown、代码与输出）


@dataclass
class Chapter:
    page: str
    path: str
    title: str = ""
    headings: list[Heading] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)

    @property
    def link(self) -> str:
        return f"../{self.path}"


def read_chapter(page: str, path: str | None = None, docs: Path = DOCS) -> Chapter:
    """读一章：全部标题（按顺序）和 ``## 练习`` 里的每道题。"""
    path = CHAPTERS[page] if path is None else path
    chapter = Chapter(page, path)
    for kind, text in _blocks(docs / path):
        if kind == "markdown":
            _read_markdown(chapter, text)
        elif chapter.exercises and _in_exercises(chapter):
            chapter.exercises[-1].text.append(text)
            if kind == "code" and SOLUTION_CELL.match(text.lstrip()):
                chapter.exercises[-1].solutions += 1
    return chapter


def read_all(docs: Path = DOCS) -> list[Chapter]:
    return [read_chapter(page, docs=docs) for page in CHAPTERS]


def _blocks(file: Path) -> list[tuple[str, str]]:
    """Markdown 页面是一整块 markdown；笔记本按单元格拆开（代码单元格后跟它保存的文本输出）。"""
    if file.suffix != ".ipynb":
        return [("markdown", file.read_text(encoding="utf-8"))]
    blocks: list[tuple[str, str]] = []
    for cell in json.loads(file.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell.get("source", ""))
        kind = cell.get("cell_type", "markdown")
        blocks.append((kind, source))
        for output in cell.get("outputs", []):
            blocks.append(("output", "".join(output.get("text", ""))))
    return blocks


def _read_markdown(chapter: Chapter, text: str) -> None:
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence or not line.startswith("#") else HEADING.match(line)
        if match is None:
            if chapter.exercises and _in_exercises(chapter):
                chapter.exercises[-1].text.append(line)
                if not in_fence and SOLUTION_MD.search(line):
                    chapter.exercises[-1].solutions += 1
            continue
        heading = Heading(len(match.group(1)), match.group(2), match.group(3))
        chapter.headings.append(heading)
        if heading.level == 1 and not chapter.title:
            chapter.title = heading.text
        exercise = EXERCISE.match(heading.text) if heading.level == 3 else None
        if exercise and _in_exercises(chapter):
            number, level, title = exercise.groups()
            chapter.exercises.append(Exercise(chapter.page, int(number), level, title.strip(), heading.anchor,
                                              heading.text))


def _in_exercises(chapter: Chapter) -> bool:
    """最近的二级标题是不是 ``## 练习``。"""
    for heading in reversed(chapter.headings):
        if heading.level <= 2:
            return heading.level == 2 and heading.anchor == "exercises"
    return False


def _cell(text: str) -> str:
    """表格单元格里不能有竖线。"""
    return text.replace("|", "\\|")


def table(chapters: list[Chapter] | None = None) -> str:
    """练习总览的表：每章一行标题链接，下面每道题一行（编号、难度、内容都链接到题目）。"""
    chapters = read_all() if chapters is None else chapters
    counts = {level: sum(e.level == level for c in chapters for e in c.exercises) for level in LEVELS}
    total = sum(counts.values())
    lines = [
        f"共 {total} 道练习：" + "、".join(f"{level} {n} 道" for level, n in counts.items()) + "。",
        "",
        "| 章节 | 练习 | 难度 | 内容 |",
        "|---|---|---|---|",
    ]
    for chapter in chapters:
        title = f"[{_cell(chapter.title or chapter.page)}]({chapter.link})"
        if not chapter.exercises:
            lines.append(f"| {title} | — | — | 还没有练习 |")
        for i, ex in enumerate(chapter.exercises):
            link = f"{chapter.link}#{ex.anchor}" if ex.anchor else chapter.link
            first = title if i == 0 else ""
            lines.append(f"| {first} | [练习 {ex.number}]({link}) | {ex.level} | {_cell(ex.title)} |")
    return "\n".join(lines) + "\n"


SNIPPETS = {"exercises-table.md": table}
