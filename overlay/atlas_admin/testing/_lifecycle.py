"""Resources that take time: a cluster is CREATING before it is IDLE, DELETING before it is gone.

Which resources are slow is read from their schema, not listed by name: an item whose state property
(``stateName``, ``statusName``, ``status`` or ``state``) has an enum with both a "being made" value
(CREATING, INITIATING, PENDING, ...) and a "ready" value (IDLE, AVAILABLE, ACTIVE, ...) moves through
them; an item with a ``finishedAt`` timestamp and no such state (restore jobs) gets it when done.

Transitions are due at clock times and applied when the fake next looks (each request, or `settle`),
so a test with a hand-moved clock decides exactly when a cluster becomes IDLE.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

import attrs

from ._spec import Spec

STATE_FIELDS = ("stateName", "statusName", "status", "state")
CREATING_STATES = ("CREATING", "INITIATING", "INITIALIZING", "PENDING", "QUEUED", "IN_PROGRESS", "queued", "Queued")
READY_STATES = ("IDLE", "AVAILABLE", "ACTIVE", "READY", "COMPLETED", "COMPLETE", "SUCCESSFUL", "FINISHED", "completed")
UPDATING_STATES = ("UPDATING",)
DELETING_STATES = ("DELETING",)
COMPLETION_FIELD = "finishedAt"


@attrs.define(frozen=True)
class StateMachine:
    """How one kind of item moves: through ``field``'s values, or by gaining a completion timestamp."""

    field: str
    creating: str | None = None
    ready: str | None = None
    updating: str | None = None
    deleting: str | None = None
    completion: bool = False  # True: ``field`` is a timestamp set when the work is done


def state_machine_for(spec: Spec, schema: Any) -> StateMachine | None:
    """The state machine of items answered with ``schema``, or None for items that are ready at once."""
    if schema is None:
        return None
    for field in STATE_FIELDS:
        prop = spec.property_schema(schema, field)
        values = prop.get("enum") if isinstance(prop, dict) else None
        if not values:
            continue
        creating = next((v for v in CREATING_STATES if v in values), None)
        ready = next((v for v in READY_STATES if v in values), None)
        if creating and ready:
            return StateMachine(
                field=field,
                creating=creating,
                ready=ready,
                updating=next((v for v in UPDATING_STATES if v in values), None),
                deleting=next((v for v in DELETING_STATES if v in values), None),
            )
    if spec.property_schema(schema, COMPLETION_FIELD) is not None:
        return StateMachine(field=COMPLETION_FIELD, completion=True)
    return None


class Lifecycle:
    """Transitions due at clock times, applied in order by `advance`."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        provisioning_delay: float,
        deletion_delay: float,
        timestamp: Callable[[float], str],
    ) -> None:
        self.clock = clock
        self.provisioning_delay = provisioning_delay
        self.deletion_delay = deletion_delay
        self._timestamp = timestamp
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()

    def __len__(self) -> int:
        """How many transitions are still to come."""
        return len(self._due)

    def created(self, machine: StateMachine | None, item: dict[str, Any]) -> None:
        """``item`` was just created: it starts in its "being made" state."""
        if machine is None:
            return
        if machine.completion:
            item.pop(machine.field, None)
            self._schedule(self.provisioning_delay, lambda: item.__setitem__(machine.field, self._now()))
            return
        item[machine.field] = machine.creating
        self._become(item, machine, machine.ready, self.provisioning_delay)

    def updated(self, machine: StateMachine | None, item: dict[str, Any]) -> None:
        """``item`` was just changed: UPDATING for a while, when its schema has that state."""
        if machine is None or machine.completion or machine.updating is None:
            return
        item[machine.field] = machine.updating
        self._become(item, machine, machine.ready, self.provisioning_delay)

    def deleting(self, machine: StateMachine | None, item: dict[str, Any], remove: Callable[[], None]) -> bool:
        """Start deleting ``item``; False when it has no DELETING state and should go at once."""
        if machine is None or machine.completion or machine.deleting is None:
            return False
        item[machine.field] = machine.deleting
        self._schedule(self.deletion_delay, remove)
        return True

    def advance(self) -> None:
        """Apply every transition due by now."""
        now = self.clock()
        while self._due and self._due[0][0] <= now:
            _, _, action = heapq.heappop(self._due)
            action()

    def settle(self) -> None:
        """Apply every pending transition, due or not (as if enough time had passed)."""
        while self._due:
            _, _, action = heapq.heappop(self._due)
            action()

    def clear(self) -> None:
        self._due.clear()

    def _become(self, item: dict[str, Any], machine: StateMachine, value: str | None, delay: float) -> None:
        expected = item[machine.field]

        def transition() -> None:
            # A later change (an update, a delete) owns the state now; this transition is stale.
            if item.get(machine.field) == expected:
                item[machine.field] = value

        self._schedule(delay, transition)

    def _schedule(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._due, (self.clock() + delay, next(self._sequence), action))

    def _now(self) -> str:
        return self._timestamp(self.clock())
