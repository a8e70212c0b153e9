r"""正文里的实测数字：全站一个来源，一个量一个键。

页面的说明文字不手写实测数字（耗时、速度比、误差量级、准确率、某次训练的损失），而是写
``{{ n.键 }}``，由 mkdocs-macros-plugin 在构建时换成值。值由各页的图描述模块
（``hooks/figure_specs/<页面>.py``）的 ``NUMBERS = {"键": 无参函数 -> str}`` 算出：
它们和图、生成的表格读的是同一份结果文件（``benchmarks/results/*.json``）或同一段包代码，
所以一个量在每一页、每张图、每段文字里都是同一个值。

``hooks/figures.py`` 在 ``on_pre_build`` 里算出（或从缓存取出）全部值，写进
``.cache/generated/numbers.json``；本模块是 macros 插件的 ``module_name``，在渲染页面时
读这个文件。键必须是小写的 Python 标识符；页面写了不存在的键，构建失败
（``on_undefined: strict``）。可下载的笔记本用同一个 Jinja 环境渲染（``render``）。
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NUMBERS_FILE = ROOT / ".cache" / "generated" / "numbers.json"
#: 数字的键：小写标识符（页面里写 ``{{ n.backprop_speedup }}``）。
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
#: 页面里引用一个数字的写法（测试据此把它当作“生成的文字”，不算手写的数字）。
REFERENCE = re.compile(r"\{\{\s*n\.(?P<key>[a-z][a-z0-9_]*)\s*\}\}")


class Numbers(Mapping[str, str]):
    """按需读 ``numbers.json`` 的只读映射：文件在构建开始后才写好，渲染时才读。"""

    def __init__(self, path: Path = NUMBERS_FILE) -> None:
        self._path = path
        self._cache: tuple[int, dict[str, str]] | None = None

    def _values(self) -> dict[str, str]:
        if not self._path.is_file():
            raise FileNotFoundError(f"没有 {self._path}：它由 hooks/figures.py 在构建开始时写出")
        mtime = self._path.stat().st_mtime_ns
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, json.loads(self._path.read_text(encoding="utf-8")))
        return self._cache[1]

    def __getitem__(self, key: str) -> str:
        return self._values()[key]

    def __getattr__(self, key: str) -> str:
        # Jinja 的 n.key 先找属性：没有这个键时返回 AttributeError，StrictUndefined 就会报错
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._values()[key]
        except KeyError:
            raise AttributeError(f"没有名为 {key!r} 的实测数字（见各 figure_specs 的 NUMBERS）") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def define_env(env: Any) -> None:
    """mkdocs-macros-plugin 的入口：页面里可用的变量只有 ``n``。"""
    env.variables["n"] = Numbers()


def render(text: str, config: Any) -> str:
    """用 macros 插件自己的 Jinja 环境渲染一段 Markdown（可下载笔记本的正文用它）。"""
    plugin = config.plugins.get("macros")
    if plugin is None or not plugin.has_j2(text):
        return text
    return plugin.env.from_string(text).render(n=Numbers())


def write(values: dict[str, str], path: Path = NUMBERS_FILE) -> None:
    """把全部数字写进 ``numbers.json``（内容没变就不动文件）。"""
    text = json.dumps(dict(sorted(values.items())), ensure_ascii=False, indent=1) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
