"""The lake's single writer: a second writer waits, and says so as the wait starts."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from risk_assets.lib.lake import connect

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_second_writer_says_who_holds_the_lake_and_waits_for_it(tmp_path):
    lake = tmp_path / "lake.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(lake), "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        said = []
        started = time.monotonic()
        with connect(lake, wait_seconds=60, on_wait=said.append) as con:
            waited = time.monotonic() - started
            assert con.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.wait(timeout=30)
    assert waited > 0.5  # it waited for the holder rather than failing
    (line,) = said
    assert line.startswith(f"{lake} is held by another writer (") and line.endswith("waiting up to 60 s for it to finish")
    assert f"PID {holder.pid}" in line


def test_a_lake_keyed_with_leading_zeros_is_rekeyed_once(tmp_path, cases_dir):
    """A lake loaded before all-digit ids were keyed without their leading zeros: its loans
    (`lendingclub:00077002`) and the ml tables that name them are rekeyed (`lendingclub:77002`) the
    first time the lake is opened for writing, so next month's tape, keyed `lendingclub:77002`, meets
    the same loans; a file-and-line key and the id as written are left alone, and the migration is
    recorded and not run again."""
    from risk_assets.lib.lake import rekey_leading_zero_ids
    from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows

    rows = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")
    ids = rows["source_loan_id"].tolist()
    rows["source_loan_id"] = ["000" + i for i in ids]
    rows["loan_key"] = "lendingclub:" + rows["source_loan_id"]
    rows.loc[0, "loan_key"] = "lendingclub:0123456789012345:2"  # a file-and-line key of digits only
    lake = lake_with(tmp_path / "lake.duckdb", loans=[rows])
    with connect(lake) as con:  # as an earlier version left it: no migration recorded
        con.execute("DROP TABLE raw.lake_migrations")
        con.execute("CREATE TABLE ml.model_holdouts AS SELECT loan_key, 'v1' AS version FROM raw.loans")
        con.execute("CREATE VIEW ml.holdout_view AS SELECT loan_key FROM ml.model_holdouts")

    with connect(lake) as con:
        keys = [k for (k,) in con.execute("SELECT loan_key FROM raw.loans ORDER BY _source_line").fetchall()]
        written = [i for (i,) in con.execute("SELECT source_loan_id FROM raw.loans ORDER BY _source_line").fetchall()]
        holdouts = sorted(k for (k,) in con.execute("SELECT loan_key FROM ml.model_holdouts").fetchall())
        (migration,) = con.execute("SELECT name, rows_changed FROM raw.lake_migrations "
                                   "WHERE name = 'loan_keys_without_leading_zeros'").fetchall()
        again = rekey_leading_zero_ids(con)  # nothing left to rekey
    expected = ["lendingclub:0123456789012345:2"] + [f"lendingclub:{i}" for i in ids[1:]]
    assert keys == expected and holdouts == sorted(expected)
    assert written == ["000" + i for i in ids]
    assert migration == ("loan_keys_without_leading_zeros", 2 * (len(ids) - 1)) and again == 0

    with connect(lake) as con:  # recorded: an old-style key written later is not touched again
        con.execute("UPDATE raw.loans SET loan_key = 'lendingclub:0077' WHERE _source_line = 3")
    with connect(lake) as con:
        assert con.execute("SELECT loan_key FROM raw.loans WHERE _source_line = 3").fetchone() == ("lendingclub:0077",)
        assert con.execute("SELECT count(*) FROM raw.lake_migrations "
                           "WHERE name = 'loan_keys_without_leading_zeros'").fetchone() == (1,)


def test_a_lake_with_vendor_ticker_spellings_is_rewritten_once(tmp_path):
    """A lake loaded before one listing had one ticker: the first open for writing rewrites raw.news
    tickers as landing now writes them, so next month's feed meets the same stocks; a ticker of no
    known form is left alone, and the migration is recorded."""
    from risk_assets_tests.lib.quality.lake_rows import lake_with, news_rows

    news = news_rows([("Nokia wins an order.", "positive"), ("Apple files its results.", "neutral"),
                      ("A fund buys a stake.", None)])
    news["ticker"] = ["NOKIA FH Equity", "AAPL.O; NASDAQ:AAPL", "ACME XX"]
    lake = lake_with(tmp_path / "lake.duckdb", news=[news])
    with connect(lake) as con:  # as an earlier version left it: no migration recorded
        con.execute("DROP TABLE raw.lake_migrations")
    with connect(lake) as con:
        tickers = [t for (t,) in con.execute("SELECT ticker FROM raw.news ORDER BY _source_line").fetchall()]
        migrations = dict(con.execute("SELECT name, rows_changed FROM raw.lake_migrations").fetchall())
    assert tickers == ["NOKIA.HE", "AAPL", "ACME XX"]
    assert migrations["news_tickers_one_spelling_per_listing"] == 2


def test_a_lake_rewritten_before_bloomberg_quotes_were_read_is_rewritten_again(tmp_path):
    """A lake whose tickers took one spelling per listing before `AAPL:US` was read as Apple: the
    next open rewrites what the newer rule reads, once, and leaves the rest."""
    from risk_assets_tests.lib.quality.lake_rows import lake_with, news_rows

    news = news_rows([("Nokia wins an order.", "positive"), ("Apple files its results.", "neutral")])
    news["ticker"] = ["NOKIA.HE", "AAPL:US"]
    lake = lake_with(tmp_path / "lake.duckdb", news=[news])
    with connect(lake) as con:  # as the version before left it: the first ticker migration only
        con.execute("DELETE FROM raw.lake_migrations WHERE name = 'news_tickers_bloomberg_quotes'")
        con.execute("UPDATE raw.news SET ticker = 'AAPL:US' WHERE _source_line = 2")
    with connect(lake) as con:
        tickers = [t for (t,) in con.execute("SELECT ticker FROM raw.news ORDER BY _source_line").fetchall()]
        migrations = dict(con.execute("SELECT name, rows_changed FROM raw.lake_migrations").fetchall())
    assert tickers == ["NOKIA.HE", "AAPL"]
    assert migrations["news_tickers_bloomberg_quotes"] == 1


@pytest.mark.parametrize(("migration", "sentences", "stored", "before", "after"), [
    # a Bloomberg slash class outside the US read as its RIC, and text left out: `ERIC/B.ST` meets
    # `ERICb.ST`, a company's name is no ticker
    ("news_tickers_slash_classes_and_text",
     ["Ericsson wins an order.", "Nokia files its results.", "Apple files its results."],
     ["ERICb.ST", "NOKIA.HE", "AAPL"], {1: "ERIC/B.ST", 2: "NOKIA.HE,Nokia Oyj"}, ["ERICb.ST", "NOKIA.HE", "AAPL"]),
    # a company's name with the legal form `Corp` is text, and a symbol with the name in brackets,
    # landed as `AMZN (Amazon)` by a version before text was left out, reads as `AMZN`
    ("news_tickers_company_names",
     ["Nokia wins an order.", "Amazon files its results.", "Apple files its results."],
     ["NOKIA.HE", "AMZN", "AAPL"], {1: "NOKIA.HE,Nokia Corp", 2: "AMZN (Amazon)"}, ["NOKIA.HE", "AMZN", "AAPL"]),
    # a column of lists written by pandas, `['AAPL', 'MSFT']`, landed split at its comma and sorted
    ("news_tickers_list_literals",
     ["Apple and Microsoft file their results.", "Nokia wins an order."],
     ["AAPL,MSFT", "NOKIA.HE"], {1: "'MSFT'],['AAPL"}, ["AAPL,MSFT", "NOKIA.HE"]),
    # several tickers landed as one: the first cashtag stripped alone, a pipe, spaced listings, an
    # exchange in brackets, a zero-width space kept; `AAPL SM` may be Apple on Madrid and stays
    ("news_tickers_several_without_comma",
     ["Apple and Microsoft file their results.", "Apple, Microsoft and Alphabet rise.",
      "Microsoft and IBM sign a deal.", "Apple files its results.", "Apple opens a store.",
      "Apple rises in Madrid."],
     ["AAPL,MSFT", "AAPL,GOOG,MSFT", "IBM,MSFT", "AAPL", "AAPL", "AAPL SM"],
     {1: "AAPL $MSFT", 2: "AAPL|MSFT|GOOG", 3: "NASDAQ:MSFT NYSE:IBM", 4: "AAPL (NASDAQ)", 5: "AAPL\u200b"},
     ["AAPL,MSFT", "AAPL,GOOG,MSFT", "IBM,MSFT", "AAPL", "AAPL", "AAPL SM"]),
])
def test_a_lake_that_landed_tickers_an_earlier_way_is_rewritten_once(tmp_path, migration, sentences, stored,
                                                                     before, after):
    """A lake loaded by a version before a ticker rule has its tickers rewritten the first time it
    is opened for writing, the rows that change counted under the migration's name; the rest stays."""
    from risk_assets_tests.lib.quality.lake_rows import lake_with, news_rows

    news = news_rows([(sentence, "neutral") for sentence in sentences])
    news["ticker"] = stored
    lake = lake_with(tmp_path / "lake.duckdb", news=[news])
    with connect(lake) as con:  # as the version before left it
        con.execute("DELETE FROM raw.lake_migrations WHERE name = ?", [migration])
        for line, ticker in before.items():
            con.execute("UPDATE raw.news SET ticker = ? WHERE _source_line = ?", [ticker, line])
    with connect(lake) as con:
        tickers = [t for (t,) in con.execute("SELECT ticker FROM raw.news ORDER BY _source_line").fetchall()]
        migrations = dict(con.execute("SELECT name, rows_changed FROM raw.lake_migrations").fetchall())
    assert tickers == after
    assert migrations[migration] == len(before)
