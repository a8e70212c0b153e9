"""术语表的“首次出现”必须属实：按导航顺序，术语（或它的锚点链接）最早出现在哪一页，条目就写哪一页。

读者从术语表点进“首次出现”，期望在那一页找到这个词，而且在它之前的页面里没见过它。
所以对每个条目检查两件事：声明的那一页提到了这个词（正文里的词，或指向本条目锚点的链接）；
导航里排在它前面的章节都没有提到。正文只算说明文字：代码块、行内代码、HTML 注释不算。
首页只是目录式的导读，参考页（术语表自己、API、勘误、练习总览）排在章节之后，都不参与比较。
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from page_prose import DOCS, chapter_pages

GLOSSARY = DOCS / "reference" / "glossary.md"
# 条目标题：### 中文名（English） {#id}
ENTRY = re.compile(r"^###\s+(?P<name>[^（\n]+?)\s*（(?P<english>[^）]*)）\s*\{\s*#(?P<id>[a-z0-9-]+)\s*\}\s*$", re.M)
FIRST_SEEN = re.compile(r"首次出现：\s*\[[^\]]*\]\((?P<target>[^)#\s]+)")
# 正文还没有讲到的术语（只在 API 里）如实写明，测试就核对确实没有一章提到它
NOT_IN_CHAPTERS = "首次出现：正文尚未讲到"
# 中文名末尾的类别词：页面上常只写“Affine”“softmax”，不带“层”“函数”
GENERIC_SUFFIX = re.compile(r"\s*(函数|层|向量)$")


def prose(path: Path) -> str:
    """页面的说明文字：去掉代码块、行内代码和 HTML 注释；笔记本只取 Markdown 单元格。

    与 page_prose.prose 不同，这里保留链接地址：指向术语条目锚点的链接也算提到了这个词。
    """
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return markdown_prose("\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"))
    return markdown_prose(path.read_text(encoding="utf-8"))


def markdown_prose(text: str) -> str:
    """Markdown 里的说明文字：代码块、行内代码、HTML 注释都去掉。"""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]+`", "", text)


def entries() -> list[dict]:
    text = GLOSSARY.read_text(encoding="utf-8")
    found = []
    matches = list(ENTRY.finditer(text))
    for i, m in enumerate(matches):
        body = text[m.end(): matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        first = FIRST_SEEN.search(body)
        if NOT_IN_CHAPTERS in body:
            target = None
        elif first:
            target = (GLOSSARY.parent / first["target"]).resolve().relative_to(DOCS).as_posix()
        else:
            target = ""
        found.append({"id": m["id"], "name": m["name"], "declared": target})
    return found


def mentions(text: str, entry: dict) -> bool:
    """页面文字里有这个词，或者有指向这个条目的链接。"""
    if re.search(rf"glossary\.md#{re.escape(entry['id'])}\)", text):
        return True
    word = GENERIC_SUFFIX.sub("", entry["name"]).strip()
    words_only = re.sub(r"\]\([^)]*\)", "]", text)  # 链接地址里的字不算
    return word.lower() in words_only.lower()


def first_page(entry: dict, pages: dict[str, str]) -> str | None:
    return next((page for page, text in pages.items() if mentions(text, entry)), None)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {page: prose(DOCS / page) for page in chapter_pages()}


ENTRIES = entries()


def test_glossary_has_entries_with_first_seen() -> None:
    assert chapter_pages()[:3] == ["learning/review.md", "learning/math.md", "learning/loss.md"], "导航顺序没读对"
    assert len(ENTRIES) >= 40
    missing = [e["id"] for e in ENTRIES if e["declared"] == ""]
    assert not missing, f"这些条目没有“首次出现：[..](..)”：{missing}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_first_seen_is_true(entry: dict, pages: dict[str, str]) -> None:
    declared = entry["declared"]
    if declared is None:
        actual = first_page(entry, pages)
        assert actual is None, f"术语“{entry['name']}”写着正文尚未讲到，可 {actual} 已经提到了它：请写上首次出现的页面"
        return
    assert declared in pages, f"{entry['id']}：首次出现指向 {declared}，它不是导航里的章节"
    actual = first_page(entry, pages)
    assert actual == declared, (
        f"术语“{entry['name']}”（#{entry['id']}）声明首次出现在 {declared}，"
        f"按导航顺序它最早出现在 {actual}"
    )


def test_detector_sees_a_planted_earlier_mention(pages: dict[str, str]) -> None:
    """反证：把术语写进更早的一页，检测就会改判首次出现的页面。"""
    entry = next(e for e in ENTRIES if e["id"] == "matmul")
    earlier = next(iter(pages))
    planted = dict(pages)
    planted[earlier] = pages[earlier] + "\n这里提到了 MatMul 节点。\n"
    assert first_page(entry, planted) == earlier
    coded = dict(pages)
    coded[earlier] = pages[earlier] + "\n" + markdown_prose("```python\nMatMul 节点\n```\n`MatMul 节点`\n")
    assert first_page(entry, coded) == first_page(entry, pages)



def test_an_anchor_link_counts_as_a_mention(pages: dict[str, str]) -> None:
    """反证：只有锚点链接、没有词本身，也算提到了这个术语。"""
    entry = next(e for e in ENTRIES if e["id"] == "kink")
    earlier = next(iter(pages))
    linked = dict(pages)
    linked[earlier] = pages[earlier] + "\n见[这里](../reference/glossary.md#kink)。\n"
    assert first_page(entry, linked) == earlier


# ---------------------------------------------------------------------------
# 先讲后用：术语在阅读顺序里第一次出现时，要么已经讲过，要么链到术语表
# ---------------------------------------------------------------------------
EXPLAINED = re.compile(r"讲解：\s*\[[^\]]*\]\((?P<target>[^)\s]+)\)")
LINK_TARGETS = re.compile(r"\]\([^)]*\)")


def explained_at(entry_id: str) -> tuple[str, str | None]:
    """条目的“讲解”（页面, 锚点）；没有这一栏时讲解就在“首次出现”那一页。"""
    text = GLOSSARY.read_text(encoding="utf-8")
    start = re.search(rf"\{{\s*#{re.escape(entry_id)}\s*\}}", text).end()
    following = ENTRY.search(text, start)
    body = text[start: following.start() if following else len(text)]
    match = EXPLAINED.search(body) or FIRST_SEEN.search(body)
    if match is None:
        return "", None
    target, _, anchor = match["target"].partition("#")
    page = (GLOSSARY.parent / target).resolve().relative_to(DOCS).as_posix()
    return page, anchor or None


def first_mention(text: str, entry: dict) -> tuple[int, bool] | None:
    """页面里第一次提到术语的位置，以及那一次是不是指向术语表条目的链接。"""
    link = re.search(rf"\[[^\]]*\]\([^)]*glossary\.md#{re.escape(entry['id'])}\)", text)
    # 链接地址里的字不算提到：换成同样长的空白，位置不变
    masked = LINK_TARGETS.sub(lambda m: "]" + " " * (len(m[0]) - 1), text).lower()
    word = GENERIC_SUFFIX.sub("", entry["name"]).strip().lower()
    at = masked.find(word)
    candidates = [p for p in (at, link.start() if link else -1) if p >= 0]
    if not candidates:
        return None
    first = min(candidates)
    return first, link is not None and link.start() == first


def anchor_position(page: str, anchor: str) -> int:
    """页面说明文字里某个锚点（标题的 ``{#id}``、或按标题文字生成的 id）所在的位置。"""
    text = prose(DOCS / page) if page.endswith(".ipynb") else markdown_prose((DOCS / page).read_text("utf-8"))
    explicit = re.search(rf"\{{\s*:?\s*#{re.escape(anchor)}\b", text)
    if explicit:
        return explicit.start()
    from pymdownx.slugs import slugify

    slug = slugify(case="lower")
    for heading in re.finditer(r"^#{1,6}\s+(?P<title>.+?)\s*$", text, re.M):
        if slug(heading["title"], "-") == anchor:
            return heading.start()
    raise AssertionError(f"{page} 里找不到锚点 #{anchor}（术语表的“讲解”链接指向它）")


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["declared"]], ids=lambda e: e["id"])
def test_first_use_is_explained_or_linked(entry: dict, pages: dict[str, str]) -> None:
    """术语第一次出现时，要么就在讲解它的地方（或之后），要么是指向术语表的链接。

    读者最常见的卡壳：一个词在讲解之前就被当作已知来用（例如“转置”在讲矩阵乘法的反向之前，
    “相对误差”在 1.3.4 给出公式之前就出现在练习的报告里）。链到术语表，读者至少能点过去查。
    """
    first_page = entry["declared"]
    page, anchor = explained_at(entry["id"])
    order = list(pages)
    assert page in order, f"#{entry['id']} 的讲解指向 {page}，它不是导航里的章节"
    assert order.index(page) >= order.index(first_page), (
        f"#{entry['id']}：讲解在 {page}，却写着首次出现在更晚的 {first_page}")
    found = first_mention(pages[first_page], entry)
    assert found is not None, f"{first_page} 里找不到术语“{entry['name']}”"
    position, linked = found
    if linked:
        return
    if page != first_page:
        pytest.fail(f"术语“{entry['name']}”在 {first_page} 第一次出现，讲解却在后面的 {page}："
                    f"请把 {first_page} 里第一次出现的地方链到术语表（glossary.md#{entry['id']}），"
                    "或在那里先解释它")
    if anchor is not None:
        start = anchor_position(page, anchor)
        assert position >= start, (
            f"术语“{entry['name']}”在 {page} 的讲解（#{anchor}）之前就出现了："
            f"…{pages[page][max(0, position - 20): position + 20]}…；请在那里链到术语表，或把讲解提前")


def test_unlinked_use_before_the_explanation_is_caught(pages: dict[str, str]) -> None:
    """反证：讲解之前不带链接地用一个词会被发现，带上链接就不会。"""
    entry = next(e for e in ENTRIES if e["id"] == "mini-batch")
    plain = "这一批叫小批量。"
    linked = "这一批叫[小批量](../reference/glossary.md#mini-batch)。"
    assert first_mention(plain, entry) == (4, False)
    assert first_mention(linked, entry) == (4, True)
    assert first_mention("先说[损失](../reference/glossary.md#mini-batch-x)再说小批量", entry)[1] is False
