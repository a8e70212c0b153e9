"""复制即运行：像读者一样，在真实浏览器里点每个页面上的每个复制按钮，粘贴进一个全新的 Python。

每页一个新的浏览器上下文（允许读写剪贴板）：先展开所有折叠块（练习的参考答案），再按页面顺序
点 Python 代码块和笔记本代码单元的复制按钮，读出剪贴板。这些代码按顺序交给 *一个* 全新的
Python 子进程（tests/e2e/paste_runner.py），每块打印的内容与页面上紧跟其后的“输出”块
（笔记本：单元的标准输出）比对，规则与 Sybil 相同（markdown_sybil.output_matches）。
点击、粘贴、比对的代码在 tests/e2e/copy_paste.py。
隐藏的准备代码不在剪贴板里：依赖它的块在这里失败——反证测试专门验证这一点。
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import markdown_sybil
import pytest
from copy_paste import CopyReport, copy_and_run, pages_with_python
from site_browser import new_recorded_page, serve_directory
from sybil import Document


@pytest.fixture(scope="session")
def copy_reports(browser, site_url: str, site_dir: Path) -> list[CopyReport]:
    return [copy_and_run(browser, site_url, path) for path in pages_with_python(site_dir)]


def test_every_copied_block_runs_and_prints_what_the_page_shows(
        copy_reports: list[CopyReport], capsys: pytest.CaptureFixture[str]) -> None:
    errors, mismatches = [], []
    for report in copy_reports:
        page_errors, page_mismatches = report.problems()
        errors += page_errors
        mismatches += page_mismatches
    total = sum(len(r.blocks) for r in copy_reports)
    with capsys.disabled():
        print(f"\n复制即运行：{len(copy_reports)} 页，{total} 块；报错 {len(errors)}，输出不符 {len(mismatches)}")
    assert not errors and not mismatches, "\n".join(["复制粘贴后：", *errors, *mismatches])
    assert total > 50, f"只找到 {total} 个可复制的 Python 代码块：选择器是不是失效了"


def test_copied_source_blocks_carry_their_imports(copy_reports: list[CopyReport]) -> None:
    """包含进来的源码段（如 backprop 页的 Sigmoid）复制出来就带着它需要的 import 行。"""
    copied = [b["copied"] or "" for r in copy_reports for b in r.blocks]
    layer_blocks = [c for c in copied if "class Sigmoid" in c]
    assert layer_blocks and all("from nnlearn" in c.split("class Sigmoid")[0] for c in layer_blocks)


# ---------------------------------------------------------------------------
# 反证：依赖隐藏准备代码的块，Sybil 会放过（它也运行隐藏块），复制粘贴却会失败
# ---------------------------------------------------------------------------
CONTROL_PAGE = textwrap.dedent('''\
    # 反证页

    <!-- invisible-code-block: python
    secret = 41
    -->

    ```python
    shown = 1
    ```

    ??? success "参考答案"

        ```python
        print(secret + shown)
        ```

        ```text title="输出"
        42
        ```
    ''')
CONTROL_CONFIG = textwrap.dedent('''\
    site_name: control
    theme:
      name: material
      features: [content.code.copy]
    plugins: []
    markdown_extensions:
      - admonition
      - pymdownx.details
      - pymdownx.superfences
      - pymdownx.highlight:
          pygments_lang_class: true
    ''')


def test_copy_check_fails_when_a_block_needs_hidden_setup(browser, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(CONTROL_PAGE, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(CONTROL_CONFIG, encoding="utf-8")
    # Sybil 运行隐藏块，所以它说这一页没问题……
    document = Document.parse(str(docs / "index.md"), *markdown_sybil.markdown_parsers)
    for example in document:
        example.evaluate()
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(tmp_path / "mkdocs.yml"),
                            "-d", str(tmp_path / "site")], capture_output=True, text=True, check=False,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    # ……而读者复制粘贴时，secret 不存在。
    with serve_directory(tmp_path / "site") as url:
        report = copy_and_run(browser, url, "")
    errors, mismatches = report.problems()
    assert [b["kind"] for b in report.blocks] == ["python", "python"]
    assert report.blocks[1]["copied"].strip() == "print(secret + shown)"  # 折叠块里的也点到了
    assert len(errors) == 1 and "NameError" in errors[0] and "secret" in errors[0], errors
    assert mismatches == []


def test_api_signatures_offer_no_copy_button(browser, site_url: str) -> None:
    """API 参考里的函数签名（``sigmoid(x: ArrayLike) -> Any``）不是能运行的代码：不给复制按钮。"""
    recorded = new_recorded_page(browser, site_url)
    try:
        page = recorded.open("reference/api/")
        visible = page.evaluate("""() => [...document.querySelectorAll(".doc-signature")]
            .filter((el) => [...el.querySelectorAll("button")].some((b) => b.offsetParent !== null)).length""")
        total = page.locator(".doc-signature").count()
    finally:
        recorded.page.context.close()
    assert total > 10 and visible == 0
