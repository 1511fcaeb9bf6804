"""Progress of a build as the user sees it: "step N of M", elapsed time, per-stage timings.

:class:`StageClock` is pure bookkeeping over the messages :func:`reportgen.pipeline.build`
sends (its stages are :func:`reportgen.pipeline.build_stages`); the CLI draws it as a rich
progress line on a terminal, or as plain timestamped log lines without one (cron).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["StageClock", "StageEvent"]


@dataclass(frozen=True, slots=True)
class StageEvent:
    step: int  # 1-based index of the stage
    total: int
    stage: str
    detail: str  # the message when it is a detail within the stage ("fetch RUT: ok"), else ""
    new_stage: bool
    elapsed: float  # seconds since the clock started


@dataclass
class StageClock:
    """Turns progress messages into stage events and per-stage durations."""

    stages: Sequence[str]
    clock: Callable[[], float] = time.perf_counter
    _start: float = field(init=False)
    _current: str | None = field(init=False, default=None)
    _since: float = field(init=False)
    _durations: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._start = self._since = self.clock()

    def _stage_of(self, message: str) -> tuple[str, str]:
        if message in self.stages:
            return message, ""
        for s in self.stages:
            if message.startswith(s + " "):
                return s, message
        return self._current or message, message

    def message(self, message: str) -> StageEvent:
        stage, detail = self._stage_of(message)
        now = self.clock()
        new = stage != self._current
        if new:
            self._close(now)
            self._current, self._since = stage, now
        step = self.stages.index(stage) + 1 if stage in self.stages else len(self.stages)
        return StageEvent(step, len(self.stages), stage, detail, new, now - self._start)

    def _close(self, now: float) -> None:
        if self._current is not None:
            self._durations[self._current] = self._durations.get(self._current, 0.0) + now - self._since

    def finish(self) -> tuple[tuple[str, float], ...]:
        """Per-stage seconds, in stage order (stages never reached are left out)."""
        self._close(self.clock())
        self._current = None
        return tuple((s, self._durations[s]) for s in self.stages if s in self._durations)

    @property
    def elapsed(self) -> float:
        return self.clock() - self._start
