"""MkDocs 钩子的行为：画不出的图、重名的输出、缺 KaTeX、缺页面的导航、站点自带的包（缓存、地址）。"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

import nnlearn

ROOT = Path(__file__).resolve().parents[2]


def load_hook(name: str):
    module_name = f"nnlearn_hook_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "hooks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


figures = load_hook("figures")
katex = load_hook("katex")
nav = load_hook("nav")
downloads = load_hook("downloads")


def write_spec(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def spec_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(figures, "ROOT", tmp_path)
    return tmp_path / "specs"


def test_outputs_are_collected_with_site_paths(spec_dir: Path) -> None:
    write_spec(spec_dir, "page-a.py", (
        "from nnlearn.plotting.style import styled_figure\n"
        "def _fig():\n    fig, ax = styled_figure()\n    ax.plot([0, 1], [1, 0])\n    return fig\n"
        "FIGURES = {'a.png': _fig}\nASSETS = {'data/a.json': lambda: '{}'}\n"
        "SNIPPETS = {'a.md': lambda: '**a**'}\n"
    ))
    outputs = figures.collect_outputs(spec_dir)
    assert sorted(o.site_path for o in outputs) == ["a.md", "data/a.json", "figures/a.png"]
    png = figures.render(next(o for o in outputs if o.kind == "FIGURES"))
    assert png.startswith(b"\x89PNG")


def test_duplicate_names_fail(spec_dir: Path) -> None:
    write_spec(spec_dir, "one.py", "FIGURES = {'same.png': lambda: None}\n")
    write_spec(spec_dir, "two.py", "FIGURES = {'same.png': lambda: None}\n")
    with pytest.raises(PluginError, match=r"重复的名字 'figures/same.png'.*one\.py.*two\.py"):
        figures.collect_outputs(spec_dir)


def test_a_failing_figure_fails_the_build_naming_it(spec_dir: Path) -> None:
    write_spec(spec_dir, "broken.py", "def _bad():\n    raise ValueError('no data')\n"
                                      "FIGURES = {'bad.png': _bad}\n")
    [output] = figures.collect_outputs(spec_dir)
    with pytest.raises(PluginError, match=r"broken\.py 的 FIGURES\['bad.png'\].*no data"):
        figures.render(output)


def test_a_figure_must_be_a_matplotlib_figure(spec_dir: Path) -> None:
    write_spec(spec_dir, "wrong.py", "FIGURES = {'x.png': lambda: 42}\n")
    [output] = figures.collect_outputs(spec_dir)
    with pytest.raises(PluginError, match="Figure"):
        figures.render(output)


def test_cache_key_follows_the_imported_package_modules(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "page.py", "from nnlearn.optim import SGD\n"
                                           "import nnlearn.plotting.training as training\n")
    deps = {p.relative_to(ROOT / "src").as_posix() for p in figures.dependency_files(spec)}
    assert {"nnlearn/optim.py", "nnlearn/plotting/training.py", "nnlearn/__init__.py",
            "nnlearn/plotting/__init__.py"} <= deps
    # 无关模块不在键里：改游乐场的代码不会让这张图重画。
    assert "nnlearn/plotting/playground.py" not in deps


def test_a_figure_no_page_shows_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figures, "_SITE_OUTPUTS", {"figures/a.png": b"", "figures/b.png": b"",
                                                   "figures/frames/f1.png": b""})
    figures.on_page_content('<p><img alt="A" src="../../figures/a.png" /></p>', None, None, None)
    with pytest.raises(PluginError, match=r"\['b.png'\]"):
        figures.on_post_build(None)
    figures.on_page_content('<img src="../figures/a.png"><img src="../figures/b.png">', None, None, None)
    figures.on_post_build(None)  # 都被页面显示：不报错；子目录里的帧不要求页面直接引用


def test_missing_katex_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(katex, "KATEX_DIST", tmp_path / "node_modules" / "katex" / "dist")
    with pytest.raises(PluginError, match="npm ci"):
        katex.katex_files()


def test_katex_files_present() -> None:
    names = {p.name for p in katex.katex_files()}
    assert {"katex.min.js", "katex.min.css", "auto-render.min.js"} <= names
    assert any(n.endswith(".woff2") for n in names)


def test_nav_drops_missing_pages_and_empty_sections(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text("# x")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.md").write_text("# 1")
    items = [{"首页": "index.md"},
             {"甲": [{"一": "a/one.md"}, {"二": "a/two.md"}]},
             {"乙": [{"三": "b/three.ipynb"}]},
             {"外链": "https://example.com/x.md"}]
    missing: list[str] = []
    kept = nav.prune(items, tmp_path, missing)
    assert kept == [{"首页": "index.md"}, {"甲": [{"一": "a/one.md"}]},
                    {"外链": "https://example.com/x.md"}]
    assert missing == ["a/two.md", "b/three.ipynb"]


# ---------------------------------------------------------------------------
# hooks/downloads.py：站点带着 nnlearn 的 wheel 与 sdist
# ---------------------------------------------------------------------------
def _package_tree(root: Path) -> Path:
    (root / "src" / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "src" / "pkg" / "__init__.py").write_text('__version__ = "1.0"\n')
    (root / "pyproject.toml").write_text("[project]\n")
    (root / "README.md").write_text("# pkg\n")
    return root


def test_package_is_rebuilt_only_when_its_inputs_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = _package_tree(tmp_path / "repo"), tmp_path / "cache"
    builds: list[Path] = []

    def fake_build(tree: Path, outdir: Path) -> None:  # 代替 python -m build：只记下调用、写出两个文件
        builds.append(outdir)
        (outdir / "nnlearn-1.0-py3-none-any.whl").write_bytes(b"wheel")
        (outdir / "nnlearn-1.0.tar.gz").write_bytes(b"sdist")

    monkeypatch.setattr(downloads, "_run_build", fake_build)
    first = downloads.build_distributions(root, cache)
    (root / "src" / "pkg" / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    (root / "docs.md").write_text("不是包的输入")
    assert downloads.build_distributions(root, cache) == first and len(builds) == 1
    (root / "src" / "pkg" / "__init__.py").write_text('__version__ = "1.1"\n')
    second = downloads.build_distributions(root, cache)
    assert len(builds) == 2 and second[0].path.parent != first[0].path.parent
    assert [p.name for p in cache.iterdir()] == [second[0].path.parent.name], "旧的构建结果应当删掉"
    info = downloads.package_info("https://example.org/nn/", *second)
    assert info["version"] == "1.0" and info["install"] == \
        "pip install https://example.org/nn/downloads/nnlearn-1.0-py3-none-any.whl"
    assert info["wheel"]["sha256"] == hashlib.sha256(b"wheel").hexdigest()


def test_real_build_leaves_nothing_in_the_tree(tmp_path: Path) -> None:
    """真的 python -m build（离线，--no-isolation）：在副本上构建，仓库里不多出 build/ 或 egg-info。"""
    before = sorted(p.name for p in ROOT.iterdir()) + sorted(p.name for p in (ROOT / "src").iterdir())
    downloads._run_build(ROOT, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"nnlearn-{nnlearn.__version__}-py3-none-any.whl", f"nnlearn-{nnlearn.__version__}.tar.gz"])
    assert sorted(p.name for p in ROOT.iterdir()) + sorted(p.name for p in (ROOT / "src").iterdir()) == before


@pytest.mark.parametrize("url", ["", "127.0.0.1:8000", "/nnlearn/"])
def test_site_url_must_be_a_full_address(url: str) -> None:
    with pytest.raises(PluginError, match="site_url"):
        downloads.normalized_site_url(SimpleNamespace(site_url=url))
    assert downloads.normalized_site_url(SimpleNamespace(site_url="https://x.io/nn")) == "https://x.io/nn/"
