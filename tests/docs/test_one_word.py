"""一个概念一个词：全站说明文字里，同一个概念只用选定的那个说法。

读者看到“前向传播”和“正向传播”，会以为是两件事。选定的说法与它的别名如下；
别名只能在术语表里、选定说法的那一条目中出现（告诉读者别处的书这样叫）。
代码、输出、行内代码不算（``max_epoch`` 是参数名，不是说明文字）。术语第一次出现时，
链到术语表条目的选定说法后面可以用括号注出原文，如 ``[小批量](…glossary.md#mini-batch)（mini-batch）``。
"""

from __future__ import annotations

import re

import pytest
from page_prose import DOCS, markdown_prose, nav_pages, prose

#: 选定的说法 → (术语表条目 id, 不再使用的别名)
PREFERRED: dict[str, tuple[str, tuple[str, ...]]] = {
    "正向传播": ("forward-propagation", ("前向传播", "顺传播", "前向计算")),
    "反向传播": ("backpropagation", ("误差反向传播", "逆传播", "后向传播")),
    "小批量": ("mini-batch", ("mini-batch", "mini batch", "minibatch", "迷你批")),
    "轮": ("epoch", ("轮次", "epoch")),
    "梯度确认": ("gradient-check", ("梯度检查", "梯度检验")),
}
GLOSSARY = "reference/glossary.md"
#: 由 docstring 和章节标题生成的页面不扫描。
GENERATED_PAGES = {"reference/api.md", "reference/exercises.md"}
ENTRY_HEADING = re.compile(r"^### .*\{\s*#(?P<id>[a-z0-9-]+)\s*\}\s*$", re.M)


def alias_pattern(alias: str) -> re.Pattern[str]:
    # 英文别名按整词、不分大小写（epoch 不匹配 max_epoch 之类的标识符）
    if alias.isascii():
        return re.compile(rf"(?<![A-Za-z_]){re.escape(alias)}(?![A-Za-z_])", re.I)
    return re.compile(re.escape(alias))


def without_glossed_originals(text: str) -> str:
    """去掉紧跟在术语表链接后面、括号里的原文注释（``[轮](…#epoch)（epoch）``）。"""
    ids = "|".join(re.escape(entry_id) for entry_id, _ in PREFERRED.values())
    return re.sub(rf"(\]\([^)]*glossary\.md#(?:{ids})\))（[^）\n]*）", r"\1", text)


def page_prose(page: str) -> str:
    return markdown_prose(without_glossed_originals(prose(page)), keep_links=False)


def uses(text: str) -> list[str]:
    """说明文字里出现的别名（带一点上下文）。"""
    found = []
    for word, (_, aliases) in PREFERRED.items():
        for alias in aliases:
            for m in alias_pattern(alias).finditer(text):
                context = text[max(0, m.start() - 12): m.end() + 12].replace("\n", " ")
                found.append(f"“{alias}”应写作“{word}”：…{context}…")
    return found


def glossary_without_own_entries() -> str:
    """术语表去掉“选定说法”各自的条目（别名在那里出现是应该的）。"""
    text = (DOCS / GLOSSARY).read_text(encoding="utf-8")
    own = {entry_id for entry_id, _ in PREFERRED.values()}
    heads = list(ENTRY_HEADING.finditer(text))
    kept, position = [], 0
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        if head["id"] in own:
            kept.append(text[position:head.start()])
            position = end
    kept.append(text[position:])
    return markdown_prose("".join(kept), keep_links=False)


PAGES = [p for p in nav_pages() if p not in GENERATED_PAGES]


@pytest.mark.parametrize("page", PAGES)
def test_one_word_per_concept(page: str) -> None:
    text = glossary_without_own_entries() if page == GLOSSARY else page_prose(page)
    found = uses(text)
    assert not found, f"{page}：\n" + "\n".join(found)


def test_glossary_names_the_aliases_once() -> None:
    """每个选定的说法在术语表里有条目，条目里写出它的别名，读者查得到。"""
    text = (DOCS / GLOSSARY).read_text(encoding="utf-8")
    heads = {m["id"]: m for m in ENTRY_HEADING.finditer(text)}
    for word, (entry_id, aliases) in PREFERRED.items():
        assert entry_id in heads, f"术语表缺少“{word}”的条目 #{entry_id}"
        start = heads[entry_id].start()
        following = [m.start() for m in heads.values() if m.start() > start]
        entry = text[start: min(following, default=len(text))]
        assert entry.startswith(f"### {word}"), f"#{entry_id} 的标题应以选定的说法“{word}”开头"
        missing = [a for a in aliases[:1] if not alias_pattern(a).search(entry)]
        assert not missing, f"#{entry_id} 应写出别名 {missing}，读者从别的书来时查得到"


def test_detector_sees_a_planted_alias() -> None:
    """反证：说明文字里的别名被发现；代码里的、标识符里的不算。"""
    assert uses(markdown_prose("先做前向传播，再用 mini-batch 训练 3 个 epoch。")) != []
    assert len(uses(markdown_prose("先做前向传播，再用 mini-batch 训练 3 个 epoch。"))) == 3
    assert uses(markdown_prose("参数 `max_epoch` 与\n\n```python\nepoch = 3  # 前向传播\n```\n")) == []
    glossed = "叫一个[轮](../reference/glossary.md#epoch)（epoch）。"
    assert uses(markdown_prose(without_glossed_originals(glossed), keep_links=False)) == []
    assert uses(markdown_prose(glossed, keep_links=False)) != []
