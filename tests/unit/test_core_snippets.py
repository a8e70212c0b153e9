"""页面引入的源码片段（``--8<-- "src/nnlearn/<模块>.py:<节>"``）复制出来就能运行。

页面上每个 ``--8<--`` 行前会补上它需要的 import 行（站点钩子 ``markdown_blocks.add_snippet_imports``），
读者复制的就是"这些 import + 这一节"。这里对核心模块的**每一节**（不只是页面目前引用的）都这样拼出来，
放进一个全新的命名空间执行，再用粘贴出来的类或函数重算一遍，结果应与包里的完全相同。
"""

import re
from pathlib import Path

import markdown_blocks as blocks
import numpy as np
import pytest

import nnlearn
import nnlearn.functions
import nnlearn.models
from nnlearn.layers import LAYERS
from nnlearn.nodes import NODES

SRC = Path(nnlearn.__file__).parent
ROOT = SRC.parents[1]
SECTION = re.compile(r"# --8<-- \[start:(\w+)\]\n(.*?)# --8<-- \[end:\1\]", re.S)
MODULES = ("layers", "nodes", "functions", "models")
REGISTRY = {cls.__name__: cls for cls in LAYERS + NODES}


def sections(module: str) -> dict[str, str]:
    return dict(SECTION.findall((SRC / f"{module}.py").read_text(encoding="utf-8")))


CASES = [(m, name) for m in MODULES for name in sections(m)]


def pasted_code(module: str, name: str) -> str:
    """页面上这一节显示（也是复制按钮复制）的代码：补上的 import 行 + 节的内容。"""
    line = f'--8<-- "src/nnlearn/{module}.py:{name}"\n'
    with_imports = blocks.add_snippet_imports(line, blocks.snippet_roots(ROOT))
    return with_imports.replace(line, sections(module)[name])


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}:{n}" for m, n in CASES])
def test_section_runs_as_pasted(module, name):
    namespace: dict = {"__name__": f"pasted_{module}"}
    exec(compile(pasted_code(module, name), f"{module}.py:{name}", "exec"), namespace)
    defined = {k: v for k, v in namespace.items()
               if k in REGISTRY and isinstance(v, type) and v is not REGISTRY[k]}  # 这一节定义的类
    for class_name, pasted in defined.items():
        example = REGISTRY[class_name].example(np.random.default_rng(0))
        obj = example.obj
        args = {"MatMul": obj.params[:1], "Affine": obj.params, "Branch": [getattr(obj, "n", 2)],
                "Repeat": [getattr(obj, "n", 1)]}.get(class_name, [])
        copy = pasted(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        extra = () if example.t is None else (example.t,)
        expected, got = obj.forward(*example.inputs, *extra), copy.forward(*example.inputs, *extra)
        np.testing.assert_array_equal(got, expected)
        if example.t is not None:
            np.testing.assert_array_equal(copy.backward(), obj.backward())
        else:
            douts = [np.ones(np.shape(o)) for o in (expected if isinstance(expected, tuple) else (expected,))]
            grads, ref = copy.backward(*douts), obj.backward(*douts)
            for g, r in zip(grads if isinstance(grads, tuple) else (grads,),
                            ref if isinstance(ref, tuple) else (ref,), strict=True):
                np.testing.assert_array_equal(g, r)
        for g, r in zip(copy.grads, obj.grads, strict=True):
            np.testing.assert_array_equal(g, r)
    if module == "models":
        pasted_net = namespace["TwoLayerNet"](2, 5, 3, seed=0)
        net = nnlearn.models.TwoLayerNet(2, 5, 3, seed=0)
        x = np.random.default_rng(1).standard_normal((4, 2))
        np.testing.assert_array_equal(pasted_net.predict(x), net.predict(x))
    if module == "functions":
        func = namespace[name]
        package = getattr(nnlearn.functions, name)
        x = np.array([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
        args = (x, [1, 2]) if name == "cross_entropy_error" else (x, np.eye(3)[[1, 2]]) if name == "mean_nll" else (x,)
        np.testing.assert_array_equal(func(*args), package(*args))
