"""The background check of ``jifen serve``: runs at once, then every interval, survives a failed check, stops."""

from __future__ import annotations

import threading

from jifen.settle.due import DueChecker, DueOutcome


def test_it_checks_at_once_and_again_until_stopped() -> None:
    calls: list[int] = []
    twice = threading.Event()

    def check() -> list[DueOutcome]:
        calls.append(1)
        if len(calls) == 2:
            twice.set()
        return []

    checker = DueChecker(check, interval_s=0.01)
    checker.start()
    assert twice.wait(5)
    checker.stop()
    seen = len(calls)
    assert not checker._thread.is_alive()
    assert len(calls) == seen  # nothing runs after stop


def test_a_failing_check_does_not_end_the_thread() -> None:
    calls: list[int] = []
    recovered = threading.Event()

    def check() -> list[DueOutcome]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        recovered.set()
        return []

    checker = DueChecker(check, interval_s=0.01)
    checker.start()
    assert recovered.wait(5)
    checker.stop()


def test_stop_waits_no_longer_than_the_interval() -> None:
    checker = DueChecker(lambda: [], interval_s=3600)
    checker.start()
    checker.stop(timeout=5)
    assert not checker._thread.is_alive()
