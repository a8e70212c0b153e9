r"""下载的笔记本离开站点以后：安装单元、指向托管站点的绝对链接、API 引用。

读者从页面右上角下载 ``.ipynb``，在自己的 Jupyter、Colab 或普通 Python 里打开；身边没有
仓库，也没有站点的其他文件。所以下载的副本（章节页转换出的笔记本，和 ``solving/*.ipynb``
两个真笔记本的副本）这样处理：

- 第一个单元在 ``import nnlearn`` 失败时，用 ``pip`` 从站点装上生成这些页面的那一版
  （纯 Python，没有 ``%pip`` 这类魔法命令，粘贴进普通 Python 也能运行），并在 Jupyter 里打开
  图的内嵌显示（``nnlearn.plotting`` 的图不经过 pyplot，不打开时单元末尾的 ``fig`` 只显示成一行文字）；
- 页面链接（``graph.md``、``../reference/glossary.md#sigmoid``、``#summary``）换成托管站点上
  页面的完整地址；
- API 引用 ``[TwoLayerNet][nnlearn.models.TwoLayerNet]`` 换成 API 参考页上的链接；
- 标题末尾的 ``{#id}`` 去掉（Jupyter 不认识它，会原样显示）。

地址都来自 ``config.extra.nnlearn``（hooks/downloads.py 写入）：站点地址就是 ``site_url``。
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import nbformat

#: 代码（围栏代码块与行内代码）里的文字不改。
CODE = re.compile(r"(?P<fence>`{3,}|~{3,}).*?(?P=fence)|`[^`\n]+`", re.DOTALL)
#: ``[文字][nnlearn.模块.名字]`` 与 ``[nnlearn.模块.名字][]``（mkdocstrings 的交叉引用）。
API_REFERENCE = re.compile(r"\[(?P<text>[^\[\]\n]+)\]\[(?P<id>nnlearn(?:\.\w+)+)?\]")
#: Markdown 链接与图片的目标 ``](目标 "标题")``，HTML 的 ``href=`` / ``src=``。
LINK_TARGET = re.compile(r"(?P<open>\]\()(?P<target>[^()\s]+)(?=(?:\s+\"[^\"]*\")?\))")
HTML_TARGET = re.compile(r"(?P<open>\b(?:href|src)=\")(?P<target>[^\"]+)(?=\")")
HEADING_ID = re.compile(r"^(?P<heading>#{1,6}[ \t].*?)[ \t]*\{:?[ \t]*#[A-Za-z][\w-]*[ \t]*:?\}[ \t]*$",
                        re.MULTILINE)
SCHEME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")
PAGE_SUFFIXES = (".md", ".ipynb")
API_PAGE = "reference/api.md"
#: 以 ``%`` 或 ``!`` 开头的行是 IPython 的魔法命令或 shell 命令：普通 Python 里是语法错误。
MAGIC_LINE = re.compile(r"^[ \t]*[%!]", re.MULTILINE)


@dataclass(frozen=True)
class HostedSite:
    """托管的站点：笔记本里的链接与安装命令都指向这里。"""

    url: str  # site_url，以 / 结尾
    wheel_url: str
    version: str
    directory_urls: bool = True

    @classmethod
    def from_config(cls, config: Any) -> HostedSite:
        package = config.extra["nnlearn"]
        return cls(package["site_url"], package["wheel"]["url"], package["version"],
                   package["directory_urls"])

    def page_url(self, src_uri: str, anchor: str = "") -> str:
        """站点里一个文件的完整地址；页面（``.md``、``.ipynb``）按 MkDocs 的规则换成页面地址。

        离线归档的构建不用目录式 URL，但它里面的笔记本同样指向托管的站点，所以规则取自
        mkdocs.yml（``directory_urls``），而不是这次构建。
        """
        stem, suffix = posixpath.splitext(src_uri)
        if suffix not in PAGE_SUFFIXES:
            path = src_uri
        elif posixpath.basename(stem) == "index":
            path = posixpath.dirname(stem) + "/" if posixpath.dirname(stem) else ""
            path = path if self.directory_urls or not path else path + "index.html"
        else:
            path = f"{stem}/" if self.directory_urls else f"{stem}.html"
        return f"{self.url}{path}{anchor}"

    def resolve(self, target: str, src_uri: str) -> str:
        """页面 ``src_uri`` 里的一个链接目标 → 完整地址（已经是完整地址、附件的不动）。"""
        if SCHEME.match(target):
            return target
        path, hash_mark, anchor = target.partition("#")
        fragment = hash_mark + anchor
        if not path:
            return self.page_url(src_uri, fragment)
        if path.startswith("/"):
            return f"{self.url}{path.lstrip('/')}{fragment}"
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), unquote(path)))
        return self.page_url(resolved, fragment)

    def api_url(self, identifier: str) -> str:
        return self.page_url(API_PAGE, f"#{identifier}")


def _mask_code(text: str) -> tuple[str, Callable[[str], str]]:
    """代码换成占位符（链接文字里的行内代码仍是链接的一部分），和把占位符换回去的函数。"""
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match[0])
        return f"\x00{len(spans) - 1}\x00"

    def reveal(masked: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m[1])], masked)

    return CODE.sub(hide, text), reveal


def for_download(markdown: str, src_uri: str, site: HostedSite) -> str:
    """笔记本里一个 Markdown 单元的正文，改成离开站点也能用的样子（代码里的文字不动）。"""
    prose, reveal = _mask_code(markdown)

    def api(match: re.Match[str]) -> str:
        identifier = match["id"] or reveal(match["text"]).strip("`")
        if not identifier.startswith("nnlearn."):
            return match[0]
        return f"[{match['text']}]({site.api_url(identifier)})"

    def target(match: re.Match[str]) -> str:
        return match["open"] + site.resolve(match["target"], src_uri)

    prose = API_REFERENCE.sub(api, prose)
    prose = LINK_TARGET.sub(target, prose)
    prose = HTML_TARGET.sub(target, prose)
    return reveal(HEADING_ID.sub(r"\g<heading>", prose))


def install_source(site: HostedSite, page_url: str) -> str:
    """第一个单元：缺少 nnlearn 时从站点安装（已经装好就什么也不做）；在 Jupyter 里打开图的内嵌显示。"""
    return (
        f"# 本笔记本来自 nnlearn 站点的页面 {page_url}\n"
        "# 运行前需要 nnlearn：还没有安装时，这个单元从站点装上生成这些页面的那一版\n"
        "# （numpy、matplotlib、tqdm 由 pip 一并装好）；已经装好就什么也不做。\n"
        "try:\n"
        "    import nnlearn\n"
        "except ImportError:\n"
        "    import importlib\n"
        "    import subprocess\n"
        "    import sys\n"
        "\n"
        f'    subprocess.check_call([sys.executable, "-m", "pip", "install", "{site.wheel_url}"])\n'
        "    importlib.invalidate_caches()  # 让同一个内核里接下来的 import 看到新装的包\n"
        "    import nnlearn\n"
        'print("nnlearn", nnlearn.__version__)\n'
        "\n"
        "# 在 Jupyter 里让 nnlearn.plotting 画的图直接显示（等于 %matplotlib inline）；普通 Python 里什么也不做。\n"
        "shell = None\n"
        "try:\n"
        "    from IPython import get_ipython\n"
        "\n"
        "    shell = get_ipython()\n"
        "except ImportError:\n"
        "    pass\n"
        "if shell is not None:\n"
        '    shell.run_line_magic("matplotlib", "inline")'
    )


def install_cell(site: HostedSite, page_url: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(install_source(site, page_url))
    cell.metadata["tags"] = ["install-nnlearn"]
    return cell


def magic_lines(source: str) -> list[str]:
    """代码单元里需要 IPython 才能运行的行（魔法命令、``!`` shell 命令）。"""
    return [m.string[m.start():].split("\n", 1)[0] for m in MAGIC_LINE.finditer(source)]


def downloadable(notebook: nbformat.NotebookNode, src_uri: str, site: HostedSite) -> nbformat.NotebookNode:
    """站点上一本笔记本的下载副本：安装单元在前，链接改成完整地址，没有输出。

    代码单元里有魔法命令就报错（ValueError）：下载的笔记本要能粘贴进普通 Python 运行。
    """
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if cell.cell_type == "markdown":
            cell.source = for_download(cell.source, src_uri, site)
        elif cell.cell_type == "code":
            if magic := magic_lines(cell.source):
                raise ValueError(f"{src_uri} 的代码单元里有魔法命令 {magic}：下载的笔记本要能在普通 Python 里运行，"
                                 "请去掉它（图在 Jupyter 里不需要 %matplotlib inline 也会显示）")
            cell.outputs = []
            cell.execution_count = None
    copy.cells.insert(0, install_cell(site, site.page_url(src_uri)))
    nbformat.validate(copy)
    return copy
