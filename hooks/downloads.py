"""MkDocs 钩子：站点带着生成它的那个 nnlearn 包。

只有托管站点的读者没有仓库，``pip install -e .`` 对他没有用。构建时用标准工具
（``python -m build``）把 ``src/nnlearn`` 打成 wheel 和 sdist，放进站点的 ``downloads/``，
旁边是 ``SHA256SUMS``；首页给出一条从站点安装的命令，下载的笔记本第一个单元也用同一个地址。

- 地址：``site_url``（mkdocs.yml 里 ``!ENV NNLEARN_SITE_URL``，本地默认 ``http://127.0.0.1:8000/``；
  ``mkdocs serve`` 换成它实际提供服务的地址；Pages 工作流传入真实地址）。
- 缓存：包只在 ``src/``、``pyproject.toml`` 或 ``README.md`` 变了时重打（``.cache/dist/<哈希>/``），
  热构建不花时间。
- 离线：``--no-isolation``，用虚拟环境里锁定版本的 setuptools，构建时不上网；在临时目录里的
  副本上构建，仓库里不留 ``build/`` 或 ``*.egg-info``。
- 模板与页面：``config.extra.nnlearn``（版本、两个文件的地址、大小、SHA-256、安装命令），
  首页写 ``{{ nnlearn.install }}``（mkdocs-macros），页脚显示版本，hooks/notebooks.py 读安装地址。
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from packaging.utils import parse_sdist_filename, parse_wheel_filename

log = logging.getLogger("mkdocs.hooks.downloads")

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "dist"
#: 决定包内容的输入：它们变了才重新构建。
INPUTS = ("src", "pyproject.toml", "README.md")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
DOWNLOADS = "downloads"
CHECKSUMS = "SHA256SUMS"

# 这次构建放进站点的 (wheel, sdist)：on_config 定下，on_files 加进站点
_ARTIFACTS: list[Artifact] = []


@dataclass(frozen=True)
class Artifact:
    """站点上的一个下载文件。"""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def size(self) -> str:
        return f"{self.path.stat().st_size / 1024:.0f} KB"

    def describe(self, site_url: str) -> dict[str, str]:
        return {"name": self.name, "path": f"{DOWNLOADS}/{self.name}",
                "url": f"{site_url}{DOWNLOADS}/{self.name}", "sha256": self.sha256, "size": self.size}


def _input_files(root: Path) -> list[Path]:
    files = []
    for name in INPUTS:
        path = root / name
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file()
                      and not any(part == "__pycache__" or part.endswith(".egg-info") for part in p.parts)
                      and p.suffix != ".pyc"]
        else:
            files.append(path)
    return sorted(files)


def source_digest(root: Path = ROOT) -> str:
    """包的输入（路径与内容）的哈希：缓存目录的名字。"""
    digest = hashlib.sha256()
    for path in _input_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _run_build(root: Path, outdir: Path) -> None:
    """在 ``root`` 的一份临时副本上运行 ``python -m build --no-isolation``，产物写进 ``outdir``。"""
    with tempfile.TemporaryDirectory(prefix="nnlearn-build-") as work:
        tree = Path(work)
        for name in INPUTS:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, tree / name, ignore=SKIP)
            else:
                shutil.copy2(source, tree / name)
        done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir), str(tree)],
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PluginError(f"python -m build 打包 nnlearn 失败（退出码 {done.returncode}）：\n"
                          f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def build_distributions(root: Path = ROOT, cache: Path = CACHE) -> tuple[Artifact, Artifact]:
    """(wheel, sdist)：输入没变就用缓存里的，变了就重新构建并丢掉旧的。"""
    target = cache / source_digest(root)
    if not target.is_dir():
        log.info("src/nnlearn 变了：python -m build 重新打包（%s）", target.name)
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=cache))
        try:
            _run_build(root, staging)
            for old in cache.iterdir():
                if old != staging:
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    wheels, sdists = sorted(target.glob("*.whl")), sorted(target.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise PluginError(f"{target} 里应当正好有一个 wheel 和一个 sdist，实际是 {wheels + sdists}")
    return Artifact(wheels[0]), Artifact(sdists[0])


def package_info(site_url: str, wheel: Artifact, sdist: Artifact, directory_urls: bool = True) -> dict[str, object]:
    """写进 ``config.extra.nnlearn`` 的内容（首页、页脚、笔记本都读它）。

    ``directory_urls``：托管站点的页面地址规则（笔记本里的链接按它写，见 hooks/hosted.py）。
    """
    name, version, *_ = parse_wheel_filename(wheel.name)
    sdist_name, sdist_version = parse_sdist_filename(sdist.name)
    if (name, version) != (sdist_name, sdist_version):
        raise PluginError(f"wheel（{wheel.name}）与 sdist（{sdist.name}）的名字或版本不一致")
    described = wheel.describe(site_url)
    return {"version": str(version), "site_url": site_url, "wheel": described,
            "sdist": sdist.describe(site_url), "install": f"pip install {described['url']}",
            "directory_urls": directory_urls}


def normalized_site_url(config: MkDocsConfig) -> str:
    url = (config.site_url or "").strip()
    if not url.startswith(("http://", "https://")):
        raise PluginError(f"site_url 应当是站点的完整地址（http:// 或 https:// 开头），实际是 {url!r}："
                          "首页的安装命令和笔记本的安装单元都要用它；用环境变量 NNLEARN_SITE_URL 设置")
    return url if url.endswith("/") else url + "/"


# 先于 mkdocs-macros 的 on_config（它在那时复制 extra 里的变量），也先于 Material 的 offline
# 插件（它在离线构建里关掉目录式 URL；托管站点的规则要在那之前记下）。
@event_priority(50)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    wheel, sdist = build_distributions()
    config.extra["nnlearn"] = package_info(normalized_site_url(config), wheel, sdist, config.use_directory_urls)
    _ARTIFACTS[:] = [wheel, sdist]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    sums = []
    for artifact in _ARTIFACTS:
        files.append(File.generated(config, f"{DOWNLOADS}/{artifact.name}", abs_src_path=str(artifact.path)))
        sums.append(f"{artifact.sha256}  {artifact.name}\n")
    files.append(File.generated(config, f"{DOWNLOADS}/{CHECKSUMS}", content="".join(sums)))
    return files
