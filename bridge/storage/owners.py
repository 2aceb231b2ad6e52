"""A take-over's owner generations, recorded in the store before the open events are adopted
(`bridge.storage.fencing` explains what the store does with them).

`record_owners` records the generation each taken device's lease came with. When the store's
record is ahead of it (Redis lost its data and its clock is behind the one that made the
record), the lease's counter is raised past the record and the new generation recorded instead:
otherwise the store would refuse this owner's own starts.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from bridge.pipeline.leases import LeaseKeeper
from bridge.store import Store

_LOGGER = logging.getLogger(__name__)


def held_generations(keeper: LeaseKeeper, devices: Collection[str]) -> dict[str, int]:
    """The generation each of `devices`' leases was taken with (those still held)."""
    found = {device: keeper.generation(device) for device in sorted(devices)}
    return {device: number for device, number in found.items() if number is not None}


async def record_owners(
    store: Store, keeper: LeaseKeeper, devices: Collection[str]
) -> dict[str, int]:
    """Record the generations of `devices`' leases in the store; the ones recorded."""
    generations = held_generations(keeper, devices)
    if not generations:
        return {}
    recorded = await store.record_fences(generations)
    behind = {d: n for d, n in recorded.items() if d in generations and n > generations[d]}
    for device, floor in sorted(behind.items()):
        outrun = await keeper.outrun(device, floor)
        if outrun is None:
            continue
        _LOGGER.warning(
            "camera %s: its lease's generation (%d) was behind the store's (%d): Redis lost its "
            "data? Taken as %d",
            device,
            generations[device],
            floor,
            outrun,
        )
        recorded.update(await store.record_fences({device: outrun}))
    return recorded
