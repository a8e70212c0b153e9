"""像读者一样运行复制下来的代码：一个全新的 Python 进程，按页面顺序逐块执行，记下每块打印的内容。

由 tests/e2e/test_copy.py 以子进程启动：标准输入是 JSON 列表（每项 ``{"code": ..., "ipython": bool}``），
标准输出是同样长度的 JSON 列表（每项 ``{"stdout": ..., "error": ...}``）。所有块共用一个命名空间，
就像粘贴进同一个解释器（或同一个 Jupyter 内核）。笔记本单元先经 IPython 的输入转换
（``%matplotlib inline`` 这类魔法命令），和 Jupyter 里一样。
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback


def run(blocks: list[dict]) -> list[dict]:
    namespace: dict = {"__name__": "__main__"}
    transform = None
    results = []
    for index, block in enumerate(blocks):
        code = block["code"]
        if block.get("ipython"):
            if transform is None:
                from IPython.core.inputtransformer2 import TransformerManager

                transform = TransformerManager().transform_cell
            code = transform(code)
            code = code.replace("get_ipython().run_line_magic('matplotlib', 'inline')", "")
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
