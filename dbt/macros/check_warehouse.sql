{#-
    on-run-start: stop at once, in one line, when the warehouse dbt opened holds no rescore data
    (no `raw.responses`): a bare `dbt test` pointed at the wrong file (RESCORE_WAREHOUSE unset
    or wrong) would otherwise fail every node with "table does not exist". DuckDB creates a
    missing file on connect, so "no such warehouse" and "an empty one" look alike here.
-#}
{% macro check_warehouse() %}
    {% if execute and target.name != 'lint' %}
        {% set found = run_query(
            "select count(*) from information_schema.tables"
            " where table_schema = 'raw' and table_name = 'responses'"
        ) %}
        {% if found.columns[0].values()[0] == 0 %}
            {{ exceptions.raise_compiler_error(
                "no rescore warehouse at " ~ target.path
                ~ ": run `rescore ingest` (or `rescore report`) first, or point RESCORE_WAREHOUSE at"
                ~ " the warehouse (`rescore dbt test` does that from --warehouse)"
            ) }}
        {% endif %}
    {% endif %}
    select 1
{% endmacro %}
