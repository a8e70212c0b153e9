"""首页的下载：离线归档、wheel、sdist、SHA256SUMS 在构建出的站点里都有，服务起来都返回 200；
页面上写的版本、大小和 SHA-256 就是那几个文件的；README 的主命令（make serve）也提供完整的站点。"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path, PurePosixPath
from urllib.error import URLError
from urllib.parse import urljoin, urlsplit

import pytest
from site_browser import ROOT, RecordedPage, free_port

EXPECTED = {"nnlearn-offline.zip", "SHA256SUMS"}
ARCHIVE = ROOT / ".cache" / "offline" / "nnlearn-offline.zip"  # hooks/offline.py 放进站点的那一份
DOWNLOAD_LINKS_JS = """() => [...document.querySelectorAll('.md-content a[href*="downloads/"]')]
  .map((a) => a.getAttribute("href"))"""


def package_version() -> str:
    """包的版本只写在一处：src/nnlearn/__init__.py 的 __version__（pyproject 的 dynamic 读它）。"""
    return re.search(r'^__version__ = "([^"]+)"$', (ROOT / "src/nnlearn/__init__.py").read_text(), re.M)[1]


def test_home_page_downloads_exist_and_are_served(recorded_page: RecordedPage, site_dir: Path) -> None:
    page = recorded_page.open("")
    hrefs = page.evaluate(DOWNLOAD_LINKS_JS)
    version = package_version()
    wheel, sdist = f"nnlearn-{version}-py3-none-any.whl", f"nnlearn-{version}.tar.gz"
    assert {PurePosixPath(h).name for h in hrefs} >= EXPECTED | {wheel, sdist}, hrefs
    for href in hrefs:
        built = site_dir / urlsplit(href).path
        assert built.is_file(), f"构建出的站点里没有 {href}"
        response = page.request.get(urljoin(page.url, href))
        assert response.status == 200, f"{href} 返回 {response.status}"
        assert response.body() == built.read_bytes()
    # 表格里的 SHA-256 与 SHA256SUMS 都是这两个文件的
    sums = dict(line.split()[::-1] for line in (site_dir / "downloads/SHA256SUMS").read_text().splitlines())
    shown = page.locator(".md-content").inner_text()
    for name in (wheel, sdist):
        digest = hashlib.sha256((site_dir / "downloads" / name).read_bytes()).hexdigest()
        assert sums[name] == digest and digest in shown
    assert f"nnlearn {version}" in page.locator(".md-footer").inner_text()
    assert recorded_page.foreign_requests() == []


def test_make_serve_builds_the_archive_when_it_is_missing(tmp_path: Path) -> None:
    """make serve：还没有离线归档时先打一份（首页的链接就不会是 404），有了就直接服务。"""
    missing = tmp_path / "nnlearn-offline.zip"
    variables = [f"ARCHIVE={missing}", f"OFFLINE_DIR={tmp_path / 'nnlearn-offline'}"]

    def plan(*extra: str) -> list[str]:
        done = subprocess.run(["make", "-n", "serve", *variables, *extra], cwd=ROOT, capture_output=True,
                              text=True, check=True)
        return done.stdout.splitlines()

    steps = plan()
    offline = [i for i, s in enumerate(steps) if "mkdocs-offline.yml" in s]
    serve = [i for i, s in enumerate(steps) if "mkdocs serve" in s]
    assert offline and serve and offline[0] < serve[0], steps
    missing.write_bytes(b"")
    assert not any("mkdocs-offline.yml" in s for s in plan()), "归档已经有了，make serve 不该再打一次"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_mkdocs_serve_offers_the_downloads_at_its_own_address(tmp_path: Path) -> None:
    """make serve 运行的 mkdocs serve：首页的安装命令用它实际服务的地址，wheel 与离线归档都能下载。"""
    if not ARCHIVE.is_file():
        pytest.fail(f"没有 {ARCHIVE.relative_to(ROOT)}：先运行 make offline（make serve、make test 都会打好它）",
                    pytrace=False)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NNLEARN_SITE_URL": "https://example.org/"}
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-a",
                                   f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=sink, stderr=sink,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, f"mkdocs serve 退出了：{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "mkdocs serve 五分钟内没有起来"
            with contextlib.suppress(URLError, ConnectionError):
                status, home = _get(url)
                if status == 200:
                    break
            time.sleep(1)
        text = re.sub(r"<[^>]+>", "", home.decode("utf-8"))
        wheel = f"nnlearn-{package_version()}-py3-none-any.whl"
        assert f"pip install {url}downloads/{wheel}" in text, "首页的安装命令不是 serve 的地址"
        for path in (f"downloads/{wheel}", "downloads/SHA256SUMS", "downloads/nnlearn-offline.zip"):
            assert _get(url + path)[0] == 200, f"mkdocs serve 下 {path} 不能下载"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
