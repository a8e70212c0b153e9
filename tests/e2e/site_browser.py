"""e2e 测试的公用工具：记录请求的浏览器页面、判断请求是否发往本机、载入代码块规则。"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
MIN_TABLE_PX = 14
MAX_SCREENSHOT_HEIGHT = 6000
#: 图里最小的字（B 在 /work/coord/B.md 公布：字号 ≥ 9 pt，figure.dpi = 100）在设计尺寸下的 CSS 像素。
FIGURE_FONT_PX = 9 * 100 / 72
MIN_FIGURE_TEXT_PX = 10
CHAPTER_PREFIXES = ("learning/", "solving/", "speed/")

#: 版面的量法（test_site 在 1280 px、test_layout 在 390 px 下对每页运行）。
LAYOUT_JS = r"""
() => {
  const doc = document.documentElement;
  const content = document.querySelector(".md-content") || document.body;
  const tex = (el) => {
    const a = el.querySelector('annotation[encoding="application/x-tex"]');
    return (a ? a.textContent : el.textContent).trim().replace(/\s+/g, " ").slice(0, 160);
  };
  const displays = [...content.querySelectorAll(".katex-display")].map((el) => {
    const style = getComputedStyle(el);
    return { tex: tex(el), overflow: el.scrollWidth - el.clientWidth, width: el.clientWidth,
             overflowX: style.overflowX, cue: style.backgroundImage !== "none" };
  });
  const wide = [];
  if (doc.scrollWidth > innerWidth) {
    for (const el of content.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth + 1 && r.width > 0) {
        wide.push(`${el.tagName.toLowerCase()}.${String(el.className).split(" ")[0]}`
                  + ` ${(el.textContent || "").trim().slice(0, 40)}`);
        if (wide.length >= 3) break;
      }
    }
  }
  const cutCode = [...content.querySelectorAll("pre > code, .jupyter-wrapper pre")]
    .filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.textContent.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "").slice(0, 100));
  const canvas = document.createElement("canvas").getContext("2d");
  const tables = [...content.querySelectorAll("table:not([class])")];
  const smallTables = tables.map((t) => parseFloat(getComputedStyle(t.querySelector("td, th") || t).fontSize))
    .filter((size) => size < %(min_px)d);
  const brokenHeaders = [];
  for (const th of content.querySelectorAll("table:not([class]) th")) {
    const style = getComputedStyle(th);
    canvas.font = style.font;
    const room = th.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const word of th.innerText.trim().split(/\s+/)) {  // innerText：<br> 算作断行
      if (word && canvas.measureText(word).width > room + 1) brokenHeaders.push(word);
    }
  }
  // 图里文字的显示大小：设计尺寸下最小 %(font_px)s CSS px（B：字号 ≥ 9 pt，figure.dpi 100），按缩放比例缩小。
  const figures = [...content.querySelectorAll("img")].filter((img) => img.complete && img.naturalWidth > 0)
    .map((img) => {
      const design = img.getAttribute("width") ? Number(img.getAttribute("width"))
        : (img.src.startsWith("data:") ? img.naturalWidth : null);
      if (!design || !img.clientWidth) return null;
      const scale = img.clientWidth / design;
      return { src: img.src.startsWith("data:") ? `（笔记本图）${img.alt}` : img.src.split("/").pop(),
               scale, textPx: %(font_px)s * scale };
    }).filter((f) => f);
  return { scrollWidth: doc.scrollWidth, innerWidth, displays, wide, cutCode, smallTables, brokenHeaders,
           figures };
}
""".replace("%(min_px)d", str(MIN_TABLE_PX)).replace("%(font_px)s", f"{FIGURE_FONT_PX:.3f}")


@dataclass(frozen=True)
class HostedSite:
    """在自己的 ``site_url`` 上提供服务的站点：读者看到的地址与服务器的地址是同一个。"""

    directory: Path
    url: str


@dataclass
class RecordedPage:
    """一个新的浏览器上下文里的页面，记下所有请求、控制台错误和页面异常。"""

    page: object
    base_url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def open(self, path: str = "") -> object:
        """打开站点里的一个路径并等到网络空闲（公式、图都已加载）。"""
        # 先等 load（文档解析完、脚本跑完）再等网络空闲：长页面在慢机器上，
        # 仅等 networkidle 时文档可能还在解析，公式尚未渲染。
        self.page.goto(self.url(path), wait_until="load")
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_function("document.readyState === 'complete'")
        return self.page

    def foreign_requests(self) -> list[str]:
        """发往本机以外主机的请求（应当为空）。"""
        return [url for url in self.requests if not is_local(url)]


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "file"}:
        return True
    return parts.hostname in LOCAL_HOSTS


def new_recorded_page(browser: object, base_url: str, **context_args: object) -> RecordedPage:
    """在新的上下文里开一个页面并挂上记录器；调用者负责 ``page.context.close()``。"""
    context = browser.new_context(**context_args)
    page = context.new_page()
    recorded = RecordedPage(page, base_url)

    def route(route: object) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            recorded.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("request", lambda request: recorded.requests.append(request.url))
    page.on("console", lambda message: recorded.console_errors.append(
        f"{message.type}: {message.text} ({message.location.get('url', '')})")
        if message.type == "error" else None)
    page.on("pageerror", lambda error: recorded.console_errors.append(f"pageerror: {error}"))
    return recorded


COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".ipynb", ".txt", ".xml", ".map")


class _SiteHandler(SimpleHTTPRequestHandler):
    """静态文件服务器；文本类文件按 gzip 发送，和 GitHub Pages 等真实托管一样。

    这样浏览器里量到的传输量就是读者真正下载的字节数。
    """

    def log_message(self, format: str, *args: object) -> None:  # 安静
        pass

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.is_dir():
            if not url_path.endswith("/"):
                return super().send_head()  # 基类负责重定向到带斜杠的地址
            path = path / "index.html"
        if not ("gzip" in self.headers.get("Accept-Encoding", "")
                and path.is_file() and path.suffix in COMPRESSIBLE):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def free_port() -> int:
    """127.0.0.1 上一个此刻空闲的端口。"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve_directory(directory: Path, port: int = 0) -> Iterator[str]:
    """在 127.0.0.1 上提供一个目录（默认随机端口），给出它的地址（``http://127.0.0.1:PORT/``）。
    端口被占用时抛出 OSError。"""
    handler = functools.partial(_SiteHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


PAGE_CHECKS_JS = r"""
() => {
  const outside = (root, skip) => {
    const found = [];
    if (!root) return found;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => n.parentElement && n.parentElement.closest(skip)
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    while (walker.nextNode()) found.push(walker.currentNode.textContent);
    return found;
  };
  const content = document.querySelector(".md-content") || document.body;
  const code = "pre, code, script, style, textarea, .katex, .highlight";
  const raw = outside(content, code).filter((t) => /\\\(|\\\)|\\\[|\\\]|\$\$/.test(t));
  const nbDollar = [...document.querySelectorAll(".jp-RenderedMarkdown")]
    .flatMap((el) => outside(el, code)).filter((t) => /\$[^$\s][^$]*\$/.test(t));
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ];
  const performanceBytes = entries.reduce((sum, e) => sum + (e.transferSize || 0), 0);
  const decodedBytes = entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0);
  return {
    katexErrors: [...document.querySelectorAll(".katex-error")]
      .map((e) => e.getAttribute("title") || e.textContent),
    unrendered: [...document.querySelectorAll(".arithmatex")]
      .filter((e) => !e.querySelector(".katex")).map((e) => e.textContent.slice(0, 80)),
    raw: raw.concat(nbDollar).map((t) => t.trim().slice(0, 80)),
    formulas: document.querySelectorAll(".katex").length,
    brokenImages: [...document.images]
      .filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.currentSrc || i.src),
    images: document.images.length,
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    snippetMarkers: (content.innerText.match(/--8<-- \[(start|end):[^\]]*\]/g) || []),
    rawImages: outside(content, code).filter((t) => /!\[[^\]]*\]?\(|!\[.*\]\(/.test(t))
      .map((t) => t.trim().slice(0, 80)),
    headingIds: [...content.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => h.id),
    bytes: performanceBytes,
    decoded: decodedBytes,
  };
}
"""


@dataclass
class PageReport:
    path: str  # 站点里的路径，如 "learning/loss/"
    requests: list[str]
    blocked: list[str]
    console_errors: list[str]
    checks: dict

    @property
    def is_chapter(self) -> bool:
        return self.path.startswith(CHAPTER_PREFIXES)


def site_pages(site_dir: Path) -> list[str]:
    """站点里的每个 HTML 页面，按目录形式的 URL 路径给出。"""
    pages = []
    for html in sorted(site_dir.rglob("*.html")):
        rel = html.relative_to(site_dir).as_posix()
        pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages


def screenshot_name(path: str) -> str:
    return (path.strip("/").replace("/", "__") or "index").removesuffix(".html") + ".png"
