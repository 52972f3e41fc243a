"""Ibis connections by engine name, and Arrow tables in and out of them.

Engines: ``duckdb`` (embedded, in memory, spilling to disk past an optional memory limit), ``sqlite``, ``postgres`` and ``spark``. Bureaus run offline, so
DuckDB is opened with extension auto-install and auto-load off: inputs arrive as Arrow tables, never
through an extension. PySpark is an optional extra (``jifen[spark]``) and is imported only when Spark is
asked for. Inputs are put in as temporary tables (DuckDB: views over the Arrow tables; Spark: temporary
views), so a run leaves nothing behind in a database or a warehouse directory.
"""

from __future__ import annotations

import gc
import os
import re
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args
from urllib.parse import parse_qs, urlsplit, urlunsplit

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from jifen.errors import InvalidInput, JifenError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Engine = Literal["duckdb", "sqlite", "postgres", "spark"]
ENGINES: tuple[str, ...] = get_args(Engine)
LOOPBACK = "127.0.0.1"
SPARK_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")


class EngineUnavailable(JifenError):
    """An engine was asked for that this installation or configuration cannot open."""

    status = 500
    code = "engine_unavailable"


def connect(engine: str, *, url: str | None = None, master: str = "local[2]") -> BaseBackend:
    """An Ibis connection to ``engine``; ``url`` names the database (SQLite file, PostgreSQL server)."""
    if engine == "duckdb":
        return connect_duckdb()
    if engine == "sqlite":
        return connect_sqlite(url)
    if engine == "postgres":
        if url is None:
            raise EngineUnavailable("the postgres engine needs a database URL")
        if not url.startswith("postgresql"):
            raise EngineUnavailable("the postgres engine settles on the store's PostgreSQL server, and this store "
                                    f"is {url.split(':', 1)[0]}: set JIFEN_DATABASE_URL to a PostgreSQL database, "
                                    "or choose another engine")
        return connect_postgres(url)
    if engine == "spark":
        return connect_spark(spark_session(master))
    raise EngineUnavailable(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


def connect_duckdb(memory_limit: str | None = None, spill_directory: Path | None = None) -> BaseBackend:
    """DuckDB in memory. ``memory_limit`` (DuckDB's own syntax: ``3GB``) bounds its buffers: past it, joins,
    aggregates and sorts spill to ``spill_directory`` (DuckDB's default: ``.tmp`` under the working
    directory), which is how a recount of 100 million reports stays within a few gigabytes."""
    # Every result Jifen reads is ordered explicitly; without insertion order kept, DuckDB streams more and
    # spills what it must (a window over millions of rows ran out of a 3GB limit otherwise)
    options: dict[str, Any] = {"preserve_insertion_order": False}
    if memory_limit is not None:
        options["memory_limit"] = memory_limit
    if spill_directory is not None:
        options["temp_directory"] = str(spill_directory)
    return ibis.duckdb.connect(":memory:", autoinstall_known_extensions=False, autoload_known_extensions=False,
                               **options)


def connect_sqlite(url: str | None = None) -> BaseBackend:
    """In memory without a URL; otherwise the file of a ``sqlite:///path`` URL (or a plain path)."""
    if url is None or url in {"sqlite://", "sqlite:///:memory:"}:
        return ibis.sqlite.connect()
    path = url.split(":///", 1)[1] if url.startswith("sqlite") else url
    return ibis.sqlite.connect(path)


def connect_postgres(url: str) -> BaseBackend:
    """From a SQLAlchemy or psycopg URL; ``options`` in the query (e.g. ``-csearch_path=...``) are kept."""
    import psycopg

    return ibis.postgres.from_connection(psycopg.connect(libpq_url(url), autocommit=True))


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq reads it, query parameters untouched."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def search_path(url: str) -> str | None:
    """The ``search_path`` a URL's ``options`` set, if any (for messages and tests)."""
    for option in parse_qs(urlsplit(url).query).get("options", []):
        for word in option.split():
            if word.startswith("-csearch_path="):
                return word.split("=", 1)[1]
    return None


# For inputs of a few thousand rows (tests, a small region), passed as ``conf`` to spark_session: re-planning
# between stages and generated code cost more than they save, and inputs handed over from Arrow have no
# size Spark knows, so without a small default size every join would shuffle instead of broadcasting.
SMALL_INPUTS = {"spark.sql.adaptive.enabled": "false", "spark.sql.codegen.wholeStage": "false",
                "spark.sql.defaultSizeInBytes": str(1 << 20)}


# The masters Spark takes: local ones (local, local[2], local[*], local[2,3]), a standalone cluster (spark://host:port,
# several hosts for a standby master), YARN, Kubernetes (k8s://https://host:port) and Mesos.
SPARK_MASTER = re.compile(r"local(\[(\d+|\*)(,\d+)?\])?|spark://[^\s/:]+(:\d+)?(,[^\s/:]+(:\d+)?)*|yarn"
                          r"|k8s://\S+|mesos://\S+")


def spark_session(master: str = "local[2]", *, shuffle_partitions: int | None = None,
                  conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession, UI off, quiet. On a local master it binds to loopback and takes ``shuffle_partitions``
    (2 unless given: few suit a region's rows on two cores); on a cluster the driver binds as Spark's own settings
    say (SPARK_LOCAL_IP, spark-defaults.conf), so that the executors on other hosts reach it, and the partitions
    are Spark's default unless given."""
    if not SPARK_MASTER.fullmatch(master):
        raise InvalidInput(f"Spark master {master!r} is not one Spark takes: local[N], spark://HOST:PORT, yarn, "
                           "k8s://URL or mesos://URL")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailable("the spark engine needs PySpark: install the extra jifen[spark]") from exc
    local = master.startswith("local")
    builder = SparkSession.builder.master(master).appName("jifen-settlement")
    if local:
        os.environ["SPARK_LOCAL_IP"] = LOOPBACK  # the driver binds to loopback, whatever the host says
        builder = builder.config("spark.driver.bindAddress", LOOPBACK).config("spark.driver.host", LOOPBACK)
        shuffle_partitions = 2 if shuffle_partitions is None else shuffle_partitions
    if shuffle_partitions is not None:
        builder = (builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
                   .config("spark.default.parallelism", str(shuffle_partitions)))
    builder = (
        builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # inputs are temporary views; a warehouse would only leave an empty spark-warehouse in the cwd
        .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "jifen-spark-warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={SPARK_LOG_CONFIG.as_uri()}")
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:
        failure = spark_failure(error, master)
        if isinstance(failure, EngineUnavailable):
            failure = EngineUnavailable(f"{failure.message}; no session could be started: check that the master is "
                                        "running and reachable from this host, and that Java 17 or later is installed")
        raise failure from error
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_failure(error: Exception, master: str) -> Exception:
    """What to answer for an error raised by Spark: EngineUnavailable naming the master and Spark's first line
    (a master that cannot be reached, no Java to start the driver), or the error itself when not Spark's."""
    if not type(error).__module__.startswith(("py4j", "pyspark")):
        return error
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return EngineUnavailable(f"Spark at {master} failed: {lines[0] if lines else type(error).__name__}")


def connect_spark(session: SparkSession) -> BaseBackend:
    return ibis.pyspark.connect(session)


def _spark_session_of(con: BaseBackend) -> Any:
    """The SparkSession behind an Ibis connection (Ibis keeps it without a public accessor)."""
    return con._session  # type: ignore[attr-defined]


def _duckdb_connection_of(con: BaseBackend) -> Any:
    """The DuckDB connection behind an Ibis connection, where Arrow tables are registered as views."""
    return con.con  # type: ignore[attr-defined]


def put_tables(con: BaseBackend, tables: Mapping[str, pa.Table], prefix: str | None = None) -> dict[str, ir.Table]:
    """Each Arrow table as a temporary table (Spark: temporary view) named ``<prefix>_<name>``."""
    prefix = prefix or f"jifen_{uuid.uuid4().hex[:12]}"
    return {name: put_table(con, f"{prefix}_{name}", data) for name, data in tables.items()}


def put_table(con: BaseBackend, name: str, data: pa.Table, *, appendable: bool = False) -> ir.Table:
    """``data`` as a table of the engine: DuckDB reads the Arrow table in place (a view, no copy) unless rows
    are to be appended to it; the others are given a temporary copy (Spark: a temporary view)."""
    if con.name == "duckdb" and not appendable:
        _duckdb_connection_of(con).register(name, data)
        return con.table(name)
    if con.name == "postgres":
        return _put_postgres(con, name, data)
    if con.name == "pyspark":
        _spark_session_of(con).createDataFrame(data).createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, data, temp=True, overwrite=True)


def _put_postgres(con: BaseBackend, name: str, data: pa.Table) -> ir.Table:
    """COPY into a temporary table: Ibis would stage the rows in a second temporary table that it keeps
    until the process exits."""
    con.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema), temp=True, overwrite=True)
    columns = ", ".join(f'"{column}"' for column in data.column_names)
    psycopg_connection: Any = con.con  # type: ignore[attr-defined]  # Ibis's own psycopg connection
    with psycopg_connection.cursor() as cursor, cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
        for row in zip(*(column.to_pylist() for column in data.columns), strict=True):
            copy.write_row(row)
    return con.table(name)


def drop_tables(con: BaseBackend, tables: Mapping[str, ir.Table]) -> None:
    """Drop what :func:`put_tables` made, so a long-lived connection does not accumulate inputs."""
    for table in tables.values():
        name = table.get_name().rsplit(".", 1)[-1]  # engines qualify temporary tables (DuckDB: temp.main.X)
        if con.name == "duckdb":
            _duckdb_connection_of(con).unregister(name)  # a view over Arrow; a no-op for a table
            con.drop_table(name, force=True)
        elif con.name == "pyspark":
            con.drop_view(name, force=True)
        else:
            con.drop_table(name, force=True)


@contextmanager
def staging(con: BaseBackend) -> Iterator[Callable[[ir.Table], ir.Table]]:
    """A ``stage`` for the scoring: each staged table is computed once into a temporary table (Spark: a
    cached view) and released when the block ends."""
    staged: list[ir.CachedTable] = []

    def stage(expr: ir.Table) -> ir.Table:
        cached = expr.cache()
        staged.append(cached)
        return cached

    try:
        yield stage
    finally:
        for cached in reversed(staged):
            cached.release()


def fetch(con: BaseBackend, expr: ir.Table) -> pa.Table:
    """A result as Arrow. Spark hands Arrow over directly (Ibis would go through pandas, which turns
    integer columns with nulls into floats)."""
    if con.name == "pyspark":
        with warnings.catch_warnings():
            # PySpark reads results over a loopback socket it leaves for the garbage collector to close;
            # collect it here, under this filter, rather than wherever the collector next runs
            warnings.filterwarnings("ignore", message=r"unclosed <socket\.socket", category=ResourceWarning)
            result: pa.Table = _spark_session_of(con).sql(con.compile(expr)).toArrow()
            gc.collect()
        return result
    return expr.to_pyarrow()


def rows(con: BaseBackend, expr: ir.Table) -> list[dict[str, Any]]:
    return fetch(con, expr).to_pylist()


@contextmanager
def library_warnings_ignored() -> Iterator[None]:
    """Silence deprecation notices Ibis 12 itself triggers in DuckDB 2 and pandas 3, and nothing else.

    They come from inside Ibis, say nothing about our use of it, and would fail runs that treat warnings
    as errors. Each filter names the message and the Ibis module it comes from.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated",
                                category=DeprecationWarning, module=r"ibis\.backends\.duckdb")
        warnings.filterwarnings("ignore", message=r"The 'future\.infer_string' option is deprecated",
                                module=r"ibis\.formats\.pandas")
        yield
