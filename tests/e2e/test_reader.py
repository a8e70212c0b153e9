"""只有托管站点的读者：没有仓库，只有站点。

站点在它自己的 ``site_url`` 上提供服务（conftest 的 ``hosted_site``），然后在仓库之外的临时目录里：

1. 建一个全新的虚拟环境，用首页上显示的那条命令（原样，经 shell，像激活了虚拟环境的读者那样）
   安装 nnlearn，再把一章的代码块逐个复制、粘贴进这个环境的 Python，输出与页面一致；
2. 下载每一本笔记本（每页右上角的按钮），检查它离开站点也能用（没有相对的 ``.md`` 链接，没有
   没渲染的 ``][nnlearn.`` 引用，没有魔法命令，指向站点的链接都有对应的页面和锚点），再用
   nbclient 在另一个全新的虚拟环境里从头跑到尾。那个环境只装了 ipykernel（Jupyter 内核本身）：
   nnlearn 由笔记本自己的第一个单元从站点装上，numpy、matplotlib、tqdm 由 pip 作为依赖从 PyPI
   带来。每本笔记本运行前先卸掉 nnlearn，所以每个安装单元都真的从站点装了一次。

为什么给笔记本的环境装 ipykernel，而不是用那个环境的 python 逐个运行代码单元：nbclient 需要
一个 Jupyter 内核，而读者也是在内核里运行笔记本的——安装单元要在 *同一个* 正在运行的内核里
装好包，接下来的单元还能导入它（``importlib.invalidate_caches``），这只有真的内核才能检验。
ipykernel 不带 numpy/matplotlib/tqdm/nnlearn，不会替安装单元做它该做的事。
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import nbformat
import pytest
from copy_paste import copy_and_run
from notebooks import figure_description, is_chapter  # hooks/notebooks.py：哪些页面转换成笔记本、图的说明
from site_browser import ROOT, HostedSite, new_recorded_page

DOCS = ROOT / "docs"
#: 在全新环境里复制运行的一章：包含包的源码（带 import 行）、梯度确认、层的正反向。
READER_CHAPTER = "learning/backprop/"
KERNEL = "nnlearn-reader"
RELATIVE_PAGE_LINK = re.compile(r"\]\((?!https?://)[^)\s]*\.(?:md|ipynb)\b|href=\"(?!https?://)[^\"]*\.md\b")
ANCHOR_ID = re.compile(r'\bid="([^"]+)"')
MARKDOWN_LINK = re.compile(r"\]\((?P<url>https?://[^)\s]+)\)")


#: 每个可下载笔记本的页面（站点里的路径）：章节页，和 solving/ 下的两个真笔记本。
NOTEBOOK_PAGES = sorted(
    [p.relative_to(DOCS).with_suffix("").as_posix() + "/" for p in DOCS.rglob("*.md")
     if is_chapter(p.relative_to(DOCS).as_posix())]
    + [p.relative_to(DOCS).with_suffix("").as_posix() + "/" for p in (DOCS / "solving").glob("*.ipynb")])


def timed(label: str, started: float, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\n{label}：{time.monotonic() - started:.1f} 秒")


def make_venv(where: Path) -> Path:
    """仓库之外的全新虚拟环境（只有 pip）。"""
    assert ROOT not in where.resolve().parents, f"虚拟环境应当在仓库之外：{where}"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, capture_output=True)
    return where


def activated(venv: Path) -> dict[str, str]:
    """像 ``source venv/bin/activate`` 之后的环境：这个虚拟环境的 pip/python 在 PATH 最前面。"""
    env = {**os.environ, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    for name in ("PYTHONPATH", "PYTHONHOME", "IPYTHONDIR"):
        env.pop(name, None)
    return env


def installed_from(venv: Path) -> tuple[str, str]:
    """虚拟环境里 nnlearn 的 (导入位置, 安装来源 URL)。"""
    probe = ("import json, nnlearn, importlib.metadata as m\n"
             "print(nnlearn.__file__)\n"
             "print(json.loads(m.distribution('nnlearn').read_text('direct_url.json'))['url'])")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True,
                          env=activated(venv), cwd=venv.parent, check=True)
    where, url = done.stdout.split()
    return where, url


def home_install_command(browser, url: str) -> str:
    """首页“在自己的电脑上运行”一节里的安装命令（页面上显示的文字）。"""
    recorded = new_recorded_page(browser, url)
    try:
        page = recorded.open("")
        commands = page.evaluate("""() => {
          const found = [];
          for (let el = document.getElementById("run-locally").nextElementSibling;
               el && !/^H[12]$/.test(el.tagName); el = el.nextElementSibling) {
            el.querySelectorAll("pre code").forEach((c) => found.push(c.textContent.trim()));
          }
          return found;
        }""")
    finally:
        recorded.page.context.close()
    installs = [c for c in commands if "install" in c]
    assert len(installs) == 1, f"首页“在自己的电脑上运行”里应当正好有一条安装命令：{commands}"
    return installs[0]


@pytest.fixture(scope="session")
def served_wheel_url(hosted_site: HostedSite) -> str:
    [wheel] = sorted((hosted_site.directory / "downloads").glob("nnlearn-*.whl"))
    return urljoin(hosted_site.url, f"downloads/{wheel.name}")


def test_reader_installs_from_the_home_page_and_runs_a_chapter(
        browser, hosted_site: HostedSite, served_wheel_url: str, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    command = home_install_command(browser, hosted_site.url)
    assert command == f"pip install {served_wheel_url}", command
    home = tmp_path_factory.mktemp("reader")
    venv = make_venv(home / "venv")
    done = subprocess.run(["bash", "-c", command], env=activated(venv), cwd=home, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"首页的安装命令失败：{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    where, source = installed_from(venv)
    assert Path(where).is_relative_to(venv) and source == served_wheel_url
    timed("全新环境：建虚拟环境并用首页命令安装", started, capsys)

    started = time.monotonic()
    report = copy_and_run(browser, hosted_site.url, READER_CHAPTER, python=str(venv / "bin" / "python"), cwd=home)
    errors, mismatches = report.problems()
    assert not errors and not mismatches, "\n".join(["全新环境里复制粘贴后：", *errors, *mismatches])
    assert len(report.blocks) > 10, f"{READER_CHAPTER} 只复制到 {len(report.blocks)} 块"
    timed(f"全新环境：复制运行 {READER_CHAPTER} 的 {len(report.blocks)} 块", started, capsys)


# ---------------------------------------------------------------------------
# 下载的笔记本
# ---------------------------------------------------------------------------
def download_link(hosted_site: HostedSite, page: str) -> str | None:
    html = (hosted_site.directory / page / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<a href="([^"]+)"[^>]*class="[^"]*nnlearn-download', html)
    return None if match is None else urljoin(hosted_site.url + page, match[1])


def test_every_chapter_offers_a_notebook(hosted_site: HostedSite) -> None:
    pages = {str(p.relative_to(hosted_site.directory).parent) + "/"
             for p in hosted_site.directory.rglob("index.html")
             if "nnlearn-download" in p.read_text(encoding="utf-8")}
    assert pages == set(NOTEBOOK_PAGES)
    assert {"solving/spiral/", "solving/training/"} <= pages and len(pages) >= 10


def _page_ids(hosted_site: HostedSite, url: str, cache: dict[str, set[str] | None]) -> set[str] | None:
    """托管站点上一个地址的页面里的 id；地址不在站点里（没有这个文件）时为 None。"""
    if url not in cache:
        path = hosted_site.directory / urlsplit(url).path.lstrip("/")
        path = path / "index.html" if url.endswith("/") else path
        cache[url] = set(ANCHOR_ID.findall(path.read_text(encoding="utf-8"))) if path.is_file() else None
    return cache[url]


@pytest.fixture(scope="session")
def notebook_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """只装了 ipykernel（Jupyter 内核）的全新虚拟环境，和指向它的内核说明。"""
    home = tmp_path_factory.mktemp("notebook-reader")
    venv = make_venv(home / "venv")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(ROOT / "requirements.lock"),
                    "ipykernel"], env=activated(venv), check=True, capture_output=True, timeout=600)
    spec = home / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "nnlearn reader", "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONPATH": ""}}))
    return venv


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_downloaded_notebook_runs_in_a_fresh_environment(
        page: str, hosted_site: HostedSite, served_wheel_url: str, notebook_venv: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from nbclient import NotebookClient

    started = time.monotonic()
    link = download_link(hosted_site, page)
    assert link, f"/{page} 没有下载笔记本的按钮"
    with urllib.request.urlopen(link, timeout=30) as response:  # 像读者那样从站点下载
        notebook = nbformat.reads(response.read().decode("utf-8"), as_version=4)
    nbformat.validate(notebook)

    first = notebook.cells[0]
    assert first.cell_type == "code" and served_wheel_url in first.source and "import nnlearn" in first.source
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert not RELATIVE_PAGE_LINK.findall(markdown), f"{link} 里还有相对的页面链接"
    assert "][nnlearn." not in markdown, f"{link} 里还有没渲染的 API 引用"
    magics = [line for c in notebook.cells if c.cell_type == "code"
              for line in c.source.splitlines() if line.lstrip().startswith(("%", "!"))]
    assert magics == [], f"{link} 的代码单元需要魔法命令：{magics}"
    ids: dict[str, set[str] | None] = {}
    broken = []
    for url in MARKDOWN_LINK.findall(markdown):
        if not url.startswith(hosted_site.url):
            continue
        target, fragment = urldefrag(url)
        found = _page_ids(hosted_site, target, ids)
        if found is None or (fragment and fragment not in found):
            broken.append(url)
    assert broken == [], f"{link} 里指向站点的链接失效：{broken}"
    assert ids, f"{link} 里没有一个指向站点的链接"

    # 每本都从没有 nnlearn 开始：安装单元真的从站点装一次
    python = str(notebook_venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "uninstall", "-y", "-q", "nnlearn"], env=activated(notebook_venv),
                   check=True, capture_output=True)
    for name, value in activated(notebook_venv).items():
        monkeypatch.setenv(name, value)
    for name in ("PYTHONPATH", "PYTHONHOME", "IPYTHONDIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(notebook_venv.parent / "jupyter"))
    NotebookClient(notebook, timeout=600, kernel_name=KERNEL,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    # 画图的单元（开头写着“# 图：”）在读者的 Jupyter 里显示出图，而不是一行 <Figure ...>
    drawn = [c for c in notebook.cells if c.cell_type == "code" and figure_description(c.source)]
    blank = [c.source.splitlines()[0] for c in drawn
             if not any("image/png" in o.get("data", {}) for o in c.outputs)]
    assert blank == [], f"{link} 里这些画图的单元没有显示出图：{blank}"
    printed = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    where, source = installed_from(notebook_venv)
    assert Path(where).is_relative_to(notebook_venv) and source == served_wheel_url
    assert re.search(r"^nnlearn \d", printed, re.MULTILINE), printed
    timed(f"全新环境：下载并执行 /{page} 的笔记本（{len(drawn)} 张图）", started, capsys)
