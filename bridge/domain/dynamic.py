"""Models whose fields come from the feature table: flat on the wire, validated like any other.

`CameraState` (the retained payload), `ChannelCapabilities` (the capability flags) and `Command`
carry, beside their own fields, one field per feature the table declares. Those fields are kept as
pydantic extras, so the JSON stays flat (`{"camera_id": …, "siren": "ON", …}`) and a feature row
added at run time (a test's synthetic one) is a field at once, with no model to edit.

Validation goes through a model built from the table (`create_model`, rebuilt when the table
changes): wrong values and unknown keys get pydantic's own errors, with their locations. The
OpenAPI document shows the table's fields too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, create_model, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from bridge.domain.base import DomainModel

FieldSpec = dict[str, tuple[Any, Any]]
"""name → (type, default), as `create_model` takes them."""


class DynamicFields(DomainModel):
    """A model with its own fields plus the ones `table_fields()` declares (see the module doc).

    Subclasses implement `table_fields()` and may set `extra_fields_forbidden = False` to keep
    unknown keys out silently instead of refusing them (never used for input from outside).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    _schema_cache: ClassVar[dict[type[BaseModel], tuple[int, type[BaseModel]]]] = {}
    table_version: ClassVar[Callable[[], int]]

    @classmethod
    def table_fields(cls) -> FieldSpec:
        raise NotImplementedError

    @classmethod
    def prepare(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The input rewritten before validation (other wire forms of the same fields)."""
        return data

    @classmethod
    def table_model(cls) -> type[BaseModel]:
        """The model of the table's fields only (rebuilt when the table changes)."""
        version = cls.table_version()
        cached = DynamicFields._schema_cache.get(cls)
        if cached is not None and cached[0] == version:
            return cached[1]
        spec: dict[str, Any] = dict(cls.table_fields())
        extra = cls.model_config.get("json_schema_extra")
        model = create_model(
            f"{cls.__name__}Fields",
            __config__=ConfigDict(
                extra="forbid",
                json_schema_extra=extra if isinstance(extra, dict) else None,
            ),
            __doc__=f"The feature-table fields of `{cls.__name__}`.",
            **spec,
        )
        DynamicFields._schema_cache[cls] = (version, model)
        return model

    @model_validator(mode="wrap")
    @classmethod
    def _table_fields(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        data = cls.prepare(data)
        own = set(cls.model_fields) | {
            f.alias for f in cls.model_fields.values() if f.alias is not None
        }
        core = {key: value for key, value in data.items() if key in own}
        rest = {key: value for key, value in data.items() if key not in own}
        fields = cls.table_model().model_validate(rest)
        instance = handler(core)
        extra = instance.__pydantic_extra__
        assert extra is not None
        for name in type(fields).model_fields:
            extra[name] = getattr(fields, name)
        return instance

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        table = handler.resolve_ref_schema(handler(cls.table_model().__pydantic_core_schema__))
        target.setdefault("properties", {}).update(table.get("properties", {}))
        target.pop("additionalProperties", None)
        return schema

    def get(self, name: str) -> Any:
        """A table field's value (None when this model has no such field)."""
        extra = self.__pydantic_extra__ or {}
        if name in extra:
            return extra[name]
        return getattr(self, name, None)

    def table_values(self) -> dict[str, Any]:
        """The table's fields and their values, in table order."""
        return dict(self.__pydantic_extra__ or {})
