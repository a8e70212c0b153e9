"""hooks/figures.py 里与图的尺寸、缓存键有关的部分：2 倍像素、<img> 的属性、站点辅助模块与 DEPENDS。"""

from __future__ import annotations

import io
from pathlib import Path

import figures
import matplotlib
import pytest
from matplotlib.figure import Figure
from PIL import Image
from site_specs import load_spec

ROOT = Path(__file__).resolve().parents[2]


def test_figures_are_saved_at_twice_their_css_size() -> None:
    fig = Figure(figsize=(3.0, 2.0), dpi=100)
    fig.add_subplot().plot([0, 1])
    output = figures.Output(ROOT / "x.py", "FIGURES", "x.png", lambda: fig)
    with matplotlib.rc_context({"savefig.bbox": "standard"}):  # 不裁边：尺寸就是 figsize
        png = figures.render(output)
    assert Image.open(io.BytesIO(png)).size == (600, 400)
    assert figures.css_size(png) == (300, 200)  # 页面上 300 × 200 CSS 像素
    assert Image.open(io.BytesIO(png)).mode == "P"  # 256 色调色板：2 倍像素也不比原来重
    with pytest.raises(figures.PluginError, match="PNG"):
        figures.css_size(b"GIF89a" + bytes(30))


def test_img_tags_get_width_height_and_a_2x_srcset() -> None:
    html = ('<p><img alt="a" src="../figures/a.png" /></p>'
            '<img src="../../figures/playground/f.png">'
            '<img src="../figures/b.png" width="50">'
            '<img src="../assets/logo.png">')
    sizes = {"a.png": (640, 420), "playground/f.png": (300, 300), "b.png": (10, 10)}
    out = figures.sized_images(html, sizes)
    assert ('<img alt="a" src="../figures/a.png" width="640" height="420" '
            'srcset="../figures/a.png 2x"/>') in out
    assert 'src="../../figures/playground/f.png" width="300" height="300"' in out
    assert '<img src="../figures/b.png" width="50">' in out  # 已有 width 的不动
    assert '<img src="../assets/logo.png">' in out  # 不是生成的图，不动


def test_cache_key_follows_site_helpers_and_benchmarks() -> None:
    deps = {p.relative_to(ROOT).as_posix()
            for p in figures.dependency_files(figures.SPEC_DIR / "speedup.py")}
    # speedup 的耗时读 benchmarks/results/precision.json（结果文件另算进键），不再导入基准代码
    assert {"hooks/figure_kit/results.py", "hooks/figure_kit/__init__.py",
            "src/nnlearn/recipe.py"} <= deps
    backprop = {p.relative_to(ROOT).as_posix()
                for p in figures.dependency_files(figures.SPEC_DIR / "backprop.py")}
    assert "hooks/figure_kit/graphs.py" in backprop
    assert "benchmarks/common.py" not in backprop  # 无关的改动不让这页的图重画


def test_only_specs_that_read_benchmark_results_depend_on_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figures, "ROOT", tmp_path)
    monkeypatch.setattr(figures, "RESULTS_DIR", tmp_path / "results")
    (tmp_path / "results").mkdir()
    data = tmp_path / "results" / "x.json"
    data.write_text("{}", encoding="utf-8")
    reader = tmp_path / "reader.py"
    reader.write_text('"""读 benchmarks/results/x.json。"""\n', encoding="utf-8")
    other = tmp_path / "other.py"
    other.write_text("FIGURES = {}\n", encoding="utf-8")
    before = figures.spec_digest(reader), figures.spec_digest(other)
    data.write_text('{"new": 1}', encoding="utf-8")
    assert figures.spec_digest(reader) != before[0]
    assert figures.spec_digest(other) == before[1]


def test_depends_globs_enter_the_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figures, "ROOT", tmp_path)
    monkeypatch.setattr(figures, "RESULTS_DIR", tmp_path / "results")
    (tmp_path / "pages").mkdir()
    page = tmp_path / "pages" / "a.md"
    page.write_text("one", encoding="utf-8")
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = specs / "p.py"
    spec.write_text("DEPENDS = ['pages/*.md']\nSNIPPETS = {'p.md': lambda: 'x'}\n", encoding="utf-8")
    figures.collect_outputs(specs)
    assert figures.declared_files(spec) == [page]
    before = figures.spec_digest(spec)
    page.write_text("two", encoding="utf-8")
    assert figures.spec_digest(spec) != before
    spec.write_text("DEPENDS = 'pages/*.md'\n", encoding="utf-8")
    with pytest.raises(figures.PluginError, match="DEPENDS"):
        figures.collect_outputs(specs)


def test_every_page_figure_fits_the_content_column_at_scale_one() -> None:
    # 设计宽度 ≤ 6.8 英寸（≈ 700 CSS 像素，正文栏在 1280 px 屏幕上的宽度）：页面不必缩小它，
    # 9 pt 的字就是 12.5 CSS 像素
    for page in ("loss", "derivative", "chain-rule", "graph", "review", "update"):
        for name, make in load_spec(page).FIGURES.items():
            fig = make()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
            width, _ = figures.css_size(buffer.getvalue())
            assert width * 2 <= 720, f"{page}: {name} 宽 {width * 2} CSS 像素"
