"""MkDocs 钩子：导航里列出的页面若还没写出来，就先从导航里拿掉（记一条 info，不是警告）。

导航按 CONTRIBUTING.md 的页面表写全；页面随写随出现，不必同时改 mkdocs.yml。
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.hooks.nav")


def _is_page(value: Any) -> bool:
    return isinstance(value, str) and "://" not in value and value.endswith((".md", ".ipynb"))


def prune(items: list[Any], docs_dir: Path, missing: list[str]) -> list[Any]:
    """返回去掉了不存在页面（以及因此变空的小节）的导航。"""
    kept: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            (title, value), = item.items()
            if isinstance(value, list):
                children = prune(value, docs_dir, missing)
                if children:
                    kept.append({title: children})
                continue
            if _is_page(value) and not (docs_dir / value).is_file():
                missing.append(value)
                continue
            kept.append(item)
        elif _is_page(item) and not (docs_dir / item).is_file():
            missing.append(item)
        else:
            kept.append(item)
    return kept


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if config.nav:
        missing: list[str] = []
        config.nav = prune(config.nav, Path(config.docs_dir), missing)
        if missing:
            log.info("导航中暂未出现（文件还不存在）：%s", ", ".join(missing))
    return config
