"""Writing many rows in one statement, for batch work (the SLA sweep, customer messages).

On PostgreSQL both helpers send their values in binary: Django's cursors render parameters
into the SQL as text in Python, which for a batch of hundreds of rows costs about ten times
more. Elsewhere (SQLite) they fall back to Django's bulk_update and bulk_create.
"""

from typing import Any, cast

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState


def load(queryset: QuerySet[Any], names: list[str]) -> list[Any]:
    """The queryset's objects holding just the named fields, built from value rows without
    Model.__init__, which for a wide model costs several times more than the row itself
    (measured on tickets: about 60 µs a row). A field left out still loads on access, as a
    deferred field does; `attach` gives them related objects loaded separately."""
    model: Any = queryset.model
    attnames = [model._meta.get_field(name).attname for name in names]
    rows = queryset.values_list(*names)
    objects = []
    for row in rows:
        instance = model.__new__(model)
        instance.__dict__.update(zip(attnames, row, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, rows.db
        objects.append(instance)
    return objects


def attach(instance: Model, **related: Any) -> None:
    """Give an instance its related objects (by field name) without a query: straight into
    the relation cache, as select_related does, since the ids are already right and the
    descriptors' checks would cost more than the rest of a batch's loop."""
    instance._state.fields_cache.update(related)


def update_columns(model: type[Model], objects: list[Any], names: list[str]) -> None:
    """Write the named fields of many saved objects in one statement. The attributes are sent
    as they are, so they must hold database values already (numbers, flags, aware times, plain
    text; not an encrypted field's plaintext). On PostgreSQL an UPDATE
    joined to unnest()ed arrays, one binary array parameter per column: Django's bulk_update
    builds a CASE per field with a branch per row, which costs seconds for a batch of a few
    hundred rows with many fields."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, names)
        return
    meta = model._meta
    fields: list[Any] = [meta.pk, *(meta.get_field(name) for name in names)]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    arrays = ", ".join(f"%b::{_type_name(f)}[]" for f in fields)
    assignments = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    # Only identifiers from the model's metadata are spliced in; the values are parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({arrays}) AS v({', '.join(columns)}) WHERE t.{columns[0]} = v.{columns[0]}"
    )
    params = [[getattr(o, f.attname) for o in objects] for f in fields]
    with _binary_cursor() as cursor:
        cursor.execute(sql, params)


def insert(model: type[Model], objects: list[Any]) -> None:
    """Insert new objects in one statement and set their primary keys, as bulk_create does
    (values prepared by each field, auto_now filled in), but with binary parameters on
    PostgreSQL: INSERT … SELECT from unnest()ed arrays … RETURNING the keys, which come back
    in the order of the arrays."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects)
        return
    meta = model._meta
    pk: Any = meta.pk
    fields: list[Any] = [f for f in meta.concrete_fields if f is not pk]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    arrays = ", ".join(f"%b::{_type_name(f)}[]" for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - identifiers from _meta
        f"SELECT * FROM unnest({arrays}) RETURNING {quote(pk.column)}"
    )
    params = [
        [f.get_db_prep_save(f.pre_save(o, True), connection) for o in objects] for f in fields
    ]
    with _binary_cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for o, (key,) in zip(objects, keys, strict=True):
        o.pk = key
        o._state.adding = False
        o._state.db = connection.alias


def copy_rows(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Insert rows given as {attname: database value}, all with the same keys. On PostgreSQL
    with a binary COPY, which takes the rows as they are; elsewhere through bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows])
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields: list[Any] = [by_attname[name] for name in rows[0]]
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) FROM STDIN (FORMAT BINARY)"
    )
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types([_type_name(f) for f in fields])
        for row in rows:
            copy.write_row(tuple(row.values()))


def _binary_cursor() -> Any:
    """A cursor in Django's connection and transaction that sends parameters in binary (`%b`)."""
    import psycopg

    connection.ensure_connection()
    # Wrapped as Django wraps its own (the stubs expect a wrapper where Django passes a cursor).
    raw = cast(Any, psycopg.Cursor(connection.connection))
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _type_name(field: Any) -> str:
    """The column's type as psycopg knows it: "varchar(20)" → "varchar"."""
    return str(field.db_type(connection)).split("(")[0]
