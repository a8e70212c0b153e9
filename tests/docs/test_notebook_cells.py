"""hooks/notebooks.py 对笔记本代码单元的处理：图的替代文字来自 ``# 图：``，``# 参考答案`` 折叠起来。"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import nbformat
import notebooks
import pytest


def cell_html(cell_id: str, body: str) -> str:
    return (f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell">\n'
            f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell" id="cell-id={cell_id}">\n'
            f'<div class="jp-InputArea">{body}</div>\n</div>\n</div>')


def fake_page(tmp_path: Path, sources: dict[str, str]) -> SimpleNamespace:
    cells = []
    for cell_id, source in sources.items():
        cell = nbformat.v4.new_code_cell(source)
        cell["id"] = cell_id
        cells.append(cell)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return SimpleNamespace(file=SimpleNamespace(abs_src_path=str(path), src_uri="solving/nb.ipynb"))


def test_comment_rules() -> None:
    assert notebooks.figure_description("# 参考答案\n# 图：损失曲线\nplot()") == "损失曲线"
    assert notebooks.figure_description("plot()  # 图：不在开头") is None
    assert notebooks.solution_note("# 参考答案：用 Adam\nx = 1") == "用 Adam"
    assert notebooks.solution_note("# 参考答案\nx = 1") == ""
    assert notebooks.solution_note("x = 1\n# 参考答案") is None


def test_alt_text_and_folded_solution(tmp_path: Path) -> None:
    page = fake_page(tmp_path, {"a": "# 图：三类螺旋数据\nplot()", "b": "# 参考答案\nprint(1)", "c": "x = 1"})
    html = (cell_html("a", '<img alt="No description has been provided for this image" src="x.png"/>')
            + cell_html("b", "<pre>print(1)</pre>") + cell_html("c", "<pre>x = 1</pre>"))
    out = notebooks._fix_notebook_cells(html, page)
    assert 'alt="三类螺旋数据"' in out and "No description" not in out
    assert out.count("<details") == 1
    folded = out[out.index("<details"):out.index("</details>")]
    assert 'class="success"' in folded and "print(1)" in folded and "x = 1" not in folded


def test_image_without_description_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """反证：画了图却没写 ``# 图：`` 的单元让 --strict 构建失败（记一条警告）。"""
    page = fake_page(tmp_path, {"a": "plot()"})
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.notebooks"):
        notebooks._fix_notebook_cells(cell_html("a", '<img alt="" src="x.png"/>'), page)
    assert any("缺少图的描述" in r.getMessage() for r in caplog.records)
