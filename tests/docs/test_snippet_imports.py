"""包含的源码段复制即运行：``markdown_blocks.snippet_imports`` 补上的 import 行。"""

from __future__ import annotations

import textwrap
from pathlib import Path

import markdown_blocks as blocks
import pytest

MODULE = '''\
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .helpers import clip as _clip

if TYPE_CHECKING:
    from collections.abc import Callable

SCALE = 2


def _double(x):
    return SCALE * x


# --8<-- [start:layer]
class Layer:
    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f = f

    def forward(self, x: Any) -> Any:
        y = np.asarray(x) * math.pi
        return _clip(_double(self.f(y)))
# --8<-- [end:layer]

# --8<-- [start:plain]
def plain(x):
    return len(x) + sum(x)
# --8<-- [end:plain]
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "mod.py").write_text(MODULE, encoding="utf-8")
    return tmp_path


def test_imports_come_from_the_module_and_its_own_definitions(repo: Path) -> None:
    lines = blocks.snippet_imports("src/pkg/mod.py:layer", [repo])
    assert lines == [
        "from __future__ import annotations",
        "import math",
        "from collections.abc import Callable",  # 只在 TYPE_CHECKING 里导入的也要有
        "from typing import Any",
        "import numpy as np",
        "from pkg.helpers import clip as _clip",  # 相对导入写成绝对的
        "from pkg.mod import _double",  # 模块自己定义的辅助函数
    ]


def test_builtins_and_whole_files_need_nothing(repo: Path) -> None:
    assert blocks.snippet_imports("src/pkg/mod.py:plain", [repo]) == []
    assert blocks.snippet_imports("src/pkg/mod.py", [repo]) == []  # 整个文件自带 import


def test_header_goes_above_the_include_line_with_its_indent(repo: Path) -> None:
    code = '    --8<-- "src/pkg/mod.py:layer"\n'
    shown = blocks.add_snippet_imports(code, [repo])
    assert shown.splitlines()[0] == "    from __future__ import annotations"
    assert shown.endswith("    \n" + code)


def test_the_copied_text_runs_in_a_fresh_namespace(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """反证式的完整检查：展开后的代码在一个空的命名空间里能定义、能运行。"""
    (repo / "src" / "pkg" / "helpers.py").write_text("def clip(x):\n    return min(x, 10.0)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(repo / "src"))
    roots = [repo]
    text = blocks.expand_snippet_lines(blocks.add_snippet_imports('--8<-- "src/pkg/mod.py:layer"\n', roots), roots)
    namespace: dict = {}
    exec(compile(text, "<copied>", "exec", dont_inherit=True), namespace)
    assert namespace["Layer"](lambda y: y).forward(1.0) == pytest.approx(2 * 3.141592653589793)
    bare = blocks.expand_snippet_lines('--8<-- "src/pkg/mod.py:layer"\n', roots)
    with pytest.raises(NameError):  # 没有补上的 import 行，同一段代码粘贴就失败
        exec(compile(bare, "<bare>", "exec", dont_inherit=True), {})


def test_only_python_fences_get_imports(repo: Path) -> None:
    page = textwrap.dedent('''\
        --8<-- "src/pkg/mod.py:layer"

        ```python
        --8<-- "src/pkg/mod.py:layer"
        ```
        ''')
    out = blocks.add_page_snippet_imports(page, [repo])
    assert out.startswith('--8<-- "src/pkg/mod.py:layer"\n\n```python\nfrom __future__ import annotations\n')


def test_snippet_roots_come_from_mkdocs_yml() -> None:
    root = Path(__file__).resolve().parents[2]
    assert blocks.snippet_roots(root) == [root, root / ".cache"]
