"""An article id the source wrote is unique within its source only: two publishers whose CMS both
number from 1 are two sets of articles, while the same feed delivered again, or revised, is still
the same articles. A lake loaded before ids were keyed by their source is rekeyed once. Built from
real Financial PhraseBank sentences."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from risk_assets.lib.ingest import news_formats
from risk_assets.lib.ingest.landing import land_folder, withdraw_file
from risk_assets.lib.ingest.news_formats import parse_news_file, source_keyed_id
from risk_assets.lib.lake import connect, rekey_news_ids_by_source
from risk_assets.lib.ml.sentiment_scoring import NEWS_SCORES_DDL

MIGRATION = "news_ids_keyed_by_source"


@pytest.fixture(scope="module")
def sentences() -> list[tuple[str, str]]:
    """Twenty-four labelled PhraseBank sentences (vendor file lines 301-324): (text, label)."""
    from risk_assets_tests.conftest import DATA

    path = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not path.is_file():
        pytest.skip(f"sample data not found at {path}")
    rows = parse_news_file(path).rows
    return list(zip(rows["text_raw"].to_list()[300:324], rows["label"].to_list()[300:324], strict=True))


def _feed(source: str | None, articles: list[tuple[str, tuple[str, str]]], crlf: bool = False) -> str:
    """A CMS export: id, source (left out when None), headline, body, published_at, label."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["id", *(["source"] if source else []), "headline", "body", "published_at", "label"])
    for i, (doc_id, (text, label)) in enumerate(articles):
        writer.writerow([doc_id, *([source] if source else []), text[:40], text,
                         f"2024-05-{2 + i:02d}T09:00:00Z", label])
    return out.getvalue()


def _land(con, home, run_id="run-1"):
    report = land_folder(con, home.landing_news, "news", parse_news_file, run_id, asset="raw_news")
    return {f.path.rsplit("/", 1)[-1]: (f.rows_loaded, f.rows_quarantined) for f in report.files}


@pytest.mark.parametrize(("doc_id", "source", "keyed"), [
    ("1", "ACME Wire", "acme wire:1"),                                    # a CMS id
    ("n-3001", "wire_a", "wire_a:n-3001"),
    ("acme wire:1", "ACME Wire", "acme wire:1"),                          # keyed already
    ("1", None, "1"),                                                     # no source named
    ("1", "file:feed.csv", "1"),                                          # the file's name stands in
    ("https://news.example.com/a/1", "ACME Wire", "https://news.example.com/a/1"),  # a URL is unique everywhere
    ("www.news.example.com/a/1", "ACME Wire", "www.news.example.com/a/1"),
    ("content:0f3a5b7c9d1e2f40", "ACME Wire", "content:0f3a5b7c9d1e2f40"),  # ids the reader made
    ("0f3a5b7c9d1e2f40:17", "financial_phrasebank", "0f3a5b7c9d1e2f40:17"),
])
def test_only_an_id_the_named_source_wrote_is_keyed_by_it(doc_id, source, keyed):
    assert source_keyed_id(doc_id, source) == keyed


def test_two_publishers_numbering_from_one_are_two_sets_of_articles(risk_home, sentences):
    acme, nordic = sentences[:10], sentences[10:20]
    (risk_home.landing_news / "N04a_feed_acme_wire.csv").write_text(
        _feed("ACME Wire", [(str(i + 1), s) for i, s in enumerate(acme)]))
    (risk_home.landing_news / "N04b_feed_nordic_news.csv").write_text(
        _feed("Nordic News", [(str(i + 1), s) for i, s in enumerate(nordic)]))
    with connect(risk_home.lake_path) as con:
        landed = _land(con, risk_home)
        rows = con.execute("SELECT doc_id, source, text_raw FROM raw.news ORDER BY _source_file, _source_line").fetchall()
        (quarantined,) = con.execute("SELECT count(*) FROM quality.quarantine").fetchone()
        (notes,) = con.execute("SELECT notes FROM raw.landed_files WHERE path LIKE '%N04b%'").fetchone()
    assert landed == {"N04a_feed_acme_wire.csv": (10, 0), "N04b_feed_nordic_news.csv": (10, 0)}
    assert quarantined == 0
    assert rows == ([(f"acme wire:{i + 1}", "ACME Wire", text) for i, (text, _) in enumerate(acme)]
                    + [(f"nordic news:{i + 1}", "Nordic News", text) for i, (text, _) in enumerate(nordic)])
    assert json.loads(notes)["doc_id_keyed_by_source_lines"] == list(range(2, 12))


def test_one_feed_naming_two_publishers_keys_each_id_by_its_own(tmp_path, sentences):
    """An aggregator's export: two publishers' article 7, then the first one's article 7 again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "source", "body", "published_at"])
    for source, (text, _) in zip(["ACME Wire", "Nordic News", "ACME Wire"], sentences[:3], strict=True):
        writer.writerow(["7", source, text, "2024-05-02T09:00:00Z"])
    path = tmp_path / "aggregator.csv"
    path.write_text(out.getvalue())
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["acme wire:7", "nordic news:7"]
    assert parsed.quarantine.select("line", "record_key", "rule").rows() == [(4, "acme wire:7", "duplicate_doc_id")]
    assert parsed.quarantine["message"][0].endswith(
        "article id 'acme wire:7' is already on line 2 (different text: the first version is kept)")


def test_a_records_own_faults_name_it_by_its_keyed_id(tmp_path, sentences):
    """A bad time, or no usable text, quarantines the record under the id its row would have had
    (`acme wire:8`), so the quarantine and raw.news name one article one way."""
    path = tmp_path / "acme.csv"
    path.write_text(_feed("ACME Wire", [("7", sentences[0]), ("8", sentences[1]), ("9", ("N/A", "neutral"))])
                    .replace("2024-05-03T09:00:00Z", "2024-05-33T09:00:00Z"))
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["acme wire:7"]
    assert parsed.quarantine.select("line", "record_key", "column_name", "rule").rows() == [
        (3, "acme wire:8", "published_at", "unparsable_timestamp"), (4, "acme wire:9", "body", "no_usable_text")]


def test_the_same_feed_delivered_again_is_one_set_of_articles(risk_home, sentences):
    """The second delivery is the same articles written with CRLF line ends (other bytes)."""
    articles = [(str(i + 1), s) for i, s in enumerate(sentences[:10])]
    (risk_home.landing_news / "acme_2024-05.csv").write_text(_feed("ACME Wire", articles))
    with connect(risk_home.lake_path) as con:
        assert _land(con, risk_home) == {"acme_2024-05.csv": (10, 0)}
        (risk_home.landing_news / "acme_2024-05_again.csv").write_bytes(_feed("ACME Wire", articles, crlf=True).encode())
        assert _land(con, risk_home, "run-2") == {"acme_2024-05_again.csv": (0, 10)}
        quarantine = con.execute("SELECT record_key, rule, message FROM quality.quarantine ORDER BY line").fetchall()
        (count,) = con.execute("SELECT count(*) FROM raw.news").fetchone()
    assert count == 10
    assert [(key, rule) for key, rule, _ in quarantine] == [(f"acme wire:{i}", "duplicate_doc_id") for i in range(1, 11)]
    assert all(message.endswith("(same text: a re-delivery)") for _, _, message in quarantine)


def test_a_revision_from_the_same_source_is_still_a_revision(risk_home, sentences):
    (risk_home.landing_news / "acme_1.csv").write_text(
        _feed("ACME Wire", [(str(i + 1), s) for i, s in enumerate(sentences[:3])]))
    with connect(risk_home.lake_path) as con:
        _land(con, risk_home)
        # article 2 revised; article 4 new
        (risk_home.landing_news / "acme_2.csv").write_text(
            _feed("ACME Wire", [("2", sentences[5]), ("4", sentences[6])]))
        assert _land(con, risk_home, "run-2") == {"acme_2.csv": (1, 1)}
        rows = con.execute("SELECT doc_id, text_raw FROM raw.news ORDER BY doc_id").fetchall()
        (key, message) = con.execute("SELECT record_key, message FROM quality.quarantine").fetchone()
    assert rows == [("acme wire:1", sentences[0][0]), ("acme wire:2", sentences[1][0]),
                    ("acme wire:3", sentences[2][0]), ("acme wire:4", sentences[6][0])]
    assert key == "acme wire:2"
    assert "article id acme wire:2 is already loaded from " in message
    assert message.endswith("line 3 (different text: the first version is kept)")


def test_a_lake_loaded_before_ids_were_keyed_is_rekeyed_once(risk_home, sentences, monkeypatch):
    """The old lake: a publisher's feed, a second publisher's feed quarantined whole as its
    duplicates, a feed without a source, a feed keyed by URL, a JSON feed with content ids, and
    scores. Opened for writing, it is rekeyed once; a re-delivery of the first feed still matches;
    the second publisher's feed, withdrawn and landed again, loads."""
    landing = risk_home.landing_news
    (landing / "acme.csv").write_text(_feed("ACME Wire", [(str(i + 1), s) for i, s in enumerate(sentences[:5])]))
    (landing / "nordic.csv").write_text(_feed("Nordic News", [(str(i + 1), s) for i, s in enumerate(sentences[5:10])]))
    (landing / "desk.csv").write_text(_feed(None, [(str(i + 11), s) for i, s in enumerate(sentences[10:13])]))
    (landing / "links.csv").write_text(
        _feed("ACME Wire", [(f"https://acme.example.com/a/{i}", s) for i, s in enumerate(sentences[13:15])]))
    (landing / "api.json").write_text(json.dumps({"articles": [
        {"title": text[:40], "description": text, "publishedAt": "2024-05-02T09:00:00Z", "source": "Desk API"}
        for text, _ in sentences[15:17]]}))
    with monkeypatch.context() as old_reader:
        old_reader.setattr(news_formats, "source_keyed_id", lambda doc_id, source: doc_id)
        with connect(risk_home.lake_path) as con:
            assert _land(con, risk_home) == {"acme.csv": (5, 0), "api.json": (2, 0), "desk.csv": (3, 0),
                                             "links.csv": (2, 0), "nordic.csv": (0, 5)}
            con.execute(NEWS_SCORES_DDL)
            con.execute("INSERT INTO ml.news_scores SELECT doc_id, 'neutral', 0.2, 0.6, 0.2, 'v1', 'unseen', 'body', 1, false, "
                        "0.0, now(), NULL FROM raw.news")
            con.execute("INSERT INTO quality.quarantine (asset, record_key, column_name, rule, raw_value, message) "
                        "VALUES ('news_scores', '3', 'text_clean', 'no_usable_text', '', 'no text')")
            con.execute("DELETE FROM raw.lake_migrations WHERE name = ?", [MIGRATION])
            before = con.execute("SELECT doc_id, source FROM raw.news ORDER BY _source_file, _source_line").fetchall()
    assert [doc_id for doc_id, _ in before[:5]] == ["1", "2", "3", "4", "5"]

    with connect(risk_home.lake_path) as con:  # opened for writing: the migration runs
        after = con.execute("SELECT doc_id, source FROM raw.news ORDER BY _source_file, _source_line").fetchall()
        scored = con.execute("SELECT doc_id FROM ml.news_scores ORDER BY doc_id").fetchall()
        quarantine = con.execute("SELECT asset, source_file, record_key FROM quality.quarantine "
                                 "ORDER BY asset, line").fetchall()
        (changed,) = con.execute("SELECT rows_changed FROM raw.lake_migrations WHERE name = ?", [MIGRATION]).fetchone()
    # the SQL and the reader agree: every id is what the reader now writes
    assert [doc_id for doc_id, _ in after] == [
        source_keyed_id(doc_id, None if source.startswith("file:") else source) for doc_id, source in before]
    assert [doc_id for doc_id, _ in after[:5]] == [f"acme wire:{i}" for i in range(1, 6)]
    assert after[5:] == before[5:]  # content ids, the ids of a feed without a source, URLs
    assert changed == 5
    assert sorted(scored) == sorted((doc_id,) for doc_id, _ in after)
    assert [(asset, file and file.rsplit("/", 1)[-1], key) for asset, file, key in quarantine] == [
        ("news_scores", None, "acme wire:3")] + [("raw_news", "nordic.csv", f"acme wire:{i}") for i in range(1, 6)]

    with connect(risk_home.lake_path) as con:  # once: a second open, or run, changes nothing
        assert con.execute("SELECT count(*) FROM raw.lake_migrations WHERE name = ?", [MIGRATION]).fetchone() == (1,)
        assert rekey_news_ids_by_source(con) == 0
        assert con.execute("SELECT doc_id, source FROM raw.news ORDER BY _source_file, _source_line").fetchall() == after
        (landing / "acme_again.csv").write_bytes(
            _feed("ACME Wire", [(str(i + 1), s) for i, s in enumerate(sentences[:5])], crlf=True).encode())
        assert _land(con, risk_home, "run-2") == {"acme_again.csv": (0, 5)}
        withdrawal = withdraw_file(con, "nordic.csv", "loaded before ids were keyed by source", "analyst",
                                   risk_home.root / "withdrawn")
        shutil.copy(withdrawal.moved_to, landing / "nordic.csv")
        assert _land(con, risk_home, "run-3") == {"nordic.csv": (5, 0)}
        nordic = con.execute("SELECT doc_id FROM raw.news WHERE source = 'Nordic News' ORDER BY _source_line").fetchall()
    assert [doc_id for (doc_id,) in nordic] == [f"nordic news:{i}" for i in range(1, 6)]


def test_a_source_spelled_otherwise_in_another_delivery_is_the_same_publisher(risk_home, sentences):
    """Keyed by its source as written, the same article under 'Reuters' and then 'REUTERS ' loaded
    twice, though before ids were keyed every repeat was caught. The source keys in its folded
    spelling (case and blanks), so the repeat is a duplicate again."""
    articles = [(str(i + 1), s) for i, s in enumerate(sentences[:4])]
    (risk_home.landing_news / "rtr_2024-05-02.csv").write_text(_feed("Reuters", articles))
    (risk_home.landing_news / "rtr_2024-05-03.csv").write_text(_feed("REUTERS ", articles[:2]).replace("\n", "\r\n"))
    with connect(risk_home.lake_path) as con:
        landed = _land(con, risk_home)
        ids = [row[0] for row in con.execute("SELECT doc_id FROM raw.news ORDER BY doc_id").fetchall()]
    assert landed == {"rtr_2024-05-02.csv": (4, 0), "rtr_2024-05-03.csv": (0, 2)}
    assert ids == ["reuters:1", "reuters:2", "reuters:3", "reuters:4"]
