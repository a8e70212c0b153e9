"""griffe 扩展：把 docstring 里裸写的 ``>>>`` 例子包进 ```` ```pycon ```` 代码块。

包里的 docstring 按 rest 的习惯直接写 ``>>>`` 例子（Sybil 会运行它们）；Markdown 却会把
``>>>`` 开头的行当成引用块。API 参考页渲染前先把它们围成代码块。
"""

from __future__ import annotations

import re
from typing import Any

import griffe

PROMPT = re.compile(r"^(?P<indent>[ \t]*)>>>( |$)")


def fence_doctests(text: str) -> str:
    """连续的 ``>>>``/``...`` 行及其输出（到空行为止）包成一个 pycon 代码块。"""
    out: list[str] = []
    in_fence = False  # 已经在作者自己写的代码块里
    example_indent: str | None = None  # 正在包的例子的缩进；None 表示不在例子里
    for line in text.splitlines():
        stripped = line.strip()
        if example_indent is not None and not stripped:
            out.append(f"{example_indent}```")
            example_indent = None
        elif example_indent is None and stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif example_indent is None and not in_fence and (match := PROMPT.match(line)):
            example_indent = match["indent"]
            out.append(f"{example_indent}```pycon")
        out.append(line)
    if example_indent is not None:
        out.append(f"{example_indent}```")
    return "\n".join(out)


class FenceDoctests(griffe.Extension):
    """对每个对象的 docstring 做一次 :func:`fence_doctests`。"""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
