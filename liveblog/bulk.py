"""`bulk_create` for the rows an import writes by the thousand, without Django's per-value cost.

Django compiles every value of a bulk insert through the SQL compiler (a `field_as_sql` and an
expression check per value): for the entries, captions, change rows and history rows of a large
import that was most of its time. This does the same work as `QuerySet.bulk_create()` for plain
new rows (each field's `pre_save()` and `get_db_prep_save()`, one multi-row INSERT per batch,
primary keys read back with RETURNING) and leaves every other case to Django: conflicts
handling, rows that have their primary key, inherited models, databases that cannot return rows
from a bulk insert. No signals, as with Django's.
"""

import functools
import operator
import sqlite3

from django.db import connections, models, transaction
from django.utils import timezone
from simple_history.manager import HistoryManager


@functools.cache
def history_of(model) -> HistoryManager:
    """The model's history manager (`Model.history` builds a new manager class on every
    access: bulk writers take this one)."""
    return HistoryManager(model.history.model)


class BulkQuerySet(models.QuerySet):
    def bulk_add(self, objs, *, reason: str) -> list:
        """Create many rows at once, each with its history line through django-simple-history's
        bulk API (`reason` as its change reason, one date for them all): how imports write
        pictures, captions and corrections."""
        made = self.bulk_create(objs)
        history_of(self.model).bulk_history_create(
            made, default_change_reason=reason, default_date=timezone.now()
        )
        return made

    def bulk_create(self, objs, batch_size=None, ignore_conflicts=False, **options):
        objs = list(objs)
        connection = connections[self.db]
        meta = self.model._meta
        if (
            not objs
            or ignore_conflicts
            or options.get("update_conflicts")
            or meta.parents
            or not connection.features.can_return_rows_from_bulk_insert
            or any(obj.pk is not None for obj in objs)
        ):
            return super().bulk_create(
                objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts, **options
            )
        pk = meta.pk
        fields = [field for field in meta.concrete_fields if field is not pk]
        quote = connection.ops.quote_name
        head = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            "VALUES "
        )
        tail = f" RETURNING {quote(pk.column)}"
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        now = timezone.now()  # the rows of one call share their timestamps
        size = max(1, _batch_size(connection, fields, objs))
        if batch_size:
            size = min(size, batch_size)
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row_of = _rows(fields, connection, now)
        with transaction.atomic(using=self.db, savepoint=False):
            for start in range(0, len(objs), size):
                batch = objs[start : start + size]
                params = [value for obj in batch for value in row_of(obj)]
                sql = head + ", ".join([row_sql] * len(batch)) + tail
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    keys = cursor.fetchall()
                for obj, (key,) in zip(batch, keys, strict=True):
                    obj.pk = pk.to_python(key)
                    obj._state.adding = False
                    obj._state.db = self.db
        return objs


# Values the database drivers take as they are: a text, whole-number or boolean field holding a
# value of its own type needs no preparing (anything else goes through the field, as in Django).
PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}
PLAIN_TYPES = (str, int, bool, type(None))


def _batch_size(connection, fields, objs) -> int:
    """Rows a statement: as many as the database takes parameters for (the wire protocol's
    65,535 on PostgreSQL). Django assumes 999 for SQLite, the limit of SQLite builds before
    3.32; the library here tells its own (usually 250,000 or 32,766)."""
    if connection.vendor == "sqlite" and hasattr(connection.connection, "getlimit"):
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return min(limit, 65_535) // len(fields)
    return min(connection.ops.bulk_batch_size(fields, objs), 65_535 // len(fields))


def _rows(fields, connection, now):
    """How an object becomes its row's parameters: its attributes read at once; times set on
    save (auto_now, auto_now_add) are the call's `now`; fields with other work to do on save
    (files) run their `pre_save()`; values a plain column takes as they are pass unprepared,
    the rest go through the field's `get_db_prep_save()` (Django's own steps, in bulk)."""
    read = operator.attrgetter(*[field.attname for field in fields])
    stamped = [
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [
        (index, field)
        for index, field in enumerate(fields)
        if field.attname not in stamped
        # A date's pre_save() only reads the attribute when it is not set on save.
        and not isinstance(field, models.DateField)
        and type(field).pre_save is not models.Field.pre_save
    ]
    prepares = [_preparer(field, connection) for field in fields]
    special = [(index, prepare) for index, prepare in enumerate(prepares) if prepare is not None]
    plain = [index for index, prepare in enumerate(prepares) if prepare is None]
    plain_prepares = {index: _plain_preparer(fields[index], connection) for index in plain}
    single = len(fields) == 1

    def row_of(obj) -> list:
        for name in stamped:
            setattr(obj, name, now)
        row = [read(obj)] if single else list(read(obj))
        for index, field in saved:
            row[index] = field.pre_save(obj, True)
        for index, prepare in special:
            row[index] = prepare(row[index])
        for index in plain:
            if type(row[index]) not in PLAIN_TYPES:
                row[index] = plain_prepares[index](row[index])
        return row

    return row_of


def _plain_preparer(field, connection):
    return lambda value: field.get_db_prep_save(value, connection)


def _preparer(field, connection):
    """How one field's values become the database's, as `get_db_prep_save`: None for a plain
    column (a text, whole-number or boolean one: values of its own type pass as they are);
    times prepared once per distinct value (an import's rows share their timestamps)."""
    kind = field.get_internal_type()
    if field.is_relation:
        kind = field.target_field.get_internal_type()
    if kind in PLAIN:
        return None
    if kind in ("DateTimeField", "DateField"):
        seen: dict = {}

        def prepare(value):
            if value is None:
                return None
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return prepare
    return lambda value: field.get_db_prep_save(value, connection)


class BulkHistory(models.Model):
    """The base of the models' history tables (HistoricalRecords(bases=...)): their rows are
    written in bulk by imports (django-simple-history's `bulk_history_create`)."""

    objects = BulkQuerySet.as_manager()

    class Meta:
        abstract = True
