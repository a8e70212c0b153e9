"""recipe：TrainConfig 检查每个字段，command() 与 train() 一致，train 就是书中的组装。"""

import dataclasses

import numpy as np
import pytest

from nnlearn.datasets import load_spiral
from nnlearn.models import TwoLayerNet
from nnlearn.optim import Adam
from nnlearn.recipe import TrainConfig, build, train
from nnlearn.trainer import Trainer, TrainingDivergedError


def test_defaults_are_the_books_setting():
    c = TrainConfig()
    assert (c.hidden_size, c.lr, c.optimizer, c.epochs, c.batch_size, c.seed) == (10, 1.0, "sgd", 300, 30, 0)
    assert c.command() == ("python -m nnlearn train --hidden-size 10 --lr 1 --optimizer sgd --epochs 300 "
                           "--batch-size 30 --seed 0")


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().lr = 2.0  # type: ignore[misc]


def test_train_is_the_books_assembly():
    # 与手写的 TwoLayerNet + Adam + Trainer 逐位相同
    config = TrainConfig(hidden_size=3, optimizer="adam", lr=0.1, epochs=8)
    trainer = train(config)
    x, t = load_spiral()
    model = TwoLayerNet(2, 3, 3, seed=0)
    by_hand = Trainer(model, Adam(lr=0.1), seed=0)
    by_hand.fit(x, t, max_epoch=8, batch_size=30, eval_interval=10, verbose=False)
    assert trainer.loss_list == by_hand.loss_list
    for p, q in zip(trainer.model.params, model.params, strict=True):
        np.testing.assert_array_equal(p, q)


def test_weight_scale_and_dtype_reach_the_model():
    trainer = train(TrainConfig(epochs=1, weight_scale="he", dtype="float32"))
    assert all(p.dtype == np.float32 for p in trainer.model.params)
    reference = TwoLayerNet(2, 10, 3, seed=0, weight_scale="he")
    np.testing.assert_allclose(  # 训练一轮前的初值相同：第一层权重的量级是 √(2/2) = 1
        np.std(reference.params[0]), 1.0, rtol=0.5)


def test_custom_data_integer_labels_and_validation_accuracy():
    x, t = load_spiral(n_per_class=20, n_classes=4)
    labels = t.argmax(axis=1)
    trainer = train(TrainConfig(hidden_size=5, epochs=3, batch_size=10), x, labels, x_val=x, t_val=labels)
    assert trainer.model.params[2].shape == (5, 4)  # 类别数从标签里读出
    assert len(trainer.val_acc_list) == 3
    assert len(trainer.loss_list) == 3  # 默认每轮记一次


def test_callback_and_eval_interval_are_passed_through():
    epochs = []
    trainer = train(TrainConfig(epochs=3, eval_interval=5), callback=lambda e, tr: epochs.append(e))
    assert epochs == [1, 2, 3]
    assert trainer.loss_iters == [5, 10, 15, 20, 25, 30]


def test_divergence_keeps_the_trainer_on_the_error():
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(TrainingDivergedError) as err:
        train(TrainConfig(lr=1e300, epochs=5))
    assert isinstance(err.value.trainer, Trainer)
    assert err.value.trainer.current_epoch == 1


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"hidden_size": 0}, ValueError, "hidden_size"),
        ({"hidden_size": 2.5}, TypeError, "hidden_size"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"lr": "1"}, TypeError, "lr"),
        ({"optimizer": "sgdd"}, ValueError, "optimizer 应是 sgd、momentum"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": -3}, ValueError, "batch_size"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": None}, ValueError, "seed"),
        ({"dtype": "int32"}, ValueError, "dtype"),
        ({"weight_scale": "glorot"}, ValueError, "weight_scale 应是正数或 xavier、he"),
        ({"weight_scale": 0.0}, ValueError, "weight_scale"),
        ({"max_grad": 0.0}, ValueError, "max_grad"),
        ({"eval_interval": 0}, ValueError, "eval_interval"),
    ],
)
def test_every_field_is_checked_in_chinese(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        TrainConfig(**kwargs)


def test_train_rejects_bad_arguments():
    with pytest.raises(TypeError, match="TrainConfig"):
        train({"lr": 1.0})
    x, t = load_spiral()
    with pytest.raises(ValueError, match="同时给出"):
        train(TrainConfig(epochs=1), x)
    with pytest.raises(ValueError, match="二维"):
        train(TrainConfig(epochs=1), x[:, 0], t)


def test_command_lists_non_default_options_only():
    c = TrainConfig(hidden_size=3, lr=0.1, optimizer="adam", epochs=20, batch_size=50, seed=7)
    assert c.command() == ("python -m nnlearn train --hidden-size 3 --lr 0.1 --optimizer adam "
                           "--epochs 20 --batch-size 50 --seed 7")
    c = TrainConfig(dtype="float32", weight_scale="xavier", max_grad=5.0, eval_interval=4)
    assert c.command().endswith("--seed 0 --dtype float32 --weight-scale xavier --max-grad 5 --eval-interval 4")


def test_command_round_trips_through_the_flags():
    c = TrainConfig(hidden_size=7, lr=0.123456789, optimizer="rmsprop", epochs=9, batch_size=12, seed=5,
                    dtype="float32", weight_scale=0.5, max_grad=1.5, eval_interval=3)
    words = c.command().split()[4:]
    parsed = {}
    flags = {option: (name, flag) for name, option, flag, _ in TrainConfig.flags()}
    for option, text in zip(words[::2], words[1::2], strict=True):
        name, flag = flags[option]
        parsed[name] = flag.parse(text)
    assert TrainConfig(**parsed) == c


@pytest.mark.parametrize("config", [TrainConfig(), TrainConfig(dtype="float32", weight_scale="xavier",
                                                               max_grad=5.0, eval_interval=10)])
def test_multiline_command_has_short_lines_and_the_same_words(config):
    text = config.command(multiline=True)
    lines = text.split("\n")
    assert all(len(line) <= 60 for line in lines)
    assert all(line.endswith(" \\") for line in lines[:-1])
    assert text.replace(" \\\n", " ").split() == config.command().split()


def test_build_gives_the_untrained_model_of_train():
    config = TrainConfig(hidden_size=4, optimizer="momentum", lr=0.5, epochs=3, seed=2)
    before = build(config)
    assert before.iteration == 0 and before.loss_list == []
    assert type(before.optimizer).__name__ == "Momentum" and before.optimizer.lr == 0.5
    first = []
    train(config, callback=lambda e, tr: first.append(tr.model.params[0].copy()) if e == 1 else None)
    again = build(config)
    for p, q in zip(before.model.params, again.model.params, strict=True):
        np.testing.assert_array_equal(p, q)  # 每次组装逐位相同
    assert not np.array_equal(before.model.params[0], first[0])  # 训练一轮后变了
