"""Many rows at once for the tests that need a long blog (150,000 or 50,000 entries): one
INSERT ... SELECT over generate_series (PostgreSQL), each column either given as an SQL
expression of `n` or taken from the model field's own default, so a field added later needs no
change here."""

import json

from django.db import connection, models


def insert_generated(
    model, count: int, columns: dict[str, str], params: dict | None = None, *, source: str = ""
):
    """INSERT `count` rows of `model`: `columns` maps a column to an SQL expression over `n`
    (1..count); every other column not null takes its field's default, the rest NULL.
    `source`: the FROM clause instead of the plain series (joins, laterals)."""
    values, params = [], dict(params or {})
    names = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(connection.ops.quote_name(field.column))
        if field.column in columns:
            values.append(columns[field.column])
            continue
        default = field.get_default() if field.has_default() else None
        if default is None and not field.null:
            default = "" if isinstance(field, models.CharField | models.TextField) else None
        if isinstance(field, models.JSONField):
            default = json.dumps(default if default is not None else [])
        key = f"default_{field.column}"
        params[key] = default
        values.append(f"%({key})s")
    params["count"] = count
    source = source or "generate_series(1, %(count)s) AS n"
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
