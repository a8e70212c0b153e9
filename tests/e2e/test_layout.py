"""版面：1280 px（桌面）和 390 px（手机）下，每页都不横向溢出，公式、代码、表格都看得全。

每页在两种宽度下各打开一次（新的浏览器上下文），量出：整页宽度、每个行间公式的内容宽度与
它的框、被截断的代码行、表格字号和表头里放不下的词；390 px 的截图存到 ``test-artifacts/``
（1280 px 的截图由 test_site.py 保存）。量到的问题同时写进 ``test-artifacts/layout.json``，
失败信息按页面列出，页面作者照着改（长公式用 ``aligned`` 拆行）。
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_browser import (
    LAYOUT_JS,
    MAX_SCREENSHOT_HEIGHT,
    MIN_FIGURE_TEXT_PX,
    MIN_TABLE_PX,
    PageReport,
    new_recorded_page,
    screenshot_name,
    site_pages,
)

WIDTHS = {"desktop": 1280, "phone": 390}




@pytest.fixture(scope="session")
def layout_reports(browser, site_url: str, site_dir: Path, artifacts_dir: Path,
                   page_reports: list[PageReport]) -> dict[str, dict[str, dict]]:
    """{宽度名: {页面路径: 量到的结果}}。1280 px 的结果来自 test_site 的逐页记录（同一次打开），
    390 px 在这里再开一次，并截图。"""
    reports: dict[str, dict[str, dict]] = {"desktop": {r.path: r.checks["layout"] for r in page_reports},
                                           "phone": {}}
    width = WIDTHS["phone"]
    for path in site_pages(site_dir):
        recorded = new_recorded_page(browser, site_url, viewport={"width": width, "height": 844},
                                     is_mobile=True, has_touch=True)
        try:
            recorded.open(path)
            reports["phone"][path] = recorded.page.evaluate(LAYOUT_JS)
            height = min(recorded.page.evaluate("document.documentElement.scrollHeight"),
                         MAX_SCREENSHOT_HEIGHT)
            shot = screenshot_name(path).removesuffix(".png") + "-390.png"
            recorded.page.screenshot(path=str(artifacts_dir / shot), full_page=True,
                                     clip={"x": 0, "y": 0, "width": width, "height": height})
        finally:
            recorded.page.context.close()
    (artifacts_dir / "layout.json").write_text(json.dumps(reports, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
    return reports


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_screen(layout_reports, width: str) -> None:
    offenders = {path: f"{r['scrollWidth']} px > {r['innerWidth']} px：{r['wide']}"
                 for path, r in layout_reports[width].items() if r["scrollWidth"] > r["innerWidth"]}
    assert offenders == {}, f"{WIDTHS[width]} px 下页面比屏幕宽：{offenders}"


def test_display_math_fits_the_column_at_1280(layout_reports) -> None:
    offenders = {path: [f"宽出 {d['overflow']} px：{d['tex']}" for d in r["displays"] if d["overflow"] > 1]
                 for path, r in layout_reports["desktop"].items()}
    offenders = {path: found for path, found in offenders.items() if found}
    assert offenders == {}, f"1280 px 下这些行间公式比正文栏宽（用 \\begin{{aligned}} 拆行）：{offenders}"


def test_wide_math_on_a_phone_scrolls_visibly(layout_reports) -> None:
    """390 px 下放不下的公式：在自己的框里横向滚动（不撑宽整页），并有看得见的提示（两侧阴影）。"""
    offenders = {path: [d["tex"] for d in r["displays"] if d["overflow"] > 1
                        and not (d["overflowX"] in ("auto", "scroll") and d["cue"])]
                 for path, r in layout_reports["phone"].items()}
    offenders = {path: found for path, found in offenders.items() if found}
    assert offenders == {}, f"390 px 下这些公式放不下、又不能滚动或没有提示：{offenders}"
    assert any(r["displays"] for r in layout_reports["phone"].values()), "一个行间公式也没量到"


def test_code_lines_are_not_cut_at_1280(layout_reports) -> None:
    offenders = {path: r["cutCode"] for path, r in layout_reports["desktop"].items() if r["cutCode"]}
    assert offenders == {}, f"1280 px 下这些代码行被截断（要横向滚动才看得全）：{offenders}"


def test_tables_are_readable(layout_reports) -> None:
    small = {path: r["smallTables"] for path, r in layout_reports["desktop"].items() if r["smallTables"]}
    assert small == {}, f"表格字号小于 {MIN_TABLE_PX} px：{small}"
    for width in WIDTHS:
        broken = {path: r["brokenHeaders"] for path, r in layout_reports[width].items() if r["brokenHeaders"]}
        assert broken == {}, f"{WIDTHS[width]} px 下表头的词被断开：{broken}"


def test_figure_text_is_legible_at_1280(layout_reports) -> None:
    """图按设计尺寸显示时最小的字是 12.5 px；被缩小到正文栏里后不能小于 10 px。"""
    offenders = {path: [f"{f['src']}：缩到 {f['scale']:.0%}，最小的字约 {f['textPx']:.1f} px" for f in r["figures"]
                        if f["textPx"] < MIN_FIGURE_TEXT_PX]
                 for path, r in layout_reports["desktop"].items()}
    offenders = {path: found for path, found in offenders.items() if found}
    assert offenders == {}, f"1280 px 下这些图里的字小于 {MIN_FIGURE_TEXT_PX} px（把图设计得窄一些）：{offenders}"
    assert sum(len(r["figures"]) for r in layout_reports["desktop"].values()) > 10
