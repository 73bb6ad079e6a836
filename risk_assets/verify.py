"""`python -m risk_assets.verify`: check a materialized lake against the sample data's known counts.

Run after `risk-assets run` on the sample data. Each check prints one line; any failure exits 1.
Files landing refused that are still in landing are listed after the checks as notes (a refusal is
not a failure of the lake), as are loaded files whose last line has no line end (a copy cut short
ends so: `landing.unterminated_files`).
The expected counts come from the sample data's README (LendingClub 2007-2011: 39,786 loans;
SBA national: 899,164 data rows; both Financial PhraseBank files).
"""

from __future__ import annotations

import argparse
import re
import sys

import duckdb

from risk_assets.cli import no_lake_said, own_command
from risk_assets.lib.home import RiskHome
from risk_assets.lib.ingest.landing import gone_from_landing, record_lookup, refusals_in_landing, unterminated_files
from risk_assets.lib.lake import connect
from risk_assets.lib.ml import registry
from risk_assets.lib.report.portfolio import landed_loans_not_in_features, newest_snapshot_said

LENDINGCLUB_ROWS = 39_786
SBA_ROWS = 899_164


SAMPLE_LINES = ("LendingClub loans loaded", "SBA loaded + quarantined", "both PhraseBank files", "a PD champion for each sample")
"""Lines that count the sample data; `--own-data` skips them on a lake of a lender's own files."""

NEWS_MODEL_LINES = ("a news sentiment model version", "every article in news_features")
"""Lines that need a sentiment model; `--own-data` skips them, saying why, when no news is labelled."""


def _why_no_news_model(con) -> str | None:
    """Why no sentiment model can exist on this lake, or None when one can: the lake holds no news
    (no raw.news table, or an empty one: a lender's loans alone), or holds articles none of which is
    labelled. Read from raw.news, where landing puts articles: news landed by a landing-only run
    (`--select raw_news`) is in the lake before staging and the features are built from it."""
    try:  # the articles staging keeps: with text (rows without it are quarantined, never staged)
        articles, labelled = con.execute("SELECT count(*), count(label) FROM raw.news "
                                         "WHERE trim(coalesce(text_clean, '')) <> ''").fetchone()
    except duckdb.CatalogException:  # no news landed yet
        return "no news in the lake, so no sentiment model; land news files to score articles"
    except duckdb.BinderException:  # a news table without labels (or text): none can train a model
        articles, labelled = con.execute("SELECT count(*), 0 FROM raw.news").fetchone()
    if articles == 0:
        return "no news in the lake, so no sentiment model; land news files to score articles"
    if labelled == 0:
        return ("no labelled news in the lake, so no sentiment model can be trained (news_sentiment_model's card); "
                "land a labelled file to score articles")
    return None


def sentiment_refusal_said(con) -> str | None:
    """Why no news_sentiment version is registered, when its latest training was refused (too few
    labelled sentences of a label: ml.model_metrics, split 'all', macro_f1 NULL with the refusal as
    reason), with what to do: 'training refused: too few distinct labelled sentences ...: {...,
    'negative': 1} (need at least 2 of each of ...); land more labelled sentences of the short
    label(s), then train: risk-assets run --no-seed --select 'key:news_sentiment_model+'
    (sentiment_retrain_sensor tries again once 500 more labelled articles have landed)'. None when a
    version is registered, no training was refused, or the tables are not in the lake."""
    try:
        if con.execute("SELECT count(*) FROM ml.model_registry WHERE model = 'news_sentiment'").fetchone()[0]:
            return None
        last = con.execute("SELECT reason FROM ml.model_metrics WHERE model = 'news_sentiment' AND split = 'all' "
                           "AND metric = 'macro_f1' AND value IS NULL AND reason IS NOT NULL "
                           "ORDER BY recorded_at DESC LIMIT 1").fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):  # no model tried yet
        return None
    if last is None:
        return None
    from risk_assets.lib.monitoring.retrain import RetrainThresholds

    return (f"training refused: {last[0].removeprefix('not trained: ')}; land more labelled sentences of the "
            f"short label(s), then train: {own_command()} run --no-seed --select 'key:news_sentiment_model+' "
            f"(sentiment_retrain_sensor tries again once {RetrainThresholds().new_labelled_articles} more labelled "
            "articles have landed)")


def landed_articles_not_in_features(con) -> int | None:
    """Articles in raw.news (with text, none of their values quarantined) that marts.news_features
    does not hold yet, by the key staging collapses copies on (cleaned text, ticker, publication
    day; a copy without a ticker matches a feature row of any ticker): files landed by a
    landing-only run wait there until `key:stg_news+` is rebuilt, unscored. None when raw.news,
    marts.news_features or quality.quarantine is not in the lake."""
    try:
        (waiting,) = con.execute("""
            SELECT count(*) FROM raw.news AS r
            WHERE trim(coalesce(r.text_clean, '')) <> ''
              AND NOT EXISTS (SELECT 1 FROM quality.quarantine AS q
                              WHERE q.file_sha256 = r._file_sha256 AND q.line = r._source_line)
              AND NOT EXISTS (SELECT 1 FROM marts.news_features AS f
                              WHERE f.text_clean = r.text_clean
                                AND cast(f.published_at AS date) IS NOT DISTINCT FROM cast(r.published_at AS date)
                                AND (r.ticker IS NULL OR f.ticker IS NOT DISTINCT FROM r.ticker))""").fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):  # a table missing, or without these columns
        return None
    return waiting


def withdrawn_rows_still_built(con) -> list[tuple[str, str, int]]:
    """(domain, file name, rows) for each withdrawn file whose loans (marts.loan_features) or articles
    (marts.news_features) the lake still holds: `risk-assets withdraw` removes a file's rows from
    raw.loans / raw.news, and staging, the features, scores and monitoring keep them until they are
    rebuilt, so verify's totals would count a delivery the operator took back. A loan is counted
    when its staging row came from the withdrawn file and raw.loans holds its key no more (a loan
    another loaded file also delivers stays after the rebuild); an article when raw.news holds no
    row of its file. Empty when a table is missing (a lake not built that far)."""
    found = []
    for domain, sql in (
            ("loans", """SELECT regexp_extract(m.path, '[^/]+$'), count(DISTINCT f.loan_key)
                         FROM marts.loan_features AS f
                         JOIN staging.stg_loans AS s ON s.loan_key = f.loan_key
                         JOIN raw.landed_files AS m ON m.sha256 = s._file_sha256 AND m.domain = 'loans'
                              AND m.status = 'withdrawn'
                         WHERE NOT EXISTS (SELECT 1 FROM raw.loans AS r WHERE r.loan_key = f.loan_key)
                         GROUP BY m.path ORDER BY m.path"""),
            ("news", """SELECT regexp_extract(m.path, '[^/]+$'), count(DISTINCT f.doc_id)
                        FROM marts.news_features AS f
                        JOIN raw.landed_files AS m ON m.sha256 = f._file_sha256 AND m.domain = 'news'
                             AND m.status = 'withdrawn'
                        WHERE NOT EXISTS (SELECT 1 FROM raw.news AS r WHERE r._file_sha256 = f._file_sha256)
                        GROUP BY m.path ORDER BY m.path""")):
        try:
            found += [(domain, name, rows) for name, rows in con.execute(sql).fetchall()]
        except (duckdb.CatalogException, duckdb.BinderException):  # not built yet, or without these columns
            continue
    return found


def _has_champion(con, model: str) -> bool:
    """Whether ml.model_registry names a champion of `model` (False without a registry)."""
    try:
        return con.execute("SELECT count(*) FROM ml.model_registry WHERE model = ? AND status = 'champion'",
                           [model]).fetchone()[0] > 0
    except duckdb.CatalogException:
        return False


_MISSING_TABLE = re.compile(r'Table with name "?([\w.]+)"? does not exist')


def checks(con, own_data: bool = False) -> list[tuple[str, bool | None, str]]:
    """(name, passed, observed) for every expectation on the lake; `observed` is the count the check
    read, with what it counts ("0 files that do not reconcile"). With `own_data` the sample's counts
    are not checked: passed None ("skip"), nor are the sentiment lines of a lake with no labelled news,
    or whose sentiment training was refused for too few labelled sentences, nor the PD score line
    when its unscored loans are all of books whose training was refused (too few defaults): a
    lender's own feed too small to train on is not a broken lake. On the sample data these fail, with
    the refusal's reason and what to do."""
    results: list[tuple[str, bool | None, str]] = []

    sentiment_refused = sentiment_refusal_said(con)
    no_news_model = _why_no_news_model(con) if own_data else None

    def one(name: str, sql: str, expect, counts: str, refused=None) -> None:
        if own_data and name.startswith(SAMPLE_LINES):
            results.append((name, None, "a count of the sample data, not checked with --own-data"))
            return
        if no_news_model and name.startswith(NEWS_MODEL_LINES):
            results.append((name, None, no_news_model))
            return
        try:
            observed = sql(con) if callable(sql) else con.execute(sql).fetchone()[0]
        except duckdb.CatalogException as exc:  # a lake without news (or loans) yet: that line fails, the rest run
            missing = _MISSING_TABLE.search(str(exc))
            results.append((name, False, f"not in the lake yet: table {missing.group(1)}; materialize the asset that "
                                         f"writes it ({own_command()} run --no-seed)" if missing
                            else f"not in the lake: {str(exc).splitlines()[0]}"))
            return
        passed = expect(observed)
        if own_data and not passed and refused is not None and refused(con):  # too small a feed to train on
            passed = None
        results.append((name, passed, f"{observed} {counts}".rstrip()))

    one("manifest rows reconcile (rows_in_file = loaded + quarantined + non-data)",
        "SELECT count(*) FROM raw.landed_files WHERE status = 'loaded' AND "
        "rows_in_file <> rows_loaded + rows_quarantined + non_data_lines",
        lambda n: n == 0, "files that do not reconcile")
    one("no landed file failed",
        "SELECT count(*) || ' failed files' || coalesce(': ' || string_agg(regexp_extract(path, '[^/]+$') || ' ('"
        " || coalesce(regexp_replace(message, '^.*?: ', ''), 'no message') || ')', '; ' ORDER BY landed_at), '') "
        "FROM raw.landed_files WHERE status = 'failed'", lambda text: text.startswith("0 "), "")
    one(f"LendingClub loans loaded = {LENDINGCLUB_ROWS:,}",
        "SELECT coalesce(sum(rows_loaded), 0) FROM raw.landed_files WHERE path LIKE '%lendingclub_2007_2011%'",
        lambda n: n == LENDINGCLUB_ROWS, "loans loaded")
    one(f"SBA loaded + quarantined = {SBA_ROWS:,}",
        "SELECT coalesce(sum(rows_loaded + rows_quarantined), 0) FROM raw.landed_files "
        "WHERE path LIKE '%sba_national%'",
        lambda n: n == SBA_ROWS, "loans loaded or quarantined")
    one("raw.loans holds every loaded loan",
        "SELECT (SELECT count(*) FROM raw.loans) - (SELECT sum(rows_loaded) FROM raw.landed_files "
        "WHERE domain = 'loans' AND status = 'loaded')",
        lambda n: n == 0, "rows of difference")
    one("both PhraseBank files in raw_news",
        "SELECT count(DISTINCT _file_sha256) FROM raw.news WHERE _source_file LIKE '%financial_phrasebank%'",
        lambda n: n == 2, "files")
    one("a PD champion for each sample portfolio (lendingclub, sba)",
        "SELECT count(DISTINCT model) FROM ml.model_registry WHERE status = 'champion' "
        "AND model IN ('loan_pd_lendingclub', 'loan_pd_sba')",
        lambda n: n == 2, "portfolios with a champion")
    one("every loan in loan_features has a PD score from its portfolio's champion", _unscored_loans,
        lambda text: text.startswith("0 "), "",
        refused=lambda con: all(refused_training for _, _, refused_training, _ in _unscored_books(con)))
    one("a news sentiment model version registered",
        "SELECT count(*) FROM ml.model_registry WHERE model = 'news_sentiment'", lambda n: n >= 1,
        f"version(s): {sentiment_refused}" if sentiment_refused else "version(s)",
        refused=lambda con: sentiment_refused is not None)
    one("every article in news_features has a sentiment score from the champion",
        "SELECT count(*) FROM marts.news_features f WHERE NOT EXISTS (SELECT 1 FROM ml.news_scores s "
        "JOIN ml.model_registry r ON r.model = 'news_sentiment' AND r.version = s.model_version "
        "AND r.status = 'champion' WHERE s.doc_id = f.doc_id)",
        lambda n: n == 0, "articles without a champion's score"
        + (" (no news_sentiment champion: training refused, above)" if sentiment_refused else ""),
        refused=lambda con: sentiment_refused is not None)
    return results


def _unscored_books(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, bool, str | None]]:
    """(portfolio, loans in loan_features without its champion's score, whether its latest training
    was refused, why it has no champion or None while one stands) per portfolio with such loans. Why:
    `pd_lake.unscored_reason` (never trained, training refused and why, retired)."""
    from risk_assets.lib.ml.pd_lake import TRAINING_REFUSED, model_name, unscored_reason

    rows = con.execute(
        "SELECT f.portfolio, count(*) AS n, bool_or(c.model IS NOT NULL) AS has_champion "
        "FROM marts.loan_features f LEFT JOIN ml.model_registry c "
        "  ON c.model = 'loan_pd_' || f.portfolio AND c.status = 'champion' "
        "WHERE NOT EXISTS (SELECT 1 FROM ml.loan_scores s "
        "JOIN ml.model_registry r ON r.model = s.model AND r.version = s.model_version AND r.status = 'champion' "
        "WHERE s.loan_key = f.loan_key) GROUP BY f.portfolio ORDER BY f.portfolio").fetchall()
    has_metrics = bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ml' "
                                   "AND table_name = 'model_metrics'").fetchone()[0])
    books = []
    for portfolio, n, has_champion in rows:
        why = None if has_champion else (unscored_reason(con, portfolio) if has_metrics
                                         else f"no {model_name(portfolio)} champion: never trained")
        refused = why is not None and why.startswith(f"no {model_name(portfolio)} champion: {TRAINING_REFUSED}: ")
        books.append((portfolio, n, refused, why))
    return books


def _unscored_loans(con: duckdb.DuckDBPyConnection) -> str:
    """'<n> loans without a champion's score', then per portfolio its count and, where it has no
    champion, why (`_unscored_books`); books whose training was refused end it with the command
    that trains them once more defaults have landed."""
    from risk_assets.lib.ml.pd_lake import train_by_hand
    from risk_assets.lib.monitoring.retrain import RetrainThresholds

    books = _unscored_books(con)
    parts = [f"{portfolio} {n}" + (f" ({why})" if why else "") for portfolio, n, _, why in books]
    refused = [portfolio for portfolio, _, was_refused, _ in books if was_refused]
    todo = (f"; land loans with more defaults, then train: {train_by_hand(refused, own_command())} "
            f"(retrain_sensor tries again once {RetrainThresholds().first_model_new_defaults} more defaults "
            "have landed)") if refused else ""
    return f"{sum(n for _, n, _, _ in books)} loans without a champion's score" + (": " + ", ".join(parts) if parts else "") + todo


QUALITY_FIGURES = """
WITH shown AS (  -- the champion, which scores the book; a model without one shows its newest version
    SELECT model, version, status FROM ml.model_registry r
    WHERE status = 'champion'
       OR (NOT EXISTS (SELECT 1 FROM ml.model_registry c WHERE c.model = r.model AND c.status = 'champion')
           AND trained_at = (SELECT max(trained_at) FROM ml.model_registry WHERE model = r.model))
)
SELECT m.model, m.split, m.metric, round(m.value, 4) AS value, s.version, s.status
FROM ml.model_metrics m
JOIN (SELECT model, version, model AS registered, status FROM shown
      UNION ALL SELECT model || '_baseline', version, model, 'baseline of the ' || status FROM shown) s
  USING (model, version)
WHERE m.split IN ('holdout', 'holdout_oot', 'holdout_in_time')
  AND m.metric IN ('auc', 'ece', 'accuracy', 'macro_f1')
ORDER BY 1, 2, 3
"""
"""The holdout figures of the version that scores the book (the champion), beside its baseline's, with
the version and its status (a baseline's line says whose baseline it is: `baseline of the champion`, fitted
on the same split); a model without a champion shows its newest version, named as such (a
rejected or refused candidate's figures are never shown as the model's). The quality bars are in the
README."""


def trained_short_notes(con: duckdb.DuckDBPyConnection, figures: list[tuple]) -> list[str]:
    """A `note` line for each model version among `figures` (QUALITY_FIGURES' rows) whose training
    the time budget ended before its planned optimiser steps (ml.model_metrics, split train: steps
    below planned_steps; the sentiment model records them), so that figures below the README's are
    read as a short training, not as another model: 'note news_sentiment 2026...: trained short, 180
    of 396 optimiser steps (the time budget ended it on a busy machine): its holdout figures sit
    below a full training's; README, Check the result'."""
    shown = sorted({(model, version) for model, _, _, _, version, _ in figures if not model.endswith("_baseline")})
    notes = []
    for model, version in shown:
        steps = dict(con.execute("SELECT metric, value FROM ml.model_metrics WHERE model = ? AND version = ? AND "
                                 "split = 'train' AND metric IN ('steps', 'planned_steps')", [model, version]).fetchall())
        if steps.get("steps") is not None and steps.get("planned_steps") and steps["steps"] < steps["planned_steps"]:
            notes.append(f"note {model} {version}: trained short, {steps['steps']:.0f} of {steps['planned_steps']:.0f} "
                         "optimiser steps (the time budget ended it on a busy machine): its holdout figures sit below "
                         "a full training's; README, Check the result")
    return notes


LOANS_INTO_FEATURES = "key:stg_loans+ and not group:models"
"""The selection that brings loans a landing-only run added to raw.loans into the features and scores
them with the standing champions: staging first (the features read it), no retraining."""
ARTICLES_INTO_FEATURES = "key:stg_news+ and not group:models"
"""The same for news articles, scored by the standing sentiment champion."""


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    """The one number `sql` selects, or None when a table or column it reads is not in the lake."""
    try:
        value = con.execute(sql).fetchone()[0]
    except duckdb.Error:  # CatalogException, BinderException: not in this lake (yet)
        return None
    return int(value or 0)


def lake_totals(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the lake holds, one line per domain with landed files, printed by `verify` after its
    checks, so the counts its lines judge by difference ('0 loans without a champion's score') stand
    beside the totals they are part of. On the sample data, 'lake loans: 938,950 loans landed from 2
    file(s), one snapshot row each; 938,139 loans in loan_features, 811 held out by quarantine after
    landing, by the check
    raw_loans_values (risk-assets quarantine lists them by file and rule); 938,139 scored by their
    portfolio's champion' (`held_out_said`) and 'lake news: 10,061 rows landed from 2 file(s); 5,318 articles in
    news_features (a text's copies counted once); 5,318 scored by the champion: 4,312 train, 989
    holdout, 17 unseen' (`ml.news_scores.sample`). A part whose table is not in the lake yet is left
    out ('lake loans: 3 loans landed from 1 file(s), one snapshot row each'). Monthly tapes of one book
    count snapshot rows and loans apart (`loans_landed_said`), so the loans add up: '5,796 snapshot rows
    of 3,000 loans landed from 2 file(s); 2,922 loans in loan_features, 78 held out by quarantine ...'."""
    from risk_assets.lib.ml.sentiment_scoring import sample_counts, sample_line
    from risk_assets.lib.report.portfolio import held_out_by_newest_snapshot, quarantined_not_in_features_count

    champion = ("JOIN ml.model_registry AS r ON r.model = s.model AND r.version = s.model_version "
                "AND r.status = 'champion'")
    lines = []
    for domain, features, unit, scores in (
            ("loans", "marts.loan_features", " loans", f"SELECT count(DISTINCT s.loan_key) FROM ml.loan_scores AS s {champion}"),
            ("news", "marts.news_features", " articles",
             "SELECT count(DISTINCT s.doc_id) FROM ml.news_scores AS s JOIN ml.model_registry AS r "
             "ON r.model = 'news_sentiment' AND r.version = s.model_version AND r.status = 'champion'")):
        files = _count(con, f"SELECT count(*) FROM raw.landed_files WHERE domain = '{domain}' AND status = 'loaded'")
        if not files:
            continue
        landed = _count(con, f"SELECT sum(rows_loaded) FROM raw.landed_files WHERE domain = '{domain}' "
                             "AND status = 'loaded'")
        parts = [f"{landed:,} rows landed from {files:,} file(s)" if domain == "news"
                 else loans_landed_said(landed, _count(con, "SELECT count(DISTINCT loan_key) FROM raw.loans"), files)]
        if (in_features := _count(con, f"SELECT count(*) FROM {features}")) is not None:
            text = f"{in_features:,}{unit} in {features.split('.')[1]}"
            if domain == "loans" and (held := quarantined_not_in_features_count(con))[0]:
                text += f", {held_out_said(*held, newest=len(held_out_by_newest_snapshot(con)))}"
            if domain == "news":
                text += " (a text's copies counted once)"
            parts.append(text)
        if (scored := _count(con, scores)) is not None:
            if domain == "loans":
                parts.append(f"{scored:,} scored by their portfolio's champion")
            else:
                counts = sample_counts(con, (registry.champion(con, "news_sentiment") or {}).get("version"))
                detail = f": {sample_line(counts)}" if scored and sum(counts.values()) == scored else ""
                parts.append(f"{scored:,} scored by the champion{detail}")
        lines.append(f"lake {domain}: " + "; ".join(parts))
    return lines


def loans_landed_said(rows: int, loans: int | None, files: int) -> str:
    """What landed, in snapshot rows and loans: a loan is a row of each tape (snapshot) that holds it,
    so (5796, 3000, 2) -> '5,796 snapshot rows of 3,000 loans landed from 2 file(s)', and a book of
    one snapshot (938950, 938950, 2) -> '938,950 loans landed from 2 file(s), one snapshot row each'.
    `loans` is None without raw.loans: '5,796 snapshot rows landed from 2 file(s)'."""
    if loans is None:
        return f"{rows:,} snapshot rows landed from {files:,} file(s)"
    if loans == rows:
        return f"{loans:,} loans landed from {files:,} file(s), one snapshot row each"
    return f"{rows:,} snapshot rows of {loans:,} loans landed from {files:,} file(s)"


LANDING_ASSETS = ("raw_loans", "raw_news")
"""quality.quarantine.asset of the values set aside as a file landed; other assets there are the
checks that set values aside after landing (raw_loans_values, stg_loans_values, ...)."""


def held_out_said(held: int, checks: list[str], newest: int = 0) -> str:
    """How `verify` words the `held` landed loans quarantine keeps out of the features, by whom:
    '811 held out by quarantine after landing, by the check raw_loans_values (risk-assets quarantine
    lists them by file and rule)' on the sample data. The landing log's counts are the parse's
    ('0 to quarantine at landing', 'quarantined_at_landing=0'), so a loan held out by a check after
    landing is named as such; `checks` are quality.quarantine.asset values (a landing asset's reads
    'at landing'). `newest` of them, held out because their newest snapshot is quarantined though
    an older one is clean (`portfolio.held_out_by_newest_snapshot`), are counted when there are some:
    '78 held out by quarantine (7 of them because their newest snapshot is quarantined, though an
    older one is clean: their current state is unknown) at landing and after landing, ...'."""
    after = [check for check in checks if check not in LANDING_ASSETS]
    when = ["at landing"] if len(after) < len(checks) else []
    if after:
        when.append(f"after landing, by the check{'s' if len(after) > 1 else ''} {', '.join(after)}")
    why = f" ({newest_snapshot_said(newest)})" if newest else ""
    return (f"{held:,} held out by quarantine{why}{''.join(' ' + part for part in when[:1])}"
            f"{''.join(' and ' + part for part in when[1:])} ({own_command()} quarantine lists them by file and rule)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="risk-assets verify", description=__doc__.splitlines()[0])
    parser.add_argument("--own-data", action="store_true",
                        help="a lake of your own files: skip the lines that count the sample data")
    args = parser.parse_args(argv or [])
    home = RiskHome.from_env()
    if not home.lake_path.exists():
        print(no_lake_said(home), file=sys.stderr)
        return 1
    with connect(home.lake_path, read_only=True) as con:
        results = checks(con, own_data=args.own_data)
        try:
            figures = con.execute(QUALITY_FIGURES).fetchall()
        except duckdb.CatalogException:  # no model trained yet
            figures = []
        short = trained_short_notes(con, figures)
        # listed as notes, since a refusal keeps the lake whole; only those still in landing, which
        # each run tries again (one the user deleted, or saved over with bytes that landed, is done with)
        refused = refusals_in_landing(con)
        unterminated = unterminated_files(con)
        gone = gone_from_landing(con)
        waiting = landed_loans_not_in_features(con)
        articles_waiting = landed_articles_not_in_features(con)
        withdrawn_built = withdrawn_rows_still_built(con)
        news_champion = _has_champion(con, "news_sentiment")
        totals = lake_totals(con)
    for name, passed, observed in results:
        print(f"{'skip' if passed is None else 'ok  ' if passed else 'FAIL'} {name} (observed {observed})")
    for path, reason in refused:  # not a failure of the lake: tried again on each run while it stays in landing
        print(f"note refused (tried again on each run while in landing): {path.rsplit('/', 1)[-1]}: {reason}")
    for path, line, note, domain in unterminated:  # many writers end a file so; a copy cut short does too: look
        look = f" ({record_lookup(domain, path.rsplit('/', 1)[-1], line, own_command())})" if line is not None else ""
        print(f"note cut short? {path.rsplit('/', 1)[-1]}: {note}{look}")
    for outcome, path, message in gone:  # the rows stay, rightly: the lake is whole, its lineage names a file gone
        name = path.rsplit('/', 1)[-1]
        print(f"note {'gone from landing' if outcome == 'source_missing' else 'renamed'}: {name}: "
              f"{message.removeprefix(path + ': ')}")
    if waiting:  # landed by a raw-only run: not a failure, but the score line above does not count them
        print(f"note {waiting} landed loans are not in loan_features yet, so they are not scored or monitored: "
              f"{own_command()} run --no-seed --select '{LOANS_INTO_FEATURES}'")
    if articles_waiting:  # the same for news: the score line above counts news_features only
        select = ARTICLES_INTO_FEATURES if news_champion else "key:stg_news+"
        print(f"note {articles_waiting} landed articles are not in news_features yet, so they are not scored: "
              f"{own_command()} run --no-seed --select '{select}'")
    for domain, name, rows in withdrawn_built:  # the totals below count them until the rebuild
        features, unit = ("loan_features", "loans") if domain == "loans" else ("news_features", "articles")
        select = (LOANS_INTO_FEATURES if domain == "loans" else
                  ARTICLES_INTO_FEATURES if news_champion else "key:stg_news+")
        print(f"note withdrawn: {name}: {rows:,} of its {unit} are still in {features}, its scores and monitoring "
              f"(and in the totals below) until they are rebuilt: {own_command()} run --no-seed --select '{select}'")
    for line in totals:
        print(line)
    for model, split, metric, value, version, status in figures:
        print(f"     {model:<30} {split:<16} {metric:<9} {value:<7} {version} ({status})")
    for line in short:
        print(line)
    return 0 if all(passed is not False for _, passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
