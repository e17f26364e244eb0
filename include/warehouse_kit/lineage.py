"""Lineage: what each step reads and writes, declared with the step, reported to OpenLineage.

A `Step` names its datasets in `reads` and `writes`, each entry one of:
- `schema.table`: a warehouse table;
- `{source}`, `{staging}`, `{feeds}`: the step's table in the source, its landing table, the
  core tables its load writes (per-table steps);
- `{sources}`, `{all_feeds}`: every table's source, or every table's core tables;
- `{files}`: each file source's root (object storage).

`datasets` expands them for one task. `report` hands them to Airflow's hook-lineage collector
when a task succeeds; the OpenLineage provider turns them into the task's input and output
datasets, named by the OpenLineage convention (namespace `postgres://host:port`, name
`database.schema.table`; a file source by its object-storage URL). The transport is
`AIRFLOW__OPENLINEAGE__TRANSPORT`: without it nothing is sent.

`docs/lineage.md` is drawn from the same declarations (`markdown`, written by
`python -m devtools.lineage_doc`); a test fails when the file is stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from include.warehouse_kit.pipeline import Pipeline, Step
    from include.warehouse_kit.tables import SourceTable

SOURCE, WAREHOUSE, FILES = "source", "warehouse", "files"


@dataclass(frozen=True)
class Dataset:
    store: str   # source, warehouse or files
    name: str    # schema.table; for files the file source's schema.name


def expand(entries: Iterable[str], pipeline: Pipeline, table: SourceTable | None) -> list[Dataset]:
    """The datasets a step's `reads` or `writes` name, in order, each once."""
    out: list[Dataset] = []
    for entry in entries:
        if entry == "{source}":
            found = [Dataset(SOURCE, table.qualified_name)]
        elif entry == "{staging}":
            found = [Dataset(WAREHOUSE, table.staging)]
        elif entry == "{feeds}":
            found = [Dataset(WAREHOUSE, feed) for feed in table.feeds]
        elif entry == "{sources}":
            found = [Dataset(SOURCE, t.qualified_name) for t in pipeline.tables]
        elif entry == "{all_feeds}":
            found = [Dataset(WAREHOUSE, feed) for t in pipeline.tables for feed in t.feeds]
        elif entry == "{files}":
            found = [Dataset(FILES, f.qualified_name) for f in pipeline.file_sources]
        elif entry.startswith("{"):
            raise ValueError(f"{pipeline.dag_id}: unknown lineage entry {entry}")
        else:
            found = [Dataset(WAREHOUSE, entry)]
        out += [d for d in found if d not in out]
    return out


def datasets(pipeline: Pipeline, step: Step, table: SourceTable | None = None) -> tuple[list[Dataset], list[Dataset]]:
    """(inputs, outputs) of one task."""
    return expand(step.reads, pipeline, table), expand(step.writes, pipeline, table)


def tasks(pipeline: Pipeline) -> list[tuple[str, list[Dataset], list[Dataset]]]:
    """(task id, inputs, outputs) of every step's task, in run order."""
    out = []
    for step in (*pipeline.steps, pipeline.finish):
        for table in pipeline.tables if step.per_table else (None,):
            out.append((step.task_id(table), *datasets(pipeline, step, table)))
    return out


# ---------------------------------------------------------------------------- OpenLineage

@dataclass(frozen=True)
class Endpoint:
    """Where a store lives: a PostgreSQL server and database, or a file source's root URL."""

    host: str = ""
    port: int = 5432
    database: str = ""
    root_url: str = ""


def postgres_endpoint(conninfo: str) -> Endpoint:
    """host, port and database of a libpq conninfo or a postgresql:// URI."""
    import psycopg.conninfo

    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    return Endpoint(host=str(params.get("host") or "localhost"), port=int(params.get("port") or 5432),
                    database=str(params.get("dbname") or ""))


def endpoints(pipeline: Pipeline, used: Iterable[Dataset]) -> dict[str, Endpoint]:
    """Where the stores of `used` live: the warehouse and the pipeline's source from Airflow's
    connections, a file source's root from its setting."""
    from include.warehouse_kit.connections import conninfo
    from include.warehouse_kit.settings import WAREHOUSE_CONN_ID
    from include.warehouse_kit.tables import resolve

    stores, out = {d.store for d in used}, {}
    if WAREHOUSE in stores:
        out[WAREHOUSE] = postgres_endpoint(conninfo(WAREHOUSE_CONN_ID))
    if SOURCE in stores:
        out[SOURCE] = postgres_endpoint(conninfo(pipeline.source_conn_id))
    if FILES in stores:
        out[FILES] = Endpoint(root_url=resolve(pipeline.file_sources[0].root)())
    return out


def asset_uri(dataset: Dataset, endpoints: dict[str, Endpoint]) -> str:
    """The Airflow asset URI of a dataset: postgres://host:port/database/schema/table, or the
    file source's root as an object-storage URL (without a connection id)."""
    endpoint = endpoints[dataset.store]
    if dataset.store == FILES:
        parts = urlsplit(endpoint.root_url)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{parts.path}" if parts.scheme != "file" else f"file://{parts.path}"
    schema, _, name = dataset.name.partition(".")
    return f"postgres://{endpoint.host}:{endpoint.port}/{endpoint.database}/{schema}/{name}"


def report(context: object, inputs: Sequence[Dataset], outputs: Sequence[Dataset],
           endpoints: dict[str, Endpoint]) -> None:
    """Hand the task's datasets, and only them, to Airflow's hook-lineage collector (the
    OpenLineage provider reads it when the task ends)."""
    from airflow.sdk.lineage import get_hook_lineage_collector

    # A fresh collector holds this task's datasets only: `airflow dags test` runs every task in
    # one process, and the object store's own reports of each file read are dropped with it.
    get_hook_lineage_collector.cache_clear()
    collector = get_hook_lineage_collector()
    for dataset in inputs:
        collector.add_input_asset(context, uri=asset_uri(dataset, endpoints))
    for dataset in outputs:
        collector.add_output_asset(context, uri=asset_uri(dataset, endpoints))


# ---------------------------------------------------------------------------- docs/lineage.md

def _node(dataset: Dataset) -> str:
    return f"{dataset.store}_{dataset.name}".replace(".", "_")


def mermaid(pipelines: Sequence[Pipeline], consumers: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A flowchart: source tables and files -> staging -> core -> marts -> pages and handoffs,
    each edge a task that reads one and writes the other. `consumers` are (name, warehouse
    tables it reads) for what reads the marts outside the pipelines."""
    layers = {"source": [], "staging": [], "core": [], "marts": [], "audit": []}
    edges: list[tuple[str, str, str]] = []
    for pipeline in pipelines:
        for task_id, inputs, outputs in tasks(pipeline):
            for i in inputs:
                for o in outputs:
                    if i != o and o.store == WAREHOUSE and not o.name.startswith("audit."):
                        edges.append((_node(i), _node(o), f"{pipeline.dag_id}.{task_id}"))
            for d in (*inputs, *outputs):
                layer = "source" if d.store != WAREHOUSE else d.name.split(".")[0]
                if layer != "audit" and d not in layers.setdefault(layer, []):  # the run's books
                    layers[layer].append(d)
    for _, tables in consumers:  # what only a reader names (a view, an audit table) is drawn too
        for name in tables:
            d = Dataset(WAREHOUSE, name)
            if d not in layers.setdefault(name.split(".")[0], []):
                layers[name.split(".")[0]].append(d)
    lines = ["flowchart LR"]
    titles = {"source": "sources", "staging": "staging", "core": "core", "marts": "marts", "audit": "audit"}
    for layer, title in titles.items():
        lines.append(f'    subgraph {layer}_layer["{title}"]')
        lines += [f'        {_node(d)}["{d.name}"]' for d in sorted(layers[layer], key=lambda d: d.name)]
        lines.append("    end")
    lines.append('    subgraph readers["pages and handoffs"]')
    lines += [f'        reader_{i}["{name}"]' for i, (name, _) in enumerate(consumers)]
    lines.append("    end")
    seen = set()
    for a, b, _ in edges:
        if (a, b) not in seen and not a.startswith("warehouse_audit"):
            seen.add((a, b))
            lines.append(f"    {a} --> {b}")
    for i, (_, tables) in enumerate(consumers):
        lines += [f"    {_node(Dataset(WAREHOUSE, t))} --> reader_{i}" for t in tables]
    return "\n".join(lines)


def markdown(pipelines: Sequence[Pipeline], consumers: Sequence[tuple[str, Sequence[str]]]) -> str:
    """docs/lineage.md: the diagram, then every task's inputs and outputs."""
    parts = ["# Lineage", "",
             "Generated by `python -m devtools.lineage_doc` from the steps' `reads` and `writes`",
             "(include/warehouse_kit/lineage.py), the declarations the DAGs report to OpenLineage.",
             "Do not edit by hand: `tests/kit/test_lineage.py` fails when this file is stale.", "",
             "```mermaid", mermaid(pipelines, consumers), "```", ""]
    for pipeline in pipelines:
        parts += [f"## {pipeline.dag_id}", "", "| task | reads | writes |", "|---|---|---|"]
        for task_id, inputs, outputs in tasks(pipeline):
            show = lambda ds: ", ".join(f"`{d.store}:{d.name}`" if d.store != WAREHOUSE else f"`{d.name}`"  # noqa: E731
                                        for d in ds) or "–"
            parts.append(f"| `{task_id}` | {show(inputs)} | {show(outputs)} |")
        parts.append("")
    parts += ["## Pages and handoffs", "", "| reader | reads |", "|---|---|"]
    parts += [f"| {name} | {', '.join(f'`{t}`' for t in tables)} |" for name, tables in consumers]
    return "\n".join(parts) + "\n"
