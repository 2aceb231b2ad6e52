-- 0010 device fences (SQLite): per device (a camera's lease name: an NVR and its channels are
-- one), the highest owner generation the store has seen: recorded by an instance that takes the
-- device over (before it adopts the open events) and by every accepted `start` that carries one.
-- A detection `start` (or an `end` that would create its row) of a lower generation is a late one
-- from a previous owner: the event writer refuses it (docs/scale-out.md).
CREATE TABLE device_fences (
    device_id  TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
);
