"""变异测试的统计：检查器抓住了多少写错的版本（按错误类别），正确的写法被误判了多少（按部件），用了多久。

变体与正确的写法在 ``tests/mutation/``（``mutants.py`` 在正确实现的源代码上做替换造出变体），
``tests/mutation/test_mutation.py`` 断言全部抓住、没有误报；这里只打印统计表和耗时，不写文件。

运行：``bash benchmarks/run.sh mutants``（``--seeds 0 1 2`` 让每个正确的写法多查几次）。
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import machine_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from mutation.mutants import run_all, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="正确的写法用这些种子各查一次")
    args = parser.parse_args()
    info = machine_info()
    print(f"机器：{info.get('cpu', '?')}，{info.get('cpu_count', '?')} 核，负载 {info['loadavg'][0]:.1f}")
    results, seconds = run_all(tuple(args.seeds))
    print(summary(results, seconds))
    missed = [r.name for r in results if r.kind != "正确" and r.report.ok]
    alarms = [r.name for r in results if r.kind == "正确" and r.report.verdict != "全部通过"]
    if missed or alarms:
        print(f"没抓住：{missed or '无'}；误报：{alarms or '无'}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
