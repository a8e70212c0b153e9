"""像读者一样运行复制下来的代码：一个全新的 Python 进程，按页面顺序逐块执行，记下每块打印的内容。

由 tests/e2e/copy_paste.py 以子进程启动（可以是别的虚拟环境里的解释器：只用标准库）：标准输入是
代码块的 JSON 列表，标准输出是同样长度的 JSON 列表（每项 ``{"stdout": ..., "error": ...}``）。
所有块共用一个命名空间，就像粘贴进同一个解释器。笔记本单元也原样运行，不经 IPython 转换：
站点上的代码不用魔法命令，粘贴进普通 Python 就能运行。
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback


def run(blocks: list[str]) -> list[dict]:
    namespace: dict = {"__name__": "__main__"}
    results = []
    for index, code in enumerate(blocks):
        buffer = io.StringIO()
        error = None
        try:
            compiled = compile(code, f"<粘贴的第 {index + 1} 块>", "exec", dont_inherit=True)
            with contextlib.redirect_stdout(buffer):
                exec(compiled, namespace)
        except BaseException:  # 读者看到的就是这个回溯：照样记下，继续下一块
            error = "".join(traceback.format_exc(limit=-3))
        results.append({"stdout": buffer.getvalue(), "error": error})
    return results


if __name__ == "__main__":
    real_stdout = sys.stdout
    output = run(json.load(sys.stdin))
    real_stdout.write(json.dumps(output, ensure_ascii=False))
