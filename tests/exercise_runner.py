"""把一章的代码按“正文 / 练习 N 的题面 / 练习 N 的参考答案”分开运行，看检查器在练习里做了什么。

``tests/docs/test_exercises.py`` 用它检查三条规则（EXERCISES.md 第 2、3 点）：

- 参考答案里写的层（有 ``forward`` 和 ``backward``）或优化器（有 ``update``），答案自己用
  ``check_layer`` / ``check_optimizer`` 检查它、把报告印出来，报告里没有失败；
- 每章至少有一个“写错的尝试”（不在参考答案里的代码），它的报告真的发现了问题；
- 每道练习在页面正文之后单独运行（不先跑别的练习）也能跑通，打印的与按页面顺序运行时相同：
  读者只展开一道题的答案、复制下来，得到的就是页面上的输出。

检查器的两个函数在运行期间被换成记录调用的版本（页面的 ``from nnlearn.check import check_layer``
拿到的就是它），所以规则看的是真正算出来的报告，而不是页面上的文字。Markdown 页面的结构
（哪个代码块在哪道题里、是否在 ``??? success "参考答案"`` 里）和练习总览用同一套标题解析；
笔记本按单元格读，``# 参考答案`` 开头的代码单元格是答案。
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown_blocks as blocks

import nnlearn.check as check_module

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_exercises_spec() -> Any:
    """练习总览的解析代码（``hooks/figure_specs/exercises.py``），测试与构建共用。"""
    name = "nnlearn_figure_specs.exercises_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / "figure_specs" / "exercises.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


ex = _load_exercises_spec()
ADMONITION = re.compile(r"^(?P<indent>[ \t]*)(?:\?\?\?\+?|!!!)\s+\S+")


@dataclass
class Unit:
    """页面上的一段代码：Markdown 的一个代码块（或隐藏代码），或笔记本的一个代码单元格。"""

    where: str  # 给人看的位置：learning/loss.md:449 或 solving/spiral.ipynb 单元格 39
    source: str
    section: str  # "body"（练习之前）、"exercise"、"after"（练习之后）
    exercise: int | None = None
    solution: bool = False
    shown: str | None = None  # Markdown 页面上紧跟的输出块
    notebook: bool = False  # 笔记本不存输出：输出在构建时才算出来


@dataclass
class Checked:
    """运行期间的一次 ``check_layer`` / ``check_optimizer`` 调用。"""

    obj: Any
    report: Any


@dataclass
class Result:
    unit: Unit
    stdout: str = ""
    error: str | None = None
    checks: list[Checked] = field(default_factory=list)
    classes: dict[str, type] = field(default_factory=dict)  # 这段代码在顶层定义的类


# ---------------------------------------------------------------------------
# 读出代码段
# ---------------------------------------------------------------------------
def units(page: str, docs: Path = DOCS) -> list[Unit]:
    """一章的全部代码段，按页面顺序。``page`` 是相对 docs/ 的路径。"""
    path = docs / page
    if path.suffix == ".ipynb":
        return _notebook_units(page, path)
    return _markdown_units(page, path)


def _markdown_units(page: str, path: Path) -> list[Unit]:
    text = path.read_text(encoding="utf-8")
    places = _markdown_places(text)
    result = []
    for block in blocks.page_blocks(text):
        if block.kind not in ("python", "hidden") or _skipped(text, block.start):
            continue
        source = _expand(block.source) if block.includes else block.source
        section, number, solution = places[block.fence_line - 1]
        result.append(Unit(f"{page}:{block.fence_line}", source, section, number, solution, block.expected))
    return result


def _skipped(text: str, start: int) -> bool:
    """紧挨在前面的 ``<!-- skip: next -->``（Sybil 也不运行这一块）。"""
    before = text[:start].rstrip().rsplit("\n", 1)[-1]
    return re.fullmatch(r"\s*<!--\s*skip:\s*next\s*-->\s*", before) is not None


def _expand(source: str) -> str:
    roots = blocks.snippet_roots(ROOT)
    return blocks.expand_snippet_lines(blocks.add_snippet_imports(source, roots), roots)


def _markdown_places(text: str) -> list[tuple[str, int | None, bool]]:
    """每一行所在的位置：（正文/练习/练习之后，第几题，是否在“参考答案”折叠块里）。"""
    places = []
    section, number = "body", None
    admonitions: list[tuple[int, bool]] = []  # （缩进，是不是参考答案），由外到内
    in_fence = False
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if line.strip():
            while admonitions and indent <= admonitions[-1][0]:
                admonitions.pop()
        if ex.FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            if line.startswith("#"):
                section, number = _follow_heading(line, section, number)
            elif match := ADMONITION.match(line):
                admonitions.append((len(match.group("indent")), bool(ex.SOLUTION_MD.search(line))))
        solution = any(is_solution for _, is_solution in admonitions)
        places.append((section, number if section == "exercise" else None, solution))
    return places


def _follow_heading(line: str, section: str, number: int | None) -> tuple[str, int | None]:
    """读到一行标题后所在的位置：二级标题换节（“练习”节之后的都算 after），练习节里的三级标题是第几题。"""
    heading = ex.HEADING.match(line)
    if heading and len(heading.group(1)) <= 2:
        return ("exercise" if heading.group(3) == "exercises" else ("after" if section != "body" else "body")), None
    if heading and section == "exercise" and (m := ex.EXERCISE.match(heading.group(2))):
        return section, int(m.group(1))
    return section, number


def _notebook_units(page: str, path: Path) -> list[Unit]:
    section, number = "body", None
    result = []
    for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                if line.startswith("#"):
                    section, number = _follow_heading(line, section, number)
        elif cell.get("cell_type") == "code":
            code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            result.append(Unit(f"{page} 单元格 {index}", code, section, number if section == "exercise" else None,
                               bool(ex.SOLUTION_CELL.match(source.lstrip())), notebook=True))
    return result


# ---------------------------------------------------------------------------
# 运行
# ---------------------------------------------------------------------------
@contextlib.contextmanager
def recording_checks() -> Iterator[list[Checked]]:
    """运行期间，``nnlearn.check.check_layer`` / ``check_optimizer`` 把每次调用记进给出的列表。

    页面在某一段里 ``from nnlearn.check import check_layer``，后面几段用的都是那时拿到的函数，
    所以记录用一个“当前段”的列表（``run`` 每段换一个），而不是每段各装一次。
    """
    log: list[Checked] = []
    originals = {name: getattr(check_module, name) for name in ("check_layer", "check_optimizer")}

    def recorder(original: Callable[..., Any]) -> Callable[..., Any]:
        def checked(obj: Any, *args: Any, **kwargs: Any) -> Any:
            report = original(obj, *args, **kwargs)
            log.append(Checked(obj, report))
            return report
        checked.__doc__, checked.__name__ = original.__doc__, original.__name__
        return checked

    for name, original in originals.items():
        setattr(check_module, name, recorder(original))
    try:
        yield log
    finally:
        for name, original in originals.items():
            setattr(check_module, name, original)


def run(code_units: list[Unit]) -> list[Result]:
    """在一个新的命名空间里依次运行；某一段出错后，后面的不再运行（错误记在那一段上）。"""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results = []
    with recording_checks() as log:
        for unit in code_units:
            result = Result(unit)
            results.append(result)
            log.clear()
            buffer = io.StringIO()
            try:
                with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # 页面上的警告由 Sybil 和构建把关，这里只看检查器
                    exec(compile(unit.source, unit.where, "exec"), namespace)
            except Exception:
                result.error = traceback.format_exc(limit=-3)
            result.stdout, result.checks = buffer.getvalue(), list(log)
            result.classes = {name: namespace[name] for name in _class_names(unit.source)
                              if isinstance(namespace.get(name), type)}
            if result.error:
                break
    _close_figures()
    return results


def _class_names(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def _close_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def errors(results: list[Result]) -> list[str]:
    return [f"{r.unit.where} 运行出错：\n{r.error}" for r in results if r.error]


# ---------------------------------------------------------------------------
# 三条规则：每条返回发现的问题（中文，一条一句）；空列表表示遵守
# ---------------------------------------------------------------------------
def is_layer(cls: type) -> bool:
    return callable(getattr(cls, "forward", None)) and callable(getattr(cls, "backward", None))


def is_optimizer(cls: type) -> bool:
    return callable(getattr(cls, "update", None))


def unchecked_answers(results: list[Result]) -> list[str]:
    """参考答案里定义的层或优化器，要在同一道题的答案里被检查、报告印出来；答案里印出的报告都没有失败。"""
    found = []
    for i, result in enumerate(results):
        unit = result.unit
        if unit.section != "exercise" or not unit.solution:
            continue
        for c in result.checks:
            if c.report.problems and str(c.report) in result.stdout:
                found.append(f"{unit.where}：练习 {unit.exercise} 的参考答案印出的 {type(c.obj).__name__} 的报告"
                             f"有失败（{c.report.verdict}）：参考答案应当通过，写错的示范放在答案之外")
        later = [r for r in results[i:] if r.unit.exercise == unit.exercise and r.unit.solution]
        for name, cls in result.classes.items():
            if not (is_layer(cls) or is_optimizer(cls)):
                continue
            if not any(isinstance(c.obj, cls) and str(c.report) in r.stdout for r in later for c in r.checks):
                kind = "check_layer" if is_layer(cls) else "check_optimizer"
                found.append(f"{unit.where}：练习 {unit.exercise} 的参考答案定义了 {name}，"
                             f"却没有用 {kind} 检查它并印出报告")
    return found


def failing_wrong_attempts(results: list[Result]) -> list[Checked]:
    """练习里（参考答案之外）那些真的发现了问题、并且印了出来的检查。"""
    return [c for r in results if r.unit.section == "exercise" and not r.unit.solution
            for c in r.checks if c.report.problems and str(c.report) in r.stdout
            and (r.unit.notebook or (r.unit.shown is not None and c.report.verdict in r.unit.shown))]


def dependent_exercises(code_units: list[Unit], in_order: list[Result]) -> list[str]:
    """每道练习在正文之后单独运行：出错，或打印的与按页面顺序运行时不同，就是依赖了别的练习。"""
    # 正文，加上练习一节里第 1 题之前的代码（各题共用的 import 之类）
    body = [u for u in code_units if u.section == "body" or (u.section == "exercise" and u.exercise is None)]
    printed = {id(r.unit): r.stdout for r in in_order}
    found = []
    for number in sorted({u.exercise for u in code_units if u.exercise is not None}):
        own = [u for u in code_units if u.exercise == number]
        alone = run(body + own)[len(body):]
        for result in alone:
            if result.error:
                found.append(f"练习 {number} 单独运行（只先跑正文）时，{result.unit.where} 出错："
                             f"{result.error.strip().splitlines()[-1]}")
                break
            if result.stdout != printed.get(id(result.unit)):
                found.append(f"练习 {number} 单独运行时，{result.unit.where} 打印的与按页面顺序运行时不同"
                             f"（用到了别的练习留下的变量或随机数状态？）：\n--- 按页面顺序 ---\n"
                             f"{printed.get(id(result.unit))}--- 单独运行 ---\n{result.stdout}")
    return found
