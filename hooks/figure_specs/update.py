"""1.3.6 权重的更新：学习率的影响与各优化器的路径。"""

from nnlearn.plotting.optimizers import learning_rate_paths, optimizer_paths

FIGURES = {
    "update-learning-rate.png": learning_rate_paths,
    "update-optimizer-paths.png": optimizer_paths,
}
