"""Column changes to the catalog's tables that SQLite can apply.

Some indexes of Product and Variant only PostgreSQL can build (full text, trigram and
pattern operator classes; see 0002's ``AddIndexOnPostgres``). They are in the migration
state everywhere, and SQLite adds or changes a column by rebuilding the table with every
index of that state — so a plain ``AddField`` on Product fails on SQLite (the embedded
default) with ``unrecognized token ":"``. Use these ``AddField``/``AlterField`` for
Product and Variant instead: on SQLite they rebuild the table without those indexes.
(Not a migration: the loader skips modules whose name starts with ``_``.)
"""

from django.db import migrations
from django.db.migrations.state import ProjectState

POSTGRES_ONLY_INDEXES = {
    "product_search_idx",
    "product_name_trgm_idx",
    "product_search_text_trgm_idx",
    "variant_sku_upper_idx",
}


def without_postgres_indexes(state: ProjectState, app_label: str) -> ProjectState:
    """A copy of ``state`` whose catalog models have no PostgreSQL-only index."""
    models = {key: model.clone() for key, model in state.models.items()}
    for (app, _name), model in models.items():
        if app == app_label and model.options.get("indexes"):
            model.options["indexes"] = [
                index
                for index in model.options["indexes"]
                if index.name not in POSTGRES_ONLY_INDEXES
            ]
    return ProjectState(models=models, real_apps=state.real_apps)


class _SQLiteRebuildsWithoutPostgresIndexes:
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            from_state = without_postgres_indexes(from_state, app_label)
            to_state = without_postgres_indexes(to_state, app_label)
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            from_state = without_postgres_indexes(from_state, app_label)
            to_state = without_postgres_indexes(to_state, app_label)
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddField(_SQLiteRebuildsWithoutPostgresIndexes, migrations.AddField):
    """``migrations.AddField`` that SQLite can apply to Product and Variant."""


class AlterField(_SQLiteRebuildsWithoutPostgresIndexes, migrations.AlterField):
    """``migrations.AlterField`` that SQLite can apply to Product and Variant."""
