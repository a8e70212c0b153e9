"""labels：class_indices 与 label_distribution，和损失函数用同一套检查。"""

import numpy as np
import pytest

from nnlearn.labels import class_indices, label_distribution


def test_class_indices_of_one_hot_and_integers():
    t = np.array([2, 0, 1, 1])
    np.testing.assert_array_equal(class_indices(np.eye(3)[t]), t)
    np.testing.assert_array_equal(class_indices(t), t)
    np.testing.assert_array_equal(class_indices(np.eye(3, dtype=int)[t], (4, 3)), t)


def test_class_indices_of_soft_labels_takes_the_most_likely():
    np.testing.assert_array_equal(class_indices([[0.2, 0.8], [0.6, 0.4]]), [1, 0])


@pytest.mark.parametrize(("t", "shape", "words"), [
    (np.array([[0], [2]]), None, ["(2, 1)", "ravel"]),
    (np.array([[0], [2]]), (2, 3), ["(2, 1)", "ravel"]),
    (np.array([0, 3]), (2, 3), ["越界", "[3]"]),
    (np.array([-1, 0]), None, ["越界", "[-1]"]),
    (np.array([0.0, 1.0]), None, ["整数"]),
    (np.array([0, 1, 2]), (2, 3), ["批大小"]),
])
def test_class_indices_errors_are_the_loss_errors(t, shape, words):
    with pytest.raises(ValueError) as info:
        class_indices(t, shape)
    for word in words:
        assert word in str(info.value)


def test_class_indices_rejects_bool():
    with pytest.raises(TypeError, match="dtype=bool"):
        class_indices(np.array([True, False]))


def test_label_distribution_one_hot_and_dtype():
    dist = label_distribution(np.array([1, 0]), np.zeros((2, 3), np.float32))
    assert dist.dtype == np.float32
    np.testing.assert_array_equal(dist, [[0, 1, 0], [1, 0, 0]])
    single = label_distribution(2, np.zeros(3))
    np.testing.assert_array_equal(single, [0, 0, 1])
    soft = np.array([[0.5, 0.5, 0.0]])
    np.testing.assert_array_equal(label_distribution(soft, np.zeros((1, 3))), soft)
    assert label_distribution(soft, np.zeros((1, 3), np.float32)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32])
@pytest.mark.parametrize("n_classes", [3, 200, 40000])
def test_range_check_finds_negative_and_too_large_labels_for_every_int_dtype(dtype, n_classes):
    """一次归约的越界检查（负数按无符号数看）在每种整数宽度下都查得出两端。"""
    from nnlearn.labels import check_labels

    info = np.iinfo(dtype)
    for bad in (-1, info.min, n_classes):
        if not info.min <= bad <= info.max or 0 <= bad < n_classes:  # 该 dtype 存不下，或本来就合法
            continue
        with pytest.raises(ValueError, match="越界"):
            check_labels(np.array([0, bad], dtype=dtype), (2, n_classes))
    top = min(n_classes - 1, info.max)
    assert check_labels(np.array([0, top], dtype=dtype), (2, n_classes))[0] == "index"
