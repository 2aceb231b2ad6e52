"""The bodies of `/cameras/{id}/config/<group>`, built from the feature table.

A group (`image`, `motion`, `recording`, `notifications`, `lights`) is the rows whose
`config_group` names it; each field is a row's state field, typed as its command takes it (the
same coercions: `"on"`, `"Auto"`, 0..255). Adding a row with a `config_group` adds the field.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from bridge.domain.feature import Feature, Kind
from bridge.domain.features import FEATURES

GROUP_ALIASES = {"alarm": "motion"}
"""Other names a group answers to."""


def groups() -> list[str]:
    return list(dict.fromkeys(row.config_group for row in FEATURES.rows if row.config_group))


def group_rows(group: str) -> list[Feature]:
    return [row for row in FEATURES.rows if row.config_group == group and row.field is not None]


def _object_field(command: Any, name: str) -> FieldInfo:
    """The field `name` of an object command (`FloodlightCommand.mode`)."""
    model = command
    if get_origin(command) is Annotated:
        model = get_args(command)[0]
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{command!r} is not an object command")
    return model.model_fields[name]


def _setting_type(row: Feature) -> Any:
    """What the settings body takes for the row's field: its command's value type."""
    if row.via is not None:
        info = _object_field(FEATURES[row.via[0]].command, row.via[1])
    elif row.short is not None:
        info = _object_field(row.command, row.short)
    else:
        return row.command
    annotation = info.annotation
    if get_origin(annotation) is not None and type(None) in get_args(annotation):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return Annotated[annotation, *info.metadata] if info.metadata else annotation


def _example(row: Feature) -> Any:
    options = row.options_for(None)
    if row.kind in (Kind.SWITCH, Kind.LIGHT):
        return row.switch_values[0]
    if options:
        return options[0]
    if row.minimum is not None and row.maximum is not None:
        return int((row.minimum + row.maximum) // 2)
    return None


@cache
def _model(group: str, version: int) -> type[BaseModel]:
    rows = group_rows(group)
    example = {row.field: _example(row) for row in rows if row.field is not None}
    fields: dict[str, Any] = {
        row.field: (_setting_type(row) | None, Field(default=None, description=row.name))
        for row in rows
        if row.field is not None
    }
    return create_model(
        f"{group.capitalize()}Config",
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": [example]}),
        __doc__=f"The {group} settings of a camera (every field optional).",
        **fields,
    )


def config_model(group: str) -> type[BaseModel]:
    """The settings body of `group` (rebuilt when the table changes)."""
    return _model(GROUP_ALIASES.get(group, group), FEATURES.version)
