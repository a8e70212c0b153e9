"""MkDocs 钩子：构建时画出站点上的每一张图（页面 → ``hooks/figure_specs/<页面>.py`` → nnlearn 的对象）。

``hooks/figure_specs/*.py`` 里的每个模块可以定义：

- ``FIGURES``：``{"loss-softmax.png": 返回 matplotlib Figure 的函数}`` → ``site/figures/<名字>``；
- ``ASSETS``：``{"playground/data.json": 返回 bytes 或 str 的函数}`` → 站点里同名路径的文件；
- ``SNIPPETS``：``{"precision.md": 返回 Markdown 文本的函数}`` → 写到 ``.cache/generated/``，
  页面用 ``--8<-- "generated/precision.md"`` 把它放进正文（``.cache`` 在 snippets 的 base_path 上）。

- ``NUMBERS``：``{"backprop_speedup": 返回 str 的函数}`` → 正文里的 ``{{ n.backprop_speedup }}``
  （见 ``hooks/site_numbers.py``：一个实测的量一个键，全站共用）；

- ``DEPENDS``：``["docs/learning/*.md"]``（相对仓库根目录的 glob）：这些文件也算进缓存键，
  给读页面内容而不是 import 模块的 spec 用。

图不进仓库，也就不会过时：任何一张画不出来，构建就失败并指出是哪个模块的哪张图。
生成结果缓存在 ``.cache/figures/``，键是该 spec 文件、它（经 import 语句，递归地）用到的
``src/nnlearn``、站点辅助模块（``hooks/figure_kit/``）与 ``benchmarks/`` 源文件、``DEPENDS``
的文件、本钩子自己，以及（对提到 ``benchmarks/results`` 的 spec）结果数据的哈希：
热构建不必重画，相关源码一改，图自动重画，无关的改动不会让整个游乐场重新训练。

图按 2 倍像素保存（``figure.dpi`` 的两倍），页面里的 ``<img>`` 由本钩子补上
``width``/``height``（CSS 像素 = 图片像素的一半）和 ``srcset="… 2x"``：图按设计的尺寸显示，
高分屏上也清晰。
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import io
import logging
import os
import re
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import site_numbers
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.figures")

ROOT = Path(__file__).resolve().parent.parent
HOOKS_DIR = ROOT / "hooks"
SPEC_DIR = HOOKS_DIR / "figure_specs"
PACKAGE_DIR = ROOT / "src" / "nnlearn"
# spec 能导入的三处源码：包 nnlearn（src/）、站点辅助模块（hooks/figure_kit）、基准的公共部分
SOURCE_ROOTS = {"nnlearn": ROOT / "src", "figure_kit": HOOKS_DIR, "benchmarks": ROOT}
SCALE = 2  # 保存的像素是 CSS 尺寸的几倍
CACHE_DIR = ROOT / ".cache" / "figures"
GENERATED_DIR = ROOT / ".cache" / "generated"
RESULTS_DIR = ROOT / "benchmarks" / "results"  # 有的图读实测数据：数据变了也要重画
FIGURE_DIR = "figures"

# 本次构建生成的站点文件（路径 → 内容），on_pre_build 填写，on_files 加入站点。
_SITE_OUTPUTS: dict[str, bytes] = {}
# 页面 HTML 里真正用到的图（名字）：画了却没有任何页面显示，多半是图片语法没被解析。
_SHOWN: set[str] = set()
_FIGURE_SRC = re.compile(rf'<img[^>]+src="[^"]*\b{FIGURE_DIR}/([^"/]+)"')
# 图片标签与它的 src（figures/ 下任意一层）：用来补 width/height/srcset
_IMG_TAG = re.compile(rf'<img\b[^>]*\bsrc="([^"]*\b{FIGURE_DIR}/([^"]+\.png))"[^>]*>')
# 每张生成的 PNG 在页面上的 CSS 尺寸（宽, 高）
_SIZES: dict[str, tuple[int, int]] = {}


@dataclass(frozen=True)
class Output:
    """一个待生成的文件：来自哪个 spec 模块、哪一类、站点里的路径。"""

    spec: Path
    kind: str  # FIGURES / ASSETS / SNIPPETS
    name: str
    make: Callable[[], Any]

    @property
    def site_path(self) -> str:
        return f"{FIGURE_DIR}/{self.name}" if self.kind == "FIGURES" else self.name

    def describe(self) -> str:
        spec = self.spec.relative_to(ROOT) if self.spec.is_relative_to(ROOT) else self.spec
        return f"{spec} 的 {self.kind}[{self.name!r}]"


def _fresh_package() -> None:
    """``mkdocs serve`` 重建时丢掉已导入的 nnlearn 与站点辅助模块，让改过的源码生效。"""
    tops = {*SOURCE_ROOTS, "nnlearn_figure_specs"}
    for name in [n for n in sys.modules if n.split(".")[0] in tops]:
        del sys.modules[name]


def _importable_site_modules() -> None:
    """spec 要能 ``import figure_kit``（hooks/）与 ``import benchmarks.common``（仓库根目录）。

    MkDocs 只在载入钩子文件的那一刻把 hooks/ 放进 sys.path，所以每次载入 spec 前都确认一遍。
    """
    for path in (str(HOOKS_DIR), str(ROOT)):
        if path not in sys.path:
            sys.path.append(path)


def _load_spec(path: Path) -> ModuleType:
    _importable_site_modules()
    name = "nnlearn_figure_specs." + path.stem.replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"无法载入图的描述模块 {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise PluginError(f"载入 {path.relative_to(ROOT)} 失败：{error!r}") from error
    return module


def collect_outputs(spec_dir: Path = SPEC_DIR) -> list[Output]:
    """读出所有 spec 模块声明的输出；同一路径被声明两次就报错。"""
    outputs: list[Output] = []
    seen: dict[tuple[str, str], Output] = {}
    for path in sorted(spec_dir.glob("*.py")):
        module = _load_spec(path)
        depends = getattr(module, "DEPENDS", [])
        if isinstance(depends, str) or not all(isinstance(p, str) for p in depends):
            raise PluginError(f"{path.relative_to(ROOT)} 的 DEPENDS 应是字符串（glob）的列表，"
                              f"收到 {depends!r}")
        _DECLARED[path] = list(depends)
        for kind in ("FIGURES", "ASSETS", "SNIPPETS", "NUMBERS"):
            table = getattr(module, kind, {})
            if not isinstance(table, dict):
                raise PluginError(f"{path.relative_to(ROOT)} 的 {kind} 应是 dict，"
                                  f"收到 {type(table).__name__}")
            for name, make in table.items():
                output = Output(path, kind, name, make)
                if not callable(make):
                    raise PluginError(f"{output.describe()} 应是无参函数，收到 {make!r}")
                if kind == "NUMBERS" and not site_numbers.KEY.match(name):
                    raise PluginError(f"{output.describe()}：数字的键应是小写标识符（如 backprop_speedup）")
                key = (kind if kind in ("SNIPPETS", "NUMBERS") else "site", output.site_path)
                if key in seen:
                    raise PluginError(f"重复的名字 {output.site_path!r}：{seen[key].describe()} "
                                      f"与 {output.describe()}")
                seen[key] = output
                outputs.append(output)
    return outputs


def _module_file(module: str) -> Path | None:
    """``nnlearn.a.b`` → ``src/nnlearn/a/b.py``（或包的 ``__init__.py``）；其他两处同理。"""
    root = SOURCE_ROOTS.get(module.split(".")[0])
    if root is None:
        return None
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path, module: str | None) -> set[str]:
    """一个文件里 import 的本仓库模块（nnlearn、figure_kit、benchmarks；含相对导入与子模块）。

    按文件的修改时间记住结果：十几个 spec 共用同一批包模块，每个文件只解析一次。
    """
    return set(_parsed_imports(path, module, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=512)
def _parsed_imports(path: Path, module: str | None, mtime_ns: int) -> frozenset[str]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = None
    if module is not None:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and package is not None:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return frozenset(n for n in found if n.split(".")[0] in SOURCE_ROOTS)


def dependency_files(spec: Path) -> list[Path]:
    """spec 直接或间接用到的本仓库源文件（逐个读 import 语句，不执行代码）。"""
    seen: dict[str, Path] = {}
    todo = sorted(_imported_modules(spec, None))
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # 导入子模块也会执行各级包的 __init__.py
            prefix = ".".join(parts[:i])
            file = _module_file(prefix)
            if file is not None and prefix not in seen:
                seen[prefix] = file
                todo.extend(_imported_modules(file, prefix))
    return sorted(set(seen.values()))


# 各 spec 的 DEPENDS（载入 spec 时记下；它可以是算出来的列表，不必是字面量）
_DECLARED: dict[Path, list[str]] = {}


def declared_files(spec: Path) -> list[Path]:
    """spec 用 ``DEPENDS = ["docs/learning/*.md", ...]`` 声明的文件（相对仓库根目录的 glob）。"""
    return sorted({p for pattern in _DECLARED.get(spec, []) for p in ROOT.glob(pattern)
                   if p.is_file()})


def spec_digest(spec: Path) -> str:
    """spec 文件、它用到的源文件、DEPENDS 声明的文件、benchmarks/results 数据合起来的哈希。"""
    digest = hashlib.sha256()
    sources = [spec, *dependency_files(spec)]
    # 只有读基准结果的 spec（它或它导入的模块提到 benchmarks/results）才把结果文件算进键：
    # 重跑一次基准，不会让与之无关的几十张图也重画
    reads_results = any(b"benchmarks/results" in path.read_bytes() for path in sources)
    extra = sorted(RESULTS_DIR.glob("*")) if reads_results and RESULTS_DIR.is_dir() else []
    # 本文件也在键里：保存的方式（倍率、调色板）变了，图也要重画
    digest.update(Path(__file__).read_bytes())
    for path in [*sources, *declared_files(spec), *extra]:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# 一次构建内每个 spec 只算一次哈希（游乐场一个 spec 就有上百个输出）。
_SPEC_DIGESTS: dict[Path, str] = {}


def cache_key(output: Output) -> str:
    """缓存键：所属 spec 的哈希加上输出的名字。"""
    if output.spec not in _SPEC_DIGESTS:
        _SPEC_DIGESTS[output.spec] = spec_digest(output.spec)
    digest = hashlib.sha256(_SPEC_DIGESTS[output.spec].encode())
    digest.update(f"{output.kind}\0{output.name}".encode())
    return digest.hexdigest()[:24]


def cache_file_name(output: Output) -> str:
    return f"{cache_key(output)}-{Path(output.name).name}"


def render(output: Output) -> bytes:
    """调用描述里的函数，得到文件内容；出错时说清楚是哪一张。"""
    try:
        result = output.make()
    except Exception as error:
        raise PluginError(f"生成 {output.describe()} 失败：{error!r}") from error
    if output.kind == "FIGURES":
        from matplotlib.figure import Figure

        if not isinstance(result, Figure):
            raise PluginError(f"{output.describe()} 应返回 matplotlib Figure，"
                              f"收到 {type(result).__name__}")
        if not output.name.endswith(".png"):
            raise PluginError(f"{output.describe()}：图的名字应以 .png 结尾")
        buffer = io.BytesIO()
        result.savefig(buffer, format="png", dpi=SCALE * result.get_dpi(),
                       metadata={"Software": None})  # 不写版本号：同样的图得到同样的字节
        return palette_png(buffer.getvalue())
    if isinstance(result, str):
        return result.encode("utf-8")
    if output.kind == "NUMBERS":
        raise PluginError(f"{output.describe()} 应返回写好格式的 str（如 f\"{{x:.1f}}\"），"
                          f"收到 {type(result).__name__}")
    if isinstance(result, bytes):
        return result
    raise PluginError(f"{output.describe()} 应返回 str 或 bytes，收到 {type(result).__name__}")


def palette_png(png: bytes, colors: int = 256) -> bytes:
    """把 RGBA 的 PNG 量化成 256 色的调色板 PNG：线条图看不出差别，体积只有四分之一左右。

    2 倍像素的图因此比原来 1 倍的 RGBA 图还小；八叉树量化每张只要几十毫秒。
    """
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")  # 图的底色是白的，不需要透明通道
    out = io.BytesIO()
    image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()


def build_outputs(outputs: list[Output]) -> tuple[dict[Output, bytes], int]:
    """生成（或从缓存取出）每个输出的内容；也返回本次真正重画的个数。"""
    contents: dict[Output, bytes] = {}
    drawn = 0
    for output in outputs:
        cached = CACHE_DIR / cache_file_name(output)
        if cached.is_file():
            contents[output] = cached.read_bytes()
            continue
        started = time.perf_counter()
        data = render(output)
        log.debug("画 %s：%.2f s", output.describe(), time.perf_counter() - started)
        cached.parent.mkdir(parents=True, exist_ok=True)
        # 先写临时文件再改名：同时进行的另一次构建不会读到写了一半的文件
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(cached)
        contents[output] = data
        drawn += 1
    return contents, drawn


def _prune_cache(keep: set[str]) -> None:
    if CACHE_DIR.is_dir():
        for path in CACHE_DIR.iterdir():
            # 别的构建可能同时在清理、在写（“.” 开头的临时文件）：都不算错
            if path.name not in keep and not path.name.startswith("."):
                path.unlink(missing_ok=True)


def on_pre_build(config: MkDocsConfig) -> None:
    # 生成的 Markdown 片段要在页面渲染前写好：pymdownx.snippets 在读页面时展开它们。
    _fresh_package()
    _SPEC_DIGESTS.clear()
    started = time.perf_counter()
    outputs = collect_outputs()
    contents, drawn = build_outputs(outputs)
    _prune_cache({cache_file_name(o) for o in outputs})
    GENERATED_DIR.mkdir(parents=True, exist_ok=True)
    for output in outputs:
        if output.kind == "SNIPPETS":
            target = GENERATED_DIR / output.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_file() or target.read_bytes() != contents[output]:
                target.write_bytes(contents[output])
    site_numbers.write({o.name: contents[o].decode("utf-8") for o in outputs if o.kind == "NUMBERS"})
    _SITE_OUTPUTS.clear()
    _SITE_OUTPUTS.update({o.site_path: contents[o] for o in outputs if o.kind in ("FIGURES", "ASSETS")})
    _SIZES.clear()
    _SIZES.update({path.removeprefix(f"{FIGURE_DIR}/"): css_size(data)
                   for path, data in _SITE_OUTPUTS.items()
                   if path.startswith(f"{FIGURE_DIR}/") and path.endswith(".png")})
    log.info("图与生成文件：%d 个（本次重画 %d 个，用时 %.1f s）",
             len(outputs), drawn, time.perf_counter() - started)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    # 作为“生成的文件”加入站点：页面里指向它们的链接在 --strict 下也能通过检查。
    for site_path, content in _SITE_OUTPUTS.items():
        existing = files.get_file_from_path(site_path)
        if existing is not None:
            raise PluginError(f"生成的 {site_path} 与 docs/ 里已有的文件同名")
        files.append(File.generated(config, site_path, content=content))
    return files


def css_size(png: bytes) -> tuple[int, int]:
    """PNG 在页面上的 CSS 尺寸：图片像素（读文件头 IHDR）除以 ``SCALE``。"""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise PluginError("生成的 .png 不是 PNG 文件")
    width, height = struct.unpack(">II", png[16:24])
    return round(width / SCALE), round(height / SCALE)


def sized_images(html: str, sizes: dict[str, tuple[int, int]]) -> str:
    """给指向生成图的 ``<img>`` 补上 width/height 与 ``srcset="… 2x"``（已有的属性不动）。"""
    def add(match: re.Match[str]) -> str:
        tag, src, name = match.group(0), match.group(1), match.group(2)
        if name not in sizes or re.search(r"\s(width|srcset)=", tag):
            return tag
        width, height = sizes[name]
        attrs = f' width="{width}" height="{height}" srcset="{src} {SCALE}x"'
        end = -2 if tag.endswith("/>") else -1
        return tag[:end].rstrip() + attrs + tag[end:]

    return _IMG_TAG.sub(add, html)


def on_page_content(html: str, page: Any, config: MkDocsConfig, files: Files) -> str:
    _SHOWN.update(_FIGURE_SRC.findall(html))
    return sized_images(html, _SIZES)


def on_post_build(config: MkDocsConfig) -> None:
    # 只查页面直接引用的图（figures/ 下一层）；子目录里的（如游乐场的帧）由页面脚本按需加载
    drawn = {path.removeprefix(f"{FIGURE_DIR}/") for path in _SITE_OUTPUTS
             if path.startswith(f"{FIGURE_DIR}/") and "/" not in path.removeprefix(f"{FIGURE_DIR}/")}
    unused = sorted(drawn - _SHOWN)
    _SHOWN.clear()
    if unused:
        raise PluginError(f"这些图画好了却没有任何页面显示（图片语法写错了？）：{unused}")
