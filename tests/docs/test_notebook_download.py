"""可下载的笔记本：每个章节转换出的 .ipynb 结构正确、没有输出，并且能从头跑到尾。"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

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


def convert(page: Path) -> nbformat.NotebookNode:
    src_uri = page.relative_to(DOCS).as_posix()
    return hook.markdown_to_notebook(page.read_text(encoding="utf-8"), src_uri, Files([]))


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
    assert kinds == ["markdown", "markdown", "code", "code", "markdown", "markdown"]
    setup, shown, included = notebook.cells[2:5]
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
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert all("--8<--" not in c.source for c in code)
    env_backend = os.environ.get("MPLBACKEND")
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    assert os.environ.get("MPLBACKEND") == env_backend
