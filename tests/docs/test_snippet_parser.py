"""根 conftest.py 里页面代码解析器的行为：它说通过的必须真的对，说失败的必须真的错。"""

from __future__ import annotations

import textwrap
from pathlib import Path

import markdown_sybil as conf
import pytest
from sybil import Document
from sybil.example import SybilFailure

ROOT = Path(__file__).resolve().parents[2]



FENCE = "```"


def run_page(tmp_path: Path, markdown: str) -> list:
    """把一段 Markdown 当作页面解析并按顺序执行；返回各例子的结果（None 或异常）。"""
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(markdown), encoding="utf-8")
    document = Document.parse(str(page), *conf.markdown_parsers)
    results = []
    for example in document:
        try:
            example.evaluate()
        except Exception as error:
            results.append(error)
        else:
            results.append(None)
    return results


def test_matching_output_passes_and_namespace_is_shared(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        {FENCE}python
        x = 21
        {FENCE}

        {FENCE}py title="double.py" linenums="1"
        print(x * 2)
        print("a   b   ")
        {FENCE}

        {FENCE}text title="输出"
        42
        a   b
        {FENCE}
        """)
    assert results == [None, None]  # 行尾空白不算


def test_spacing_inside_a_line_must_match(tmp_path: Path) -> None:
    """对齐用的空格是输出的一部分：页面上少写了空格就是不符（不用 NORMALIZE_WHITESPACE）。"""
    [error] = run_page(tmp_path, f"""
        {FENCE}python
        print(f"{{'梯度':8s}}|")
        {FENCE}
        {FENCE}text title="输出"
        梯度    |
        {FENCE}
        """)
    assert isinstance(error, SybilFailure)


def test_wrong_output_fails_with_both_texts_and_line(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        {FENCE}python
        print(1 + 1)
        {FENCE}
        {FENCE}text title="输出"
        3
        {FENCE}
        """)
    [error] = results
    assert isinstance(error, SybilFailure)
    message = str(error)
    assert "页面上写的 ---\n3" in message and "实际打印的 ---\n2" in message
    assert "page.md:2" in message  # 代码块开头围栏所在行（dedent 后第一行是空行）
    assert "page.md:5" in message  # 输出块所在行


def test_ellipsis_is_allowed_in_output(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        {FENCE}python
        print("loss 0.123456789")
        {FENCE}
        {FENCE}text title="输出"
        loss 0.123...
        {FENCE}
        """)
    assert results == [None]


def test_printing_without_output_block_fails(tmp_path: Path) -> None:
    [error] = run_page(tmp_path, f"""
        {FENCE}python
        print("surprise")
        {FENCE}
        """)
    assert isinstance(error, SybilFailure) and "surprise" in str(error)


def test_orphan_output_block_fails(tmp_path: Path) -> None:
    [error] = run_page(tmp_path, f"""
        Some prose.

        {FENCE}text title="输出"
        42
        {FENCE}
        """)
    assert isinstance(error, SybilFailure) and "输出块前面不是 Python 代码块" in str(error)


def test_prompts_are_rejected(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        {FENCE}python
        >>> 1 + 1
        2
        {FENCE}

        {FENCE}pycon
        >>> 1 + 1
        {FENCE}
        """)
    assert len(results) == 2
    assert all(isinstance(r, SybilFailure) for r in results)
    assert ">>>" in str(results[0]) and "pycon" in str(results[1])


def test_exception_points_at_markdown_line(tmp_path: Path) -> None:
    [error] = run_page(tmp_path, f"""
        {FENCE}python
        a = 1
        b = undefined_name
        {FENCE}
        """)
    assert isinstance(error, NameError)
    frames = [tb for tb in _walk(error.__traceback__)
              if tb.tb_frame.f_code.co_filename.endswith("page.md")]
    assert frames and frames[-1].tb_lineno == 4


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_hidden_setup_skip_and_clear(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        <!-- invisible-code-block: python
        secret = 7
        -->

        {FENCE}python
        print(secret)
        {FENCE}
        {FENCE}text title="输出"
        7
        {FENCE}

        <!-- skip: next -->

        {FENCE}python
        raise RuntimeError("never runs")
        {FENCE}

        <!-- clear-namespace -->

        {FENCE}python
        print("secret" in dir())
        {FENCE}
        {FENCE}text title="输出"
        False
        {FENCE}
        """)
    assert results[0] is None and results[1] is None
    assert results[-1] is None
    assert not any(isinstance(r, RuntimeError) for r in results)


def test_fences_in_admonitions_and_tabs_are_collected(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        !!! tip "提示"

            {FENCE}python
            print("in tip")
            {FENCE}

            {FENCE}text title="输出"
            in tip
            {FENCE}

        === "标签"

            {FENCE}{{ .python title="x" }}
            print("in tab")
            {FENCE}
            {FENCE}text title="输出"
            wrong
            {FENCE}
        """)
    assert results[0] is None
    assert isinstance(results[1], SybilFailure) and "in tab" in str(results[1])


def test_fences_nested_in_a_longer_fence_are_only_shown(tmp_path: Path) -> None:
    results = run_page(tmp_path, f"""
        ````markdown
        {FENCE}python
        raise RuntimeError("shown, not run")
        {FENCE}
        <!-- invisible-code-block: python
        raise RuntimeError("shown, not run")
        -->
        ````
        """)
    assert results == []


@pytest.fixture
def fake_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """一个带 src/ 的假仓库：包含路径从它的根目录算起。"""
    src = tmp_path / "src"
    src.mkdir()
    (src / "fakepkg_snip.py").write_text(textwrap.dedent('''\
        from __future__ import annotations

        import math

        SCALE = 3


        # --8<-- [start:triple]
        def triple(x: Number) -> Number:
            """Number 只在注解里出现：需要 from __future__ import annotations。"""
            return SCALE * x
        # --8<-- [end:triple]
        '''), encoding="utf-8")
    (src / "fakepkg_broken.py").write_text(
        "# --8<-- [start:broken]\ndef broken(:\n# --8<-- [end:broken]\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [\".\"]\n", encoding="utf-8")
    monkeypatch.setattr(conf, "ROOT", tmp_path)
    monkeypatch.syspath_prepend(str(src))
    return tmp_path


def test_read_snippet_section_and_lines(fake_repo: Path) -> None:
    section = conf.read_snippet("src/fakepkg_snip.py:triple")
    assert section.startswith("def triple") and "--8<--" not in section
    assert conf.read_snippet("src/fakepkg_snip.py:3:3") == "import math\n"
    with pytest.raises(LookupError, match="nope"):
        conf.read_snippet("src/fakepkg_snip.py:nope")
    with pytest.raises(FileNotFoundError):
        conf.read_snippet("src/missing.py")


def test_include_runs_as_pasted_with_its_imports(fake_repo: Path) -> None:
    """包含的源码段连同段首补上的 import 行在页面命名空间里运行，和读者粘贴进解释器一样：
    模块里定义的 SCALE 由 ``from fakepkg_snip import SCALE`` 提供，页面上的同名函数被换掉。"""
    page = f"""
        {FENCE}python
        def triple(x):
            return "page version"
        {FENCE}

        {FENCE}python title="src/fakepkg_snip.py"
        --8<-- "src/fakepkg_snip.py:triple"
        {FENCE}

        {FENCE}python
        print(triple(2))
        {FENCE}
        {FENCE}text title="输出"
        6
        {FENCE}
        """
    assert run_page(fake_repo, page) == [None, None, None]
    shown = conf.copied_source('--8<-- "src/fakepkg_snip.py:triple"\n')
    assert shown.startswith("from __future__ import annotations\nfrom fakepkg_snip import SCALE\n\ndef triple")


def test_include_missing_a_name_fails(fake_repo: Path) -> None:
    """反证：段里用到一个既不是导入、也不是模块里定义的名字，运行就失败（不从别处悄悄补上）。"""
    (fake_repo / "src" / "fakepkg_snip.py").write_text(
        "# --8<-- [start:f]\nvalue = UNKNOWN + 1\n# --8<-- [end:f]\n", encoding="utf-8")
    [error] = run_page(fake_repo, f"""
        {FENCE}python
        --8<-- "src/fakepkg_snip.py:f"
        {FENCE}
        """)
    assert isinstance(error, NameError) and "UNKNOWN" in str(error)


def test_broken_included_source_fails(fake_repo: Path) -> None:
    [error] = run_page(fake_repo, f"""
        {FENCE}python
        --8<-- "src/fakepkg_broken.py:broken"
        {FENCE}
        """)
    assert isinstance(error, SyntaxError)
