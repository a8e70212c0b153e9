"""标题 id 要稳定：读者分享的 ``页面#小结`` 不能因为前面加了一个标题就失效。

Python-Markdown 默认的 slugify 丢掉中文，纯中文标题得到 ``_1``、``_2``……这种随位置变化的 id。
mkdocs.yml 里 toc 用 pymdownx.slugs（保留中文），笔记本页面由 hooks/notebooks.py 用同一个函数。
这里用站点的 Markdown 配置逐页渲染，检查每个标题的 id；浏览器测试再在构建好的页面上查一遍。
"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import nbformat
import notebooks
import pytest
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
POSITIONAL = re.compile(r"^_\d+$")
HEADING_LINE = re.compile(r"^(#{1,6})\s+(?P<text>.+?)\s*#*\s*$")


@pytest.fixture(scope="module")
def site_markdown() -> markdown.Markdown:
    config = load_config(str(ROOT / "mkdocs.yml"))
    # 只要标题：去掉需要构建上下文的扩展（snippets 读文件，不影响标题 id）。
    names = [e for e in config.markdown_extensions if e != "pymdownx.snippets"]
    return markdown.Markdown(extensions=names, extension_configs=config.mdx_configs)


def _ids(tokens: list[dict]) -> list[str]:
    found = []
    for token in tokens:
        found.append(token["id"])
        found.extend(_ids(token["children"]))
    return found


def test_configured_slugify_keeps_chinese(site_markdown: markdown.Markdown) -> None:
    """反证：默认 slugify 下纯中文标题是 _1；站点配置下是中文 slug，显式 id 保持不变。"""
    text = "# 标题\n\n## 小结\n\n## 练习 {#exercises}\n"
    default = markdown.Markdown(extensions=["toc", "attr_list"])
    default.convert(text)
    assert _ids(default.toc_tokens)[:2] == ["_1", "_2"]
    site_markdown.reset()
    site_markdown.convert(text)
    assert _ids(site_markdown.toc_tokens) == ["标题", "小结", "exercises"]


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_no_positional_heading_id_on_pages(page: Path, site_markdown: markdown.Markdown) -> None:
    site_markdown.reset()
    site_markdown.convert(page.read_text(encoding="utf-8"))
    ids = _ids(site_markdown.toc_tokens)
    bad = [i for i in ids if POSITIONAL.match(i) or not i]
    assert not bad, f"{page.relative_to(ROOT)} 的标题 id {bad} 会随标题增删而变：写显式的 {{#english-id}}"


NOTEBOOKS = sorted(DOCS.rglob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(DOCS).as_posix() for p in NOTEBOOKS])
def test_no_positional_heading_id_in_notebooks(path: Path, site_markdown: markdown.Markdown) -> None:
    slugify = site_markdown.treeprocessors["toc"].slugify
    notebook = nbformat.read(path, as_version=4)
    used: set[str] = set()
    ids = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = HEADING_LINE.match(line)
            if match:
                heading, _ = notebooks.heading_id(match["text"], slugify, used)
                used.add(heading)
                ids.append(heading)
    assert ids, f"{path.name} 里没有标题"
    bad = [i for i in ids if POSITIONAL.match(i)]
    assert not bad, f"{path.relative_to(ROOT)} 的标题 id {bad} 会随标题增删而变"


def test_explicit_id_in_a_notebook_heading_wins() -> None:
    from pymdownx.slugs import slugify

    used: set[str] = set()
    assert notebooks.heading_id("练习 {#exercises}", slugify(case="lower"), used) == ("exercises", "练习")
    assert notebooks.heading_id("小结", slugify(case="lower"), {"小结"}) == ("小结_1", "小结")
