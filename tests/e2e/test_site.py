"""在真实浏览器里逐页打开构建好的站点，检查读者看到的东西。

每个页面只打开一次（一个新的浏览器上下文，缓存是空的），收集：所有请求、控制台错误、
公式渲染情况、图片、链接、传输字节数，并截图到 ``test-artifacts/``。下面的各个测试
对这些记录做断言，失败时列出出问题的页面。
"""

from __future__ import annotations

import base64
import io
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urldefrag, urlsplit

import markdown_blocks as blocks
import pytest
from PIL import Image
from site_browser import ROOT, PageReport, RecordedPage, is_local, new_recorded_page

MAX_CHAPTER_BYTES = 1_500_000
SEARCH_TERMS = ("梯度", "交叉熵", "链式法则", "反向传播", "计算图")



def _failures(reports: list[PageReport], pick) -> dict[str, object]:
    return {r.path: found for r in reports if (found := pick(r))}


def test_every_page_is_checked(page_reports: list[PageReport], site_dir: Path) -> None:
    paths = {r.path for r in page_reports}
    assert "" in paths and "reference/api/" in paths
    assert len(paths) == len(list(site_dir.rglob("*.html")))


def test_no_request_leaves_the_machine(page_reports: list[PageReport]) -> None:
    offenders = _failures(page_reports, lambda r: [u for u in r.requests if not is_local(u)])
    assert offenders == {}, f"这些页面向本机以外发了请求：{offenders}"


def test_request_check_catches_a_third_party_request(recorded_page: RecordedPage) -> None:
    """反证：往页面里放一个指向外部主机的图片和 fetch，检查必须发现它们。"""
    recorded_page.open("")
    recorded_page.page.evaluate("""() => {
        const img = document.createElement("img");
        img.src = "https://cdn.example.com/tracker.png";
        document.body.appendChild(img);
        fetch("https://fonts.example.org/font.woff2").catch(() => {});
    }""")
    recorded_page.page.wait_for_timeout(300)
    foreign = recorded_page.foreign_requests()
    assert "https://cdn.example.com/tracker.png" in foreign
    assert "https://fonts.example.org/font.woff2" in foreign
    assert set(recorded_page.blocked) >= set(foreign), "外部请求应被拦下，测试本身不上网"


def test_no_console_errors(page_reports: list[PageReport]) -> None:
    offenders = _failures(page_reports, lambda r: r.console_errors)
    assert offenders == {}, f"控制台报错：{offenders}"


def test_every_formula_renders(page_reports: list[PageReport]) -> None:
    offenders = _failures(page_reports, lambda r: r.checks["katexErrors"] + r.checks["unrendered"]
                          + r.checks["raw"])
    assert offenders == {}, f"公式没有渲染（KaTeX 报错或残留 \\( \\[ $$）：{offenders}"
    # 有公式的页面确实渲染出了 KaTeX（防止脚本根本没运行而上面的检查空过）。
    with_math = [r for r in page_reports if r.path in ("learning/loss/", "learning/derivative/")]
    assert len(with_math) == 2 and all(r.checks["formulas"] > 0 for r in with_math)


def test_included_source_has_no_section_markers(page_reports: list[PageReport]) -> None:
    """pymdownx.snippets 去掉了 ``# --8<-- [start:x]`` 这类标记，页面上不应出现。"""
    offenders = _failures(page_reports, lambda r: r.checks["snippetMarkers"])
    assert offenders == {}, f"页面上出现了源码的节标记：{offenders}"


def test_every_image_loads(page_reports: list[PageReport]) -> None:
    offenders = _failures(page_reports, lambda r: r.checks["brokenImages"])
    assert offenders == {}, f"图片加载失败：{offenders}"
    # 说明文字里的 ] 之类会让 ![...](...) 不被当成图片，原样显示成文字
    unparsed = _failures(page_reports, lambda r: r.checks["rawImages"])
    assert unparsed == {}, f"图片语法没有被解析，原样显示在页面上：{unparsed}"
    assert any(r.checks["images"] > 0 for r in page_reports)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


def test_every_internal_link_and_anchor_resolves(page_reports: list[PageReport],
                                                 site_url: str) -> None:
    origin = urlsplit(site_url).netloc
    fetched: dict[str, set[str] | None] = {}  # URL → 页面里的 id（非 HTML 为空集；404 为 None）

    def anchors_of(url: str) -> set[str] | None:
        if url not in fetched:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read()
                    kind = response.headers.get_content_type()
            except HTTPError:
                fetched[url] = None
            else:
                parser = _Anchors()
                if kind == "text/html":
                    parser.feed(body.decode("utf-8", "replace"))
                fetched[url] = parser.ids
        return fetched[url]

    broken: dict[str, list[str]] = {}
    for report in page_reports:
        for link in report.checks["links"]:
            if urlsplit(link).netloc != origin:
                continue
            target, fragment = urldefrag(link)
            ids = anchors_of(target)
            if ids is None:
                broken.setdefault(report.path, []).append(f"{link}（404）")
            elif fragment and fragment not in ids and urllib.parse.unquote(fragment) not in ids:
                broken.setdefault(report.path, []).append(f"{link}（没有这个锚点）")
    assert broken == {}, f"站内链接失效：{broken}"
    assert len(fetched) > 5


def test_chapter_pages_are_light(page_reports: list[PageReport],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = sorted((r.checks["bytes"], r.checks["decoded"], r.path) for r in page_reports)
    with capsys.disabled():
        print("\n页面传输量（空缓存，含所有资源；服务器像 GitHub Pages 一样 gzip 文本）：")
        print("  传输        解压后      页面")
        for size, decoded, path in rows:
            print(f"  {size / 1e6:6.2f} MB   {decoded / 1e6:6.2f} MB   /{path}")
    heavy = {r.path: r.checks["bytes"] for r in page_reports
             if r.is_chapter and r.checks["bytes"] > MAX_CHAPTER_BYTES}
    assert heavy == {}, f"章节页面超过 {MAX_CHAPTER_BYTES / 1e6} MB：{heavy}"
    assert all(size > 0 for size, _, _ in rows), "传输量测不到：Resource Timing 没有工作"


def _search(recorded: RecordedPage, term: str) -> list[str]:
    page = recorded.page
    page.fill("input.md-search__input", term)
    page.press("input.md-search__input", "End")  # Material 监听 keyup
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    return page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_chinese_search_finds_chapter(recorded_page: RecordedPage, term: str) -> None:
    """中文搜索（jieba 分词）能在章节里找到这些词，而不只是在 API 参考或示例页里。"""
    recorded_page.open("")
    hits = _search(recorded_page, term)
    chapters = [h for h in hits if any(f"/{p}" in h for p in ("learning/", "solving/", "speed/"))]
    assert chapters, f"搜索 {term!r} 没有命中任何章节页面；命中：{hits}"
    assert recorded_page.foreign_requests() == []


def _first_copyable_snippet(site_dir: Path) -> tuple[str, int, str]:
    """挑一个章节页里第一个手写的 Python 代码块（跳过 --8<-- 包含的源码），
    返回（站点路径、它在页面 Python 代码块中的序号、Markdown 里的代码）。"""
    for md in sorted((ROOT / "docs" / "learning").glob("*.md")):
        fences = [f for f in blocks.scan_fences(md.read_text(encoding="utf-8"))
                  if f.language in blocks.PYTHON_LANGUAGES]
        for index, fence in enumerate(fences):
            if "--8<--" not in fence.body:
                rel = md.relative_to(ROOT / "docs").with_suffix("").as_posix() + "/"
                return rel, index, fence.body
    pytest.fail("docs/ 里没有可复制的 Python 代码块")


def test_copy_button_yields_runnable_code(browser, site_url: str, site_dir: Path) -> None:
    path, index, source = _first_copyable_snippet(site_dir)
    recorded = new_recorded_page(browser, site_url,
                                 permissions=["clipboard-read", "clipboard-write"])
    try:
        page = recorded.open(path)
        block = page.locator("div.language-python").nth(index)
        block.hover()
        block.locator("button.md-code__button, button.md-clipboard").first.click()
        copied = page.evaluate("navigator.clipboard.readText()")
    finally:
        recorded.page.context.close()
    assert ">>>" not in copied
    assert re.sub(r"\s+$", "", copied) == re.sub(r"\s+$", "", source)
    compile(copied, f"<copied from /{path}>", "exec")


def test_copy_button_strips_prompts_from_docstring_examples(browser, site_url: str) -> None:
    """API 参考里的 >>> 例子：复制得到的是去掉提示符和输出的代码。"""
    recorded = new_recorded_page(browser, site_url, permissions=["clipboard-read", "clipboard-write"])
    try:
        page = recorded.open("reference/api/")
        block = page.locator("div.language-pycon").first
        shown = block.locator("code").inner_text()
        block.hover()
        block.locator("button.md-code__button, button.md-clipboard").first.click()
        copied = page.evaluate("navigator.clipboard.readText()")
    finally:
        recorded.page.context.close()
    assert ">>>" in shown  # 页面上照常显示提示符
    expected = [line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))]
    assert copied.splitlines() == expected
    compile(copied, "<copied from /reference/api/>", "exec")


def test_figures_open_in_a_lightbox(recorded_page: RecordedPage) -> None:
    """点一张图：GLightbox 打开放大的同一张图（脚本来自站点本身，没有外部请求）。"""
    page = recorded_page.open("learning/loss/")
    link = page.locator(".md-content a.glightbox").first
    src = link.locator("img").get_attribute("src")
    link.click()
    page.wait_for_selector(".glightbox-container .gslide-image img", timeout=10_000)
    shown = page.eval_on_selector(".glightbox-container .gslide-image img", "img => img.src")
    assert shown.split("/")[-1] == src.split("/")[-1]
    page.keyboard.press("Escape")
    assert recorded_page.foreign_requests() == []
    assert any("glightbox" in url for url in recorded_page.requests)


def test_heading_ids_are_stable(page_reports: list[PageReport]) -> None:
    """每个标题都有 id，且不是随位置变化的 ``_1``、``_2``（笔记本页面也一样）。"""
    pages = [r for r in page_reports if r.path != "404.html"]  # 404 页是主题的模板，不是文档页
    positional = _failures(pages, lambda r: [i for i in r.checks["headingIds"]
                                             if not i or re.fullmatch(r"_\d+", i)])
    assert positional == {}, f"这些标题的 id 会随标题增删而变：{positional}"
    assert sum(len(r.checks["headingIds"]) for r in page_reports) > 50


def test_notebook_images_are_palette_pngs(site_dir: Path) -> None:
    """笔记本页内嵌的图（<img src> 和点开放大的 <a href> 两份）都是量化过的调色板 PNG：
    漏掉一份，页面就多背一张原图（曾让训练页超过 1.5 MB）。"""
    data = re.compile(r'(?:src|href)="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')
    unquantized = []
    for html in sorted(site_dir.glob("solving/*/index.html")):
        for match in data.finditer(html.read_text(encoding="utf-8")):
            image = Image.open(io.BytesIO(base64.b64decode(match[1])))
            if image.width * image.height > 10_000 and image.mode != "P":  # 表格里的小图标不算
                unquantized.append(f"{html.parent.name}：{image.mode} {image.size}")
    assert not unquantized, f"笔记本页里有没量化的内嵌图：{unquantized}"
