"""MkDocs 钩子：离线归档（mkdocs-offline.yml）与主站上的下载链接。

- 离线构建：Material 的 offline 插件让搜索在 file:// 下经 iframe-worker 运行，却把这个垫片写成
  ``https://unpkg.com/iframe-worker/shim``——离线时取不到，也是第三方请求。这里换成 npm 锁定
  版本的同一个文件（``node_modules/iframe-worker/shim/index.js``），复制进站点。
- 离线构建：游乐场的数据 ``figures/playground/index.json`` 在 file:// 下不能 fetch，另写一份
  ``index.js``（``window.NN_PLAYGROUND_INDEX = …``），docs/assets/javascripts/playground.js 用 <script> 载入。
- 主站构建：``make offline`` 打好的 ``.cache/offline/nnlearn-offline.zip`` 存在时，把它放进站点的
  ``downloads/nnlearn-offline.zip``，首页的下载链接指向它。
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.offline")

ROOT = Path(__file__).resolve().parent.parent
SHIM = ROOT / "node_modules" / "iframe-worker" / "shim" / "index.js"
SHIM_URL = "assets/vendor/iframe-worker/shim.js"
ARCHIVE = ROOT / ".cache" / "offline" / "nnlearn-offline.zip"
ARCHIVE_URL = "downloads/nnlearn-offline.zip"
PLAYGROUND_INDEX = Path("figures") / "playground" / "index.json"


def offline_enabled(config: MkDocsConfig) -> bool:
    plugin = config.plugins.get("material/offline")
    return bool(plugin is not None and plugin.config.enabled)


# 先于 mkdocs-macros 的 on_config（它在那时复制 extra 里的变量）：首页据此决定要不要链接归档
# （归档里没有它自己，docs/index.md 的 {% if config.extra.offline_archive %}）。
@event_priority(50)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    config.extra["offline_archive"] = offline_enabled(config)
    if offline_enabled(config):
        if not SHIM.is_file():
            raise PluginError(f"缺少 {SHIM.relative_to(ROOT)}：请先在仓库根目录运行 npm ci")
        polyfills = [u for u in config.extra.get("polyfills", []) if "iframe-worker" not in u]
        config.extra["polyfills"] = [*polyfills, SHIM_URL]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    if offline_enabled(config):
        files.append(File.generated(config, SHIM_URL, abs_src_path=str(SHIM)))
    elif ARCHIVE.is_file():
        files.append(File.generated(config, ARCHIVE_URL, abs_src_path=str(ARCHIVE)))
    else:
        log.info("还没有离线归档（%s）：首页的下载链接要等 make offline 之后才有效", ARCHIVE.relative_to(ROOT))
    return files


def on_post_build(config: MkDocsConfig) -> None:
    index = Path(config.site_dir) / PLAYGROUND_INDEX
    if offline_enabled(config) and index.is_file():
        data = index.read_text(encoding="utf-8")
        index.with_suffix(".js").write_text(f"window.NN_PLAYGROUND_INDEX = {data};\n", encoding="utf-8")
