"""练习的参考答案放在折叠块 ``??? success "参考答案"`` 里，代码块缩进 4 格：
它们和正文代码块一样按页面顺序运行、比对输出，守门测试也看得到它们。"""

from __future__ import annotations

from pathlib import Path

import markdown_sybil
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
    assert [error for _, error in results[:4]] == [None] * 4  # 练习 2 用到了练习 1 的 answer
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
