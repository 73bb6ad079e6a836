"""Article ids repeated within a file and across files: an id in digits only is one article whatever
its leading zeros, as a loan id is, and every duplicate's message names the copy the lake keeps,
never a line that was quarantined too."""

from __future__ import annotations

from datetime import datetime

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.lake import connect

WIRE = ("id\theadline\tbody\tpublished_at\n"
        "100\tBank 0 cuts rates\tBank 0 cut its lending rate by 25 basis points.\t2024-05-01T08:00:00Z\n"
        "101\tBank 1 cuts rates\tBank 1 cut its lending rate by 25 basis points.\t2024-05-02T08:00:00Z\n")
LABELLED = ("id,headline,label\n"
            "100,Bank A profit rises,positive\n"
            "100 ,Bank A profit rises,negative\n"
            "0100,Bank A profit rises,positive\n"
            "101,Bank B loss widens,negative\n"
            "1.01E+02,Bank B loss widens,negative\n")


def test_an_id_with_leading_zeros_is_the_id_without_them(tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text("id,headline\n00042,Nordea raises its dividend\n42,Nordea raises its dividend\n0,Sampo holds\n"
                    "007A,Neste beats estimates\n")
    parsed = parse_news_file(path)
    assert parsed.rows["doc_id"].to_list() == ["42", "0", "007A"]
    assert parsed.notes["doc_id_leading_zeros_set_aside_lines"] == [2]
    assert parsed.quarantine.select("line", "rule", "message").rows() == [
        (3, "duplicate_doc_id", f"{path}: line 3: article id '42' is already on line 2 (same text: a repeat)")]


def test_a_repeat_of_an_article_the_lake_already_keeps_names_that_copy_not_a_quarantined_line(risk_home):
    from risk_assets.lib.ingest.landing import land_folder

    wire = risk_home.landing_news / "n04_wire.tsv"
    wire.write_text(WIRE)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
    labelled = risk_home.landing_news / "n08_labels.csv"
    labelled.write_text(LABELLED)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-2", asset="raw_news")
        quarantined = con.execute("SELECT line, rule, message FROM quality.quarantine WHERE source_file = ? "
                                  "ORDER BY line", [str(labelled)]).fetchall()
        loaded = con.execute("SELECT count(*) FROM raw.news WHERE _source_file = ?", [str(labelled)]).fetchone()
    kept = f"is already loaded from {wire} line"
    assert loaded == (0,)
    assert quarantined == [
        (2, "duplicate_doc_id", f"{labelled}: line 2: article id 100 {kept} 2 (different text: the first version is "
                                "kept)"),
        (3, "duplicate_doc_id", f"{labelled}: line 3: article id '100' {kept} 2, the copy kept; line 2 of this file, "
                                "which it repeats (same text, different label: negative here, positive on line 2), "
                                "is quarantined as that copy's duplicate too"),
        (4, "duplicate_doc_id", f"{labelled}: line 4: article id '100' {kept} 2, the copy kept; line 2 of this file, "
                                "which it repeats (same text and label), is quarantined as that copy's duplicate too"),
        (5, "duplicate_doc_id", f"{labelled}: line 5: article id 101 {kept} 3 (different text: the first version is "
                                "kept)"),
        (6, "sci_notation_id", f"{labelled}: line 6: article id '1.01E+02' is in scientific notation: a spreadsheet "
                               "lost its digits, so which article it is cannot be known (loan ids in it are quarantined alike); "
                               "export the id column as text and land the file again"),
    ]


LOADED = ("id\theadline\tbody\tpublished_at\n"
          "100\tBank 0 cuts rates\tBank 0 cut its lending rate by 25 basis points.\t2024-05-01T08:00:00Z\n"
          "https://example.com/markets/bank-c\tBank C loss widens\tBank C lost more.\t2024-05-02T08:00:00Z\n")
REPEATS = ("id,headline,label,published_at\n"
           "100,Bank A profit rises,positive,2024-05-03 09:00\n"
           "100,Bank A profit rises,negative,2024-05-03 09:00\n"
           "100,Bank A profit rises,positive,2024-05-03 09:00\n"
           "100,Bank A profit falls,positive,2024-05-03 09:00\n"
           "https://www.example.com/markets/bank-c/,Bank C loss widens,negative,2024-05-03 09:00\n"
           "http://example.com/markets/bank-c?utm_source=x,Bank C loss widens,negative,2024-05-03 09:00\n")


def test_the_reader_keeps_the_facts_of_each_repeat_within_its_file_through_a_declared_zone(tmp_path):
    from risk_assets.lib.ingest.parsed import RepeatedArticle

    path = tmp_path / "n08_repeats.csv"
    path.write_text(REPEATS)
    (tmp_path / "n08_repeats.csv.mapping.json").write_text('{"timezone": "Europe/Helsinki"}')
    parsed = parse_news_file(path)
    assert parsed.rows.select("_source_line", "published_at").rows() == [
        (2, datetime(2024, 5, 3, 6, 0)), (6, datetime(2024, 5, 3, 6, 0))]  # 09:00 EEST, read in the declared zone
    site = "https://www.example.com/markets/bank-c/"
    assert parsed.repeats == {
        3: RepeatedArticle(f"{path}: line 3", "100", 2, "100", True, "negative", "positive"),
        4: RepeatedArticle(f"{path}: line 4", "100", 2, "100", True, "positive", "positive"),
        5: RepeatedArticle(f"{path}: line 5", "100", 2, "100", False, "positive", "positive"),
        7: RepeatedArticle(f"{path}: line 7", "http://example.com/markets/bank-c?utm_source=x", 6, site, True,
                           "negative", "negative")}


def test_a_repeat_of_a_loaded_article_names_the_kept_copy_for_each_verdict_and_id_written_another_way(risk_home):
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import SAME_URL

    loaded = risk_home.landing_news / "n04_wire.tsv"
    loaded.write_text(LOADED)
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
    repeats = risk_home.landing_news / "n08_repeats.csv"
    repeats.write_text(REPEATS)
    (risk_home.landing_news / "n08_repeats.csv.mapping.json").write_text('{"timezone": "Europe/Helsinki"}')
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-2", asset="raw_news")
        quarantined = con.execute("SELECT line, message FROM quality.quarantine WHERE source_file = ? "
                                  "ORDER BY line", [str(repeats)]).fetchall()
    kept = f"is already loaded from {loaded} line 2, the copy kept; line 2 of this file, which it repeats"
    site = "https://example.com/markets/bank-c"
    too = "is quarantined as that copy's duplicate too"
    assert quarantined == [
        (2, f"{repeats}: line 2: article id 100 is already loaded from {loaded} line 2 (different text: the first "
            "version is kept)"),
        (3, f"{repeats}: line 3: article id '100' {kept} (same text, different label: negative here, positive on "
            f"line 2), {too}"),
        (4, f"{repeats}: line 4: article id '100' {kept} (same text and label), {too}"),
        (5, f"{repeats}: line 5: article id '100' {kept} (different text), {too}"),
        (6, f"{repeats}: line 6: article id https://www.example.com/markets/bank-c/ is already loaded from {loaded} "
            f"line 3 as {site} ({SAME_URL}) (different text: the first version is kept)"),
        (7, f"{repeats}: line 7: article id 'http://example.com/markets/bank-c?utm_source=x' is already loaded from "
            f"{loaded} line 3 as {site} ({SAME_URL}), the copy kept; line 6 of this file, which it repeats as "
            f"'https://www.example.com/markets/bank-c/' ({SAME_URL}) (same text and label), {too}"),
    ]


FALL_BACK = ("id,headline,label,published_at\n"
             "200,Bank D profit rises,positive,2024-10-27 03:30\n"
             "201,Bank E loss widens,negative,2024-10-27 12:00\n"
             "200,Bank D profit rises,positive,2024-10-27 03:30+03:00\n"
             "200,Bank D profit rises,negative,2024-10-27 03:30\n"
             "200,Bank D profit falls,positive,2024-10-27 03:30\n")


def test_repeats_of_a_first_copy_quarantined_for_its_local_time_say_so_and_what_to_do(tmp_path):
    """Helsinki's clocks went back at 04:00 on 27 October 2024, so 03:30 that day happened twice:
    the article's first copy (line 2) is quarantined for its time after the reader quarantined its
    repeats as pointing at line 2. Their messages say line 2 is quarantined too and that the lake
    keeps no copy, never 'already on line 2' alone."""
    path = tmp_path / "n09_desk.csv"
    path.write_text(FALL_BACK)
    (tmp_path / "n09_desk.csv.mapping.json").write_text('{"timezone": "Europe/Helsinki"}')
    parsed = parse_news_file(path)
    assert parsed.rows.select("_source_line", "doc_id", "published_at").rows() == [
        (3, "201", datetime(2024, 10, 27, 10, 0))]
    quarantined_too = ("which is quarantined too (ambiguous_local_time): the lake keeps no copy of this article; "
                       "correct line 2 as its message says and land the file again")
    assert sorted(parsed.quarantine.select("line", "rule", "message").rows()) == [
        (2, "ambiguous_local_time", f"{path}: line 2: 2024-10-27 03:30 is repeated in Europe/Helsinki when the clocks "
                                    "go back, so it names no single instant; write the time with its offset"),
        (4, "duplicate_doc_id", f"{path}: line 4: article id '200' is already on line 2 (same text and label), "
                                f"{quarantined_too}"),
        (5, "duplicate_doc_id", f"{path}: line 5: article id '200' is already on line 2 (same text, different label: "
                                f"negative here, positive on line 2), {quarantined_too}"),
        (6, "duplicate_doc_id", f"{path}: line 6: article id '200' is already on line 2 (different text), "
                                f"{quarantined_too}"),
    ]
    assert parsed.notes["published_at_local_zone_lines"] == [3]
    assert parsed.data_records == 5


def test_the_local_zone_note_lists_the_lines_of_loaded_rows_only(tmp_path):
    """Lines 3-5 and 7 repeat lines 2 and 6 and are quarantined: no time of theirs was read into the lake."""
    path = tmp_path / "n08_repeats.csv"
    path.write_text(REPEATS)
    (tmp_path / "n08_repeats.csv.mapping.json").write_text('{"timezone": "Europe/Helsinki"}')
    parsed = parse_news_file(path)
    assert parsed.notes["published_at_local_zone_lines"] == [2, 6]
    path.with_name("n08_repeats.csv.mapping.json").unlink()
    assert parse_news_file(path).notes["published_at_assumed_utc_lines"] == [2, 6]
