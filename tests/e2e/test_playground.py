"""训练游乐场与 §1.4 笔记本页面的真实浏览器测试。"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from site_browser import ROOT, RecordedPage

PLAYGROUND = "solving/playground/"
NOTEBOOKS = ["solving/spiral/", "solving/training/"]
#: 首次打开游乐场比打开首页多下载的上限（游乐场自己的脚本、数据和图；主题、KaTeX 等两页共有）
FIRST_LOAD_EXTRA_BUDGET = 0.5e6
#: 游乐场的帧按 2 倍像素保存（B：600 px 的图显示为 300 CSS px，高分屏上清晰）
FRAME_PX, FRAME_CSS_PX = 600, 300

IMAGE_STATE = """img => ({src: img.currentSrc || img.src, complete: img.complete,
                          width: img.naturalWidth, shown: img.clientWidth})"""


def one_line(command: str) -> str:
    """多行命令（行尾 ``\\`` 续行）与单行写法比较时，先拼回一行。"""
    return " ".join(part.strip().removesuffix("\\").strip() for part in command.splitlines())


def _boundary(page: object) -> dict:
    return page.locator("img.nn-playground__boundary").evaluate(IMAGE_STATE)


def _wait_loaded(page: object, selector: str) -> None:
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )


def _open_playground(recorded_page: RecordedPage) -> object:
    page = recorded_page.open(PLAYGROUND)
    page.wait_for_selector(".nn-playground[data-ready=true]")
    _wait_loaded(page, "img.nn-playground__boundary")
    _wait_loaded(page, "img.nn-playground__loss")
    return page


def test_playground_builds_controls_and_loads_images(recorded_page: RecordedPage) -> None:
    page = _open_playground(recorded_page)
    assert page.locator(".nn-playground select").count() == 3
    slider = page.locator(".nn-playground input[type=range]")
    assert slider.get_attribute("value") == slider.get_attribute("max")  # 从训练完的一帧开始
    # 默认面板是书中的设置，命令行与之对应
    assert one_line(page.locator(".nn-playground__command code").inner_text()) == (
        "python -m nnlearn train --hidden-size 10 --lr 1 --optimizer sgd --epochs 300 "
        "--batch-size 30 --seed 0")
    boundary = _boundary(page)
    assert boundary["width"] == FRAME_PX and boundary["shown"] <= FRAME_CSS_PX
    assert recorded_page.console_errors == []
    assert recorded_page.foreign_requests() == []


def test_slider_changes_the_boundary_image(recorded_page: RecordedPage) -> None:
    page = _open_playground(recorded_page)
    before = _boundary(page)
    marker_before = page.locator(".nn-playground__marker").evaluate("m => m.style.left")
    slider = page.locator(".nn-playground input[type=range]")
    slider.fill("4")  # 触发 input 事件，与用户拖动相同
    after = _boundary(page)
    assert after["src"] != before["src"]
    assert after["src"].endswith("-e005.png")
    _wait_loaded(page, "img.nn-playground__boundary")
    assert _boundary(page)["width"] == FRAME_PX  # 新的一帧真的载入了
    assert page.locator(".nn-playground__epoch").inner_text() == "第 5 轮"
    assert page.locator(".nn-playground__marker").evaluate("m => m.style.left") != marker_before
    stats = page.locator(".nn-playground__stats").inner_text()
    assert stats.startswith("第 5 轮：训练集准确率")
    assert recorded_page.console_errors == []


def test_selectors_switch_panel_and_command(recorded_page: RecordedPage) -> None:
    page = _open_playground(recorded_page)
    loss_before = page.locator("img.nn-playground__loss").evaluate(IMAGE_STATE)["src"]
    page.select_option("#nn-pg-optimizer", "adam")
    page.select_option("#nn-pg-hidden_size", "3")
    page.select_option("#nn-pg-lr", "0.1")
    assert _boundary(page)["src"].endswith("/h3-lr0.1-adam-e300.png")
    _wait_loaded(page, "img.nn-playground__boundary")
    _wait_loaded(page, "img.nn-playground__loss")
    assert page.locator("img.nn-playground__loss").evaluate(IMAGE_STATE)["src"] != loss_before
    assert one_line(page.locator(".nn-playground__command code").inner_text()) == (
        "python -m nnlearn train --hidden-size 3 --lr 0.1 --optimizer adam --epochs 300 "
        "--batch-size 30 --seed 0")
    assert recorded_page.console_errors == []


def test_playground_first_load_is_light(recorded_page: RecordedPage, site_dir: Path) -> None:
    """首次打开只加载当前一帧和一张损失图；其余帧等用户拖动时才取。"""
    sizes: dict[str, int] = {}

    def record(response: object) -> None:
        with contextlib.suppress(Exception):  # 重定向等没有正文的响应
            sizes[response.url] = len(response.body())

    recorded_page.page.on("response", record)
    _open_playground(recorded_page)
    frames = [u for u in sizes if "/figures/playground/" in u and "-e" in u.rsplit("/", 1)[1]]
    assert len(frames) == 1, frames
    # 主题、KaTeX、灯箱、搜索索引这些每页都有的资源不算；游乐场自己的脚本和样式算。
    shared = ("/assets/", "/search/")
    extra = sum(v for u, v in sizes.items() if not any(s in u for s in shared) or "playground" in u)
    assert extra < FIRST_LOAD_EXTRA_BUDGET, f"游乐场自己的内容首次加载了 {extra / 1e6:.2f} MB"
    # 全部生成的图片加起来也要小
    files = list((site_dir / "figures" / "playground").glob("*.png"))
    index = json.loads((site_dir / "figures" / "playground" / "index.json").read_text())
    assert len(files) == sum(len(p["frames"]) + 1 for p in index["panels"])
    assert sum(f.stat().st_size for f in files) < 1.5e6


def test_summary_table_matches_index(recorded_page: RecordedPage, site_dir: Path) -> None:
    """没有脚本也能读的结果表，与脚本读的 index.json 来自同一次训练。"""
    index = json.loads((site_dir / "figures" / "playground" / "index.json").read_text())
    page = recorded_page.open(PLAYGROUND)
    table = page.locator("table").filter(has_text="复现命令")
    rows = table.locator("tbody tr")
    assert rows.count() == len(index["panels"])
    for i, panel in enumerate(index["panels"]):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert one_line(cells[-1]) == one_line(panel["command"])
        assert cells[4] == f"{100 * panel['accuracy_at'][-1]:.1f} %"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_pages_show_their_figures(recorded_page: RecordedPage, path: str) -> None:
    page = recorded_page.open(path)
    images = page.locator(".jupyter-wrapper img")
    assert images.count() >= 2
    for state in images.evaluate_all(
            "imgs => imgs.map(i => ({src: i.src.slice(0, 30), ok: i.complete && i.naturalWidth > 0}))"):
        assert state["ok"], state
    # 笔记本的输出都是构建时执行出来的：没有错误输出
    stderr = ".jupyter-wrapper .jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']"
    assert page.locator(stderr).count() == 0
    assert recorded_page.console_errors == []


def test_training_notebook_reports_accuracy(recorded_page: RecordedPage) -> None:
    page = recorded_page.open("solving/training/")
    text = page.locator(".jupyter-wrapper").inner_text()
    assert "与手写循环逐位相同: True" in text
    line = next(s for s in text.splitlines() if s.startswith("训练集准确率"))
    assert float(line.split(":")[1].strip().rstrip("%")) >= 95.0


def _loaded_images(page: object) -> list[dict]:
    return page.locator("article img").evaluate_all(
        "imgs => imgs.map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0}))")


def test_speedup_page_shows_measurements_and_figures(recorded_page: RecordedPage) -> None:
    page = recorded_page.open("speed/speedup/")
    images = _loaded_images(page)
    names = [i["src"].rsplit("/", 1)[1] for i in images]
    assert {"speedup-precision-loss.png", "speedup-gradient-error.png"} <= set(names)
    assert all(i["ok"] for i in images), images
    table = page.locator("table").filter(has_text="训练集准确率")
    assert table.locator("tbody tr").all_inner_texts()[0].startswith("float64")
    assert table.locator("tbody tr").count() == 3
    gpu_results = ROOT / "benchmarks" / "results" / "gpu.json"
    note = page.locator(".admonition").filter(has_text="还没有 GPU 实测数据")
    assert note.count() == (0 if gpu_results.is_file() else 1)
    assert recorded_page.console_errors == []


def test_performance_page_shows_results_or_says_they_are_missing(
        recorded_page: RecordedPage) -> None:
    page = recorded_page.open("speed/performance/")
    images = _loaded_images(page)
    assert all(i["ok"] for i in images), images
    names = {i["src"].rsplit("/", 1)[1] for i in images}
    for result, figure in (("step.json", "perf-step.png"), ("gradcost.json", "perf-gradcost.png")):
        if (ROOT / "benchmarks" / "results" / result).is_file():
            assert figure in names
        else:
            assert page.locator(".admonition").filter(has_text=result).count() == 1
    assert recorded_page.console_errors == []
