"""The writers of a SQLite file take turns at a lock file (jifen.store.database.WriterLock): across processes by
flock, within one by a thread lock; a thread may take it again inside its own turn."""

from __future__ import annotations

import fcntl
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

from jifen.store.database import Database, WriterLock


def held_elsewhere(path: Path) -> bool:
    """Whether another open file description holds the lock: a fresh one cannot take it without waiting."""
    with open(path, "a+b") as probe:
        try:
            fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe.fileno(), fcntl.LOCK_UN)
        return False


def _hold(path: str, held: Any, release: Any) -> None:
    lock = WriterLock(Path(path))
    with lock.held():
        held.set()
        release.wait(30)
    lock.close()


def test_a_writer_in_another_process_waits_for_the_turn(tmp_path: Path) -> None:
    path = tmp_path / "jifen.sqlite3.writers.lock"
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    other = context.Process(target=_hold, args=(str(path), held, release))
    other.start()
    try:
        assert held.wait(60)
        assert held_elsewhere(path)
        mine = WriterLock(path)
        taken, done = threading.Event(), threading.Event()

        def write() -> None:
            with mine.held():
                taken.set()
                done.wait(30)

        waiting = threading.Thread(target=write)
        waiting.start()
        assert not taken.wait(0.3), "taken while the other process holds it"
        release.set()
        assert taken.wait(30), "not taken once the other process let go"
        done.set()
        waiting.join(30)
        mine.close()
    finally:
        release.set()
        other.join(30)


def test_a_thread_takes_it_again_inside_its_turn_and_lets_go_at_the_outer_end(tmp_path: Path) -> None:
    path = tmp_path / "db.writers.lock"
    lock = WriterLock(path)
    with lock.held():
        with lock.held():
            assert held_elsewhere(path)
        assert held_elsewhere(path), "the inner end does not let go"
    assert not held_elsewhere(path)
    lock.close()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "db.writers.lock")
    inside = 0
    most = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(200):
            with lock.held():
                with guard:
                    inside += 1
                    most = max(most, inside)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lock.close()
    assert most == 1


def test_a_sqlite_file_writes_in_turn_and_reads_do_not_wait(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'jifen.sqlite3'}")
    try:
        database.ensure_current()
        lock = tmp_path / "jifen.sqlite3.writers.lock"
        with database.transaction():
            assert held_elsewhere(lock)
        assert not held_elsewhere(lock)
        with database.read():
            assert not held_elsewhere(lock)
    finally:
        database.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_database_in_memory_has_no_lock_file(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    database = Database(url)
    try:
        with database.transaction() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        database.dispose()
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_file_syncs_every_commit_to_disk(tmp_path: Path) -> None:
    """WAL with synchronous FULL: a commit acknowledged survives a power loss, not only a crash of the server."""
    database = Database(f"sqlite:///{tmp_path / 'jifen.sqlite3'}")
    try:
        with database.transaction() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        database.dispose()
