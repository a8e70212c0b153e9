"""练习的参考答案放在折叠块 ``??? success "参考答案"`` 里，代码块缩进 4 格：
它们和正文代码块一样按页面顺序运行、比对输出，守门测试也看得到它们。

后半部分在假的页面上确认 ``tests/exercise_runner.py`` 的三条规则真能发现问题
（``tests/docs/test_exercises.py`` 用它们检查各章）：答案里的层没有检查、答案印出失败的报告、
没有一个真正失败的写错尝试、一道练习用了别的练习的变量或随机数状态。"""

from __future__ import annotations

import contextlib
import io
import textwrap
from pathlib import Path

import exercise_runner as runner
import markdown_sybil
import nbformat
import numpy as np
import pytest
from sybil import Document
from sybil.example import SybilFailure
from test_fences_collected import collected_lines, python_block_lines

FIXTURE = Path(__file__).parent / "fixtures" / "exercise_page.md"


def _results(path: Path) -> list[tuple[int, BaseException | None]]:
    document = Document.parse(str(path), *markdown_sybil.markdown_parsers)
    results = []
    for example in document:
        try:
            example.evaluate()
        except Exception as error:
            results.append((example.line, error))
        else:
            results.append((example.line, None))
    return results


def test_folded_solutions_run_in_page_order_and_are_checked() -> None:
    results = _results(FIXTURE)
    lines = [line for line, _ in results]
    assert lines == sorted(lines), "代码块必须按页面顺序运行"
    # 正文 1 个 + 练习 1、练习 2、提示框各 1 个 + 错误的尝试 1 个
    assert len(results) == 5
    # 练习 2 用到了练习 1 的 answer：代码块共用一个命名空间（真正的练习不该这样，见 test_exercises.py）
    assert [error for _, error in results[:4]] == [None] * 4
    _line, error = results[4]
    assert isinstance(error, SybilFailure)
    assert "页面上写的 ---\n42" in str(error) and "实际打印的 ---\n41" in str(error)


def test_guard_sees_every_folded_block() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    expected = python_block_lines(text)
    assert len(expected) == 5
    assert set(expected) <= collected_lines(FIXTURE)


def test_indented_output_block_belongs_to_its_code(tmp_path: Path) -> None:
    """输出块缩进在折叠块里、代码块却在外面：不算它的输出（输出块变成孤儿，测试失败）。"""
    page = tmp_path / "page.md"
    page.write_text('```python\nprint(1)\n```\n\n??? note "x"\n\n    ```text title="输出"\n    1\n    ```\n',
                    encoding="utf-8")
    results = _results(page)
    assert len(results) == 2 and all(isinstance(e, SybilFailure) for _, e in results)


@pytest.mark.parametrize("marker", ["???", "???+", "!!!"])
def test_every_block_kind_is_collected(tmp_path: Path, marker: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(f'{marker} success "参考答案"\n\n    ```python\n    print(7)\n    ```\n\n'
                    '    ```text title="输出"\n    7\n    ```\n', encoding="utf-8")
    assert _results(page) == [(3, None)]


# ---------------------------------------------------------------------------
# 练习的三条运行规则（tests/exercise_runner.py）：在假的页面上确认它们真能发现问题
# ---------------------------------------------------------------------------
WRONG_SQUARE = '''from nnlearn.check import check_layer


class SquareWrong:
    def __init__(self):
        self.params, self.grads = [], []
        self.x = None

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        return dout * self.x


x_sq = np.random.default_rng(0).standard_normal((4, 3))
print(check_layer(SquareWrong(), x_sq))'''

RIGHT_SQUARE = '''class Square(SquareWrong):
    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        return 2 * dout * self.x


print(check_layer(Square(), x_sq))'''


def _printed(*codes: str) -> list[str]:
    """依次运行几段代码（共用一个命名空间），返回每段打印的内容：假页面上的输出块由此而来。"""
    namespace: dict = {"np": np}
    printed = []
    for code in codes:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(code, namespace)
        printed.append(buffer.getvalue())
    return printed


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ")


def _exercise_page(tmp_path: Path, second_answer: str) -> list[runner.Unit]:
    """一页：正文建一个随机数生成器；练习 1 有写错的尝试和正确答案；练习 2 的答案由参数给出。"""
    wrong_out, right_out = _printed(WRONG_SQUARE, RIGHT_SQUARE)
    page = (
        "# 反证页\n\n```python\nimport numpy as np\n\nrng = np.random.default_rng(0)\n```\n\n"
        "## 练习 {#exercises}\n\n### 练习 1（进阶）：平方层 {#ex-p-1}\n\n"
        f"```python\n{WRONG_SQUARE}\n```\n\n```text title=\"输出\"\n{wrong_out}```\n\n"
        f'??? success "参考答案"\n\n    ```python\n{_indent(RIGHT_SQUARE)}\n    ```\n\n'
        f'    ```text title="输出"\n{_indent(right_out)}    ```\n\n'
        "### 练习 2（挑战）：另一题 {#ex-p-2}\n\n"
        f'??? success "参考答案"\n\n    ```python\n{_indent(second_answer)}\n    ```\n\n'
        "## 小结 {#summary}\n\n完。\n")
    (tmp_path / "p.md").write_text(page, encoding="utf-8")
    return runner.units("p.md", docs=tmp_path)


def test_runner_reads_sections_and_answers(tmp_path: Path) -> None:
    code = _exercise_page(tmp_path, "print(1)")
    assert [(u.section, u.exercise, u.solution) for u in code] == [
        ("body", None, False), ("exercise", 1, False), ("exercise", 1, True), ("exercise", 2, True)]
    assert "全部通过" in code[2].shown


def test_a_clean_page_breaks_no_rule(tmp_path: Path) -> None:
    code = _exercise_page(tmp_path, "print(rng.standard_normal(2).round(3))")
    results = runner.run(code)
    assert runner.errors(results) == []
    assert runner.unchecked_answers(results) == []
    assert [c.report.verdict for c in runner.failing_wrong_attempts(results)] == ["发现 1 个问题"]
    assert runner.dependent_exercises(code, results) == []


def test_an_answer_layer_without_a_check_is_found(tmp_path: Path) -> None:
    layer = ("class Twice:\n    def forward(self, x):\n        return 2 * x\n\n"
             "    def backward(self, dout):\n        return 2 * dout\n\n\nprint(Twice().forward(3))")
    found = runner.unchecked_answers(runner.run(_exercise_page(tmp_path, layer)))
    assert len(found) == 1 and "Twice" in found[0] and "check_layer" in found[0]


def test_a_failing_report_inside_an_answer_is_found(tmp_path: Path) -> None:
    found = runner.unchecked_answers(runner.run(_exercise_page(tmp_path, "print(check_layer(SquareWrong(), x_sq))")))
    assert len(found) == 1 and "SquareWrong" in found[0] and "发现 1 个问题" in found[0]


def test_no_failing_wrong_attempt_is_found(tmp_path: Path) -> None:
    code = [u for u in _exercise_page(tmp_path, "print(1)") if u.solution or u.section == "body"]
    assert runner.failing_wrong_attempts(runner.run(code)) == []


@pytest.mark.parametrize("answer, symptom", [
    ("print(x_sq.shape)", "NameError"),  # 用了练习 1 的变量
    ("print(check_layer)", "NameError"),  # 用了练习 1 的 import
])
def test_an_exercise_using_another_exercise_is_found(tmp_path: Path, answer: str, symptom: str) -> None:
    code = _exercise_page(tmp_path, answer)
    found = runner.dependent_exercises(code, runner.run(code))
    assert len(found) == 1 and "练习 2" in found[0] and symptom in found[0]


def test_an_exercise_relying_on_random_state_left_by_another_is_found(tmp_path: Path) -> None:
    """练习 1 先从正文的 rng 里取了数，练习 2 接着取：单独运行时打印的不一样。"""
    page = _exercise_page(tmp_path, "print(rng.standard_normal(2).round(3))")
    code = [*page[:2], runner.Unit("p.md:x", "rng.standard_normal(5)", "exercise", 1), *page[2:]]
    found = runner.dependent_exercises(code, runner.run(code))
    assert len(found) == 1 and "练习 2" in found[0] and "不同" in found[0]


def test_runner_reads_a_notebook(tmp_path: Path) -> None:
    cells = [nbformat.v4.new_code_cell("%matplotlib inline\nx = 1"),
             nbformat.v4.new_markdown_cell("## 练习 {#exercises}\n\n### 练习 1（基础）：甲 {#ex-n-1}"),
             nbformat.v4.new_code_cell("print(x + 1)"),
             nbformat.v4.new_code_cell("# 参考答案\nprint(x + 2)"),
             nbformat.v4.new_markdown_cell("## 小结 {#summary}")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "n.ipynb")
    code = runner.units("n.ipynb", docs=tmp_path)
    assert [(u.section, u.exercise, u.solution, u.notebook) for u in code] == [
        ("body", None, False, True), ("exercise", 1, False, True), ("exercise", 1, True, True)]
    assert [r.stdout for r in runner.run(code)] == ["", "2\n", "3\n"]
