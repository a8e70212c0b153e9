"""真实浏览器测试的公用夹具：构建好的站点、本地服务器、无头 Chromium、记录请求的页面。

- 站点：环境变量 ``NNLEARN_SITE_DIR`` 指向已构建的站点（``make test`` 这样用，避免构建两次）；
  没有它时在临时目录里 ``mkdocs build --strict`` 一次。
- 浏览器：Debian 的 ``/usr/bin/chromium``（或 ``NNLEARN_CHROMIUM``），由 Playwright 驱动；
  从不运行 ``playwright install``。
- 网络：发往 127.0.0.1/localhost 以外的请求一律被拦下（``abort``）并记录，测试据此判定
  “站点没有第三方请求”；拦下保证测试本身也从不上网。
- 托管的站点（``hosted_site``）：首页的安装命令和笔记本的安装单元写的是站点的完整地址
  （``site_url``），所以像读者那样安装时，站点必须就在那个地址上。``make test`` 用默认地址
  ``http://127.0.0.1:8000/`` 构建，这里就在 8000 端口上提供它；地址不是本机（CI 里是 GitHub
  Pages 的真实地址）或端口被占用时，另在一个空闲端口上构建一份。

别的测试文件（如 ``test_playground.py``）直接用 ``site_url``、``recorded_page``/``page`` 即可::

    def test_slider(recorded_page):
        recorded_page.open("solving/playground/")
        recorded_page.page.locator("input[type=range]").fill("5")
        assert recorded_page.foreign_requests() == []
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_browser import (
    LAYOUT_JS,
    MAX_SCREENSHOT_HEIGHT,
    PAGE_CHECKS_JS,
    ROOT,
    HostedSite,
    PageReport,
    RecordedPage,
    free_port,
    new_recorded_page,
    screenshot_name,
    serve_directory,
    site_pages,
)

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    path = os.environ.get("NNLEARN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(
            f"找不到 Chromium（{path}）。请安装 Debian 的 chromium 包：sudo apt-get install chromium",
            pytrace=False,
        )
    return path


def build_site(path: Path, site_url: str | None = None) -> Path:
    """``mkdocs build --strict`` 到 ``path``；给了 ``site_url`` 就用它作站点地址。"""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if site_url is not None:
        env["NNLEARN_SITE_URL"] = site_url
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict 失败：\n{result.stdout}\n{result.stderr}",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """构建好的站点目录。"""
    given = os.environ.get("NNLEARN_SITE_DIR")
    if given:
        path = Path(given).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"NNLEARN_SITE_DIR={given} 里没有 index.html：先运行 mkdocs build",
                        pytrace=False)
        return path
    return build_site(tmp_path_factory.mktemp("site"))


CANONICAL = re.compile(r'<link rel="canonical" href="(?P<url>[^"]+)"')


def baked_site_url(site_dir: Path) -> str:
    """构建时写进站点的 ``site_url``（首页的 canonical 链接就是它）。"""
    match = CANONICAL.search((site_dir / "index.html").read_text(encoding="utf-8"))
    assert match, f"{site_dir}/index.html 里没有 canonical 链接：mkdocs.yml 没有设置 site_url？"
    return match["url"]


def local_port(url: str) -> int | None:
    """``http://127.0.0.1:PORT/`` 形式的地址给出端口，否则 None（这里只能在本机根路径上服务）。"""
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == "/" and parts.port:
        return parts.port
    return None


@pytest.fixture(scope="session")
def hosted_site(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedSite]:
    baked = baked_site_url(site_dir)
    port = local_port(baked)
    with contextlib.ExitStack() as stack:
        url = None
        if port is not None:
            with contextlib.suppress(OSError):  # 端口被占用（比如有人正在 make serve）
                url = stack.enter_context(serve_directory(site_dir, port))
        directory = site_dir
        if url is None:
            port = free_port()
            directory = build_site(tmp_path_factory.mktemp("hosted-site"), f"http://127.0.0.1:{port}/")
            url = stack.enter_context(serve_directory(directory, port))
        assert baked_site_url(directory) == url
        yield HostedSite(directory, url)


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """站点的本地地址，形如 ``http://127.0.0.1:PORT/``。"""
    with serve_directory(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """无头 Chromium（系统自带的那个）。"""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def recorded_page(browser: object, site_url: str) -> Iterator[RecordedPage]:
    """记录请求与控制台错误的新页面（每个测试一个新上下文）。"""
    recorded = new_recorded_page(browser, site_url)
    try:
        yield recorded
    finally:
        recorded.page.context.close()


@pytest.fixture
def page(recorded_page: RecordedPage) -> object:
    """Playwright 的 Page；请求记录在 ``recorded_page`` 里。"""
    return recorded_page.page


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """截图等测试产物的目录（已在 .gitignore 里）。"""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def page_reports(browser, site_url: str, site_dir: Path, artifacts_dir: Path) -> list[PageReport]:
    """逐页打开站点一次，收集断言要用的全部记录，并截图。"""
    reports = []
    for path in site_pages(site_dir):
        recorded = new_recorded_page(browser, site_url, viewport={"width": 1280, "height": 900})
        try:
            recorded.open(path)
            checks = recorded.page.evaluate(PAGE_CHECKS_JS)
            checks["layout"] = recorded.page.evaluate(LAYOUT_JS)
            # 整页截图，但特别长的页（API 参考）只截前一段：截全图要十几秒。
            height = min(recorded.page.evaluate("document.documentElement.scrollHeight"),
                         MAX_SCREENSHOT_HEIGHT)
            recorded.page.screenshot(path=str(artifacts_dir / screenshot_name(path)),
                                     full_page=True,
                                     clip={"x": 0, "y": 0, "width": 1280, "height": height})
        finally:
            recorded.page.context.close()
        reports.append(PageReport(path, recorded.requests, recorded.blocked,
                                  recorded.console_errors, checks))
    assert reports, "站点里一个页面也没有"
    return reports


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """tests/e2e 下的测试都标上 e2e，便于 ``-m "not e2e"`` 只跑快的部分。"""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
