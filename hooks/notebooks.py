"""MkDocs 钩子：每个章节都能下载成 Jupyter 笔记本。

构建时把章节的 Markdown（``learning/``、``speed/`` 下的页面和 ``solving/*.md``）转换成
``.ipynb``：正文成为 Markdown 单元，Python 代码块（含隐藏的准备代码、展开后的
``--8<--`` 源码）成为代码单元，输出块丢掉（读者自己运行就会看到），页面上的图作为
附件嵌进笔记本。笔记本放在页面旁边，``page.nb_url`` 指向它——与 mkdocs-jupyter
给笔记本页面设置的属性同名，所以同一个模板按钮两种页面都适用。

下载的笔记本要离开站点也能用（hooks/hosted.py）：第一个单元在缺少 nnlearn 时从站点安装它，
链接和 API 引用换成托管站点上的完整地址。两个真笔记本（``solving/*.ipynb``）的下载副本也
这样处理，而不是原样复制源文件。

另外：mkdocs-jupyter 的执行缓存只看笔记本本身，``src/nnlearn`` 改了它也不知道。
这里记下包源码的哈希，变了就清空它的缓存，页面上的输出永远来自当前的包。
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import posixpath
import re
import shutil
from html import escape, unescape
from pathlib import Path
from urllib.parse import unquote

import hosted
import markdown_blocks as blocks
import nbformat
import site_numbers
from figures import palette_png
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.notebooks")

ROOT = Path(__file__).resolve().parent.parent
SNIPPET_ROOTS = blocks.snippet_roots(ROOT)  # mkdocs.yml 里 pymdownx.snippets 的 base_path
JUPYTER_CACHE = ROOT / ".cache" / "mkdocs-jupyter"
STAMP = ROOT / ".cache" / "mkdocs-jupyter.src-sha256"
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+\.png)\)")
HIDDEN_DIRECTIVE = re.compile(r"^[ \t]*<!--\s*(skip|clear-namespace)\b.*?-->[ \t]*\n?", re.MULTILINE)

# 章节源文件路径 → 笔记本相对页面的 URL
_NOTEBOOK_URLS: dict[str, str] = {}




def is_chapter(src_uri: str) -> bool:
    """章节页：learning/ 与 speed/ 下的全部页面，solving/ 下的 Markdown 页面。"""
    return src_uri.endswith(".md") and (
        src_uri.startswith(("learning/", "speed/"))
        or posixpath.dirname(src_uri) == "solving"
    )


def _markdown_cell(text: str, src_uri: str, files: Files) -> nbformat.NotebookNode | None:
    """正文单元：展开 --8<-- 生成的片段，图换成笔记本附件，去掉只对测试有意义的指令注释。"""
    text = blocks.expand_snippet_lines(text, SNIPPET_ROOTS)
    text = HIDDEN_DIRECTIVE.sub("", text).strip("\n")
    if not text.strip():
        return None
    attachments: dict[str, dict[str, str]] = {}

    def attach(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), match["src"]))
        image = files.get_file_from_path(target)
        if image is None:
            return match[0]
        name = posixpath.basename(target)
        attachments[name] = {"image/png": base64.b64encode(image.content_bytes).decode("ascii")}
        return f"![{match['alt']}](attachment:{name})"

    text = IMAGE.sub(attach, text)
    cell = nbformat.v4.new_markdown_cell(text)
    if attachments:
        cell.attachments = attachments
    return cell


def _code_cell(code: str, hidden: bool) -> nbformat.NotebookNode:
    """页面代码 → 代码单元。包含进来的包源码只供阅读：放进 Markdown 单元里的代码块，
    既不会因为缺少模块里的私有名字而报错，也不会在笔记本里覆盖包里的同名对象。"""
    shown = blocks.add_snippet_imports(code, SNIPPET_ROOTS)  # 和页面上显示、复制的一样
    source = blocks.expand_snippet_lines(shown, SNIPPET_ROOTS).rstrip("\n")
    targets = [m["target"] for line in code.splitlines() if (m := blocks.INCLUDE.match(line))]
    if targets:
        where = "、".join(f"`{t}`" for t in targets)
        return nbformat.v4.new_markdown_cell(f"包里的源码（{where}）：\n\n```python\n{source}\n```")
    cell = nbformat.v4.new_code_cell(source)
    if hidden:
        cell.metadata["tags"] = ["setup"]
    return cell


def markdown_to_notebook(markdown: str, src_uri: str, files: Files) -> nbformat.NotebookNode:
    """把一页 Markdown 转成没有输出的笔记本（下载前再经 ``hosted.downloadable`` 加上安装单元、改好链接）。"""
    cells: list[nbformat.NotebookNode] = []
    position = 0
    for block in blocks.page_blocks(markdown):
        if block.kind == "forbidden":  # pycon 之类只是展示，留在正文里
            continue
        prose = _markdown_cell(markdown[position:block.start], src_uri, files)
        if prose is not None:
            cells.append(prose)
        if block.kind in ("python", "hidden"):  # 输出块丢掉：读者运行就会看到
            cells.append(_code_cell(block.source, block.kind == "hidden"))
        position = block.end
    tail = _markdown_cell(markdown[position:], src_uri, files)
    if tail is not None:
        cells.append(tail)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return json.dumps(notebook, ensure_ascii=False, indent=1) + "\n"


def _package_digest() -> str:
    digest = hashlib.sha256(KERNEL_CONFIG.encode())  # 内核配置变了，执行结果也要重来
    for path in sorted((ROOT / "src" / "nnlearn").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# 构建时执行笔记本的内核读这个 IPython 配置：图按 2 倍像素输出（带 1 倍的宽高），
# 与 hooks/figures.py 画的图一样在高分屏上清楚；笔记本本身不写魔法命令，复制即运行。
# nnlearn.plotting 的图不经过 pyplot，只有打开内嵌显示（等于 %matplotlib inline），单元末尾的
# ``fig`` 才显示成图；下载的笔记本由安装单元做同样的事（hooks/hosted.py）。
KERNEL_CONFIG = 'c.InlineBackend.figure_formats = {"retina"}\nc.InteractiveShellApp.matplotlib = "inline"\n'


def _kernel_profile() -> None:
    profile = ROOT / ".cache" / "ipython" / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    config_file = profile / "ipython_kernel_config.py"
    if not config_file.is_file() or config_file.read_text() != KERNEL_CONFIG:
        config_file.write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(profile.parent)


def on_pre_build(config: MkDocsConfig) -> None:
    _kernel_profile()
    current = _package_digest()
    if JUPYTER_CACHE.is_dir() and (not STAMP.is_file() or STAMP.read_text() != current):
        shutil.rmtree(JUPYTER_CACHE)
        log.info("src/nnlearn 变了：清空 mkdocs-jupyter 的执行缓存")
    STAMP.parent.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(current)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    _NOTEBOOK_URLS.clear()
    site = hosted.HostedSite.from_config(config)
    for file in list(files):
        if not (file.is_documentation_page() and file.src_uri.endswith(".md")
                and is_chapter(file.src_uri)):
            continue
        try:
            text = site_numbers.render(file.content_string, config)  # 正文里的 {{ n.键 }}
            notebook = hosted.downloadable(markdown_to_notebook(text, file.src_uri, files), file.src_uri, site)
        except Exception as error:
            raise PluginError(f"把 {file.src_uri} 转成笔记本失败：{error!r}") from error
        stem = posixpath.splitext(posixpath.basename(file.src_uri))[0]
        page_dir = posixpath.dirname(file.dest_uri)
        target = posixpath.join(page_dir, f"{stem}.ipynb")
        files.append(File.generated(config, target, content=notebook_text(notebook).encode("utf-8")))
        _NOTEBOOK_URLS[file.src_uri] = f"{stem}.ipynb"
    return files


NOTEBOOK_LINK = re.compile(r'href="(?P<target>[^"#:?]+\.(?:md|ipynb))(?P<anchor>#[^"]*)?"')
HEADING = re.compile(r'<h(?P<level>[1-6])(?P<before>[^>]*?)\sid="(?P<id>[^"]*)"(?P<after>[^>]*)>'
                     r'(?P<body>.*?)</h(?P=level)>', re.DOTALL)


def _toc_items(items: list) -> list:
    flat = []
    for item in items:
        flat.append(item)
        flat.extend(_toc_items(item.children))
    return flat


EXPLICIT_ID = re.compile(r"\s*\{:?\s*#(?P<id>[A-Za-z][\w-]*)\s*:?\}\s*$")
ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">(?P<mark>.*?)</a>\s*$', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def heading_id(text: str, slugify, used: set[str]) -> tuple[str, str]:
    """笔记本标题的 (id, 显示文字)：结尾写了 ``{#id}`` 就用它（和 Markdown 页面的 attr_list 一样），
    否则用 mkdocs.yml 里 toc 的 slugify（保留中文）；重名时像 Python-Markdown 一样加 ``_1``。"""
    explicit = EXPLICIT_ID.search(text)
    if explicit is not None:
        return explicit["id"], text[: explicit.start()]
    plain = unescape(TAG.sub("", text)).strip()
    base = slugify(plain, "-") or "section"
    candidate, number = base, 0
    while candidate in used:
        number += 1
        candidate = f"{base}_{number}"
    return candidate, text


def _fix_notebook_headings(text: str, page: Page, config: MkDocsConfig) -> str:
    """nbconvert 不认 ``{#id}``、中文标题的 id 成了 ``_1``，目录又是另一套 slug：
    这里给每个标题定下稳定的 id，并让目录用同一个 id 和同样的文字。"""
    slugify = config.mdx_configs.get("toc", {}).get("slugify")
    if slugify is None:
        from pymdownx.slugs import slugify as make_slugify

        slugify = make_slugify(case="lower")
    headings = list(HEADING.finditer(text))
    toc = _toc_items(list(page.toc))
    if len(headings) != len(toc):
        log.warning("笔记本 %s 的标题（%d 个）与目录（%d 项）对不上，目录链接可能失效",
                    page.file.src_uri, len(headings), len(toc))
    used: set[str] = set()
    pieces, position = [], 0
    for index, match in enumerate(headings):
        body = match["body"]
        anchor = ANCHOR_LINK.search(body)
        shown = body[: anchor.start()] if anchor else body
        new_id, shown = heading_id(shown, slugify, used)
        used.add(new_id)
        if anchor:
            shown += f'<a class="anchor-link" href="#{new_id}">{anchor["mark"]}</a>'
        if len(headings) == len(toc):
            toc[index].id = new_id
            toc[index].title = EXPLICIT_ID.sub("", toc[index].title)
        pieces.append(text[position:match.start()])
        pieces.append(f'<h{match["level"]}{match["before"]} id="{new_id}"{match["after"]}>'
                      f'{shown}</h{match["level"]}>')
        position = match.end()
    pieces.append(text[position:])
    if page.title:
        page.title = EXPLICIT_ID.sub("", page.title)
    return "".join(pieces)


def _fix_notebook_links(html: str, page: Page, files: Files) -> str:
    """笔记本里写的是源文件链接（``../learning/loss.md``），像 Markdown 页面一样换成页面地址。"""

    def rewrite(match: re.Match[str]) -> str:
        target = unquote(match["target"])
        src = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), target))
        linked = files.get_file_from_path(src)
        if linked is None:
            log.warning("笔记本 %s 里的链接 %s 指向不存在的文件 %s", page.file.src_uri, target, src)
            return match[0]
        return f'href="{linked.url_relative_to(page.file)}{match["anchor"] or ""}"'

    return NOTEBOOK_LINK.sub(rewrite, html)


# custom_mathjax_url 为空时 nbconvert 仍留下空的 MathJax 加载标签和配置：公式由 KaTeX 渲染，删掉。
MATHJAX_LEFTOVERS = re.compile(
    r'<!-- Load mathjax -->\s*<script src="">\s*</script>\s*'
    r'(?:<!-- MathJax configuration -->\s*<script type="text/x-mathjax-config">.*?</script>)?',
    re.DOTALL,
)


# ---------------------------------------------------------------------------
# 笔记本的代码单元：图的替代文字、折叠的参考答案
# ---------------------------------------------------------------------------
CELL = re.compile(r'<div class="jp-Cell jp-CodeCell jp-Notebook-cell[^"]*">\s*'
                  r'<div class="jp-Cell jp-CodeCell jp-Notebook-cell[^"]*" id="cell-id=(?P<id>[^"]+)">')
DIV_TAG = re.compile(r"<div\b|</div>")
IMG_ALT = re.compile(r'(<img\b[^>]*?\balt=")[^"]*(")')
FIGURE_COMMENT = re.compile(r"^#\s*图[：:]\s*(?P<alt>\S.*?)\s*$")
SOLUTION_COMMENT = re.compile(r"^#\s*参考答案(?:[：:]\s*(?P<note>.*?))?\s*$")


def _div_end(text: str, start: int) -> int:
    """从 ``start`` 处的 ``<div`` 开始，返回与它配对的 ``</div>`` 之后的位置。"""
    depth = 0
    for match in DIV_TAG.finditer(text, start):
        depth += 1 if match[0] == "<div" else -1
        if depth == 0:
            return match.end()
    raise ValueError("笔记本 HTML 里的 <div> 没有闭合")


def leading_comments(source: str) -> list[str]:
    """代码单元开头连续的注释行。"""
    lines = []
    for line in source.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def figure_description(source: str) -> str | None:
    """单元开头的 ``# 图：<描述>``：它画出的图的替代文字。"""
    return next((m["alt"] for line in leading_comments(source) if (m := FIGURE_COMMENT.match(line))), None)


def solution_note(source: str) -> str | None:
    """第一行是 ``# 参考答案`` 或 ``# 参考答案：说明`` 的单元是练习的参考答案（返回说明，可为空串）。"""
    lines = source.splitlines()
    match = SOLUTION_COMMENT.match(lines[0]) if lines else None
    return None if match is None else (match["note"] or "")


# <img src> 和 GLightbox 包在外面的 <a href>（点开放大的那一份）都要量化，否则页面里还留着一份原图
PNG_DATA = re.compile(r'((?:src|href)="data:image/png;base64,)([A-Za-z0-9+/=\s]+)(")')


@functools.lru_cache(maxsize=64)
def _palette_cached(data: str) -> bytes:
    """同一张图在 src 和 href 里各出现一次：只量化一次。"""
    return palette_png(base64.b64decode(data))


def _palette_data(match: re.Match[str]) -> str:
    """笔记本里内嵌的 2 倍图量化成调色板 PNG（与 hooks/figures.py 的图一样），页面轻一半以上。"""
    png = _palette_cached(match[2])
    return f"{match[1]}{base64.b64encode(png).decode('ascii')}{match[3]}"


def _fix_notebook_cells(text: str, page: Page) -> str:
    """图的替代文字取自单元开头的 ``# 图：<描述>``（没有描述就让构建失败）；
    ``# 参考答案`` 单元连同输出放进折叠的 ``details.success``，和 Markdown 页面的 ``??? success`` 一样。"""
    notebook = nbformat.read(page.file.abs_src_path, as_version=4)
    sources = {cell.get("id"): cell.source for cell in notebook.cells if cell.cell_type == "code"}
    pieces, position = [], 0
    for match in CELL.finditer(text):
        if match.start() < position:
            continue
        end = _div_end(text, match.start())
        cell = text[match.start():end]
        source = sources.get(match["id"], "")
        if "<img" in cell:
            cell = PNG_DATA.sub(_palette_data, cell)
            alt = figure_description(source)
            if alt is None:
                first = source.splitlines()[0] if source else ""
                log.warning("%s：画图的代码单元（以 %r 开头）缺少图的描述；请在单元开头加一行注释 "
                            "'# 图：<这张图画的是什么>'", page.file.src_uri, first[:40])
            else:
                cell = IMG_ALT.sub(lambda m, alt=alt: f"{m[1]}{escape(alt, quote=True)}{m[2]}", cell)
        note = solution_note(source)
        if note is not None:
            summary = "参考答案" + (f"：{escape(note)}" if note else "")
            cell = f'<details class="success"><summary>{summary}</summary>\n{cell}\n</details>'
        pieces.append(text[position:match.start()])
        pieces.append(cell)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        html = MATHJAX_LEFTOVERS.sub("", html)
        html = _fix_notebook_headings(html, page, config)
        html = _fix_notebook_links(_fix_notebook_cells(html, page), page, files)
    return html


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    url = _NOTEBOOK_URLS.get(page.file.src_uri)
    if page.file.src_uri.endswith(".ipynb"):
        # mkdocs-jupyter 设的是从站点根算起的地址（/solving/spiral/spiral.ipynb），从磁盘打开的
        # 离线归档里会失效；副本就在页面旁边（on_post_page），相对地址两种构建都对。
        url = posixpath.basename(page.file.src_uri)
    if url is not None:
        page.nb_url = url  # type: ignore[attr-defined]  # 模板里的下载按钮读它
    return markdown


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """真笔记本（``solving/*.ipynb``）的下载副本：和章节笔记本一样处理过，而不是原始文件
    （mkdocs.yml 里关掉了 mkdocs-jupyter 的 include_source，这里写出处理过的副本）。"""
    if page.file.src_uri.endswith(".ipynb"):
        source = nbformat.read(page.file.abs_src_path, as_version=4)
        try:
            notebook = hosted.downloadable(source, page.file.src_uri, hosted.HostedSite.from_config(config))
        except ValueError as error:
            raise PluginError(str(error)) from error
        name = posixpath.basename(page.file.src_uri)
        target = Path(page.file.abs_dest_path).parent / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(notebook_text(notebook), encoding="utf-8")
    return output
