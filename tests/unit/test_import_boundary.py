"""src/nnlearn 是读者导入的库：它不导入站点这一侧（hooks/、图的描述、基准）的任何东西。

页面的图 → hooks/figure_specs/<页面>.py → nnlearn 的对象；方向只能是这样，反过来不行。
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "nnlearn"
# 站点一侧的顶层模块名：hooks/ 下的每个模块与包、基准目录、构建钩子给 spec 起的名字
SITE_SIDE = ({p.stem for p in (ROOT / "hooks").glob("*.py")}
             | {p.name for p in (ROOT / "hooks").iterdir() if p.is_dir() and p.name[0] not in "._"}
             | {"hooks", "benchmarks", "nnlearn_figure_specs"})
# 包可以导入的：标准库、自己、声明过的依赖（pyproject.toml），以及可选的 GPU/基准后端
ALLOWED = set(sys.stdlib_module_names) | {"nnlearn", "numpy", "matplotlib", "tqdm", "cupy", "torch"}


def imports(path: Path) -> set[str]:
    """一个文件里所有 import 的顶层名字（相对导入算作 nnlearn）。"""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("nnlearn" if node.level else (node.module or "").split(".")[0])
    return names


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_site_side_names_are_found() -> None:
    # 防止测试空转：这些名字必须真的在黑名单里
    assert {"figures", "figure_kit", "figure_specs", "benchmarks", "markdown_blocks"} <= SITE_SIDE
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_package_module_imports_nothing_from_the_site_side(path: Path) -> None:
    found = imports(path)
    assert not found & SITE_SIDE, f"{path.relative_to(ROOT)} 导入了站点一侧的 {found & SITE_SIDE}"
    assert found <= ALLOWED, f"{path.relative_to(ROOT)} 导入了未声明的依赖 {found - ALLOWED}"


def test_the_checker_flags_a_site_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom figure_kit.results import micro\nfrom . import layers\n")
    assert imports(bad) == {"numpy", "figure_kit", "nnlearn"}


def test_importing_every_module_loads_no_site_module() -> None:
    modules = sorted("nnlearn." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
                     for p in SOURCES if p.name != "__init__.py" and p.stem != "__main__")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}:\n    importlib.import_module(m)\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(SITE_SIDE)!r})\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "src", capture_output=True,
                         text=True, check=True, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
