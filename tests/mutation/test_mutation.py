"""变异测试：每个写错的版本都被检查器抓住（而且是在它该失败的那一项上），每个正确的写法都“全部通过”。

变体和正确的写法见 ``mutants.py`` / ``correct.py``；``benchmarks/bench_mutants.py`` 打印按类别的统计与耗时。
"""

from __future__ import annotations

import pytest
from mutation.mutants import CORRECT, MUTANTS, Mutant, build, check, component, run_all, summary

from nnlearn.check.report import FAILED, UNCHECKED


@pytest.mark.parametrize("cls", CORRECT, ids=lambda c: c.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_every_honest_style_passes_with_every_line_checked(cls, seed):
    report = check(cls, seed)
    assert report.ok, str(report)
    assert report.verdict == "全部通过", str(report)
    assert all(step.status == "通过" for step in report.steps)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_every_mutant_is_caught_on_the_check_meant_for_it(mutant: Mutant):
    report = check(build(mutant))
    assert not report.ok, f"{mutant.kind}：{mutant.name} 没被抓住\n{report}"
    assert report.verdict != "全部通过"
    statuses = {step.name: step.status for step in report.steps}
    wanted = UNCHECKED if mutant.kind == "超参数改了名" else FAILED
    assert statuses.get(mutant.caught_by) == wanted, f"应在“{mutant.caught_by}”上{wanted}\n{report}"


def test_the_suite_is_big_and_varied_enough():
    kinds = {m.kind for m in MUTANTS}
    assert len(MUTANTS) >= 40 and len(kinds) >= 10
    covered = {component(m.base) for m in MUTANTS}
    assert covered == {component(c.__name__) for c in CORRECT}  # 每个部件都有写错的版本
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)


def test_every_mutant_changes_the_source_it_starts_from():
    for mutant in MUTANTS:
        assert all(old != new for old, new in mutant.edits), mutant.name


def test_summary_counts_every_mutant_and_every_correct_run():
    results, seconds = run_all()
    text = summary(results, seconds)
    assert text.splitlines()[0].startswith(f"{len(MUTANTS)} 个变体、{len({m.kind for m in MUTANTS})} 类错误；"
                                           f"{len(CORRECT)} 次检查正确的实现")
    assert text.splitlines()[-1] == (f"合计：抓住 {len(MUTANTS)}/{len(MUTANTS)}（100%），"
                                     f"误报 0/{len(CORRECT)}（0%）")
