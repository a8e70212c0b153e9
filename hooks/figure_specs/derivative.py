"""导数和梯度页的图：切线、差分误差、梯度场。"""

import numpy as np

from nnlearn.plotting.calculus import plot_difference_error, plot_gradient_field, plot_tangents


def _book_function(x):
    return 0.01 * x**2 + 0.1 * x


def _cube(x):
    return x * x * x


def _cube_derivative(x):
    return 3 * x * x


def _bowl(p):
    return p[0] ** 2 + p[1] ** 2


FIGURES = {
    "derivative-tangents.png": lambda: plot_tangents(
        _book_function, [5.0, 10.0, 15.0], x_range=(0.0, 20.0), label="y = 0.01x^2 + 0.1x"),
    "derivative-error.png": lambda: plot_difference_error(
        _cube, _cube_derivative, 1.0, hs=np.logspace(-1, -14, 40), label="f(x) = x^3"),
    "derivative-gradient-field.png": lambda: plot_gradient_field(
        _bowl, xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), n=15, label="f(x_0, x_1) = x_0^2 + x_1^2"),
}
