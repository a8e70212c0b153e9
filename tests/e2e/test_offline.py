"""离线归档：解压后从磁盘（file://）打开，搜索中文词，点进结果，一切都在本地。

归档由 ``make offline`` 打好（``NNLEARN_OFFLINE_ARCHIVE`` 指向它，``make test`` 这样用）；
没有这个环境变量时，在临时目录里用 mkdocs-offline.yml 构建一次再打包。
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from site_browser import ROOT, RecordedPage, new_recorded_page


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """解压好的离线归档里的站点目录。"""
    given = os.environ.get("NNLEARN_OFFLINE_ARCHIVE")
    work = tmp_path_factory.mktemp("offline")
    if given:
        archive = Path(given).resolve()
        if not archive.is_file():
            pytest.fail(f"NNLEARN_OFFLINE_ARCHIVE={given} 不存在：先运行 make offline", pytrace=False)
    else:
        built = work / "nnlearn-offline"
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs-offline.yml", "-d", str(built)],
            cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True,
            check=False)
        if result.returncode != 0:
            pytest.fail(f"离线构建失败：\n{result.stdout}\n{result.stderr}", pytrace=False)
        archive = Path(shutil.make_archive(str(work / "nnlearn-offline"), "zip", work, "nnlearn-offline"))
    unpacked = work / "unpacked"
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(unpacked)
    site = unpacked / "nnlearn-offline"
    assert (site / "index.html").is_file(), f"归档里没有 nnlearn-offline/index.html：{archive}"
    return site


@pytest.fixture
def offline_page(browser, offline_site: Path) -> RecordedPage:
    recorded = new_recorded_page(browser, offline_site.as_uri() + "/")
    yield recorded
    recorded.page.context.close()


def test_archive_uses_file_urls_and_no_cdn(offline_site: Path) -> None:
    index = (offline_site / "index.html").read_text(encoding="utf-8")
    assert 'href="learning/loss.html"' in index or "learning/loss.html" in index
    assert "unpkg.com" not in index and "iframe-worker/shim.js" in index
    assert (offline_site / "search" / "search_index.js").is_file()


def test_search_and_follow_a_link_from_disk(offline_page: RecordedPage) -> None:
    page = offline_page.page
    page.goto(offline_page.url("index.html"), wait_until="load")
    page.fill("input.md-search__input", "梯度")
    page.press("input.md-search__input", "End")
    page.wait_for_selector(".md-search-result__item a", timeout=15_000)
    hits = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
    chapters = [h for h in hits if "/learning/" in h and h.startswith("file://")]
    assert chapters, f"离线归档里搜索“梯度”没有命中章节：{hits}"
    page.locator(".md-search-result__item a", has_text="").first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith("file://") and ".html" in page.url
    assert page.locator("h1").first.inner_text().strip()
    # 再跟一个正文里的站内链接
    page.goto(offline_page.url("learning/loss.html"), wait_until="load")
    page.locator('.md-content a[href$=".html"], .md-content a[href*=".html#"]').first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith("file://") and page.locator("h1").count() > 0
    assert offline_page.foreign_requests() == [], "离线归档向外发了请求"
    assert [e for e in offline_page.console_errors if "search" in e.lower()] == []


def test_playground_works_from_disk(offline_page: RecordedPage) -> None:
    """file:// 下不能 fetch：游乐场改用构建时写好的 index.js，照样能拖动。"""
    page = offline_page.page
    page.goto(offline_page.url("solving/playground.html"), wait_until="load")
    page.wait_for_selector(".nn-playground[data-ready=true]", timeout=15_000)
    page.locator(".nn-playground input[type=range]").fill("4")
    page.wait_for_function("() => document.querySelector('img.nn-playground__boundary').complete")
    assert page.locator("img.nn-playground__boundary").evaluate("i => i.naturalWidth") > 0
    assert offline_page.foreign_requests() == []


def test_every_local_link_in_the_archive_resolves(offline_site: Path) -> None:
    """从磁盘读离线版，点到的每个站内链接（页面、图、下载）都要在归档里：首页不能链接归档自己。"""
    href = re.compile(r'(?:href|src)="(?P<url>[^"#?]+)[^"]*"')
    missing = []
    # 404.html 只在服务器上用（绝对路径），从磁盘打开时到不了它
    for html in (p for p in offline_site.rglob("*.html") if p.name != "404.html"):
        for match in href.finditer(html.read_text(encoding="utf-8")):
            url = match["url"]
            if url.startswith(("http:", "https:", "mailto:", "data:", "javascript:", "file:", "//")):
                continue
            if not (html.parent / unquote(url)).exists():
                missing.append(f"{html.relative_to(offline_site)} → {url}")
    assert not missing, "离线归档里有指向不存在文件的链接：\n" + "\n".join(sorted(set(missing))[:40])
