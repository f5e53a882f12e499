"""Story runs a presenter steps through: the real story function on a thread of its own, held
between steps until the presenter asks for the next one.

A story (:mod:`scenarios.sasha` and the others) reports each step through ``narrate(event,
**data)`` and asks the holder through ``approve(review)``. Here both record what happened and
then wait for the presenter: the story runs against the live services exactly as the command
line runs it, only at the presenter's pace, so every value a page shows came from a service.

Each run holds a thread and an HTTP client, so runs are bounded: at most :data:`MAX_RUNS` live
at once (starting another cancels the oldest) and a run left alone for :data:`IDLE_SECONDS`
ends itself.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx

from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings

MAX_RUNS = 6
IDLE_SECONDS = 30 * 60
STEP_WAIT_SECONDS = 60.0

# What a run is doing now, as its page shows it.
RUNNING = "running"  # the story is working between two steps
WAITING = "waiting"  # a step was shown; the story waits for "next"
CONSENT = "consent"  # the holder's wallet asks: accept or decline
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
ENDED = (DONE, FAILED, CANCELLED)


class Cancelled(Exception):
    """Raised inside a run's story to end it: the run was replaced, left idle, or shut down."""


@dataclass
class Step:
    """One thing that happened, as the story reported it; ``artefacts`` are what crossed the wire
    with it (the credential offer the issuer answered with, for instance)."""

    number: int
    event: str
    data: dict[str, Any]
    artefacts: dict[str, Any] = field(default_factory=dict)


# A story as a run starts it: the run (its ``narrate``, ``approve`` and ``keep``) -> the story's result.
StoryCall = Callable[["Run"], dict]


@dataclass(frozen=True)
class StorySandbox:
    """A sandbox of its own a story runs in, so that what it changes for good (an issuer
    accredited then suspended, a framework recognized) never reaches the sandbox the dashboard
    shows: the settings its services run with, and the keyword arguments the story's function
    takes beyond the base URL (the role tokens, a second registry's address)."""

    settings: Settings
    kwargs: dict[str, Any]


# Whoever deploys the dashboard may give it this: the story's id -> a context that starts the
# story's own sandbox on entry and stops it (its data gone) on exit.
SandboxProvider = Callable[[str], AbstractContextManager[StorySandbox]]


class Run:
    """One story run: its steps so far, its state, and the handshake with the story's thread."""

    def __init__(self, story: str, call: StoryCall, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self.id = secrets.token_urlsafe(12)
        self.story = story
        self.steps: list[Step] = []
        self.state = RUNNING
        self.result: dict[str, Any] | None = None
        self.error: tuple[str, str] | None = None
        self.started = time.monotonic()
        self.touched = self.started
        self.idle_seconds = idle_seconds
        self._call = call
        self._cond = threading.Condition()
        self._permits = 0
        self._decision: bool | None = None
        self._pending: dict[str, list[Any]] = {}
        self._thread = threading.Thread(target=self._main, name=f"story-{story}-{self.id}", daemon=True)

    # -- the story's side ------------------------------------------------------------------
    def _main(self) -> None:
        try:
            result = self._call(self)
        except Cancelled:
            self._end(CANCELLED)
        except SandboxError as exc:
            self._end(FAILED, error=(exc.reason.value, exc.message))
        except httpx.HTTPError as exc:
            self._end(FAILED, error=(Reason.ENDPOINT_UNREACHABLE.value, f"{type(exc).__name__}: {exc}"))
        except Exception as exc:  # a page must say the run failed, whatever the cause
            self._end(FAILED, error=("error", f"{type(exc).__name__}: {exc}"))
        else:
            self._end(DONE, result=result)

    def _end(self, state: str, *, result: dict | None = None, error: tuple[str, str] | None = None) -> None:
        with self._cond:
            if self.state != CANCELLED:
                self.state = state
            self.result = result
            self.error = error
            self._cond.notify_all()

    def _record(self, event: str, data: dict[str, Any]) -> Step:
        step = Step(len(self.steps) + 1, event, dict(data), dict(self._pending))
        self._pending.clear()
        self.steps.append(step)
        return step

    def _hold(self, until: Callable[[], bool]) -> None:
        """Wait (the lock held) until ``until()``; raise :class:`Cancelled` when the run is cancelled
        or nobody came back within the idle time."""
        while not until():
            if self.state == CANCELLED:
                raise Cancelled()
            left = self.touched + self.idle_seconds - time.monotonic()
            if left <= 0:
                self.state = CANCELLED
                self._cond.notify_all()
                raise Cancelled()
            self._cond.wait(timeout=min(left, 5.0))
        if self.state == CANCELLED:
            raise Cancelled()

    def narrate(self, event: str, **data: Any) -> None:
        """Record a step, then wait for the presenter's "next" (the wallet's consent screen waits
        in :meth:`approve` instead, for the holder's decision)."""
        with self._cond:
            if self.state == CANCELLED:
                raise Cancelled()
            self._record(event, data)
            if event == "consent":
                self._cond.notify_all()
                return
            self.state = WAITING
            self._cond.notify_all()
            self._hold(lambda: self._permits > 0)
            self._permits -= 1
            self.state = RUNNING

    def approve(self, review: dict) -> bool:
        """The holder's decision on the wallet's ``review``, as the presenter gives it on the page."""
        with self._cond:
            if not self.steps or self.steps[-1].event != "consent":
                self._record("consent", {"review": review})
            self._decision = None
            self.state = CONSENT
            self._cond.notify_all()
            self._hold(lambda: self._decision is not None)
            decision = bool(self._decision)
            self.state = RUNNING
            return decision

    def keep(self, name: str, value: Any) -> None:
        """Attach an artefact seen on the wire to the next step recorded (under ``name``, in the
        order they were seen: a step may follow several offers, for instance)."""
        with self._cond:
            self._pending.setdefault(name, []).append(value)

    # -- the presenter's side --------------------------------------------------------------
    def start(self, wait: float = STEP_WAIT_SECONDS) -> None:
        """Start the story and wait (bounded) for its first step."""
        self._thread.start()
        with self._cond:
            self._cond.wait_for(lambda: bool(self.steps) or self.state in ENDED, timeout=wait)

    def next(self, wait: float = STEP_WAIT_SECONDS) -> None:
        """Let the story go on to its next step, and wait (bounded) until it is recorded or the run ends."""
        with self._cond:
            self.touched = time.monotonic()
            if self.state != WAITING:
                return
            seen = len(self.steps)
            self._permits += 1
            self._cond.notify_all()
            self._cond.wait_for(lambda: len(self.steps) > seen or self.state in ENDED, timeout=wait)

    def decide(self, accept: bool, wait: float = STEP_WAIT_SECONDS) -> None:
        """The holder accepts or declines on the consent screen; waits (bounded) for what follows."""
        with self._cond:
            self.touched = time.monotonic()
            if self.state != CONSENT:
                return
            seen = len(self.steps)
            self._decision = accept
            self._cond.notify_all()
            self._cond.wait_for(lambda: len(self.steps) > seen or self.state in ENDED, timeout=wait)

    def cancel(self) -> None:
        with self._cond:
            if self.state not in ENDED:
                self.state = CANCELLED
            self._cond.notify_all()

    def look(self) -> None:
        """The presenter is looking at the run: it is not idle."""
        with self._cond:
            self.touched = time.monotonic()

    def snapshot(self) -> tuple[list[Step], str]:
        """The steps so far and the state, consistent with each other, for a page to render."""
        with self._cond:
            return list(self.steps), self.state

    def idle(self, now: float) -> bool:
        return now - self.touched > self.idle_seconds


class Runs:
    """The live runs, by id: at most ``limit``, each ending itself after ``idle_seconds`` alone."""

    def __init__(self, limit: int = MAX_RUNS, idle_seconds: float = IDLE_SECONDS) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self._runs: dict[str, Run] = {}
        self._lock = threading.Lock()

    def start(self, story: str, call: StoryCall) -> Run:
        run = Run(story, call, idle_seconds=self.idle_seconds)
        with self._lock:
            self._prune()
            while len(self._runs) >= self.limit:
                oldest = min(self._runs.values(), key=lambda r: r.started)
                oldest.cancel()
                del self._runs[oldest.id]
            self._runs[run.id] = run
        run.start()
        return run

    def get(self, run_id: str) -> Run:
        with self._lock:
            self._prune()
            found = self._runs.get(run_id)
        if found is None:
            raise SandboxError(Reason.NOT_FOUND, "no such story run (it ended, or was replaced)", status_code=404)
        return found

    def _prune(self) -> None:
        now = time.monotonic()
        for run in [r for r in self._runs.values() if r.idle(now)]:
            run.cancel()
            del self._runs[run.id]

    def close(self) -> None:
        """Cancel every run (the app shuts down)."""
        with self._lock:
            for run in self._runs.values():
                run.cancel()
            self._runs.clear()
