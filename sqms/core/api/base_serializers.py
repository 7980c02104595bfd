"""Serializer bases that give each instance its fields cheaply.

DRF builds a serializer's fields on every instantiation: a ModelSerializer introspects its
model each time, and every serializer deep-copies its declared fields. With nested summaries
(users, units, categories, the timeline) that was the largest CPU cost of a ticket
registration's response. The fields depend only on the class, so build them once per class and
hand each instance copies: a plain field only gets attributes of its own when it is bound (name,
parent, source), so a shallow copy is enough; a nested serializer keeps state of its own and is
deep-copied as DRF does. Do not use these for a serializer whose get_fields depends on the
instance, the request or the context.
"""

import copy
from typing import Any

from rest_framework import serializers

# Filled once per class at first use and only read afterwards: built from class definitions,
# not from data, so nothing here differs between requests.
_built_fields: dict[type, dict[str, Any]] = {}


def _copy_field(field: Any) -> Any:
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    # What copy.copy does for a plain object, without its generic __reduce_ex__ path.
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


def _fields_for(serializer: Any, build: Any) -> dict[str, Any]:
    cls = type(serializer)
    built = _built_fields.get(cls)
    if built is None:
        built = _built_fields[cls] = build()
    return {name: _copy_field(field) for name, field in built.items()}


class Serializer(serializers.Serializer):
    def get_fields(self) -> dict[str, Any]:
        return _fields_for(self, lambda: dict(self._declared_fields))


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, Any]:
        return _fields_for(self, super().get_fields)
