"""The feature table is consistent with what implements it: every reader group is one the camera
client reads, every commandable row has a writer, every client call the writers use exists."""

from __future__ import annotations

import inspect

from bridge.domain.feature import CameraControl
from bridge.domain.features import CAPABILITY_FLAGS, FEATURES
from bridge.reolink import ReolinkClient
from bridge.reolink.state import READER_GROUPS


def test_every_reader_group_is_read_by_the_client() -> None:
    groups = {row.read for row in FEATURES.rows if row.read is not None}
    assert groups <= READER_GROUPS, groups - READER_GROUPS
    assert groups >= READER_GROUPS, "a reader nothing uses"


def test_commandable_rows_have_writers_and_written_rows_have_a_target() -> None:
    for row in FEATURES.rows:
        assert (row.command is None) == (row.write is None), row.key
        if row.via is not None:
            assert FEATURES[row.via[0]].commandable, row.key
        if row.press is not None:
            assert FEATURES[row.press[0]].commandable, row.key
        if row.needs is not None:
            assert row.needs in CAPABILITY_FLAGS, row.key
        if row.scope == "device":
            assert row.device_supported is not None, row.key


def test_the_client_has_every_call_the_writers_use() -> None:
    wanted = {
        name: inspect.signature(getattr(CameraControl, name))
        for name in dir(CameraControl)
        if not name.startswith("_")
    }
    assert wanted
    for name, signature in wanted.items():
        method = getattr(ReolinkClient, name, None)
        assert callable(method), name
        have = inspect.signature(method).parameters
        for parameter in signature.parameters:
            assert parameter in have, (name, parameter)


def test_every_attribute_names_one_row_and_keys_are_unique() -> None:
    keys = [row.key for row in FEATURES.rows]
    assert len(keys) == len(set(keys))
    fields = [row.field for row in FEATURES.rows if row.field is not None]
    assert len(fields) == len(set(fields))
    for attribute, row in FEATURES.by_attribute.items():
        assert row.writable, attribute
