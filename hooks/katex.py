"""MkDocs 钩子：把 npm 装好的 KaTeX 复制进站点，公式不依赖任何 CDN。

``package.json`` 锁定版本，``npm ci`` 把它装到 ``node_modules/katex``。只复制浏览器真正会取的
文件：脚本、样式、auto-render 和 woff2 字体（现代浏览器只请求 woff2）。
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
SITE_DIR = "assets/vendor/katex"
NEEDED = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def katex_files() -> list[Path]:
    """站点需要的 KaTeX 文件；缺了就让构建失败，而不是发布一个公式不渲染的站点。"""
    missing = [name for name in NEEDED if not (KATEX_DIST / name).is_file()]
    if missing:
        raise PluginError(
            f"缺少 KaTeX（{KATEX_DIST} 里没有 {', '.join(missing)}）。请先在仓库根目录运行 npm ci"
        )
    fonts = sorted((KATEX_DIST / "fonts").glob("*.woff2"))
    if not fonts:
        raise PluginError(f"{KATEX_DIST / 'fonts'} 里没有 woff2 字体。请重新运行 npm ci")
    return [KATEX_DIST / name for name in NEEDED] + fonts


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    katex_files()  # 尽早失败
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path in katex_files():
        site_path = f"{SITE_DIR}/{path.relative_to(KATEX_DIST).as_posix()}"
        files.append(File.generated(config, site_path, abs_src_path=str(path)))
    return files
