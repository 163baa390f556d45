"""GIN indexes for full-text search on PostgreSQL (nothing on other databases), and the index
for a blog's newest due entry (every database).

The indexed expressions are exactly the search vectors of liveblog/search.py (entry_vector and
blog_vector): the planner uses an expression index only for an identical expression.
"""

from django.db import migrations, models

INDEXES = {
    "entry_search_idx": (
        "liveblog_entry",
        "setweight(to_tsvector('english'::regconfig, COALESCE(\"headline\", '')), 'A')"
        " || setweight(to_tsvector('english'::regconfig, COALESCE(\"body\", '')), 'B')",
    ),
    "blog_search_idx": (
        "liveblog_blog",
        "setweight(to_tsvector('english'::regconfig, COALESCE(\"title\", '')), 'A')"
        " || setweight(to_tsvector('english'::regconfig, COALESCE(\"standfirst\", '')), 'B')"
        " || setweight(to_tsvector('english'::regconfig, COALESCE(\"intro\", '')), 'C')",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}))'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("liveblog", "0002_editors_group")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(
                fields=["blog", "status", "published_at"], name="entry_blog_status_due_idx"
            ),
        ),
    ]
