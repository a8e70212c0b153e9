"""正文里的实测数字（``{{ n.键 }}``）：注册、读取、写错键时构建失败。"""

from __future__ import annotations

import json
from pathlib import Path

import figures
import jinja2
import pytest
import site_numbers
import yaml
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def macros_environment() -> jinja2.Environment:
    """按 mkdocs.yml 里 macros 插件的设置建一个 Jinja 环境（分隔符、未定义即报错）。"""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    macros = config["plugins"]["macros"]
    assert macros["on_undefined"] == "strict" and macros["on_error_fail"] is True
    options = {k.removeprefix("j2_"): v for k, v in macros.items() if k.startswith("j2_")}
    return jinja2.Environment(undefined=jinja2.StrictUndefined, **options)


def test_pages_render_values_and_keep_heading_ids(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    site_numbers.write({"book_accuracy": "96.3%"}, path)
    text = "## 结果 {#result}\n\n准确率 {{ n.book_accuracy }}。\n"
    out = macros_environment().from_string(text).render(n=site_numbers.Numbers(path))
    assert out == "## 结果 {#result}\n\n准确率 96.3%。"


def test_an_unknown_key_fails(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    site_numbers.write({"book_accuracy": "96.3%"}, path)
    with pytest.raises(jinja2.UndefinedError, match="nope"):
        macros_environment().from_string("{{ n.nope }}").render(n=site_numbers.Numbers(path))


def test_reference_pattern_matches_what_pages_write() -> None:
    assert [m["key"] for m in site_numbers.REFERENCE.finditer("慢 {{ n.gradcost_speedup }} 倍，{{n.x_1}}")] == [
        "gradcost_speedup", "x_1"]


def _spec(tmp_path: Path, body: str) -> Path:
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    (spec_dir / "page.py").write_text(body, encoding="utf-8")
    return spec_dir


def test_numbers_are_collected_with_their_keys(tmp_path: Path) -> None:
    spec_dir = _spec(tmp_path, "NUMBERS = {'step_us': lambda: '68'}\n")
    [output] = figures.collect_outputs(spec_dir)
    assert (output.kind, output.name, figures.render(output)) == ("NUMBERS", "step_us", b"68")


@pytest.mark.parametrize(("body", "message"), [
    ("NUMBERS = {'Step-us': lambda: '68'}\n", "小写标识符"),
    ("NUMBERS = {'step_us': lambda: 68.0}\n", "写好格式的 str"),
])
def test_bad_numbers_fail_the_build(tmp_path: Path, body: str, message: str) -> None:
    spec_dir = _spec(tmp_path, body)
    with pytest.raises(PluginError, match=message):
        for output in figures.collect_outputs(spec_dir):
            figures.render(output)


def test_site_numbers_cover_every_key_the_pages_use() -> None:
    """页面里写到的每个键都有定义（构建也会失败，这里更早、更快地指出是哪一页）。"""
    defined = {o.name for o in figures.collect_outputs() if o.kind == "NUMBERS"}
    used = {}
    for path in (ROOT / "docs").rglob("*"):
        if path.suffix in (".md", ".ipynb"):
            for m in site_numbers.REFERENCE.finditer(path.read_text(encoding="utf-8")):
                used.setdefault(m["key"], path.relative_to(ROOT).as_posix())
    missing = {k: v for k, v in used.items() if k not in defined}
    assert not missing, f"这些键没有在任何 figure_specs 的 NUMBERS 里定义：{missing}"
    assert json.dumps(sorted(defined))  # 至少能列出
