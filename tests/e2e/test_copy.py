"""复制即运行：像读者一样，在真实浏览器里点每个页面上的每个复制按钮，粘贴进一个全新的 Python。

每页一个新的浏览器上下文（允许读写剪贴板）：先展开所有折叠块（练习的参考答案），再按页面顺序
点 Python 代码块和笔记本代码单元的复制按钮，读出剪贴板。这些代码按顺序交给 *一个* 全新的
Python 子进程（tests/e2e/paste_runner.py），每块打印的内容与页面上紧跟其后的“输出”块
（笔记本：单元的标准输出）比对，规则与 Sybil 相同（markdown_sybil.output_matches）。
隐藏的准备代码不在剪贴板里：依赖它的块在这里失败——反证测试专门验证这一点。
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import markdown_sybil
import pytest
from site_browser import ROOT, new_recorded_page, serve_directory
from sybil import Document

RUNNER = Path(__file__).with_name("paste_runner.py")
CLIPBOARD = ["clipboard-read", "clipboard-write"]

COLLECT_JS = r"""
async () => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const sentinel = "\u2063nnlearn-copy-sentinel\u2063";
  // 慢机器上剪贴板可能迟到：每次最多等 10 秒，没等到就再点一次。
  const copy = async (button) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await navigator.clipboard.writeText(sentinel);
      button.scrollIntoView({ block: "center" });
      button.click();
      for (let i = 0; i < 250; i++) {
        const text = await navigator.clipboard.readText();
        if (text !== sentinel) return text;
        await new Promise((r) => setTimeout(r, 40));
      }
    }
    return null;
  };
  const root = document.querySelector(".md-content") || document.body;
  const blocks = [];
  const items = root.querySelectorAll(
    'div.language-python.highlight:not(.doc-signature), div.jp-CodeCell[id^="cell-id="]');
  for (const el of items) {
    if (el.matches(".jp-CodeCell")) {
      const button = el.querySelector("clipboard-copy");
      const stdout = [...el.querySelectorAll(
        ".jp-OutputArea-child:not(.jp-OutputArea-executeResult) "
        + '.jp-RenderedText[data-mime-type="text/plain"] pre')].map((p) => p.textContent).join("");
      blocks.push({ kind: "cell", copied: button ? await copy(button) : null, expected: stdout,
                    button: !!button, shown: el.querySelector("pre").textContent });
    } else {
      const button = el.querySelector("button.md-code__button, button.md-clipboard");
      const next = el.nextElementSibling;
      const title = next && next.matches("div.language-text.highlight")
        ? (next.querySelector(".filename") || {}).textContent : null;
      const expected = title && title.trim() === "输出" ? next.querySelector("code").textContent : null;
      blocks.push({ kind: "python", copied: button ? await copy(button) : null, expected,
                    button: !!button, shown: el.querySelector("code").textContent });
    }
  }
  return blocks;
}
"""


@dataclass
class CopyReport:
    path: str
    blocks: list[dict]
    results: list[dict] = field(default_factory=list)

    def problems(self) -> tuple[list[str], list[str]]:
        """（报错的块，输出不符的块），每项一行说明。"""
        errors, mismatches = [], []
        for number, (block, result) in enumerate(zip(self.blocks, self.results, strict=True), start=1):
            head = (block["shown"].strip().splitlines() or [""])[0][:60]
            where = f"/{self.path} 第 {number} 块（{head!r}）"
            if block["copied"] is None:
                errors.append(f"{where}：{'复制按钮没有复制出内容' if block['button'] else '没有复制按钮'}")
            elif result["error"]:
                last = result["error"].strip().splitlines()[-1]
                errors.append(f"{where}：粘贴运行报错 {last}")
            elif block["expected"] is None:
                if result["stdout"].strip():
                    mismatches.append(f"{where}：打印了内容，页面上却没有输出块：{result['stdout'][:200]!r}")
            elif not markdown_sybil.output_matches(block["expected"], result["stdout"]):
                mismatches.append(f"{where}：输出与页面不符\n  页面：{block['expected'][:300]!r}\n"
                                  f"  实际：{result['stdout'][:300]!r}")
        return errors, mismatches


def paste_into_fresh_python(blocks: list[dict]) -> list[dict]:
    """把复制下来的代码按顺序交给一个全新的解释器（工作目录是仓库根目录，和 Sybil 一样）。"""
    payload = [{"code": b["copied"] or "", "ipython": b["kind"] == "cell"} for b in blocks]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, str(RUNNER)], input=json.dumps(payload), capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"粘贴运行的子进程异常退出：{done.stderr[-2000:]}", pytrace=False)
    return json.loads(done.stdout)


def copy_and_run(browser, base_url: str, path: str) -> CopyReport:
    recorded = new_recorded_page(browser, base_url, permissions=CLIPBOARD,
                                 viewport={"width": 1280, "height": 900})
    try:
        recorded.open(path)
        blocks = recorded.page.evaluate(COLLECT_JS)
    finally:
        recorded.page.context.close()
    report = CopyReport(path, blocks)
    if blocks:
        report.results = paste_into_fresh_python(blocks)
    return report


def pages_with_python(site_dir: Path) -> list[str]:
    pages = []
    for html in sorted(site_dir.rglob("index.html")):
        text = html.read_text(encoding="utf-8")
        if "language-python highlight" in text or 'jp-CodeCell' in text:
            rel = html.relative_to(site_dir).as_posix()
            pages.append(rel[: -len("index.html")])
    return pages


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
