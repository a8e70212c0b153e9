r"""优化器：按梯度更新参数（§1.3.6）。

每个优化器只有一个方法 ``update(params, grads)``：两个列表一一对应，参数**就地**修改，
所以模型和层手里的数组始终是同一批对象。动量、累计平方梯度这类状态在第一次调用时
按参数的形状和 dtype 创建，并绑定在这组参数上（见 ``Optimizer``）；SGD 没有状态，
任何参数列表都可以，但同一个数组出现两次同样报错。

AdaGrad、RMSprop、Adam 的分母里加的 ``1e-7`` 是为了避免除以 0（状态全为 0 时），
与在交叉熵的 log 里加小常数（会改变损失的值）不是一回事。
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

from nnlearn.backend import is_cupy_array

__all__ = ["BY_NAME", "SGD", "AdaGrad", "Adam", "Momentum", "Nesterov", "Optimizer", "RMSprop", "make_optimizer"]

# 自适应方法分母里的小常数：只防止 0/0，不改变有意义的结果。
EPS = 1e-7


def _check_hyper(name: str, value: float, *, low: float = 0.0, high: float | None = None,
                 include_low: bool = False) -> float:
    """超参数必须是有限实数且落在合理区间，否则给出清楚的错误。"""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} 应为实数，收到 {type(value).__name__}：{value!r}")
    v = float(value)
    ok_low = v >= low if include_low else v > low
    ok_high = high is None or v < high
    if not (np.isfinite(v) and ok_low and ok_high):
        lo = "[" if include_low else "("
        hi = f"{high})" if high is not None else "∞)"
        raise ValueError(f"{name} 应在 {lo}{low}, {hi} 之内，收到 {value!r}")
    return v


def _fraction(name: str, value: float) -> float:
    """衰减率一类的超参数：取值在 [0, 1)。"""
    return _check_hyper(name, value, low=0.0, high=1.0, include_low=True)


#: ``update`` 的参数：数组的列表（书中的 ``params``、``grads``）。
Arrays = Sequence[np.ndarray]


def _same(now: Sequence[object], before: list[object]) -> bool:
    """两个列表逐个是同一个对象（``is``），不比较数值。"""
    return len(now) == len(before) and all(map(operator.is_, now, before))


class Optimizer:
    """优化器的公共部分：检查参数与梯度一一对应，状态绑定在第一次见到的那组参数上。

    有状态的优化器（Momentum、AdaGrad、RMSprop、Adam）第一次 ``update`` 时记住这组参数
    （按对象，不按位置），以后每次都必须是**同一批数组、同样的顺序**；换了、少了、调了
    顺序都会报错，而不是把一个参数的动量悄悄用到另一个参数上。换一组参数请新建优化器。
    同一个数组在一次调用里出现两次也会报错（否则它会被更新两次）。
    """

    def __init__(self) -> None:
        self._params: list[np.ndarray] | None = None
        self._checked: tuple[list[np.ndarray], list[np.ndarray]] | None = None

    def _check(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        # 常见情形：与上次检查过的是同一批数组对象（model.params、model.grads），
        # 形状、dtype、去重和绑定都已查过，只比对象身份（每步不到 1 微秒）
        last = self._checked
        if last is not None and _same(params, last[0]) and _same(grads, last[1]):
            return
        self._full_check(params, grads)
        self._checked = (list(params), list(grads))

    def _full_check(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        for name, seq in (("params", params), ("grads", grads)):
            if not isinstance(seq, list | tuple):
                raise TypeError(
                    f"{name} 应是数组的列表（例如 [W, b]），收到 {type(seq).__name__}"
                    + ("；只有一个参数时也请写成 [W]" if hasattr(seq, "shape") else "")
                )
            for i, a in enumerate(seq):
                ok = isinstance(a, np.ndarray) or is_cupy_array(a)
                if not ok and (name == "params" or not hasattr(a, "shape")):
                    why = "（参数要就地更新，必须是 ndarray）" if name == "params" else ""
                    raise TypeError(f"{name} 的第 {i} 个元素应是数组{why}，收到 {type(a).__name__}")
        if len(params) != len(grads):
            raise ValueError(
                f"params 与 grads 的个数应相同，收到 {len(params)} 个参数、{len(grads)} 个梯度"
            )
        seen: dict[int, int] = {}
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if p.dtype.kind != "f":
                raise TypeError(
                    f"第 {i} 个参数的 dtype 是 {p.dtype}，应为浮点数组（就地更新整数数组会截断）"
                )
            if not getattr(p.flags, "writeable", True):  # CuPy 数组没有这个标志
                raise ValueError(
                    f"第 {i} 个参数（形状 {p.shape}）是只读数组（flags.writeable 为 False）：update 要就地修改它。"
                    "请传可写的数组，例如 W = W.copy()"
                )
            if np.dtype(g.dtype).kind not in "fiu":
                raise TypeError(f"第 {i} 个梯度的 dtype 是 {g.dtype}，应是实数（整数或浮点）数组")
            if p.shape != g.shape:
                raise ValueError(
                    f"第 {i} 个参数的形状是 {p.shape}，它的梯度却是 {g.shape}；两者应相同"
                )
            if id(p) in seen:
                raise ValueError(
                    f"第 {seen[id(p)]} 个和第 {i} 个参数是同一个数组（形状 {p.shape}）："
                    "它会被更新两次。每个参数在 params 里只能出现一次"
                )
            seen[id(p)] = i
        if self._params is not None:
            self._check_same_params(params)

    def _check_same_params(self, params: Sequence[np.ndarray]) -> None:
        """状态是按第一次的参数建的：这次必须是同一批数组、同样的顺序。"""
        known = self._params or []
        for i, p in enumerate(params):
            if i < len(known) and p is known[i]:
                continue
            where = next((j for j, q in enumerate(known) if q is p), None)
            detail = (f"第 {i} 个参数（形状 {p.shape}）是上次的第 {where} 个" if where is not None
                      else f"第 {i} 个参数（形状 {p.shape}）不是上次那组参数里的数组")
            raise ValueError(
                f"{type(self).__name__} 的状态是按上次的 {len(known)} 个参数建立的，{detail}；"
                "每次应传同一个 params 列表（例如 model.params），换一组参数请新建一个优化器"
            )
        if len(params) != len(known):
            raise ValueError(
                f"{type(self).__name__} 的状态是按 {len(known)} 个参数建立的，这次收到 {len(params)} 个；"
                "换一组参数请新建一个优化器"
            )

    def _zeros_like(self, params: Sequence[np.ndarray]) -> list[np.ndarray]:
        """第一次调用时为每个参数建一份同形状、同 dtype 的零状态，并记住这组参数。"""
        self._params = list(params)
        return [np.zeros_like(p) for p in params]

    def update(self, params: Arrays, grads: Arrays) -> None:
        raise NotImplementedError


# --8<-- [start:sgd]
class SGD(Optimizer):
    r"""随机梯度下降：沿梯度的反方向走一小步。

    $$\mathbf{W} \leftarrow
    \mathbf{W} - \eta \frac{\partial L}{\partial \mathbf{W}}$$

    >>> import numpy as np
    >>> w, g = np.array([1.0, 2.0]), np.array([10.0, -10.0])
    >>> SGD(lr=0.1).update([w], [g])
    >>> w.tolist()
    [0.0, 3.0]
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__()
        self.lr = _check_hyper("lr", lr)

    def update(self, params: Arrays, grads: Arrays) -> None:
        self._check(params, grads)
        for param, grad in zip(params, grads, strict=True):
            param -= self.lr * grad  # 就地减：层里持有的数组随之更新
# --8<-- [end:sgd]


# --8<-- [start:momentum]
class Momentum(Optimizer):
    r"""Momentum：像有惯性的小球，速度 $\mathbf{v}$ 累积过去的梯度。

    $$\mathbf{v} \leftarrow
    \alpha\mathbf{v} - \eta\frac{\partial L}{\partial \mathbf{W}},
    \qquad \mathbf{W} \leftarrow \mathbf{W} + \mathbf{v}$$
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__()
        self.lr = _check_hyper("lr", lr)
        self.momentum = _fraction("momentum", momentum)
        self.v: list[np.ndarray] | None = None

    def update(self, params: Arrays, grads: Arrays) -> None:
        self._check(params, grads)
        if self.v is None:
            self.v = self._zeros_like(params)
        for param, grad, v in zip(params, grads, self.v, strict=True):
            v *= self.momentum
            v -= self.lr * grad
            param += v
# --8<-- [end:momentum]


# --8<-- [start:nesterov]
class Nesterov(Momentum):
    r"""Nesterov 动量：先按速度“往前看”一步，用那里的梯度更新速度。

    原始形式要在 $\mathbf{W} + \alpha\mathbf{v}$ 处求梯度，而 ``update`` 只拿得到当前参数处的梯度。
    标准的改写是让参数本身记录“往前看”的那个点 $\mathbf{W} + \alpha\mathbf{v}$，每一步
    （右边的 $\mathbf{v}$ 都是更新前的速度）：

    $$\begin{aligned}
    \mathbf{W} &\leftarrow \mathbf{W} + \alpha^2\mathbf{v}
      - (1 + \alpha)\,\eta\frac{\partial L}{\partial \mathbf{W}} \\
    \mathbf{v} &\leftarrow \alpha\mathbf{v} - \eta\frac{\partial L}{\partial \mathbf{W}}
    \end{aligned}$$

    $\alpha = 0$ 时就是 SGD。书的配套代码（``common/optimizer.py``）先更新 $\mathbf{v}$，
    再把 $\alpha^2$ 乘在更新后的速度上，与这里的结果不同。

    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> opt = Nesterov(lr=0.1, momentum=0.9)
    >>> for _ in range(3):
    ...     opt.update([w], [2 * w])        # f(w) = w² 的梯度
    ...     print(f"{w[0]:.3f}")
    0.620
    0.222
    -0.108
    """

    # 超参数和速度的保存方式与 Momentum 相同，只有 update 不同
    def update(self, params: Arrays, grads: Arrays) -> None:
        self._check(params, grads)
        if self.v is None:
            self.v = self._zeros_like(params)
        a = self.momentum
        for param, grad, v in zip(params, grads, self.v, strict=True):
            param += a * a * v  # 用更新前的速度
            param -= (1 + a) * self.lr * grad
            v *= a
            v -= self.lr * grad
# --8<-- [end:nesterov]


# --8<-- [start:adagrad]
class AdaGrad(Optimizer):
    r"""AdaGrad：每个元素按自己累计过的梯度平方缩小学习率。

    $$\mathbf{h} \leftarrow \mathbf{h}
    + \frac{\partial L}{\partial \mathbf{W}} \odot
    \frac{\partial L}{\partial \mathbf{W}}, \qquad
    \mathbf{W} \leftarrow \mathbf{W} - \eta \frac{1}{\sqrt{\mathbf{h}}}
    \frac{\partial L}{\partial \mathbf{W}}$$
    """

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__()
        self.lr = _check_hyper("lr", lr)
        self.h: list[np.ndarray] | None = None

    def update(self, params: Arrays, grads: Arrays) -> None:
        self._check(params, grads)
        if self.h is None:
            self.h = self._zeros_like(params)
        for param, grad, h in zip(params, grads, self.h, strict=True):
            h += grad * grad
            param -= self.lr * grad / (np.sqrt(h) + EPS)
# --8<-- [end:adagrad]


# --8<-- [start:rmsprop]
class RMSprop(Optimizer):
    r"""RMSprop：把 AdaGrad 的累加换成指数移动平均，
    $\mathbf{h} \leftarrow \rho\mathbf{h}
    + (1-\rho)\,\frac{\partial L}{\partial \mathbf{W}} \odot
    \frac{\partial L}{\partial \mathbf{W}}$，$\rho$ 即 ``decay_rate``。
    """

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99) -> None:
        super().__init__()
        self.lr = _check_hyper("lr", lr)
        self.decay_rate = _fraction("decay_rate", decay_rate)
        self.h: list[np.ndarray] | None = None

    def update(self, params: Arrays, grads: Arrays) -> None:
        self._check(params, grads)
        if self.h is None:
            self.h = self._zeros_like(params)
        for param, grad, h in zip(params, grads, self.h, strict=True):
            h *= self.decay_rate
            h += (1 - self.decay_rate) * grad * grad
            param -= self.lr * grad / (np.sqrt(h) + EPS)
# --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam(Optimizer):
    r"""Adam：梯度的一阶矩 $\mathbf{m}$ 与二阶矩 $\mathbf{v}$ 的移动平均，
    并把偏差校正并入学习率 $\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)$。
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999) -> None:
        super().__init__()
        self.lr = _check_hyper("lr", lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.iter = 0
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def update(self, params: Arrays, grads: Arrays) -> None:
        self._check(params, grads)
        if self.m is None or self.v is None:
            self.m = self._zeros_like(params)
            self.v = self._zeros_like(params)
        self.iter += 1
        t = self.iter
        lr_t = self.lr * math.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        states = zip(self.m, self.v, strict=True)
        for param, grad, (m, v) in zip(params, grads, states, strict=True):
            m += (1 - self.beta1) * (grad - m)
            v += (1 - self.beta2) * (grad**2 - v)
            param -= lr_t * m / (np.sqrt(v) + EPS)
# --8<-- [end:adam]


#: 命令行 ``--optimizer`` 的名字与优化器类的对应（命令行和训练游乐场共用这一份）。
BY_NAME: dict[str, type[Optimizer]] = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad, "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name: str, lr: float) -> Optimizer:
    """按名字建优化器，其余超参数取默认值。

    >>> make_optimizer("adam", 0.01).lr
    0.01
    """
    if name not in BY_NAME:
        raise ValueError(f"optimizer 应是 {sorted(BY_NAME)} 之一，收到 {name!r}")
    return BY_NAME[name](lr=lr)
