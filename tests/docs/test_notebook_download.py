"""可下载的笔记本：每个章节转换出的 .ipynb 结构正确、没有输出，并且能从头跑到尾；
下载的副本离开站点也能用（hooks/hosted.py：安装单元、完整链接、API 引用、没有魔法命令）。

在全新环境里从托管站点安装、执行每一本下载的笔记本：tests/e2e/test_reader.py。
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import hosted
import nbformat
import pytest
from mkdocs.structure.files import Files

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _hook():
    name = "nnlearn_hook_notebooks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / "notebooks.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


hook = _hook()
CHAPTERS = sorted(p for p in DOCS.rglob("*.md") if hook.is_chapter(p.relative_to(DOCS).as_posix()))


#: 测试用的托管站点：端口 9（discard）上什么也没有，安装单元真要下载就会失败。
SITE = hosted.HostedSite("https://example.org/nnlearn/", "http://127.0.0.1:9/downloads/nnlearn-0.1.0-py3-none-any.whl",
                         "0.1.0")


def convert(page: Path) -> nbformat.NotebookNode:
    src_uri = page.relative_to(DOCS).as_posix()
    notebook = hook.markdown_to_notebook(page.read_text(encoding="utf-8"), src_uri, Files([]))
    return hosted.downloadable(notebook, src_uri, SITE)


def test_chapter_patterns() -> None:
    assert hook.is_chapter("learning/loss.md") and hook.is_chapter("speed/speedup.md")
    assert hook.is_chapter("solving/playground.md")
    assert not hook.is_chapter("solving/spiral.ipynb") and not hook.is_chapter("index.md")
    assert not hook.is_chapter("reference/api.md")
    assert CHAPTERS, "一个章节也没找到"


def test_conversion_of_a_small_page(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "# 标题\n\n说明 $x$。\n\n<!-- invisible-code-block: python\nimport math\n-->\n\n"
        '```python title="a"\nprint(math.pi > 3)\n```\n\n```text title="输出"\nTrue\n```\n\n'
        '```python\n--8<-- "src/nnlearn/__init__.py"\n```\n\n## 小结\n\n完。\n',
        encoding="utf-8",
    )
    notebook = hook.markdown_to_notebook(page.read_text(encoding="utf-8"), "learning/p.md",
                                         Files([]))
    kinds = [c.cell_type for c in notebook.cells]
    assert kinds == ["markdown", "code", "code", "markdown", "markdown"]
    setup, shown, included = notebook.cells[1:4]
    assert setup.source == "import math" and setup.metadata["tags"] == ["setup"]
    assert shown.source == "print(math.pi > 3)"
    # 包含的源码只供阅读：放在 Markdown 里的代码块中，不执行、不覆盖包里的对象。
    assert "--8<--" not in included.source and "src/nnlearn/__init__.py" in included.source
    package_init = (ROOT / "src/nnlearn/__init__.py").read_text().rstrip("\n")
    assert f"```python\n{package_init}\n```" in included.source
    assert all("True" not in c.source for c in notebook.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("page", CHAPTERS, ids=[p.relative_to(DOCS).as_posix() for p in CHAPTERS])
def test_chapter_notebook_runs(page: Path) -> None:
    """下载的笔记本能在干净的内核里从头跑到尾（和页面上的代码是同一份）。"""
    from nbclient import NotebookClient

    notebook = convert(page)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].metadata["tags"] == ["install-nnlearn"]  # nnlearn 已装好：安装单元什么也不做
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert all("--8<--" not in c.source for c in code)
    env_backend = os.environ.get("MPLBACKEND")
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    assert os.environ.get("MPLBACKEND") == env_backend


# ---------------------------------------------------------------------------
# 下载的副本：链接、API 引用、安装单元
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("target", "expected"), [
    ("graph.md", "https://example.org/nnlearn/learning/graph/"),
    ("../reference/glossary.md#sigmoid", "https://example.org/nnlearn/reference/glossary/#sigmoid"),
    ("#summary", "https://example.org/nnlearn/learning/loss/#summary"),
    ("../solving/spiral.ipynb", "https://example.org/nnlearn/solving/spiral/"),
    ("../index.md#run-locally", "https://example.org/nnlearn/#run-locally"),
    ("../figures/x.png", "https://example.org/nnlearn/figures/x.png"),
    ("https://numpy.org/doc/", "https://numpy.org/doc/"),
    ("attachment:x.png", "attachment:x.png"),
])
def test_links_become_addresses_on_the_hosted_site(target: str, expected: str) -> None:
    assert SITE.resolve(target, "learning/loss.md") == expected


def test_offline_style_urls_follow_the_hosted_rule() -> None:
    flat = hosted.HostedSite("http://h/", "http://h/w.whl", "0.1.0", directory_urls=False)
    assert flat.page_url("learning/loss.md", "#x") == "http://h/learning/loss.html#x"
    assert flat.page_url("index.md") == "http://h/"


def test_markdown_for_download() -> None:
    text = ("## 小结 {#summary}\n\n见[计算图](graph.md#add)与 [`TwoLayerNet`][nnlearn.models.TwoLayerNet]、"
            "[nnlearn.optim.SGD][]、[`nnlearn.optim.Adam`][]，<a href=\"update.md\">更新</a>。\n\n"
            "```python\nd = {}\nd[\"a\"][nnlearn.x] = 1  # [代码](x.md) 不动\n```\n\n行内 `[a](b.md)` 也不动。")
    out = hosted.for_download(text, "learning/loss.md", SITE)
    assert out.startswith("## 小结\n")
    assert "[计算图](https://example.org/nnlearn/learning/graph/#add)" in out
    assert "[`TwoLayerNet`](https://example.org/nnlearn/reference/api/#nnlearn.models.TwoLayerNet)" in out
    assert "[nnlearn.optim.SGD](https://example.org/nnlearn/reference/api/#nnlearn.optim.SGD)" in out
    assert "[`nnlearn.optim.Adam`](https://example.org/nnlearn/reference/api/#nnlearn.optim.Adam)" in out
    assert '<a href="https://example.org/nnlearn/learning/update/">' in out
    assert "# [代码](x.md) 不动" in out and "`[a](b.md)`" in out


def test_a_notebook_with_a_magic_is_refused() -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%matplotlib inline\nx = 1")])
    with pytest.raises(ValueError, match=r"魔法命令.*%matplotlib inline"):
        hosted.downloadable(notebook, "solving/x.ipynb", SITE)


@pytest.mark.parametrize("name", ["spiral.ipynb", "training.ipynb"])
def test_real_notebooks_download_with_install_cell_and_no_magic(name: str) -> None:
    source = nbformat.read(DOCS / "solving" / name, as_version=4)
    copy = hosted.downloadable(source, f"solving/{name}", SITE)
    assert copy.cells[0].metadata["tags"] == ["install-nnlearn"]
    assert len(copy.cells) == len(source.cells) + 1
    markdown = "\n".join(c.source for c in copy.cells if c.cell_type == "markdown")
    assert "][nnlearn." not in markdown and ".md)" not in markdown and ".ipynb)" not in markdown


def test_install_cell_installs_only_when_import_fails(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """装好时什么也不做；``import nnlearn`` 失败时用这个解释器的 pip 装站点的 wheel，再导入。"""
    import subprocess

    import nnlearn

    code = compile(hosted.install_source(SITE, "https://example.org/nnlearn/learning/loss/"), "<install>", "exec")
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "check_call", lambda args: calls.append(args))
    exec(code, {})
    assert calls == []

    def fake_pip(args: list[str]) -> None:
        calls.append(args)
        monkeypatch.setitem(sys.modules, "nnlearn", nnlearn)  # “装好了”

    monkeypatch.setattr(subprocess, "check_call", fake_pip)
    monkeypatch.setitem(sys.modules, "nnlearn", None)  # import nnlearn 抛出 ImportError
    exec(code, {})
    assert calls == [[sys.executable, "-m", "pip", "install", SITE.wheel_url]]
    assert capsys.readouterr().out.splitlines()[-1] == f"nnlearn {nnlearn.__version__}"
