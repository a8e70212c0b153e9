"""练习（issue 12）：每章末尾的格式、参考答案、写错的示范，以及练习总览列出了每一道题。

解析用的是生成练习总览的同一份代码（``hooks/figure_specs/exercises.py``），
所以这里查的格式就是总览能读出来的格式。
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_spec():
    name = "nnlearn_figure_specs.exercises_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / "figure_specs" / "exercises.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ex = _load_spec()
PAGES = list(ex.CHAPTERS)
REPORT_FAILED = re.compile(r"发现 \d+ 个问题")
CHECK_CALL = re.compile(r"\bcheck_(layer|optimizer)\(")


@pytest.fixture(scope="module")
def chapters():
    return {c.page: c for c in ex.read_all()}


def _h2(chapter):
    return [h for h in chapter.headings if h.level == 2]


@pytest.mark.parametrize("page", PAGES)
def test_exercises_section_comes_right_before_the_summary(chapters, page):
    h2 = [(h.text, h.anchor) for h in _h2(chapters[page])]
    assert ("练习", "exercises") in h2, f"{page}：缺少 `## 练习 {{#exercises}}`；二级标题：{h2}"
    i = h2.index(("练习", "exercises"))
    assert h2[i + 1:i + 2] == [("小结", "summary")], (
        f"{page}：`## 练习` 后面的二级标题应是 `## 小结 {{#summary}}`，实际是 {h2[i + 1:i + 2]}")


@pytest.mark.parametrize("page", PAGES)
def test_three_to_six_exercises_numbered_in_order_with_stable_ids(chapters, page):
    chapter = chapters[page]
    inside, in_section = [], False
    for h in chapter.headings:
        if h.level <= 2:
            in_section = h.anchor == "exercises"
        elif h.level == 3 and in_section:
            inside.append(h)
    assert all(ex.EXERCISE.match(h.text) for h in inside), (
        f"{page}：练习里的三级标题应写成 `### 练习 N（基础|进阶|挑战）：短标题 {{#ex-{page}-N}}`，"
        f"这些不是：{[h.text for h in inside if not ex.EXERCISE.match(h.text)]}")
    numbers = [e.number for e in chapter.exercises]
    assert 3 <= len(numbers) <= 6, f"{page}：应有 3–6 道练习，现有 {len(numbers)} 道"
    assert numbers == list(range(1, len(numbers) + 1)), f"{page}：编号应从 1 连续，实际是 {numbers}"
    wrong_ids = [(e.number, e.anchor) for e in chapter.exercises if e.anchor != f"ex-{page}-{e.number}"]
    assert not wrong_ids, f"{page}：锚点应是 ex-{page}-N，这些不对：{wrong_ids}"


@pytest.mark.parametrize("page", PAGES)
def test_no_exercise_heading_outside_the_exercises_section(chapters, page):
    listed = {e.heading for e in chapters[page].exercises}
    stray = [h.text for h in chapters[page].headings if ex.EXERCISE.match(h.text) and h.text not in listed]
    assert not stray, f"{page}：这些练习标题不在 `## 练习` 里：{stray}"


@pytest.mark.parametrize("page", PAGES)
def test_every_exercise_has_a_reference_solution(chapters, page):
    missing = [e.number for e in chapters[page].exercises if e.solutions == 0]
    form = ('Markdown 页：`??? success "参考答案"`；笔记本：第一行是 `# 参考答案` 的代码单元格，'
            "或 `<summary>参考答案</summary>`")
    assert not missing, f"{page}：练习 {missing} 没有参考答案（{form}）"


@pytest.mark.parametrize("page", PAGES)
def test_at_least_one_exercise_shows_a_failing_report(chapters, page):
    chapter = chapters[page]
    if chapter.path.endswith(".ipynb"):
        # 笔记本的输出在构建时才算出：看有没有一个“不是参考答案”的单元格调用了检查器
        shown = any(CHECK_CALL.search(t) and not ex.SOLUTION_CELL.match(t.lstrip())
                    for e in chapter.exercises for t in e.text)
    else:
        shown = any(REPORT_FAILED.search("\n".join(e.text)) for e in chapter.exercises)
    assert shown, (f"{page}：至少一道练习要给出一个写错的版本和检查器的报告"
                   "（页面上是经过核对的输出块，里面有“发现 N 个问题”）")


def test_the_overview_lists_every_exercise_with_its_link(chapters):
    text = ex.table(list(chapters.values()))
    for chapter in chapters.values():
        for e in chapter.exercises:
            assert f"]({chapter.link}#{e.anchor}) | {e.level} |" in text, f"总览里缺少 {chapter.page} 的练习 {e.number}"
    page = (ROOT / "docs" / "reference" / "exercises.md").read_text(encoding="utf-8")
    assert '--8<-- "generated/exercises-table.md"' in page


def test_the_parser_reads_a_page_and_a_notebook(tmp_path):
    """解析器自己的小测试：用假的一页和一个笔记本，确认能读出题号、难度、标题和答案。"""
    (tmp_path / "p.md").write_text(
        "# 标题\n\n## 练习 {#exercises}\n\n### 练习 1（基础）：甲 {#ex-p-1}\n\n"
        '??? success "参考答案"\n\n    ```python\n    # ### 练习 9（基础）：代码里的井号不算 {#x}\n    ```\n\n'
        "### 练习 2（挑战）：乙 {#ex-p-2}\n\n没有答案\n\n## 小结 {#summary}\n", encoding="utf-8")
    (tmp_path / "n.ipynb").write_text(
        '{"cells": [{"cell_type": "markdown", "source": ["## 练习 {#exercises}\\n"]},'
        '{"cell_type": "markdown", "source": ["### 练习 1（进阶）：丙 {#ex-n-1}"]},'
        '{"cell_type": "code", "source": ["# 参考答案\\n", "print(1)"], "outputs": []}]}', encoding="utf-8")
    page = ex.read_chapter("loss", "p.md", docs=tmp_path)
    assert [(e.number, e.level, e.title, e.anchor, e.solutions) for e in page.exercises] == [
        (1, "基础", "甲", "ex-p-1", 1), (2, "挑战", "乙", "ex-p-2", 0)]
    notebook = ex.read_chapter("spiral", "n.ipynb", docs=tmp_path)
    assert [(e.number, e.level, e.title, e.solutions) for e in notebook.exercises] == [(1, "进阶", "丙", 1)]
    assert "共 3 道练习：基础 1 道、进阶 1 道、挑战 1 道。" in ex.table([page, notebook])
