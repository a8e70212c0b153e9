"""调用读者的代码：每次调用都有时间上限，抛出的异常包成 ``LearnerError``，检查器据此写报告。

时间上限由一个看门狗线程执行：调用超时时，它往调用所在的线程里注入一个异常
（``PyThreadState_SetAsyncExc``），Python 代码里的死循环在下一条字节码处就停下来。
这个异常继承 ``BaseException``，读者的 ``except Exception`` 拦不住它；被裸 ``except:`` 拦住时，
看门狗每隔 ``REFIRE_S`` 秒再来一次。卡在一次不返回的 C 调用里（例如 ``time.sleep(1e6)``）的代码
要等那次调用返回才能停下：命令行为此另给一个 ``on_stuck`` 回调，直接结束进程。
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from typing import Any

from nnlearn.check.text import learner_frames

#: 每次调用读者代码（forward、backward、update、构造、载入文件）的默认时间上限（秒）。
DEFAULT_TIMEOUT = 10.0
POLL_S = 0.02  # 看门狗查看的间隔
REFIRE_S = 0.5  # 注入的异常被读者的代码拦住时，隔多久再注入
STUCK_AFTER = 4  # 注入这么多次仍没停下：卡在 C 代码里，交给 on_stuck


class Expired(BaseException):
    """看门狗注入读者代码的异常（不是 Exception 的子类：读者的 except Exception 拦不住）。"""


class CheckTimeout(Exception):
    """读者的某个方法超过了时间上限。"""

    def __init__(self, what: str, seconds: float, line: str) -> None:
        super().__init__(f"{what} 超过 {seconds:g} 秒")
        self.what, self.seconds, self.line = what, seconds, line

    def text(self, option: str = "timeout=") -> str:
        where = f"\n停在这一行：{self.line}" if self.line else ""
        return (f"{self.what} 运行了 {self.seconds:g} 秒还没有结束，检查停在这里：是不是有死循环"
                f"（例如 while 的条件一直成立）？{where}\n"
                f"确实需要更多时间时，把时间上限调大（{option}）")


class LearnerError(Exception):
    """读者的代码抛出的异常；``what`` 是哪一次调用（“forward”“第二次 backward”……）。"""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__(f"{what}：{error}")
        self.what, self.error = what, error


def _inject(thread_id: int, exc: type[BaseException] | None) -> None:
    """往线程里注入异常；``None`` 清掉还没送达的那一个。"""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               None if exc is None else ctypes.py_object(exc))


class Guard:
    """一次检查里对读者代码的全部调用：计时、转换异常。用作上下文管理器（启动、停止看门狗）。

    ``timeout`` 为 ``None`` 时不限时（也不启动看门狗线程）。
    """

    def __init__(self, timeout: float | None = DEFAULT_TIMEOUT, *,
                 on_stuck: Callable[[str, float], None] | None = None, option: str = "timeout=") -> None:
        self.timeout, self.on_stuck = timeout, on_stuck
        self.option = option  # 报告里告诉读者怎样调大时间上限（Python 是 timeout=，命令行是 --timeout）
        self._thread_id = threading.get_ident()
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._what = ""
        self._fired = 0
        self.expired: CheckTimeout | None = None  # 最近一次超时（注入的异常没能在 call 里转换时用）
        self._stop = threading.Event()
        self._dog: threading.Thread | None = None

    def __enter__(self) -> Guard:
        self._thread_id = threading.get_ident()
        self._stop = threading.Event()  # 同一个 Guard 可以先后用几次（命令行：载入，再检查）
        if self.timeout is not None:
            self._dog = threading.Thread(target=self._watch, name="nnlearn-check-watchdog", daemon=True)
            self._dog.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._dog is not None:
            self._dog.join()

    def call(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """调用 ``fn(*args)``：超时抛 ``CheckTimeout``，``fn`` 的异常包成 ``LearnerError``。"""
        self._arm(what)
        try:
            return fn(*args)
        except Expired as expired:
            frames = learner_frames(expired)
            line = (frames[-1].line or "").strip() if frames else ""
            raise CheckTimeout(what, self.timeout or 0.0, line) from None
        except Exception as error:
            raise LearnerError(what, error) from error
        finally:
            self._disarm()

    def _arm(self, what: str) -> None:
        if self.timeout is None:
            return
        with self._lock:
            self._what, self._fired = what, 0
            self._deadline = time.monotonic() + self.timeout

    def _disarm(self) -> None:
        if self.timeout is None:
            return
        while True:
            try:
                with self._lock:
                    self._deadline = None
                    if self._fired:
                        _inject(self._thread_id, None)  # 已注入、还没送达的那一个不要再送了
                return
            except Expired:  # 恰好在这里送达：调用已经结束，不算超时
                continue

    def _watch(self) -> None:
        while not self._stop.wait(POLL_S):
            stuck = None
            with self._lock:
                if self._deadline is None or time.monotonic() < self._deadline:
                    continue
                self._fired += 1
                self.expired = CheckTimeout(self._what, self.timeout or 0.0, "")
                _inject(self._thread_id, Expired)
                self._deadline = time.monotonic() + REFIRE_S
                if self._fired > STUCK_AFTER:
                    stuck = self._what
            if stuck is not None and self.on_stuck is not None:
                self.on_stuck(stuck, self.timeout or 0.0)
