"""正确的实现：包里的每个层、节点、损失和优化器，各用两种诚实的写法（读者会写出来的那种）。

两种写法刻意不同：``@`` 与 ``np.dot``，``[...] =`` 与 ``np.copyto``，one-hot 与整数标签，
就地运算与新建数组，列表状态与按下标的字典状态。检查器必须让它们全部“全部通过”。
``mutants.py`` 在这些类的源代码上做一处替换，造出写错的版本。
"""

# 读者的写法：zip 不写 strict=、解包出用不到的变量，都是真实代码里常见的样子
# ruff: noqa: B905, RUF059
from __future__ import annotations

import numpy as np


# -- 层 ------------------------------------------------------------------------------
class MatMulA:
    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]
        self.x = None

    def forward(self, x):
        (W,) = self.params
        self.x = x
        return x @ W

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        (W,) = self.params
        self.grads[0][...] = self.x.T @ dout
        return dout @ W.T


class MatMulB:
    def __init__(self, W):
        self.params = [W]
        self.grads = [np.zeros(W.shape)]
        self.x = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.params[0])

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("backward 之前要先 forward")
        W = self.params[0]
        np.copyto(self.grads[0], np.dot(self.x.T, dout))
        dx = np.dot(dout, W.T)
        return dx


class AffineA:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        self.x = x
        return x @ W + b

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        W, b = self.params
        self.grads[0][...] = self.x.T @ dout
        self.grads[1][...] = dout.sum(axis=0)
        return dout @ W.T


class AffineB:
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.x = None

    def forward(self, x):
        self.x = x
        out = np.dot(x, self.params[0])
        out += self.params[1]
        return out

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        W = self.params[0]
        np.copyto(self.grads[0], np.dot(self.x.T, dout))
        np.copyto(self.grads[1], np.sum(dout, axis=0))
        dx = np.dot(dout, W.T)
        return dx


class SigmoidA:
    def __init__(self):
        self.params, self.grads = [], []
        self.x = None
        self.out = None

    def forward(self, x):
        self.x = x
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        if self.out is None:
            raise RuntimeError("请先调用 forward")
        dx = dout * (1.0 - self.out) * self.out
        return dx


class SigmoidB:
    def __init__(self):
        self.params, self.grads = [], []
        self.y = None

    def forward(self, x):
        y = 0.5 * (np.tanh(0.5 * x) + 1.0)
        self.y = y
        return y

    def backward(self, dout):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        dx = 1.0 - self.y
        dx *= self.y
        dx *= dout
        return dx


class SoftmaxA:
    def __init__(self):
        self.params, self.grads = [], []
        self.x = None
        self.out = None

    def forward(self, x):
        self.x = x
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.out = e / e.sum(axis=1, keepdims=True)
        return self.out

    def backward(self, dout):
        if self.out is None:
            raise RuntimeError("请先调用 forward")
        dx = self.out * dout
        dx -= self.out * dx.sum(axis=1, keepdims=True)
        return dx


class SoftmaxB:
    def __init__(self):
        self.params, self.grads = [], []
        self.y = None

    def forward(self, x):
        shifted = x - np.max(x, axis=-1, keepdims=True)
        e = np.exp(shifted)
        self.y = e / np.sum(e, axis=-1, keepdims=True)
        return self.y

    def backward(self, dout):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        s = np.sum(dout * self.y, axis=-1, keepdims=True)
        return self.y * (dout - s)


class SoftmaxWithLossA:
    """one-hot 标签。"""

    LABELS = "onehot"

    def __init__(self):
        self.params, self.grads = [], []
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        batch_size = x.shape[0]
        return -np.sum(t * np.log(self.y)) / batch_size

    def backward(self, dout=1.0):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        batch_size = self.t.shape[0]
        dx = (self.y - self.t) * dout / batch_size
        return dx


class SoftmaxWithLossB:
    """整数标签。"""

    LABELS = "index"

    def __init__(self):
        self.params, self.grads = [], []
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        log_y = x - x.max(axis=1, keepdims=True)
        log_y -= np.log(np.exp(log_y).sum(axis=1, keepdims=True))
        self.y = np.exp(log_y)
        n = len(t)
        return float(-log_y[np.arange(n), t].mean())

    def backward(self, dout=1):
        if self.y is None:
            raise RuntimeError("请先调用 forward")
        n = len(self.t)
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        dx *= dout
        dx /= n
        return dx


# -- 节点 ------------------------------------------------------------------------------
class AddA:
    """y 是一行 (D,)：正向广播到 N 行，反向沿第 0 轴求和。"""

    def __init__(self):
        self.params, self.grads = [], []
        self.y_shape = None

    def forward(self, x, y):
        self.y_shape = y.shape
        return x + y

    def backward(self, dout):
        if self.y_shape is None:
            raise RuntimeError("请先调用 forward")
        dx = dout.copy()
        dy = dout.sum(axis=0)
        return dx, dy


class AddB:
    def __init__(self):
        self.params, self.grads = [], []
        self.shapes = None

    def forward(self, x, y):
        self.shapes = (np.shape(x), np.shape(y))
        return np.add(x, y)

    def backward(self, dout):
        if self.shapes is None:
            raise RuntimeError("请先调用 forward")
        dx = np.array(dout)
        dy = np.sum(dout, axis=0).reshape(self.shapes[1])
        return dx, dy


class MulA:
    """y 是一行 (1, D)：反向时 dy 沿第 0 轴求和。"""

    def __init__(self):
        self.params, self.grads = [], []
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("请先调用 forward")
        dx = dout * self.y
        dy = (dout * self.x).sum(axis=0, keepdims=True)
        return dx, dy


class MulB:
    def __init__(self):
        self.params, self.grads = [], []
        self.inputs = None

    def forward(self, x, y):
        self.inputs = (x, y)
        return np.multiply(x, y)

    def backward(self, dout):
        if self.inputs is None:
            raise RuntimeError("请先调用 forward")
        x, y = self.inputs
        dx = np.multiply(dout, y)
        dy = np.sum(np.multiply(dout, x), axis=0, keepdims=True)
        return dx, dy


class BranchA:
    """复制成 3 份。"""

    def __init__(self):
        self.params, self.grads = [], []
        self.n = 3
        self.shape = None

    def forward(self, x):
        self.shape = x.shape
        return tuple(x.copy() for _ in range(self.n))

    def backward(self, *douts):
        if self.shape is None:
            raise RuntimeError("请先调用 forward")
        dx = douts[0].copy()
        for d in douts[1:]:
            dx += d
        return dx


class BranchB:
    def __init__(self):
        self.params, self.grads = [], []
        self.ready = False

    def forward(self, x):
        self.ready = True
        return x.copy(), x.copy(), x.copy()

    def backward(self, d0, d1, d2):
        if not self.ready:
            raise RuntimeError("请先调用 forward")
        return np.sum([d0, d1, d2], axis=0)


class RepeatA:
    """(1, D) 复制成 (4, D)。"""

    def __init__(self):
        self.params, self.grads = [], []
        self.n = 4
        self.x_shape = None

    def forward(self, x):
        if x.shape[0] != 1:
            raise ValueError("Repeat 的输入应为 (1, D)")
        self.x_shape = x.shape
        return np.repeat(x, self.n, axis=0)

    def backward(self, dout):
        if self.x_shape is None:
            raise RuntimeError("请先调用 forward")
        dx = dout.sum(axis=0, keepdims=True)
        return dx


class RepeatB:
    def __init__(self):
        self.params, self.grads = [], []
        self.n = 4
        self.d = None

    def forward(self, x):
        assert x.shape[0] == 1, "Repeat 只接受一行"
        self.d = x.shape[1]
        return np.tile(x, (self.n, 1))

    def backward(self, dout):
        if self.d is None:
            raise RuntimeError("请先调用 forward")
        return np.sum(dout, axis=0).reshape(1, self.d)


class SumA:
    def __init__(self):
        self.params, self.grads = [], []
        self.n = None

    def forward(self, x):
        self.n = x.shape[0]
        return x.sum(axis=0, keepdims=True)

    def backward(self, dout):
        if self.n is None:
            raise RuntimeError("请先调用 forward")
        return np.repeat(dout, self.n, axis=0)


class SumB:
    def __init__(self):
        self.params, self.grads = [], []
        self.shape = None

    def forward(self, x):
        self.shape = x.shape
        return np.sum(x, axis=0, keepdims=True)

    def backward(self, dout):
        if self.shape is None:
            raise RuntimeError("请先调用 forward")
        dx = np.broadcast_to(dout, self.shape).copy()
        return dx


# -- 优化器 --------------------------------------------------------------------------
class SGDA:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for param, grad in zip(params, grads):
            param -= self.lr * grad


class SGDB:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for i in range(len(params)):
            params[i][...] = params[i] - self.lr * grads[i]


class MomentumA:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for param, grad, v in zip(params, grads, self.v):
            v *= self.momentum
            v -= self.lr * grad
            param += v


class MomentumB:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = {}

    def update(self, params, grads):
        for i, (param, grad) in enumerate(zip(params, grads)):
            if i not in self.v:
                self.v[i] = np.zeros_like(param)
            self.v[i] = self.momentum * self.v[i] - self.lr * grad
            param += self.v[i]


class NesterovA:
    """标准改写：记录 W + αv，每步移动 α² v_旧 − (1+α) η g。"""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for param, grad, v in zip(params, grads, self.v):
            param += self.momentum * self.momentum * v
            param -= (1 + self.momentum) * self.lr * grad
            v *= self.momentum
            v -= self.lr * grad


class NesterovB:
    """同一个公式的另一种写法：先算新速度，再移动 −α v_旧 + (1+α) v_新。"""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = [np.zeros(p.shape) for p in params]
        for i in range(len(params)):
            v_old = self.v[i].copy()
            self.v[i] = self.momentum * self.v[i] - self.lr * grads[i]
            params[i] += -self.momentum * v_old + (1 + self.momentum) * self.v[i]


class AdaGradA:
    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = [np.zeros_like(p) for p in params]
        for param, grad, h in zip(params, grads, self.h):
            h += grad * grad
            param -= self.lr * grad / (np.sqrt(h) + 1e-7)


class AdaGradB:
    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = [np.zeros(p.shape) for p in params]
        for i in range(len(params)):
            self.h[i] = self.h[i] + grads[i] ** 2
            params[i] -= self.lr * grads[i] / (np.sqrt(self.h[i]) + 1e-7)


class RMSpropA:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate = lr, decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = [np.zeros_like(p) for p in params]
        for param, grad, h in zip(params, grads, self.h):
            h *= self.decay_rate
            h += (1 - self.decay_rate) * grad * grad
            param -= self.lr * grad / (np.sqrt(h) + 1e-7)


class RMSpropB:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = {}

    def update(self, params, grads):
        for i, (param, grad) in enumerate(zip(params, grads)):
            h = self.h.get(i, np.zeros_like(param))
            h = self.decay_rate * h + (1 - self.decay_rate) * np.square(grad)
            self.h[i] = h
            np.copyto(param, param - self.lr * grad / (np.sqrt(h) + 1e-7))


class AdamA:
    """书中的写法：偏差校正并进学习率。"""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for param, grad, m, v in zip(params, grads, self.m, self.v):
            m += (1 - self.beta1) * (grad - m)
            v += (1 - self.beta2) * (grad**2 - v)
            param -= lr_t * m / (np.sqrt(v) + 1e-7)


class AdamB:
    """教科书的写法：先算 m̂、v̂，eps 放在外面（与书的写法只差约 1e-7 × eps 的量级）。"""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.t = 0
        self.state = None

    def update(self, params, grads):
        if self.state is None:
            self.state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.t += 1
        for i, (param, grad) in enumerate(zip(params, grads)):
            m, v = self.state[i]
            m = self.beta1 * m + (1 - self.beta1) * grad
            v = self.beta2 * v + (1 - self.beta2) * grad * grad
            self.state[i] = (m, v)
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            param -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)
