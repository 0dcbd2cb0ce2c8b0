"""Pure-Python work shared between this process and a copy of it made with fork, on a machine
with two or more cores. The copy starts with everything this process holds (imported
libraries, tables already read) at no cost; only its answer travels back, pickled. If the copy
fails to answer, its share is done here: slower, never skipped.

Only for work that computes from what it is given: the copy must not use this process's
connections, files or threads."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


def available() -> bool:
    """Whether a second core is there to use (fork exists on Linux and macOS, not Windows)."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def share(
    work: Callable[[list[Item]], Answer], mine: list[Item], theirs: list[Item]
) -> tuple[Answer, Answer]:
    """`work(mine)` here while a copy of this process does `work(theirs)`; both answers."""
    fork = multiprocessing.get_context("fork")
    answers, answer = fork.Pipe(duplex=False)
    copy = fork.Process(target=_answer, args=(work, theirs, answer), daemon=True)
    copy.start()
    answer.close()
    try:
        here = work(mine)
        try:
            there = answers.recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            there = work(theirs)
    finally:
        answers.close()
        copy.join()
    if isinstance(there, _Failed):
        raise there.error
    return here, there


class _Failed:
    """The copy's work raised: the error, raised again here."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _answer(work: Callable, items: list, answer) -> None:
    try:
        result = work(items)
    except Exception as exc:  # raised again by the process that made this copy
        result = _Failed(exc)
    try:
        answer.send(result)
    except (pickle.PicklingError, TypeError, AttributeError):
        answer.send(_Failed(RuntimeError(f"{type(result).__name__} could not be sent back")))
