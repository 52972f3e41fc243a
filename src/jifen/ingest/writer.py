"""Group commit: one writer thread stores the submissions of every request this process serves.

Ingestion transactions run one at a time anyway (they hold the writers' lock), so requests that arrive while
one is being written wait for the next, and go into it together: one transaction, one commit and one set of
look-ups for all of them instead of one each. Each request is answered once the transaction holding its items
has committed, never before; a request whose items could not be stored gets its own error, not its neighbours'.
Under light load a group is a single request and nothing waits.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from jifen.ingest.results import ItemResult
from jifen.ingest.service import Answer, Ingest, Submission


@dataclass
class _Job:
    submission: Submission
    future: Future[list[ItemResult]]


class GroupWriter:
    """``submit`` queues a request's items and returns a future of their results.

    ``ingest`` gives the service to write a group with (called once a group, so a changed rule set is
    followed); ``max_items`` bounds the items of one group, a request larger than it making a group alone.
    """

    def __init__(self, ingest: Callable[[], Ingest], max_items: int = 5000,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._ingest = ingest
        self._max_items = max_items
        self._clock = clock
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    def submit(self, submission: Submission) -> Future[list[ItemResult]]:
        if self._closed:
            raise RuntimeError("the ingestion writer is closed")
        self._start()
        future: Future[list[ItemResult]] = Future()
        self._jobs.put(_Job(submission, future))
        return future

    def close(self, timeout_s: float = 30) -> None:
        """Write what is queued, then stop the thread."""
        self._closed = True
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout_s)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="jifen-ingest-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        held: _Job | None = None  # a job that did not fit the last group: it opens the next
        while True:
            first = held if held is not None else self._jobs.get()
            held = None
            if first is None:
                return
            group, items = [first], len(first.submission.items)
            while items < self._max_items:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._write(group)
                    return
                if items + len(job.submission.items) > self._max_items:
                    held = job
                    break
                group.append(job)
                items += len(job.submission.items)
            self._write(group)

    def _write(self, group: list[_Job]) -> None:
        try:
            answers: list[Answer] = self._ingest().submit_group([job.submission for job in group], self._clock())
        except BaseException as error:  # noqa: BLE001 - every waiting request must be answered
            for job in group:
                job.future.set_exception(error)
            return
        for job, answer in zip(group, answers, strict=True):
            if isinstance(answer, BaseException):
                job.future.set_exception(answer)
            else:
                job.future.set_result(answer)
