"""导航就是阅读顺序：每个导航标题等于那一页的 H1，页面按书的小节编号排列，书外的页面标明“书外”。"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml
from page_prose import chapter_pages

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
H1 = re.compile(r"^#\s+(?P<title>.+?)(?:\s*\{[^}]*\})?\s*$", re.MULTILINE)


class _Loader(yaml.SafeLoader):
    """只读 nav：mkdocs.yml 里 ``!!python/...`` 这类标签读成 None。"""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def nav_pages(items: list, trail: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, str]]:
    found = []
    for item in items:
        (title, value), = item.items()
        if isinstance(value, list):
            found.extend(nav_pages(value, (*trail, title)))
        else:
            found.append((trail, title, value))
    return found


NAV = nav_pages(yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)["nav"])


def page_h1(path: Path) -> str | None:
    if path.suffix == ".ipynb":
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
        text = "\n".join(c.source for c in cells)
    else:
        text = re.sub(r"^(```|~~~).*?^\1", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    match = H1.search(text)
    return match["title"] if match else None


@pytest.mark.parametrize(("trail", "title", "page"), [n for n in NAV if n[2] != "index.md"],
                         ids=[n[2] for n in NAV if n[2] != "index.md"])
def test_nav_title_is_the_page_h1(trail: tuple[str, ...], title: str, page: str) -> None:
    path = DOCS / page
    if not path.is_file():
        pytest.skip(f"{page} 还不存在（hooks/nav.py 会把它从导航里拿掉）")
    assert page_h1(path) == title, f"{page} 的 H1 应当与导航标题一致：{title!r}"


def test_sections_are_in_book_order() -> None:
    numbers = [tuple(int(n) for n in m[1].split(".")) for _, title, _ in NAV
               if (m := re.match(r"^(\d+(?:\.\d+)+)", title))]
    assert numbers == sorted(numbers) and len(numbers) >= 10


def test_pages_the_book_does_not_have_are_marked() -> None:
    extra = {page for _, title, page in NAV if title.startswith("书外")}
    assert {"solving/playground.md", "speed/performance.md"} <= extra


def test_every_docs_page_is_in_the_nav() -> None:
    listed = {page for _, _, page in NAV}
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*") if p.suffix in (".md", ".ipynb")}
    assert pages - listed == set(), "这些页面不在导航里"


def test_contributing_page_table_follows_the_nav() -> None:
    """CONTRIBUTING.md 的页面表是写页面的人的地图：文件、标题和顺序都要与导航一致。"""
    row = re.compile(r"^\| `docs/(?P<path>[^`]+)` \| (?P<title>[^|(]+?)\s*(?:\([^|]*\))? \|$", re.M)
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = [(m["path"], m["title"]) for m in row.finditer(text)]
    assert table == [(path, title) for _, title, path in NAV], (
        "CONTRIBUTING.md 的页面表与 mkdocs.yml 的导航不一致（文件、标题或顺序）：\n"
        f"表：{table}\n导航：{[(path, title) for _, title, path in NAV]}"
    )


def test_home_reading_list_follows_the_nav() -> None:
    """首页的“学习路径”说按顺序读：编号列表要列出导航里的每一章（参考页除外），顺序相同。"""
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    section = text.split("## 学习路径", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\. \[[^\]]+\]\((?P<path>[^)#]+)\)", section, flags=re.M)
    chapters = chapter_pages()
    assert listed == chapters, f"首页的学习路径与导航不一致：\n列表：{listed}\n导航：{chapters}"
