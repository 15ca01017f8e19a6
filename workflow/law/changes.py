"""What a change to a case's history does: two evaluations compared, before and after.

`compare(before, after)` says how the state, the deadlines and the windows differ
between two `Evaluation`s of the same case. Recording an event compares the history
with the history plus the event; correcting one compares the history with the history
with the event voided or replaced. Both are the same question, so one function answers
them and the "Check your answers" page draws either.

Deadlines carry no identity of their own, so one is the same deadline in both when its
kind, party, advice, reference, start, due date and law agree (not the date of the
event that made it: a decision corrected to another day starts the same clocks). What
is left over is paired by kind, party, advice and reference, as a deadline that moved
(a corrected request date moves the clocks it starts); the rest were created or
removed. Statuses that depend on the day (pending, overdue) are not
compared: only what the events did (met, ended, excused).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from workflow.law.deadlines import Deadline, Evaluation, Window


class DeadlineChange(StrEnum):
    CREATED = "created"  # in after only
    REMOVED = "removed"  # in before only: what made it is gone
    MOVED = "moved"  # the same clock with another start or due date
    MET = "met"  # met in after, not met (or met on another day) before
    ENDED = "ended"  # stopped without being met (cancelled or lapsed) in after
    REOPENED = "reopened"  # met or ended before, open again after
    EXCUSED = "excused"  # an exception applies in after, not (or another reason) before
    UNEXCUSED = "unexcused"  # an exception applied before, none after


class WindowChange(StrEnum):
    OPENED = "opened"
    REMOVED = "removed"
    MOVED = "moved"  # the same window closing on another day (a mediation certificate)


@dataclass(frozen=True)
class DeadlineFacts:
    """A deadline as the events left it, without the statuses of a day."""

    kind: str
    party: str
    advice: str | None
    ref: str | None
    regulation: str
    starts: date
    due: date
    created_on: date | None
    met_on: date | None
    cancelled_on: date | None
    exception: str | None
    can_lapse: bool

    @classmethod
    def of(cls, d: Deadline) -> DeadlineFacts:
        return cls(
            kind=d.kind,
            party=d.party,
            advice=d.advice,
            ref=d.ref,
            regulation=d.regulation,
            starts=d.starts,
            due=d.due,
            created_on=d.created_on,
            met_on=d.met_on,
            cancelled_on=d.cancelled_on,
            exception=d.exception,
            can_lapse=d.can_lapse,
        )

    @property
    def open(self) -> bool:
        return self.met_on is None and self.cancelled_on is None

    @property
    def days_late(self) -> int | None:
        """Days after the due date it was met or ended, if that is a lapse (spec 5)."""
        if self.met_on is not None:
            late = (self.met_on - self.due).days
        elif self.cancelled_on is not None and self.can_lapse:
            late = (self.cancelled_on - self.due).days
        else:
            return None
        return late if late > 0 else None

    def _identity(self) -> tuple[object, ...]:
        return (
            self.kind,
            self.party,
            self.advice,
            self.ref,
            self.starts,
            self.due,
            self.regulation,
        )

    def _clock(self) -> tuple[object, ...]:
        return (self.kind, self.party, self.advice, self.ref)


@dataclass(frozen=True)
class DeadlineDelta:
    change: DeadlineChange
    before: DeadlineFacts | None
    after: DeadlineFacts | None

    @property
    def deadline(self) -> DeadlineFacts:
        """The deadline as it is after the change (as it was, for one removed)."""
        found = self.after or self.before
        assert found is not None
        return found


@dataclass(frozen=True)
class WindowDelta:
    change: WindowChange
    before: Window | None
    after: Window | None

    @property
    def window(self) -> Window:
        found = self.after or self.before
        assert found is not None
        return found


@dataclass(frozen=True)
class Changes:
    """How `after` differs from `before`: state, deadlines, windows and warnings."""

    state_before: str
    state_after: str
    deadlines: tuple[DeadlineDelta, ...]
    windows: tuple[WindowDelta, ...]
    warnings_added: tuple[str, ...]
    warnings_removed: tuple[str, ...]

    @property
    def state_changed(self) -> bool:
        return self.state_before != self.state_after

    @property
    def nothing(self) -> bool:
        """True when the change makes no difference the law sees."""
        return not (
            self.state_changed
            or self.deadlines
            or self.windows
            or self.warnings_added
            or self.warnings_removed
        )

    def of(self, change: DeadlineChange | str) -> tuple[DeadlineDelta, ...]:
        return tuple(x for x in self.deadlines if x.change == change)

    def windows_of(self, change: WindowChange | str) -> tuple[WindowDelta, ...]:
        return tuple(x for x in self.windows if x.change == change)

    @property
    def created(self) -> tuple[DeadlineDelta, ...]:
        return self.of(DeadlineChange.CREATED)

    @property
    def met(self) -> tuple[DeadlineDelta, ...]:
        return self.of(DeadlineChange.MET)

    @property
    def ended(self) -> tuple[DeadlineDelta, ...]:
        return self.of(DeadlineChange.ENDED)

    @property
    def excused(self) -> tuple[DeadlineDelta, ...]:
        return self.of(DeadlineChange.EXCUSED)

    @property
    def opened(self) -> tuple[WindowDelta, ...]:
        return self.windows_of(WindowChange.OPENED)


def compare(before: Evaluation, after: Evaluation) -> Changes:
    """What changes from `before` to `after`, two evaluations of the same case."""
    old = [DeadlineFacts.of(d) for d in before.deadlines]
    new = [DeadlineFacts.of(d) for d in after.deadlines]
    same, old, new = _pair(old, new, DeadlineFacts._identity)
    moved, removed, created = _pair(old, new, DeadlineFacts._clock)
    deltas = [DeadlineDelta(DeadlineChange.CREATED, None, d) for d in created]
    deltas += [DeadlineDelta(DeadlineChange.REMOVED, d, None) for d in removed]
    for was, now in moved:
        deltas.append(DeadlineDelta(DeadlineChange.MOVED, was, now))
        deltas += _resolution(was, now)
    for was, now in same:
        deltas += _resolution(was, now)
    deltas.sort(key=lambda x: _deadline_order(x.deadline))

    same_windows, old_w, new_w = _pair(before.windows, after.windows, lambda w: w)
    moved_w, removed_w, opened_w = _pair(old_w, new_w, lambda w: (w.kind, w.opens))
    windows = [WindowDelta(WindowChange.OPENED, None, w) for w in opened_w]
    windows += [WindowDelta(WindowChange.REMOVED, w, None) for w in removed_w]
    windows += [WindowDelta(WindowChange.MOVED, was, now) for was, now in moved_w]
    windows.sort(key=lambda x: (x.window.opens, x.window.kind, x.window.closes))

    return Changes(
        state_before=before.state,
        state_after=after.state,
        deadlines=tuple(deltas),
        windows=tuple(windows),
        warnings_added=tuple(w for w in after.warnings if w not in before.warnings),
        warnings_removed=tuple(w for w in before.warnings if w not in after.warnings),
    )


def _resolution(was: DeadlineFacts, now: DeadlineFacts) -> list[DeadlineDelta]:
    """What the events did to one deadline: met, ended or reopened; excused or not."""
    out = []
    if (was.met_on, was.cancelled_on) != (now.met_on, now.cancelled_on):
        if now.met_on is not None:
            change = DeadlineChange.MET
        elif now.cancelled_on is not None:
            change = DeadlineChange.ENDED
        else:
            change = DeadlineChange.REOPENED
        out.append(DeadlineDelta(change, was, now))
    if was.exception != now.exception:
        change = DeadlineChange.EXCUSED if now.exception else DeadlineChange.UNEXCUSED
        out.append(DeadlineDelta(change, was, now))
    return out


def _deadline_order(d: DeadlineFacts) -> tuple[date, str, str, str]:
    return (d.due, d.kind, d.advice or "", d.ref or "")


T = TypeVar("T")


def _pair(
    before: Sequence[T], after: Sequence[T], key: Callable[[T], Hashable]
) -> tuple[list[tuple[T, T]], list[T], list[T]]:
    """Pairs of items with equal keys, in order (the first of `before` with the first
    of `after`, and so on), then what is left of `before` and of `after`."""
    waiting: dict[Hashable, list[T]] = {}
    for item in after:
        waiting.setdefault(key(item), []).append(item)
    pairs: list[tuple[T, T]] = []
    left: list[T] = []
    for item in before:
        matches = waiting.get(key(item))
        if matches:
            pairs.append((item, matches.pop(0)))
        else:
            left.append(item)
    paired = {id(now) for _, now in pairs}
    return pairs, left, [item for item in after if id(item) not in paired]
