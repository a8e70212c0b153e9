"""复制即运行的公用部分：在真实浏览器里点一页上的每个复制按钮，把剪贴板里的代码按顺序交给
*一个* 全新的 Python 子进程（paste_runner.py），再和页面上的“输出”块比对。

tests/e2e/test_copy.py 用仓库的虚拟环境逐页检查；tests/e2e/test_reader.py 用一个只从托管站点
装了 nnlearn 的全新虚拟环境（仓库之外）检查一章。
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import markdown_sybil
import pytest
from site_browser import ROOT, new_recorded_page

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


def paste_into_fresh_python(blocks: list[dict], python: str = sys.executable, cwd: Path = ROOT) -> list[dict]:
    """把复制下来的代码按顺序交给 ``python`` 的一个全新进程（默认：仓库的解释器，工作目录是
    仓库根目录，和 Sybil 一样）。笔记本单元也原样运行：下载和复制的代码都不许用魔法命令。"""
    payload = [b["copied"] or "" for b in blocks]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([python, str(RUNNER)], input=json.dumps(payload), capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"粘贴运行的子进程异常退出：{done.stderr[-2000:]}", pytrace=False)
    return json.loads(done.stdout)


def copy_and_run(browser, base_url: str, path: str, python: str = sys.executable, cwd: Path = ROOT) -> CopyReport:
    recorded = new_recorded_page(browser, base_url, permissions=CLIPBOARD,
                                 viewport={"width": 1280, "height": 900})
    try:
        recorded.open(path)
        blocks = recorded.page.evaluate(COLLECT_JS)
    finally:
        recorded.page.context.close()
    report = CopyReport(path, blocks)
    if blocks:
        report.results = paste_into_fresh_python(blocks, python, cwd)
    return report


def pages_with_python(site_dir: Path) -> list[str]:
    pages = []
    for html in sorted(site_dir.rglob("index.html")):
        text = html.read_text(encoding="utf-8")
        if "language-python highlight" in text or 'jp-CodeCell' in text:
            rel = html.relative_to(site_dir).as_posix()
            pages.append(rel[: -len("index.html")])
    return pages
