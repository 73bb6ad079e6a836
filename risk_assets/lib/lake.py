"""The DuckDB lake: schemas, the tables every domain shares, and a connection that waits its turn.

DuckDB lets one process write a database file at a time; a second writer fails at once with
"Could not set lock on file". Dagster runs that write the lake share the pool `lake` (limit 1, see
`risk_assets.defs.resources`), and `connect` also waits and retries so that a dbt run or a
reader started by hand does not fail the pipeline.

Shared tables (created by `ensure_lake`):

- raw.landed_files     the landing manifest: one row per distinct file content (sha256) per domain
- raw.non_data_lines   one row per line a loaded file holds that is no record: which line, what kind
- quality.quarantine   one row per rejected value: file, physical line, column, rule, raw value
- quality.check_results one row per asset-check evaluation
- ml.model_registry    one row per trained model version, with its status
- ml.model_registry_events one row per status change of a version: by the gate, or by hand
- ml.model_metrics     one row per (model, version, split, metric)
- monitoring.retrain_decisions one row per retrain-sensor evaluation that crossed a threshold
- raw.lake_migrations  one row per data migration applied to a lake made by an earlier version
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMAS = ("raw", "staging", "marts", "ml", "quality", "monitoring")

LINEAGE_COLUMNS = ("_source_file", "_source_line", "_file_sha256", "_ingested_at", "_run_id")
"""Columns every raw row carries: file path, physical line (1-based), file sha256, UTC ingest time, run id."""

SHARED_DDL = """
CREATE TABLE IF NOT EXISTS raw.landed_files (
    sha256            VARCHAR NOT NULL,
    path              VARCHAR NOT NULL,
    size_bytes        BIGINT NOT NULL,
    domain            VARCHAR NOT NULL,          -- loans | news
    format            VARCHAR,                   -- lendingclub | sba | phrasebank_txt | ...
    rows_in_file      BIGINT,                    -- records after the header + non_data_lines (= loaded + quarantined + non_data_lines)
    rows_loaded       BIGINT,
    rows_quarantined  BIGINT,                    -- at landing; checks quarantine more later (quality.quarantine)
    non_data_lines    BIGINT,                    -- notes, markers, footers, blank lines skipped
    status            VARCHAR NOT NULL,          -- loaded | refused | failed | withdrawn
    message           VARCHAR,
    run_id            VARCHAR,
    landed_at         TIMESTAMP,                 -- UTC
    notes             VARCHAR,                   -- JSON: what the reader noticed and repaired (see landing.summarise_notes)
    unterminated_line BIGINT,                    -- the line the last record starts on when the file ends without a line end (note last_line_unterminated); NULL otherwise
    PRIMARY KEY (domain, sha256)                 -- one content landed as a loan tape and as news has a row in each
);
CREATE TABLE IF NOT EXISTS raw.non_data_lines (
    file_sha256       VARCHAR NOT NULL,          -- raw.landed_files.sha256 of the file (status loaded)
    source_file       VARCHAR NOT NULL,          -- its path as landed (raw.landed_files.path)
    line              BIGINT NOT NULL,           -- physical line in the file, 1-based (an Excel row for a workbook)
    kind              VARCHAR NOT NULL,          -- note | blank | repeated_header | footer | total_row | ...
    text              VARCHAR,                   -- the line's first 200 characters where the reader kept them; NULL otherwise
    run_id            VARCHAR,
    landed_at         TIMESTAMP                  -- UTC, = raw.landed_files.landed_at
);
CREATE TABLE IF NOT EXISTS raw.landing_events (
    path              VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    size_bytes        BIGINT NOT NULL,
    outcome           VARCHAR NOT NULL,          -- loaded | duplicate | renamed | refused | changing | failed | withdrawn | source_missing
    duplicate_of      VARCHAR,                   -- path of the first file with the same bytes
    run_id            VARCHAR,
    seen_at           TIMESTAMP,
    message           VARCHAR,                   -- why: a refusal's reason (a file refused unread has no manifest row), a withdrawal's who, why and counts, ...
    domain            VARCHAR                    -- loans | news: the manifest row is (domain, sha256); NULL in events of a lake keyed by sha256 alone
);
CREATE TABLE IF NOT EXISTS quality.quarantine (
    asset             VARCHAR NOT NULL,          -- raw_loans, raw_news, a check name, ...
    source_file       VARCHAR,
    file_sha256       VARCHAR,
    line              BIGINT,                    -- physical line in the file, 1-based
    record_key        VARCHAR,                   -- loan key or doc id when known
    column_name       VARCHAR,
    rule              VARCHAR NOT NULL,
    raw_value         VARCHAR,
    message           VARCHAR,
    run_id            VARCHAR,
    quarantined_at    TIMESTAMP
);
CREATE TABLE IF NOT EXISTS quality.check_results (
    check_name        VARCHAR NOT NULL,
    asset             VARCHAR NOT NULL,
    run_id            VARCHAR,
    success           BOOLEAN NOT NULL,
    severity          VARCHAR,                   -- ERROR blocks downstream, WARN does not
    observed_value    VARCHAR,
    failing_count     BIGINT,
    details           VARCHAR,                   -- JSON
    evaluated_at      TIMESTAMP
);
CREATE TABLE IF NOT EXISTS ml.model_registry (
    model             VARCHAR NOT NULL,          -- loan_pd_lendingclub, loan_pd_sba, news_sentiment
    version           VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,          -- candidate | champion | retired | rejected
    artifact_path     VARCHAR NOT NULL,
    primary_metric    VARCHAR,
    primary_value     DOUBLE,
    data_snapshot     VARCHAR,                   -- hash of the training data
    trained_at        TIMESTAMP,
    promoted_at       TIMESTAMP,
    reason            VARCHAR,
    run_id            VARCHAR,
    PRIMARY KEY (model, version)
);
CREATE TABLE IF NOT EXISTS ml.model_registry_events (
    model             VARCHAR NOT NULL,
    version           VARCHAR NOT NULL,
    status_from       VARCHAR,                   -- NULL when the version is registered
    status_to         VARCHAR NOT NULL,
    reason            VARCHAR NOT NULL,
    actor             VARCHAR NOT NULL,          -- training | gate | operator <user>
    changed_at        TIMESTAMP NOT NULL         -- UTC
);
CREATE TABLE IF NOT EXISTS ml.model_metrics (
    model             VARCHAR NOT NULL,
    version           VARCHAR NOT NULL,
    split             VARCHAR NOT NULL,          -- train | validation | holdout | holdout_oot ...
    metric            VARCHAR NOT NULL,
    value             DOUBLE,                    -- NULL when it cannot be computed
    reason            VARCHAR,                   -- why value is NULL
    run_id            VARCHAR,
    recorded_at       TIMESTAMP
);
CREATE TABLE IF NOT EXISTS monitoring.retrain_decisions (
    model             VARCHAR NOT NULL,
    decided_at        TIMESTAMP NOT NULL,
    retrain           BOOLEAN NOT NULL,
    reason            VARCHAR NOT NULL,
    trigger           VARCHAR,                   -- labels | psi | auc_decay | first_model | held | window | none
    observed_value    DOUBLE,
    threshold         DOUBLE,
    details           VARCHAR                    -- JSON
);
"""


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN on `con`; COMMIT when the block ends, ROLLBACK (and re-raise) when it raises: its writes
    land together or not at all."""
    con.execute("BEGIN")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def names_file(column: str, name: str) -> str:
    """SQL condition: the path in `column` is the file `name` (a path, or a bare name matching the
    path's last part or parts: `tape.csv`, `2024-05/tape.csv`). `column` and `name` are SQL
    expressions (a column, a `?` or `$name` parameter). Both sides are compared in Unicode NFC:
    macOS stores `münchen` decomposed, a user types it composed. Each `?` in `name` is used twice."""
    return (f"(nfc_normalize({column}) = nfc_normalize({name}) "
            f"OR ends_with(nfc_normalize({column}), '/' || nfc_normalize({name})))")


def column_exists(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether `table` ('schema.name') exists and has `column`: a lake made by an older version,
    opened read-only, may lack a column `ensure_lake` adds."""
    schema, name = table.split(".")
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                            "AND column_name = ?", [schema, name, column]).fetchone()[0])


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `table` ('schema.name') exists in the lake behind `con` (read-only or not)."""
    schema, name = table.split(".")
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                            [schema, name]).fetchone()[0])


def ensure_lake(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the shared tables if they are missing (idempotent)."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(SHARED_DDL)
    # a lake made before the manifest kept the readers' notes
    con.execute("ALTER TABLE raw.landed_files ADD COLUMN IF NOT EXISTS notes VARCHAR")
    # a lake made before the manifest kept that line in a column: its notes' text still names it
    con.execute("ALTER TABLE raw.landed_files ADD COLUMN IF NOT EXISTS unterminated_line BIGINT")
    _once(con, "landed_files_unterminated_line_from_notes", unterminated_line_from_notes)
    # a lake made before a file refused unread (no bytes, so no manifest row) kept its reason
    con.execute("ALTER TABLE raw.landing_events ADD COLUMN IF NOT EXISTS message VARCHAR")
    # a lake whose manifest was keyed by sha256 alone: one content landed in two domains kept one row
    con.execute("ALTER TABLE raw.landing_events ADD COLUMN IF NOT EXISTS domain VARCHAR")
    _once(con, "landed_files_keyed_by_domain_and_sha256", key_manifest_by_domain)
    # a lake made when events kept a message only for a file refused unread
    _once(con, "landing_events_message_from_manifest", event_messages_from_manifest)
    # a lake made before raw.loans carried its amounts' currency: its rows were all read as USD
    if table_exists(con, "raw.loans"):
        con.execute("ALTER TABLE raw.loans ADD COLUMN IF NOT EXISTS currency VARCHAR DEFAULT 'USD'")
    # a lake made before raw.news kept each article's language: its files named none the lake read
    if table_exists(con, "raw.news"):
        con.execute("ALTER TABLE raw.news ADD COLUMN IF NOT EXISTS language VARCHAR")
    # a lake made before raw.news kept which publication times were a date alone: its rows read as timed
    if table_exists(con, "raw.news"):
        con.execute("ALTER TABLE raw.news ADD COLUMN IF NOT EXISTS published_date_only BOOLEAN")
    _once(con, "loan_keys_without_leading_zeros", rekey_leading_zero_ids)
    _once(con, "news_ids_keyed_by_source", rekey_news_ids_by_source)
    _once(con, "news_tickers_one_spelling_per_listing", canonical_news_tickers)
    # a lake whose tickers were rewritten before Bloomberg's web quotes (`AAPL:US`) were read
    _once(con, "news_tickers_bloomberg_quotes", canonical_news_tickers)
    # a lake that landed a slash class outside the US as `ERIC/B.ST` and text (`Nokia Oyj`) as a ticker
    _once(con, "news_tickers_slash_classes_and_text", canonical_news_tickers)
    # a lake that landed a company's name with a yellow key or code as its legal form (`Nokia Corp`,
    # `Acme AG`) as a ticker; `AMZN (Amazon)` landed before text was left out reads as `AMZN`
    _once(con, "news_tickers_company_names", canonical_news_tickers)
    # a lake that landed a column of lists written by pandas (`['AAPL', 'MSFT']`) as `'MSFT'],['AAPL`
    _once(con, "news_tickers_list_literals", canonical_news_tickers)
    # a lake that landed several tickers without a comma as one (`AAPL $MSFT`, `AAPL|MSFT`,
    # `NASDAQ:MSFT NYSE:IBM`), `AAPL (NASDAQ)` as written, or a zero-width or full-width character in one
    _once(con, "news_tickers_several_without_comma", canonical_news_tickers)


UNTERMINATED_NOTE_LINE = r"starts on line (\d+), the file's last: "
"""What the note `last_line_unterminated` said of the line before raw.landed_files kept it in
`unterminated_line` (`landing.unterminated_note`); group: the line. A note written before the
note named the line has none."""


def unterminated_line_from_notes(con: duckdb.DuckDBPyConnection) -> int:
    """Fill raw.landed_files.unterminated_line, where NULL, with the line the file's note
    `last_line_unterminated` names (UNTERMINATED_NOTE_LINE), for files landed before the manifest
    kept it in that column. Returns the rows filled."""
    note = "json_extract_string(notes, '$.last_line_unterminated')"
    (filled,) = con.execute(  # the last match: the cut text quoted before it may hold anything
        f"UPDATE raw.landed_files SET unterminated_line = CAST(list_last(regexp_extract_all({note}, $said, 1)) AS BIGINT) "
        f"WHERE unterminated_line IS NULL AND notes LIKE '%last_line_unterminated%' AND regexp_matches({note}, $said)",
        {"said": UNTERMINATED_NOTE_LINE}).fetchone()
    return filled


def event_messages_from_manifest(con: duckdb.DuckDBPyConnection) -> int:
    """Fill raw.landing_events.message, where NULL, in a lake made when events kept a message only
    for a file refused unread: the newest `withdrawn` (or `refused`) event of each manifest row still
    withdrawn (refused) takes the row's message (who, why and counts; the refusal's reason). An
    earlier one, or one whose row was replaced since (the bytes landed again), stays NULL: its
    message is gone. Returns the events filled."""
    (filled,) = con.execute(
        "UPDATE raw.landing_events AS e SET message = f.message FROM raw.landed_files AS f "
        "WHERE e.message IS NULL AND e.outcome = f.status AND f.status IN ('withdrawn', 'refused') "
        "AND f.sha256 = e.sha256 AND f.domain = coalesce(e.domain, f.domain) AND f.message IS NOT NULL "
        "AND e.seen_at = (SELECT max(n.seen_at) FROM raw.landing_events AS n WHERE n.sha256 = e.sha256 "
        "AND n.outcome = e.outcome AND coalesce(n.domain, f.domain) = f.domain)").fetchone()
    return filled


def key_manifest_by_domain(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild raw.landed_files keyed by (domain, sha256) in a lake made when it was keyed by sha256
    alone, where the bytes landed in one domain kept a second domain from recording its own status
    and message for them (an empty file in loans and in news). Its rows are copied as they are (the
    old key made each sha256 one row). Returns the rows copied; 0 when the key is already so."""
    (key,) = con.execute(
        "SELECT list_sort(constraint_column_names) FROM duckdb_constraints() WHERE schema_name = 'raw' "
        "AND table_name = 'landed_files' AND constraint_type = 'PRIMARY KEY'").fetchone() or (None,)
    if key == ["domain", "sha256"]:
        return 0
    with transaction(con):
        con.execute("ALTER TABLE raw.landed_files RENAME TO landed_files_by_sha256")
        con.execute(SHARED_DDL[:SHARED_DDL.index("\n);") + 3])  # raw.landed_files, as created now
        (copied,) = con.execute("INSERT INTO raw.landed_files BY NAME SELECT * FROM raw.landed_files_by_sha256").fetchone()
        con.execute("DROP TABLE raw.landed_files_by_sha256")
    return copied


LEADING_ZERO_KEY = r"^([^:]+):0+([0-9]+)$"
"""A loan key `<portfolio>:<all-digit id with leading zeros>` (`bank:00000001`), as keys were built
before all-digit ids were keyed without their leading zeros (`bank:1`); groups: portfolio, id
without the zeros (`bank:000` -> `bank:0`). A file-and-line key (`bank:<sha256[:16]>:<line>`) has a
second colon and never matches."""


def rekey_leading_zero_ids(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite the loan keys of a lake loaded before all-digit ids were keyed without their leading
    zeros, in every base table of the lake that has a `loan_key` column (raw.loans and the ml tables:
    holdouts, training loans, validation scores, scores; staging and marts are rebuilt by dbt), so
    that the loans of earlier tapes (`bank:00000001`) and of later ones (`bank:1`) are one loan.
    `source_loan_id` keeps the id as written. Returns the rows changed."""
    tables = con.execute(
        "SELECT c.table_schema, c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE c.column_name = 'loan_key' AND t.table_type = 'BASE TABLE' "
        "AND c.table_schema NOT IN ('staging', 'marts') ORDER BY 1, 2").fetchall()
    changed = 0
    for schema, table in tables:
        (n,) = con.execute(
            f'UPDATE "{schema}"."{table}" SET loan_key = regexp_replace(loan_key, ?, \'\\1:\\2\') '
            "WHERE regexp_matches(loan_key, ?)", [LEADING_ZERO_KEY, LEADING_ZERO_KEY]).fetchone()
        changed += n
    return changed


def rekey_news_ids_by_source(con: duckdb.DuckDBPyConnection) -> int:
    """Key the article ids of a lake loaded before ids were keyed by their source
    (`news_formats.source_keyed_id`), in one transaction: each raw.news row that names its source
    and whose id the source wrote gets `<source>:<id>`, and so does that id in every other base
    table with a `doc_id` column (the ml tables: scores; staging and marts are rebuilt by dbt) and in
    the `record_key` of the quarantine entries that name a loaded article (`duplicate_doc_id` on
    raw_news, by which `landing.withdraw_file` finds the files a withdrawn one shadowed, and those of
    news_scores), so that a re-delivery of a feed loaded before is still a `duplicate_doc_id`, not
    new articles. A second run changes nothing. Returns the raw.news rows changed."""
    # imported here: the news readers (polars, ftfy) are not needed to open the lake
    from risk_assets.lib.ingest.news_formats import REKEY_BY_SOURCE_SQL, SOURCE_KEY_SQL

    if not table_exists(con, "raw.news"):
        return 0
    with transaction(con):
        con.execute(f"CREATE TEMP TABLE news_rekeyed AS SELECT doc_id AS old_id, {SOURCE_KEY_SQL} || ':' || doc_id "
                    f"AS new_id FROM raw.news WHERE {REKEY_BY_SOURCE_SQL}")
        tables = con.execute(
            "SELECT c.table_schema, c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
            "WHERE c.column_name = 'doc_id' AND t.table_type = 'BASE TABLE' AND c.table_catalog <> 'temp' "
            "AND c.table_schema NOT IN ('staging', 'marts') ORDER BY 1, 2").fetchall()
        changed = 0
        for schema, table in tables:
            (n,) = con.execute(f'UPDATE "{schema}"."{table}" AS t SET doc_id = r.new_id FROM news_rekeyed r '
                               "WHERE t.doc_id = r.old_id").fetchone()
            changed += n if (schema, table) == ("raw", "news") else 0
        con.execute("UPDATE quality.quarantine AS q SET record_key = r.new_id FROM news_rekeyed r "
                    "WHERE q.record_key = r.old_id AND (q.asset = 'news_scores' "
                    "OR (q.asset = 'raw_news' AND q.rule = 'duplicate_doc_id'))")
        con.execute("DROP TABLE news_rekeyed")
    return changed


def _base_tables_with(con: duckdb.DuckDBPyConnection, column: str) -> list[tuple[str, str]]:
    """(schema, table) of the lake's base tables with `column`, staging and marts aside (dbt rebuilds them)."""
    return con.execute(
        "SELECT c.table_schema, c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE c.column_name = ? AND t.table_type = 'BASE TABLE' AND c.table_catalog <> 'temp' "
        "AND c.table_schema NOT IN ('staging', 'marts') ORDER BY 1, 2", [column]).fetchall()


def canonical_news_tickers(con: duckdb.DuckDBPyConnection) -> int:
    """Write the tickers of a lake loaded before one listing had one spelling
    (`news_formats.canonical_tickers`: `AAPL.O`, `AAPL US Equity` -> `AAPL`) as landing now writes
    them, in every base table with a `ticker` column (raw.news), so that staging collapses one story
    from two vendors and the daily index counts a stock once. Returns the rows changed."""
    from risk_assets.lib.ingest.news_formats import canonical_tickers

    tables = _base_tables_with(con, "ticker")
    changed = 0
    with transaction(con):
        for schema, table in tables:
            written = [t for (t,) in con.execute(f'SELECT DISTINCT ticker FROM "{schema}"."{table}" '
                                                 "WHERE ticker IS NOT NULL").fetchall()]
            for old, new in ((t, canonical_tickers(t)[0]) for t in written):
                if new != old:
                    (n,) = con.execute(f'UPDATE "{schema}"."{table}" SET ticker = ? WHERE ticker = ?',
                                       [new, old]).fetchone()
                    changed += n
    return changed


def _once(con: duckdb.DuckDBPyConnection, name: str, migrate: Callable[[duckdb.DuckDBPyConnection], int]) -> None:
    """Run a data migration of the lake once, recorded in raw.lake_migrations (name, UTC time, rows
    changed), so later opens skip it."""
    con.execute("CREATE TABLE IF NOT EXISTS raw.lake_migrations (name VARCHAR PRIMARY KEY, "
                "applied_at TIMESTAMP NOT NULL, rows_changed BIGINT NOT NULL)")
    if con.execute("SELECT 1 FROM raw.lake_migrations WHERE name = ?", [name]).fetchone():
        return
    changed = migrate(con)
    con.execute("INSERT INTO raw.lake_migrations VALUES (?, now() AT TIME ZONE 'UTC', ?)", [name, changed])


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def connect(
    path: str | Path,
    read_only: bool = False,
    wait_seconds: float = 600.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the lake, waiting up to `wait_seconds` while another process holds the write lock.

    When the lock is held, one line says so as the wait starts (who holds it, how long the wait may
    last) through `on_wait`, by default on stderr: a run that waits is never silent.

    A read-only open of a file that does not exist yet is refused by DuckDB; callers that only read
    should check `Path(path).exists()` first.

    Raises:
        duckdb.IOException: the lock is still held after `wait_seconds` (the message names the file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    delay, announced = 0.1, False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise duckdb.IOException(f"{path}: {exc}") from exc
            if not announced:  # the first refusal: say who holds the lake before waiting
                holder = str(exc).strip().splitlines()[0]
                (on_wait or _to_stderr)(f"{path} is held by another writer ({holder}); waiting up to "
                                        f"{wait_seconds:.0f} s for it to finish")
                announced = True
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    try:
        if not read_only:
            ensure_lake(con)
        yield con
    finally:
        con.close()
