"""Search documents stored, on PostgreSQL (nothing on other databases): each entry's and blog's
weighted tsvector, in the row's own configuration, is a generated column `search_document`, and
the GIN indexes of 0009 index that column instead of the expression.

Why: a query matched each row in its own configuration (`search_config = X AND document @@
query_X`, one arm per configuration). The GIN index found the candidates, but PostgreSQL then
rechecked the arms row by row, computing to_tsvector again for every candidate: a common word
over 150,000 entries took 4 to 60 seconds. Reading a stored document costs nothing, so every
arm is checked from what the index found (liveblog/search.py).

The column is not a model field: PostgreSQL writes it on every insert and update, whatever
writes the row (the model's save, the importer's bulk insert, an update() of the text or of
the configuration), and the models never read it except through liveblog.search.
"""

from django.db import migrations

DOCUMENTS = {
    "liveblog_entry": (
        "entry_search_idx",
        "setweight(to_tsvector(\"search_config\", COALESCE(\"headline\", '')), 'A')"
        " || setweight(to_tsvector(\"search_config\", COALESCE(\"body\", '')), 'B')",
    ),
    "liveblog_blog": (
        "blog_search_idx",
        "setweight(to_tsvector(\"search_config\", COALESCE(\"title\", '')), 'A')"
        " || setweight(to_tsvector(\"search_config\", COALESCE(\"standfirst\", '')), 'B')"
        " || setweight(to_tsvector(\"search_config\", COALESCE(\"intro\", '')), 'C')",
    ),
}


def store_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (index, expression) in DOCUMENTS.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD COLUMN "search_document" tsvector'
            f" GENERATED ALWAYS AS ({expression}) STORED"
        )
        schema_editor.execute(f'CREATE INDEX "{index}" ON "{table}" USING gin ("search_document")')


def index_expressions(apps, schema_editor):
    """Back to 0009: the expression indexes, no stored column."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (index, expression) in DOCUMENTS.items():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
        schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "search_document"')
        schema_editor.execute(f'CREATE INDEX "{index}" ON "{table}" USING gin (({expression}))')


class Migration(migrations.Migration):
    dependencies = [("liveblog", "0011_change_log")]

    operations = [migrations.RunPython(store_documents, index_expressions, elidable=False)]
