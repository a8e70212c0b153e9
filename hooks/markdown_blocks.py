"""Markdown 页面里的代码块：测试（根 conftest.py）和构建（hooks/notebooks.py）共用的扫描规则。

同一套规则决定“哪些是 Python 代码块、哪个是它的输出块、``--8<--`` 指向哪段源码”，
所以测试执行的代码、页面显示的代码和可下载笔记本里的代码是同一份。
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: 信息串的第一个词是这些之一的代码块算 Python 代码块（属性如 title="..." 不影响）。
PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3"})
#: 看起来像 Python 但不能被复制运行的写法：测试直接判为失败。
FORBIDDEN_LANGUAGES = frozenset({"pycon", "pydoc", "ipython"})
OUTPUT_TITLE = "输出"

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INVISIBLE = re.compile(
    r"^(?P<indent>[ \t]*)<!--+\s*invisible-code-block:\s*(?P<lang>\w+)[ \t]*\n"
    r"(?P<body>.*?)^[ \t]*--+>",
    re.MULTILINE | re.DOTALL,
)
INCLUDE = re.compile(
    r"""^(?P<indent>[ \t]*)--8<--[ \t]+(?P<q>["'])(?P<target>[^"']+)(?P=q)[ \t]*$"""
)
TITLE = re.compile(r"""\btitle=(?P<q>["'])(?P<title>.*?)(?P=q)""")


# ---------------------------------------------------------------------------
# 围栏代码块的扫描（CommonMark 规则：嵌在更长围栏里的围栏不算代码块）
# ---------------------------------------------------------------------------
@dataclass
class Fence:
    """Markdown 里的一个围栏代码块。行号从 1 开始。"""

    start: int  # 开头围栏行的字符偏移
    end: int  # 结束围栏行之后的字符偏移
    line: int  # 开头围栏所在行
    info: str
    body: str  # 去掉缩进后的正文
    body_line: int  # 正文第一行的行号

    @property
    def language(self) -> str:
        return info_language(self.info)

    @property
    def title(self) -> str | None:
        match = TITLE.search(self.info)
        return match.group("title") if match else None

    @property
    def is_output(self) -> bool:
        return self.language == "text" and self.title == OUTPUT_TITLE


def info_language(info: str) -> str:
    """信息串的语言：第一个词（``python title="x"`` → ``python``；``{ .py }`` → ``py``）。"""
    info = info.strip()
    if info.startswith("{"):
        match = re.search(r"\.([\w+-]+)", info)
        return match.group(1).lower() if match else ""
    return info.split(maxsplit=1)[0].lower() if info else ""


def scan_fences(text: str) -> Iterator[Fence]:
    """逐行找出顶层的围栏代码块（包括缩进在提示框、标签页里的）。"""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    i = 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i].rstrip("\n"))
        # 反引号围栏的信息串里不能再有反引号（那是行内代码）。
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            i += 1
            continue
        indent, fence = len(opening["indent"].expandtabs(4)), opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j].rstrip("\n")):
            j += 1
        body_lines = [_strip_indent(line, indent) for line in lines[i + 1 : j]]
        yield Fence(
            start=offsets[i],
            end=offsets[min(j + 1, len(lines))],
            line=i + 1,
            info=opening["info"],
            body="".join(body_lines),
            body_line=i + 2,
        )
        i = j + 1


def _strip_indent(line: str, width: int) -> str:
    """去掉最多 ``width`` 个空格的缩进（提示框、标签页里的代码块缩进 4 格）。"""
    expanded = line.expandtabs(4) if line[:1] == "\t" else line
    stripped = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(stripped, width) :]


# ---------------------------------------------------------------------------
# --8<-- 包含：与 pymdownx.snippets 相同的规则（base_path 是仓库根目录）
# ---------------------------------------------------------------------------
def read_snippet(target: str, root: Path) -> str:
    """读出 ``path``、``path:节名`` 或 ``path:起:止`` 指向的源码（节标记行本身不含）。"""
    path_text, _, selector = target.partition(":")
    path = root / path_text
    if not path.is_file():
        raise FileNotFoundError(f"--8<-- 指向的文件不存在：{path_text}（路径从仓库根目录算起）")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if not selector:
        chosen = lines
    elif re.fullmatch(r"\d*(:\d*)?", selector):
        first, _, last = selector.partition(":")
        chosen = lines[int(first or 1) - 1 : int(last) if last else None]
    else:
        start = re.compile(rf"^\s*#\s*--8<--\s*\[start:{re.escape(selector)}\]\s*$")
        end = re.compile(rf"^\s*#\s*--8<--\s*\[end:{re.escape(selector)}\]\s*$")
        begin = next((k for k, line in enumerate(lines) if start.match(line)), None)
        stop = next((k for k, line in enumerate(lines) if end.match(line)), None)
        if begin is None or stop is None or stop < begin:
            raise LookupError(
                f"{path_text} 里没有完整的节 {selector!r}："
                f"需要 '# --8<-- [start:{selector}]' 和 '# --8<-- [end:{selector}]'"
            )
        chosen = lines[begin + 1 : stop]
    # 嵌套的其它节标记在页面上也会被 pymdownx.snippets 去掉。
    marker = re.compile(r"^\s*#\s*--8<--\s*\[(start|end):[^\]]*\]\s*$")
    return "".join(line for line in chosen if not marker.match(line))


def expand_snippet_lines(text: str, roots: list[Path]) -> str:
    """把 ``--8<-- "..."`` 行换成它指向的内容（按 roots 的顺序找文件，像 snippets 的 base_path）。"""
    pieces = []
    for line in text.splitlines(keepends=True):
        match = INCLUDE.match(line)
        if match is None:
            pieces.append(line)
            continue
        target = match["target"]
        for root in roots:
            if (root / target.partition(":")[0]).is_file():
                body = read_snippet(target, root)
                break
        else:
            raise FileNotFoundError(f"--8<-- 指向的文件不存在：{target}（查找位置 {roots}）")
        if body and not body.endswith("\n"):
            body += "\n"
        pieces.append(textwrap.indent(textwrap.dedent(body), match["indent"]))
    return "".join(pieces)


# ---------------------------------------------------------------------------
# 包含的源码段要能复制即运行：在段首显示它用到、却定义在段外的名字从哪里来
# ---------------------------------------------------------------------------
def snippet_roots(root: Path) -> list[Path]:
    """mkdocs.yml 里 ``pymdownx.snippets`` 的 ``base_path``：构建、测试、笔记本都按它找包含的文件。"""
    import yaml

    class _Loader(yaml.SafeLoader):
        """读 mkdocs.yml 的一部分：``!!python/...``、``!ENV`` 这类标签不需要，读成 None。"""

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    for entry in config.get("markdown_extensions", []):
        if isinstance(entry, dict) and "pymdownx.snippets" in entry:
            base = (entry["pymdownx.snippets"] or {}).get("base_path", ".")
            return [(root / path).resolve() for path in ([base] if isinstance(base, str) else base)]
    raise LookupError(f"{root / 'mkdocs.yml'} 没有启用 pymdownx.snippets")


def _module_name(path: Path, root: Path) -> str | None:
    """``src/nnlearn/layers.py`` → ``nnlearn.layers``；不在 src/ 下的文件没有可导入的模块名。"""
    try:
        parts = path.resolve().relative_to((root / "src").resolve()).with_suffix("").parts
    except ValueError:
        return None
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_sources(tree: ast.Module, module: str | None) -> tuple[dict[str, str], set[str], bool]:
    """模块顶层：名字 → 提供它的 import 语句；模块自己定义的名字；是否有 future annotations。"""
    imports: dict[str, str] = {}
    defined: set[str] = set()
    future = False
    package = module.rpartition(".")[0] if module else None
    statements = list(tree.body)
    for node in list(statements):  # if TYPE_CHECKING: 里的 import 也算
        if isinstance(node, ast.If):
            statements.extend(node.body)
    for node in statements:
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                future = future or any(a.name == "annotations" for a in node.names)
                continue
            source = node.module or ""
            if node.level:
                if package is None:
                    continue
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                shown = alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
                imports[alias.asname or alias.name] = f"from {source} import {shown}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.partition(".")[0]
                imports[name] = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return imports, defined, future


def _free_names(tree: ast.Module) -> tuple[list[str], bool]:
    """段里读到、段里没有定义的名字（按出现顺序，不含内置名）；段里有没有类型注解。"""
    bound: set[str] = set()
    loaded: list[str] = []
    annotated = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded.append if isinstance(node.ctx, ast.Load) else bound.add)(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            annotated = annotated or getattr(node, "returns", None) is not None
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
            annotated = annotated or node.annotation is not None
        elif isinstance(node, ast.AnnAssign):
            annotated = True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    names = dict.fromkeys(n for n in loaded if n not in bound and not hasattr(builtins, n))
    return list(names), annotated


def snippet_imports(target: str, roots: list[Path]) -> list[str]:
    """``--8<--`` 指向的 Python 源码段要在全新的解释器里运行，还缺哪几行 import。

    段里用到的名字若来自模块顶部的 import，就照抄那条 import（只留用到的名字）；若是模块自己
    定义的（如私有的辅助函数），写成 ``from 模块 import 名字``。模块有
    ``from __future__ import annotations`` 且段里有注解时把它放在最前面。整份文件的包含不需要。
    """
    path_text, _, selector = target.partition(":")
    if not path_text.endswith(".py") or not selector:
        return []
    root = next((r for r in roots if (r / path_text).is_file()), None)
    if root is None:
        raise FileNotFoundError(f"--8<-- 指向的文件不存在：{target}（查找位置 {roots}）")
    path = root / path_text
    module = _module_name(path, root)
    imports, defined, future = _module_sources(ast.parse(path.read_text(encoding="utf-8")), module)
    free, annotated = _free_names(ast.parse(textwrap.dedent(read_snippet(target, root))))
    statements: list[str] = []
    grouped: dict[str, list[str]] = {}  # "from 模块" → 名字
    for name in free:
        if name in imports:
            statement = imports[name]
            if statement.startswith("from "):
                head, _, shown = statement.partition(" import ")
                grouped.setdefault(head, []).append(shown)
            elif statement not in statements:
                statements.append(statement)
        elif name in defined and module is not None:
            grouped.setdefault(f"from {module}", []).append(name)
    statements += [f"{head} import {', '.join(sorted(names))}" for head, names in grouped.items()]
    future_line = ["from __future__ import annotations"] if future and annotated else []
    return future_line + sorted(statements, key=_import_order)


def _import_order(statement: str) -> tuple[int, int, str]:
    """和 ruff 的 isort 规则一样分组：标准库、第三方、本项目；组内 import 在 from 之前。"""
    module = statement.split()[1].partition(".")[0]
    section = 0 if module in sys.stdlib_module_names else 2 if module == "nnlearn" else 1
    return section, statement.startswith("from "), statement.split()[1]


def add_snippet_imports(code: str, roots: list[Path]) -> str:
    """在 Python 代码块里每个 ``--8<--`` 行前面插入它需要的 import 行（同样的缩进）。

    构建（hooks/includes.py）、测试（tests/markdown_sybil.py）和可下载笔记本都调用它，
    所以页面上显示的、复制按钮复制的、测试运行的是同一段代码。
    """
    pieces = []
    for line in code.splitlines(keepends=True):
        match = INCLUDE.match(line)
        if match is not None:
            needed = snippet_imports(match["target"], roots)
            if needed:
                pieces.extend(f"{match['indent']}{statement}\n" for statement in needed)
                pieces.append(f"{match['indent']}\n")
        pieces.append(line)
    return "".join(pieces)


def add_page_snippet_imports(markdown: str, roots: list[Path]) -> str:
    """整页 Markdown：只处理 Python 代码块里的 ``--8<--`` 行（正文里包含的 Markdown 片段不动）。"""
    pieces, position = [], 0
    for fence in scan_fences(markdown):
        if fence.language not in PYTHON_LANGUAGES or "--8<--" not in fence.body:
            continue
        pieces.append(markdown[position : fence.start])
        pieces.append(add_snippet_imports(markdown[fence.start : fence.end], roots))
        position = fence.end
    pieces.append(markdown[position:])
    return "".join(pieces)


# ---------------------------------------------------------------------------
# 一页里按顺序出现的代码块：Sybil（tests/markdown_sybil.py）和笔记本转换（hooks/notebooks.py）共用
# ---------------------------------------------------------------------------
@dataclass
class PageBlock:
    """页面上的一个可运行单元。``kind``：``python``（代码块，可带紧跟的输出块）、``hidden``
    （隐藏的准备代码）、``output``（前面没有代码块的孤儿输出块）、``forbidden``（pycon 之类）。"""

    kind: str
    start: int  # 字符偏移；带输出块时 end 是输出块的结尾
    end: int
    source: str
    line: int  # 代码正文第一行的行号
    fence_line: int  # 开头围栏（或注释）所在行
    expected: str | None = None
    expected_line: int | None = None
    language: str = "python"

    @property
    def includes(self) -> list[str]:
        return [m["target"] for line in self.source.splitlines() if (m := INCLUDE.match(line))]


def page_blocks(text: str) -> Iterator[PageBlock]:
    """按页面顺序给出代码块、隐藏代码和输出块；输出块只配给紧挨在它前面的 Python 代码块
    （中间只能有空行，缩进在同一个折叠块里）。嵌在更长围栏里的只是展示，不在其中。"""
    fences = list(scan_fences(text))
    items: list[tuple[int, Fence | re.Match[str]]] = [(f.start, f) for f in fences]
    for match in INVISIBLE.finditer(text):
        if not any(f.start <= match.start() < f.end for f in fences):
            items.append((match.start(), match))
    items.sort(key=lambda item: item[0])
    taken: set[int] = set()
    for index, (start, item) in enumerate(items):
        if isinstance(item, re.Match):
            if item["lang"].lower() in PYTHON_LANGUAGES:
                line = text.count("\n", 0, item.start("body")) + 1
                yield PageBlock("hidden", start, item.end(), textwrap.dedent(item["body"]), line,
                                text.count("\n", 0, start) + 1)
            continue
        if start in taken:
            continue
        fence = item
        if fence.language in FORBIDDEN_LANGUAGES:
            yield PageBlock("forbidden", start, fence.end, fence.body, fence.body_line, fence.line,
                            language=fence.language)
        elif fence.is_output:
            yield PageBlock("output", start, fence.end, fence.body, fence.body_line, fence.line)
        elif fence.language in PYTHON_LANGUAGES:
            block = PageBlock("python", start, fence.end, fence.body, fence.body_line, fence.line)
            following = items[index + 1][1] if index + 1 < len(items) else None
            if (isinstance(following, Fence) and following.is_output
                    and not text[fence.end : following.start].strip()):
                block.expected, block.expected_line = following.body, following.line
                block.end = following.end
                taken.add(following.start)
            yield block
