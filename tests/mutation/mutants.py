r"""变异测试：在正确实现的源代码上做一处（或几处）替换，造出读者常犯的错，看检查器能不能抓住。

- ``MUTANTS``：每个变体一行——错误的类别、基于哪个正确的类、怎样替换、应当由哪一项检查抓住；
- ``build(mutant)``：替换源代码、编译出新类（源代码登记进 ``linecache``，报错时能指出那一行）；
- ``run_all()``：检查每个正确的类和每个变体，返回结果；``summary(results)`` 按类别统计
  抓住的比例（kill rate）和正确的类被误判的比例（false alarm）。

``tests/mutation/test_mutation.py`` 断言每个变体都被抓住、每个正确的类都“全部通过”；
``benchmarks/bench_mutants.py`` 打印统计表和耗时。
"""

from __future__ import annotations

import inspect
import linecache
import textwrap
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from mutation import correct

from nnlearn.check import CheckReport, check_layer, check_optimizer

LAYER_COMPONENTS = ("MatMul", "Affine", "Sigmoid", "Softmax", "SoftmaxWithLoss", "Add", "Mul", "Branch", "Repeat",
                    "Sum")
OPTIMIZER_COMPONENTS = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")
CORRECT = [getattr(correct, f"{c}{style}") for c in (*LAYER_COMPONENTS, *OPTIMIZER_COMPONENTS) for style in "AB"]

# 应当抓住变体的检查项（报告里的名字）
NO_GUARD = "未 forward 先 backward"
INPUTS = "forward 不改动输入"
RETURNS = "backward 的返回值"
DOUT = "backward 不改动 dout"
PARAMS = "backward 不改动参数"
IN_PLACE = "grads 就地写入"
GRADCHECK = "梯度确认"
LOSS_DOUT = "损失层的 backward 乘上 dout"
REPEAT = "重复 backward 结果相同"
LATEST = "backward 用的是最近一次 forward"
BATCH = "换一个批大小"
UPDATE_IN_PLACE = "update 就地修改参数"
GRADS_KEPT = "update 不改动 grads"
HYPER = "超参数与参照对应"
STATE = "状态按参数分开保存"
REFERENCE = "与参照比较"

GUARD = 'if {attr} is None:\n            raise RuntimeError("请先调用 forward")\n        '


@dataclass(frozen=True)
class Mutant:
    kind: str  # 错误的类别
    base: str  # 基于哪个正确的类
    edits: tuple[tuple[str, str], ...]  # (原文, 替换成)；原文在类的源代码里恰好出现一次
    caught_by: str  # 应当在这一项上失败（HYPER 是“未检查”）
    slug: str

    @property
    def name(self) -> str:
        return f"{self.base}_{self.slug}"


def m(kind: str, base: str, slug: str, caught_by: str, *edits: tuple[str, str]) -> Mutant:
    return Mutant(kind, base, edits, caught_by, slug)


def stale(attr_line: str, indent: str = "        ") -> tuple[str, str]:
    """forward 只在第一次存：``self.x = x`` → ``if self.x is None: self.x = x``。"""
    target = attr_line.split("=")[0].strip().split(",")[0].strip()
    return attr_line, f"if {target} is None:\n{indent}    {attr_line}"


MUTANTS: tuple[Mutant, ...] = (
    # -- MatMul ----------------------------------------------------------------------
    m("漏了转置", "MatMulA", "dx_no_T", GRADCHECK, ("return dout @ W.T", "return dout @ W")),
    m("漏了转置", "MatMulB", "dW_transposed", GRADCHECK, ("np.dot(self.x.T, dout)", "np.dot(dout.T, self.x)")),
    m("梯度累加", "MatMulA", "accumulate", REPEAT,
      ("self.grads[0][...] = self.x.T @ dout", "self.grads[0] += self.x.T @ dout")),
    m("grads 换成新数组", "MatMulA", "rebind", IN_PLACE, ("self.grads[0][...] =", "self.grads[0] =")),
    m("漏了 return", "MatMulB", "no_return", RETURNS, ("        return dx\n", "")),
    m("只存第一批", "MatMulB", "stale", LATEST, stale("self.x = x")),
    m("没有 forward 的检查", "MatMulA", "no_guard", NO_GUARD, (GUARD.format(attr="self.x"), "")),
    m("backward 改参数", "MatMulA", "updates_W", PARAMS,
      ("return dout @ W.T", "W -= 0.01 * self.grads[0]\n        return dout @ W.T")),
    m("按第一批分配缓冲", "MatMulA", "buffer", BATCH,
      ("return x @ W", "if not hasattr(self, 'out'):\n            self.out = np.empty((x.shape[0], W.shape[1]))\n"
                       "        return np.matmul(x, W, out=self.out)")),
    # -- Affine ----------------------------------------------------------------------
    m("mean 当 sum", "AffineA", "db_mean", GRADCHECK, ("dout.sum(axis=0)", "dout.mean(axis=0)")),
    m("广播没有求和", "AffineB", "db_first_row", GRADCHECK, ("np.sum(dout, axis=0)", "dout[0]")),
    m("梯度累加", "AffineB", "accumulate_db", REPEAT,
      ("np.copyto(self.grads[1], np.sum(dout, axis=0))", "self.grads[1] += np.sum(dout, axis=0)")),
    m("只存第一批", "AffineA", "stale", LATEST, stale("self.x = x")),
    m("漏了转置", "AffineA", "dx_no_T", GRADCHECK, ("return dout @ W.T", "return dout @ W")),
    m("符号", "AffineB", "dx_sign", GRADCHECK, ("dx = np.dot(dout, W.T)", "dx = -np.dot(dout, W.T)")),
    m("多除了 N", "AffineA", "dW_over_N", GRADCHECK,
      ("self.grads[0][...] = self.x.T @ dout", "self.grads[0][...] = self.x.T @ dout / len(dout)")),
    m("按第一批分配缓冲", "AffineB", "dx_buffer", BATCH,
      ("dx = np.dot(dout, W.T)", "if not hasattr(self, 'dx'):\n            self.dx = np.empty((len(dout), len(W)))\n"
                                 "        dx = np.dot(dout, W.T, out=self.dx)")),
    # -- Sigmoid ---------------------------------------------------------------------
    m("用输入代替输出", "SigmoidA", "uses_x", GRADCHECK,
      ("dx = dout * (1.0 - self.out) * self.out", "dx = dout * (1.0 - self.x) * self.x")),
    m("就地改 dout", "SigmoidA", "dout_in_place", DOUT,
      ("dx = dout * (1.0 - self.out) * self.out", "dout *= (1.0 - self.out) * self.out\n        dx = dout")),
    m("改坏了缓存", "SigmoidB", "spoils_y", REPEAT,
      ("dx = 1.0 - self.y\n        dx *= self.y", "dx = self.y\n        dx *= 1.0 - self.y")),
    m("符号", "SigmoidB", "sign", GRADCHECK, ("dx = 1.0 - self.y", "dx = self.y - 1.0")),
    m("漏了 return", "SigmoidA", "no_return", RETURNS, ("\n        return dx", "")),
    m("只存第一批", "SigmoidA", "stale", LATEST, stale("self.out = 1 / (1 + np.exp(-x))")),
    m("就地改输入", "SigmoidB", "scales_x", INPUTS,
      ("y = 0.5 * (np.tanh(0.5 * x) + 1.0)", "x *= 0.5\n        y = 0.5 * (np.tanh(x) + 1.0)")),
    m("没有 forward 的检查", "SigmoidB", "no_guard", NO_GUARD, (GUARD.format(attr="self.y"), "")),
    # -- Softmax ---------------------------------------------------------------------
    m("求和的轴", "SoftmaxA", "axis0", GRADCHECK, ("dx.sum(axis=1, keepdims=True)", "dx.sum(axis=0, keepdims=True)")),
    m("公式少一项", "SoftmaxB", "no_sum_term", GRADCHECK, ("return self.y * (dout - s)", "return self.y * dout")),
    m("用输入代替输出", "SoftmaxA", "uses_x", GRADCHECK,
      ("dx = self.out * dout\n        dx -= self.out * dx", "dx = self.x * dout\n        dx -= self.x * dx")),
    m("改坏了缓存", "SoftmaxA", "spoils_out", REPEAT, ("dx = self.out * dout", "dx = self.out\n        dx *= dout")),
    m("求和的轴", "SoftmaxB", "no_keepdims", RETURNS,
      ("np.sum(dout * self.y, axis=-1, keepdims=True)", "np.sum(dout * self.y, axis=-1)")),
    m("就地改 dout", "SoftmaxB", "dout_in_place", DOUT,
      ("return self.y * (dout - s)", "dout -= s\n        return self.y * dout")),
    # -- SoftmaxWithLoss -------------------------------------------------------------
    m("漏了 /N", "SoftmaxWithLossA", "no_mean", GRADCHECK,
      ("dx = (self.y - self.t) * dout / batch_size", "dx = (self.y - self.t) * dout")),
    m("没乘 dout", "SoftmaxWithLossA", "ignores_dout", LOSS_DOUT,
      ("dx = (self.y - self.t) * dout / batch_size", "dx = (self.y - self.t) / batch_size")),
    m("符号", "SoftmaxWithLossA", "sign", GRADCHECK, ("(self.y - self.t)", "(self.t - self.y)")),
    m("mean 当 sum", "SoftmaxWithLossA", "loss_mean", GRADCHECK,
      ("-np.sum(t * np.log(self.y)) / batch_size", "-np.mean(t * np.log(self.y))")),
    m("只存第一批", "SoftmaxWithLossA", "stale_t", LATEST, stale("self.t = t")),
    m("改坏了缓存", "SoftmaxWithLossB", "spoils_y", REPEAT, ("dx = self.y.copy()", "dx = self.y")),
    m("没乘 dout", "SoftmaxWithLossB", "ignores_dout", LOSS_DOUT, ("        dx *= dout\n", "")),
    m("多除了 N", "SoftmaxWithLossB", "over_N2", GRADCHECK, ("dx /= n", "dx /= n * n")),
    m("只存第一批", "SoftmaxWithLossB", "stale_y", LATEST, stale("self.y = np.exp(log_y)")),
    m("漏了 return", "SoftmaxWithLossB", "no_return", RETURNS, ("        return dx\n", "")),
    # -- Add -------------------------------------------------------------------------
    m("广播没有求和", "AddA", "dy_not_reduced", RETURNS, ("dy = dout.sum(axis=0)", "dy = dout")),
    m("mean 当 sum", "AddB", "dy_mean", GRADCHECK, ("np.sum(dout, axis=0)", "np.mean(dout, axis=0)")),
    m("没有 forward 的检查", "AddB", "no_guard", NO_GUARD, (GUARD.format(attr="self.shapes"), "")),
    m("漏了 return", "AddA", "one_gradient", RETURNS, ("return dx, dy", "return dx")),
    # -- Mul -------------------------------------------------------------------------
    m("交换的偏导", "MulA", "swapped", GRADCHECK,
      ("dx = dout * self.y\n        dy = (dout * self.x)", "dx = dout * self.x\n        dy = (dout * self.y)")),
    m("交换的偏导", "MulB", "swapped", GRADCHECK,
      ("dx = np.multiply(dout, y)", "dx = np.multiply(dout, x)"),
      ("np.sum(np.multiply(dout, x)", "np.sum(np.multiply(dout, y)")),
    m("广播没有求和", "MulA", "dy_not_reduced", RETURNS,
      ("(dout * self.x).sum(axis=0, keepdims=True)", "dout * self.x")),
    m("就地改 dout", "MulB", "dout_in_place", DOUT, ("np.multiply(dout, y)", "np.multiply(dout, y, out=dout)")),
    m("只存第一批", "MulA", "stale", LATEST, stale("self.x, self.y = x, y")),
    # -- Branch ----------------------------------------------------------------------
    m("mean 当 sum", "BranchB", "mean", GRADCHECK, ("np.sum([d0, d1, d2], axis=0)", "np.mean([d0, d1, d2], axis=0)")),
    m("就地改 dout", "BranchA", "dout_in_place", DOUT, ("dx = douts[0].copy()", "dx = douts[0]")),
    m("只用第一个", "BranchA", "first_only", GRADCHECK, ("for d in douts[1:]:\n            dx += d\n        ", "")),
    # -- Repeat ----------------------------------------------------------------------
    m("mean 当 sum", "RepeatA", "mean", GRADCHECK,
      ("dout.sum(axis=0, keepdims=True)", "dout.mean(axis=0, keepdims=True)")),
    m("求和的轴", "RepeatB", "axis1", RETURNS, ("np.sum(dout, axis=0)", "np.sum(dout, axis=1)")),
    m("漏了 return", "RepeatA", "no_return", RETURNS, ("\n        return dx", "")),
    # -- Sum -------------------------------------------------------------------------
    m("多除了 N", "SumA", "over_N", GRADCHECK,
      ("np.repeat(dout, self.n, axis=0)", "np.repeat(dout, self.n, axis=0) / self.n")),
    m("只存第一批", "SumB", "stale_shape", BATCH, stale("self.shape = x.shape")),
    m("广播没有求和", "SumA", "no_repeat", RETURNS, ("np.repeat(dout, self.n, axis=0)", "dout")),
    # -- 优化器 ----------------------------------------------------------------------
    m("只改了局部变量", "SGDA", "local", UPDATE_IN_PLACE,
      ("param -= self.lr * grad", "param = param - self.lr * grad")),
    m("参数换成新数组", "SGDB", "rebind", UPDATE_IN_PLACE, ("params[i][...] = ", "params[i] = ")),
    m("改了 grads", "SGDA", "scales_grad", GRADS_KEPT,
      ("param -= self.lr * grad", "grad *= self.lr\n            param -= grad")),
    m("只更新第一个参数", "SGDB", "first_only", REFERENCE, ("range(len(params))", "range(1)")),
    m("符号", "SGDA", "sign", REFERENCE, ("param -= self.lr * grad", "param += self.lr * grad")),
    m("先用旧状态更新参数", "MomentumA", "late", REFERENCE,
      ("v *= self.momentum\n            v -= self.lr * grad\n            param += v",
       "param += v\n            v *= self.momentum\n            v -= self.lr * grad")),
    m("速度没有衰减", "MomentumA", "no_decay", REFERENCE, ("v *= self.momentum\n            ", "")),
    m("状态按形状保存", "MomentumB", "by_shape", STATE,
      ("if i not in self.v:\n                self.v[i] = np.zeros_like(param)\n"
       "            self.v[i] = self.momentum * self.v[i] - self.lr * grad\n            param += self.v[i]",
       "key = param.shape\n            if key not in self.v:\n                self.v[key] = np.zeros_like(param)\n"
       "            self.v[key] = self.momentum * self.v[key] - self.lr * grad\n            param += self.v[key]")),
    m("只改了局部变量", "MomentumB", "local", UPDATE_IN_PLACE, ("param += self.v[i]", "param = param + self.v[i]")),
    m("符号", "MomentumA", "sign", REFERENCE, ("v -= self.lr * grad", "v += self.lr * grad")),
    m("超参数改了名", "MomentumA", "learning_rate", HYPER,
      ("self.lr, self.momentum = lr, momentum", "self.learning_rate, self.momentum = lr, momentum"),
      ("v -= self.lr * grad", "v -= self.learning_rate * grad")),
    m("α² 乘了更新后的 v（书中的写法）", "NesterovA", "book", REFERENCE,
      ("param += self.momentum * self.momentum * v\n            param -= (1 + self.momentum) * self.lr * grad\n"
       "            v *= self.momentum\n            v -= self.lr * grad",
       "v *= self.momentum\n            v -= self.lr * grad\n"
       "            param += self.momentum * self.momentum * v\n"
       "            param -= (1 + self.momentum) * self.lr * grad")),
    m("速度没有衰减", "NesterovB", "no_decay", REFERENCE,
      ("self.momentum * self.v[i] - self.lr * grads[i]", "self.v[i] - self.lr * grads[i]")),
    m("漏了平方", "AdaGradA", "no_square", REFERENCE, ("h += grad * grad", "h += grad")),
    m("漏了开方", "AdaGradB", "no_sqrt", REFERENCE, ("np.sqrt(self.h[i])", "self.h[i]")),
    m("先用旧状态更新参数", "AdaGradA", "late", REFERENCE,
      ("h += grad * grad\n            param -= self.lr * grad / (np.sqrt(h) + 1e-7)",
       "param -= self.lr * grad / (np.sqrt(h) + 1e-7)\n            h += grad * grad")),
    m("状态按形状保存", "RMSpropB", "by_shape", STATE,
      ("self.h.get(i, ", "self.h.get(param.shape, "), ("self.h[i] = h", "self.h[param.shape] = h")),
    m("漏了 (1 − ρ)", "RMSpropA", "no_one_minus_rho", REFERENCE,
      ("h += (1 - self.decay_rate) * grad * grad", "h += grad * grad")),
    m("状态没有衰减", "RMSpropA", "no_decay", REFERENCE, ("h *= self.decay_rate\n            ", "")),
    m("漏了偏差校正", "AdamB", "no_bias_correction", REFERENCE, ("m_hat = m / (1 - self.beta1**self.t)", "m_hat = m")),
    m("超参数用混了", "AdamA", "beta_swapped", REFERENCE,
      ("(1 - self.beta1) * (grad - m)", "(1 - self.beta2) * (grad - m)")),
    m("改了 grads", "AdamA", "squares_grad", GRADS_KEPT,
      ("v += (1 - self.beta2) * (grad**2 - v)", "grad **= 2\n            v += (1 - self.beta2) * (grad - v)")),
    m("只更新第一个参数", "AdamB", "first_only", REFERENCE, ("zip(params, grads)", "zip(params[:1], grads[:1])")),
    m("步数没有加一", "AdamA", "no_iter", REFERENCE, ("self.iter += 1\n        ", "")),
)


def build(mutant: Mutant) -> type:
    """在正确的类的源代码上做替换，编译出变体类（源代码登记进 linecache，报错能指出那一行）。"""
    source = textwrap.dedent(inspect.getsource(getattr(correct, mutant.base)))
    for old, new in mutant.edits:
        count = source.count(old)
        if count != 1:
            raise AssertionError(f"{mutant.name}：{old!r} 在 {mutant.base} 里出现 {count} 次，应恰好 1 次")
        source = source.replace(old, new)
    source = source.replace(f"class {mutant.base}:", f"class {mutant.name}:", 1)
    filename = f"<mutant {mutant.name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {"np": np, "__name__": "mutation.built"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[mutant.name]


def component(name: str) -> str:
    """``MatMulA`` / ``MatMulA_dx_no_T`` → ``MatMul``。"""
    return name.split("_")[0][:-1]


def check(cls: type, seed: int = 0) -> CheckReport:
    """按类所属的部件建对象和输入，交给 check_layer / check_optimizer。"""
    name = component(cls.__name__)
    if name in OPTIMIZER_COMPONENTS:
        return check_optimizer(cls(lr=0.1), seed=seed)
    rng = np.random.default_rng(seed)
    obj, inputs, t = _layer_case(name, cls, rng)
    return check_layer(obj, *inputs, t=t, seed=seed)


def _layer_case(name: str, cls: type, rng: np.random.Generator) -> tuple[Any, tuple[np.ndarray, ...], Any]:
    n, d = 4, 5
    x = rng.standard_normal((n, d))
    if name in ("MatMul", "Affine"):
        W = rng.standard_normal((d, d))  # 方阵：漏了转置时形状照样对，只有数值能发现
        obj = cls(W) if name == "MatMul" else cls(W, rng.standard_normal(d))
        return obj, (x,), None
    if name == "SoftmaxWithLoss":
        labels = rng.integers(0, d, n)
        t = np.eye(d)[labels] if cls.LABELS == "onehot" else labels
        return cls(), (x,), t
    second = {"Add": rng.standard_normal(d), "Mul": rng.standard_normal((1, d))}.get(name)
    if name == "Repeat":
        x = x[:1]
    return cls(), (x,) if second is None else (x, second), None


@dataclass
class Result:
    name: str
    kind: str  # 错误的类别；正确的类是 "正确"
    component: str
    report: CheckReport
    expected: str | None  # 应当抓住它的那一项

    @property
    def flagged(self) -> bool:
        """检查器没有放过它：``ok`` 为假（有失败，或决定性的一项没能查）。"""
        return not self.report.ok

    @property
    def status_of_expected(self) -> str | None:
        return next((s.status for s in self.report.steps if s.name == self.expected), None)


def run_all(seeds: tuple[int, ...] = (0,)) -> tuple[list[Result], float]:
    """检查全部正确的类（每个种子一次）和全部变体；返回结果和总耗时（秒）。"""
    start = time.perf_counter()
    results = [Result(cls.__name__, "正确", component(cls.__name__), check(cls, seed), None)
               for cls in CORRECT for seed in seeds]
    for mutant in MUTANTS:
        cls = build(mutant)
        results.append(Result(mutant.name, mutant.kind, component(mutant.base), check(cls), mutant.caught_by))
    return results, time.perf_counter() - start


def summary(results: list[Result], seconds: float) -> str:
    """按错误类别列出抓住的比例，按部件列出误报的比例。"""
    mutants = [r for r in results if r.kind != "正确"]
    right = [r for r in results if r.kind == "正确"]
    lines = [f"{len(mutants)} 个变体、{len(dict.fromkeys(r.kind for r in mutants))} 类错误；"
             f"{len(right)} 次检查正确的实现；共 {seconds:.1f} 秒", "", f"{_pad('错误类别', 34)}抓住"]
    for kind in dict.fromkeys(r.kind for r in mutants):
        group = [r for r in mutants if r.kind == kind]
        caught = sum(r.flagged for r in group)
        lines.append(f"  {_pad(kind, 32)}{caught}/{len(group)}（{caught / len(group):.0%}）")
    lines += ["", f"{_pad('部件', 18)}{_pad('误报（正确的实现被判为有问题）', 34)}抓住的变体"]
    for name in dict.fromkeys(r.component for r in results):
        ok_group = [r for r in right if r.component == name]
        bad_group = [r for r in mutants if r.component == name]
        alarms = sum(r.report.verdict != "全部通过" for r in ok_group)
        caught = sum(r.flagged for r in bad_group)
        rate = f"{alarms}/{len(ok_group)}（{alarms / len(ok_group):.0%}）"
        lines.append(f"  {_pad(name, 16)}{_pad(rate, 34)}{caught}/{len(bad_group)}")
    killed = sum(r.flagged for r in mutants)
    alarms = sum(r.report.verdict != "全部通过" for r in right)
    lines += ["", f"合计：抓住 {killed}/{len(mutants)}（{killed / len(mutants):.0%}），"
                  f"误报 {alarms}/{len(right)}（{alarms / len(right):.0%}）"]
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    shown = sum(2 if ord(c) > 0x2E7F else 1 for c in text)
    return text + " " * max(width - shown, 1)
