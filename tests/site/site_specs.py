"""站点这一侧的图（hooks/figure_specs/、hooks/figure_kit/）的测试：按构建钩子的方式载入 spec 模块。"""

from __future__ import annotations

from types import ModuleType

import figures  # hooks/figures.py（pyproject 的 pythonpath 含 hooks/）


def load_spec(page: str) -> ModuleType:
    """载入 ``hooks/figure_specs/<page>.py``，与构建时 ``hooks/figures.py`` 的载入方式相同。"""
    return figures._load_spec(figures.SPEC_DIR / f"{page}.py")
