"""Markdown 页面里的代码块：测试（根 conftest.py）和构建（hooks/notebooks.py）共用的扫描规则。

同一套规则决定“哪些是 Python 代码块、哪个是它的输出块、``--8<--`` 指向哪段源码”，
所以测试执行的代码、页面显示的代码和可下载笔记本里的代码是同一份。
"""

from __future__ import annotations

import re
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
