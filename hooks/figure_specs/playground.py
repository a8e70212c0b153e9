"""训练游乐场（docs/solving/playground.md）：构建时训练网格里的每个设置。

所有文件来自同一次训练（``functools.cache``）：每个 ASSETS 条目只是从中取出自己那一份。
文件名不训练就能算出，所以钩子能在缓存命中时完全跳过训练。
"""

from __future__ import annotations

from functools import cache

from nnlearn.plotting.playground import (
    DEFAULT,
    asset_names,
    build_playground,
    summary_markdown,
)


@cache
def _files() -> dict[str, bytes]:
    return build_playground()


def _asset(name: str):
    return lambda: _files()[name]


ASSETS = {name: _asset(name) for name in asset_names()}
SNIPPETS = {
    "playground-summary.md": lambda: summary_markdown(_files()),
}
# 页面上的静态图（没有脚本时的后备）必须是网格里的一张
assert f"figures/playground/{DEFAULT.key}-e{DEFAULT.epochs:03d}.png" in ASSETS
