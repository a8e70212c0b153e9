"""练习（issue 12、17）：每章末尾的格式、参考答案、写错的示范，以及练习总览列出了每一道题。

解析用的是生成练习总览的同一份代码（``hooks/figure_specs/exercises.py``），
所以这里查的格式就是总览能读出来的格式。后三个测试真的运行各章的代码
（``tests/exercise_runner.py``），看检查器在练习里做了什么：参考答案里写的层和优化器都被检查过、
报告没有失败；每章至少有一个写错的尝试，它的报告真的发现了问题；每道练习只接在正文后面也能运行。
"""

from __future__ import annotations

import exercise_runner as runner
import pytest

ex = runner.ex
PAGES = list(ex.CHAPTERS)


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


@pytest.fixture(scope="module")
def page_runs():
    """每章按页面顺序运行一次（检查器的调用被记录下来）；同一模块里的测试共用。"""
    cache: dict[str, tuple[list[runner.Unit], list[runner.Result]]] = {}

    def get(page: str) -> tuple[list[runner.Unit], list[runner.Result]]:
        if page not in cache:
            code = runner.units(ex.CHAPTERS[page])
            cache[page] = (code, runner.run(code))
        return cache[page]

    return get


@pytest.mark.parametrize("page", PAGES)
def test_reference_answers_check_their_layers_and_optimizers(page_runs, page):
    """参考答案里写的层（forward/backward）或优化器（update）：答案自己检查它，印出的报告没有失败。"""
    _code, results = page_runs(page)
    assert not runner.errors(results), "\n".join(runner.errors(results))
    found = runner.unchecked_answers(results)
    assert not found, (f"{page}：参考答案里的层和优化器要用 check_layer / check_optimizer 检查，"
                       "并 print 出报告（全部通过，或带着写明原因的“未检查”）：\n" + "\n".join(found))


@pytest.mark.parametrize("page", PAGES)
def test_at_least_one_wrong_attempt_really_fails(page_runs, page):
    """每章至少一个写错的尝试（参考答案之外的代码）：检查器的报告真的发现了问题，页面上印着它。"""
    _code, results = page_runs(page)
    assert not runner.errors(results), "\n".join(runner.errors(results))
    assert runner.failing_wrong_attempts(results), (
        f"{page}：至少一道练习要给出一个写错的版本，用 check_layer / check_optimizer 检查并 print 报告，"
        "报告要真的发现问题（最后一行是“发现 N 个问题”）；Markdown 页面上紧跟着它的输出块")


@pytest.mark.parametrize("page", PAGES)
def test_each_exercise_runs_on_its_own(page_runs, page):
    """只跑正文、再跑这一道练习（题面里的代码和参考答案），结果和按页面顺序运行时一样。"""
    code, results = page_runs(page)
    assert not runner.errors(results), "\n".join(runner.errors(results))
    found = runner.dependent_exercises(code, results)
    assert not found, (f"{page}：每道练习要能接在正文后面单独运行，不依赖别的练习定义的变量"
                       "（需要的 import、随机数生成器、输入在本题里自己建）：\n" + "\n\n".join(found))


def test_the_overview_lists_every_exercise_with_its_link(chapters):
    text = ex.table(list(chapters.values()))
    for chapter in chapters.values():
        for e in chapter.exercises:
            assert f"]({chapter.link}#{e.anchor}) | {e.level} |" in text, f"总览里缺少 {chapter.page} 的练习 {e.number}"
    page = (runner.DOCS / "reference" / "exercises.md").read_text(encoding="utf-8")
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
