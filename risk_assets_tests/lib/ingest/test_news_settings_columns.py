"""A vendor's news file whose columns have names of their own (`story_text`, `Titel`, `Zeit`,
a nested `content.story`): declared in news settings' `columns`, each is read as its lake field,
before any column the reader would otherwise take for it; a declaration that cannot hold refuses
the file or the settings, naming what to fix."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

DESK_COLUMNS = {"story_text": "body", "titel": "headline", "zeit": "published_at", "nr": "doc_id"}


def _sidecar(path, **document):
    sidecar = path.with_name(path.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "vendor_desk", **document}), encoding="utf-8")
    return sidecar


@pytest.fixture
def vendor_csv(tmp_path):
    """A German vendor's export: its id is `Nr`, its body `Story Text` beside a teaser `Summary`
    (read as the body's fallback unless declared), and its time `Zeit`, which alone the reader
    takes for no time."""
    path = tmp_path / "vendor_2024-05.csv"
    path.write_text(
        "Nr,Titel,Summary,Story Text,Zeit\n"
        "v1,Kone wins order,Kone order.,Kone won a EUR 40 million elevator order in Helsinki.,2024-05-02T09:30:00Z\n"
        "v2,Nokia cuts jobs,Nokia cuts.,Nokia will cut 1400 jobs in Finland after weak sales.,2024-05-03T14:05:00Z\n",
        encoding="utf-8")
    return path


def test_declared_columns_are_read_as_their_fields_before_the_aliases(vendor_csv):
    sidecar = _sidecar(vendor_csv, columns=DESK_COLUMNS)
    parsed = parse_news_file(vendor_csv)
    assert parsed.rows.select("doc_id", "headline", "body", "text_field", "published_at").rows() == [
        ("v1", "Kone wins order", "Kone won a EUR 40 million elevator order in Helsinki.", "body",
         datetime(2024, 5, 2, 9, 30)),
        ("v2", "Nokia cuts jobs", "Nokia will cut 1400 jobs in Finland after weak sales.", "body",
         datetime(2024, 5, 3, 14, 5)),
    ]
    assert parsed.notes["columns"] == {"body": "Story Text", "headline": "Titel", "published_at": "Zeit",
                                       "doc_id": "Nr"}
    assert parsed.notes["columns_declared"] == {"Story Text": "body", "Titel": "headline", "Zeit": "published_at",
                                                "Nr": "doc_id"}
    assert parsed.notes["ignored_columns"] == ["Summary"]  # the teaser the aliases would have read beside it
    assert parsed.notes["news_settings"] == str(sidecar)
    assert "headline_scored_beside_unread_text" not in parsed.notes


def test_undeclared_the_vendors_id_and_time_are_left_unread(vendor_csv):
    parsed = parse_news_file(vendor_csv)
    assert parsed.notes["columns"] == {"headline": "Titel", "body": "Story Text", "body_fallback": "Summary"}
    assert parsed.rows["published_at"].to_list() == [None, None]
    assert parsed.rows["doc_id"].str.starts_with("v").to_list() == [False, False]
    assert parsed.notes["ignored_columns"] == ["Nr", "Zeit"]


def test_a_nested_json_field_is_declared_by_its_dotted_path(tmp_path):
    path = tmp_path / "wire.json"
    path.write_text(json.dumps({"items": [
        {"ref": "w1", "titel": "Kone wins order", "text": "Kone order.",
         "content": {"story": "Kone won a EUR 40 million elevator order in Helsinki.", "lang": "en"},
         "meta": {"zeit": "2024-05-02T09:30:00Z"}},
        {"ref": "w2", "titel": "Nokia cuts jobs", "text": "Nokia cuts.",
         "content": {"story": "Nokia will cut 1400 jobs in Finland after weak sales.", "lang": "en"},
         "meta": {"zeit": "2024-05-03T14:05:00Z"}},
    ]}, indent=1), encoding="utf-8")
    _sidecar(path, columns={"content.story": "body", "meta.zeit": "published_at", "ref": "doc_id"})
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "headline", "body", "published_at").rows() == [
        ("w1", "Kone wins order", "Kone won a EUR 40 million elevator order in Helsinki.", datetime(2024, 5, 2, 9, 30)),
        ("w2", "Nokia cuts jobs", "Nokia will cut 1400 jobs in Finland after weak sales.", datetime(2024, 5, 3, 14, 5)),
    ]
    assert parsed.notes["columns_declared"] == {"content_story": "body", "meta_zeit": "published_at", "ref": "doc_id"}
    assert parsed.notes["ignored_columns"] == ["text", "content_lang"]  # `text`, a body alias, gives way
    assert "fallback_columns" not in parsed.notes


def test_a_declared_column_the_file_lacks_refuses_it_naming_the_closest(vendor_csv):
    sidecar = _sidecar(vendor_csv, columns={"story_txt": "body"})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(vendor_csv)
    assert str(refused.value) == (
        f"{vendor_csv}: news settings {sidecar} declare the column 'story_txt' as the body ('columns'), but the file "
        "has no column of that name (compared whatever its case and surrounding spaces); its columns (line 1: "
        "columns): 'Nr', 'Titel', 'Summary', 'Story Text', 'Zeit'; did you mean 'Story Text'? Declare the column "
        "as the file names it and land the file again")


def test_a_declared_json_field_the_articles_lack_names_their_dotted_fields(tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text(json.dumps({"id": "w1", "title": "Kone wins order", "content": {"story": "Kone won an order."}})
                    + "\n", encoding="utf-8")
    sidecar = _sidecar(path, columns={"payload": "body"})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: news settings {sidecar} declare the field 'payload' as the body ('columns'), but the file has "
        "no field of that name (compared whatever its case and surrounding spaces); its fields (fields): 'id', "
        "'title', 'content.story'. Declare the field as the file names it and land the file again")


@pytest.mark.parametrize(("columns", "said"), [
    ({"story_text": "article_text"}, "'columns' maps 'story_text' to 'article_text', which is no lake field; a "
     "column is read as one of ['doc_id', 'published_at', 'headline', 'body', 'source', 'ticker', 'label'] (an "
     "article URL column is the doc_id)"),
    ({"story_text": "body", "Summary": "body"}, "'columns' declares both 'story_text' and 'Summary' as the body; "
     "which one is meant is ambiguous: declare one"),
    ({"Story Text": "body", " story_text": "headline"}, "'columns' names 'Story Text' and ' story_text', one column "
     "(names are compared whatever their case and surrounding spaces); declare it once"),
    (["story_text", "body"], "'columns' must be a JSON object of the file's column -> lake field, such as "
     '{"story_text": "body", "titel": "headline", "zeit": "published_at"}; not [\'story_text\', \'body\']'),
])
def test_columns_that_cannot_hold_refuse_the_settings_naming_the_key(vendor_csv, columns, said):
    sidecar = _sidecar(vendor_csv, columns=columns)
    with pytest.raises(FileRefused, match=re.escape(f"{sidecar}: invalid news settings: {said}")):
        parse_news_file(vendor_csv)


def test_columns_declared_for_a_file_without_columns_refuse_it(data_dir, tmp_path):
    path = tmp_path / "phrasebank.txt"
    path.write_text("\n".join((data_dir / "news" / "financial_phrasebank_50agree.txt")
                              .read_text("utf-8-sig").splitlines()[:3]) + "\n", encoding="utf-8")
    sidecar = _sidecar(path, columns={"sentence": "body"})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: news settings {sidecar} declare 'columns' ('sentence'), but the file is phrasebank_txt, which "
        "names no columns or fields to read them from; drop 'columns' from the settings that apply to it")


def test_the_unread_text_warning_gives_the_declaration_that_reads_it(tmp_path):
    path = tmp_path / "bare.csv"
    path.write_text("id,title,Artikeltext\na1,Kone wins order,Kone won a EUR 40 million elevator order.\n",
                    encoding="utf-8")
    assert parse_news_file(path).notes["headline_scored_beside_unread_text"].endswith(
        "if that is the article's text, declare it in the file's news settings, \"columns\": "
        "{\"Artikeltext\": \"body\"} (README, 'News files'), and land the file again")
    _sidecar(path, columns={"Artikeltext": "body"})
    assert parse_news_file(path).rows.select("body", "text_field").rows() == [
        ("Kone won a EUR 40 million elevator order.", "body")]


def test_a_workbook_whose_text_column_only_a_declaration_names_is_read(tmp_path):
    """`Inhalt der Meldung` names no headline or body the reader knows: without the declaration no
    sheet is a news feed; with it the sheet is found and the column read as the body."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meldungen"
    for row in (["Nr", "Inhalt der Meldung", "Zeit"],
                ["m1", "Kone won a EUR 40 million elevator order in Helsinki.", "2024-05-02T09:30:00Z"]):
        sheet.append(row)
    path = tmp_path / "desk.xlsx"
    book.save(path)
    with pytest.raises(FileRefused, match="news feed"):
        parse_news_file(path)
    _sidecar(path, columns={"inhalt der meldung": "body", "Nr": "doc_id", "Zeit": "published_at"})
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "body", "text_field", "published_at").rows() == [
        ("m1", "Kone won a EUR 40 million elevator order in Helsinki.", "body", datetime(2024, 5, 2, 9, 30))]
    assert parsed.notes["columns_declared"] == {"Inhalt der Meldung": "body", "Nr": "doc_id", "Zeit": "published_at"}


@pytest.mark.parametrize(("declared", "field", "nearest"), [
    ({"Geschichtte": "body", "Nummer": "doc_id"}, "body", "Geschichte"),
    ({"Kopfzeil": "headline"}, "headline", "Kopfzeile"),
    ({"Zet": "published_at"}, "published_at", "Zeit"),
    ({"Numer": "doc_id"}, "doc_id", "Nummer"),
])
def test_a_misspelled_declared_column_in_a_file_with_no_other_text_column_is_refused_naming_it(
        tmp_path, declared, field, nearest):
    """A vendor's file whose text columns have names of their own only (`Geschichte`, `Kopfzeile`): the
    misspelled declaration is what to fix, with the closest column, not an unknown format."""
    path = tmp_path / "desk_2024-05.csv"
    path.write_text("Nummer;Kopfzeile;Geschichte;Zeit\n"
                    "v1;Kone wins order;Kone won a EUR 40 million elevator order.;2024-05-02T09:30:00Z\n",
                    encoding="utf-8")
    sidecar = _sidecar(path, columns=declared)
    column = next(name for name, target in declared.items() if target == field)

    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)

    assert str(refused.value) == (
        f"{path}: news settings {sidecar} declare the column {column!r} as the {field} ('columns'), but the file "
        "has no column of that name (compared whatever its case and surrounding spaces); its columns (line 1: "
        f"columns): 'Nummer', 'Kopfzeile', 'Geschichte', 'Zeit'; did you mean {nearest!r}? Declare the column as the "
        "file names it and land the file again")


DESK_ARTICLES = [
    {"Nummer": "v1", "Kopfzeile": "Kone wins order", "Geschichte": "Kone won a EUR 40 million elevator order.",
     "Zeit": "2024-05-02T09:30:00Z"},
    {"Nummer": "v2", "Kopfzeile": "Nokia cuts jobs", "Geschichte": "Nokia will cut 1400 jobs in Finland.",
     "Zeit": "2024-05-03T14:05:00Z"}]


def _desk_file(folder, kind):
    """The vendor's articles, whose fields have names of their own only, as a JSON array, JSON Lines
    or an Excel workbook; (path, how the refusal says where its names are)."""
    if kind == "json":
        path = folder / "desk.json"
        path.write_text(json.dumps(DESK_ARTICLES), encoding="utf-8")
        return path, "field", "fields"
    if kind == "jsonl":
        path = folder / "desk.jsonl"
        path.write_text("".join(json.dumps(article) + "\n" for article in DESK_ARTICLES), encoding="utf-8")
        return path, "field", "fields"
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Meldungen"
    book.active.append(list(DESK_ARTICLES[0]))
    for article in DESK_ARTICLES:
        book.active.append(list(article.values()))
    path = folder / "desk.xlsx"
    book.save(path)
    return path, "column", "sheet 'Meldungen' row 1: columns"


@pytest.mark.parametrize("kind", ["json", "jsonl", "xlsx"])
@pytest.mark.parametrize(("misspelled", "field", "nearest"), [
    ("Geschichtte", "body", "Geschichte"), ("Kopfzeil", "headline", "Kopfzeile"),
    ("Zet", "published_at", "Zeit"), ("Numer", "doc_id", "Nummer")])
def test_a_misspelled_declared_field_in_json_or_a_workbook_is_refused_naming_the_closest(
        tmp_path, kind, misspelled, field, nearest):
    """As in a delimited file: a workbook whose sheet names no text column the reader knows was
    refused as no news feed at all, hiding the misspelled declaration that was to name it."""
    path, named, where = _desk_file(tmp_path, kind)
    sidecar = _sidecar(path, columns={misspelled: field})

    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)

    assert str(refused.value) == (
        f"{path}: news settings {sidecar} declare the {named} {misspelled!r} as the {field} ('columns'), but the file "
        f"has no {named} of that name (compared whatever its case and surrounding spaces); its {named}s ({where}): "
        f"'Nummer', 'Kopfzeile', 'Geschichte', 'Zeit'; did you mean {nearest!r}? Declare the {named} as the file "
        "names it and land the file again")
    _sidecar(path, columns={nearest: field, "Geschichte": "body"} if field != "body" else {nearest: field})
    assert parse_news_file(path).rows["body"].to_list() == [a["Geschichte"] for a in DESK_ARTICLES]


@pytest.mark.parametrize(("misspelled", "field", "nearest"), [
    ("descripton", "body", "description"), ("titel", "headline", "title"), ("pubdat", "published_at", "pubDate"),
    ("giud", "doc_id", "guid")])
def test_a_misspelled_declared_field_in_an_rss_feed_is_refused_naming_the_closest(
        tmp_path, misspelled, field, nearest):
    path = tmp_path / "desk.xml"
    path.write_text("<?xml version='1.0'?><rss version='2.0'><channel><title>Desk</title><item><guid>v1</guid>"
                    "<title>Kone wins order</title><description>Kone won a EUR 40 million elevator order.</description>"
                    "<pubDate>Thu, 02 May 2024 09:30:00 GMT</pubDate></item></channel></rss>", encoding="utf-8")
    sidecar = _sidecar(path, columns={misspelled: field})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: news settings {sidecar} declare the field {misspelled!r} as the {field} ('columns'), but the file "
        "has no field of that name (compared whatever its case and surrounding spaces); its fields (fields): 'guid', "
        f"'title', 'description', 'pubDate', 'source'; did you mean {nearest!r}? Declare the field as the file names it and "
        "land the file again")


def test_declared_fields_of_record_xml_are_read_and_a_misspelled_one_named_as_in_json(tmp_path):
    path = tmp_path / "desk.xml"
    path.write_text("<?xml version='1.0'?><Meldungen>" + "".join(
        "<Meldung>" + "".join(f"<{k}>{v}</{k}>" for k, v in article.items()) + "</Meldung>"
        for article in DESK_ARTICLES) + "</Meldungen>", encoding="utf-8")
    _sidecar(path, columns={"Geschichte": "body", "Kopfzeile": "headline", "Zeit": "published_at", "Nummer": "doc_id"})
    assert parse_news_file(path).rows.select("doc_id", "text_raw", "published_at").rows() == [
        ("v1", "Kone won a EUR 40 million elevator order.", datetime(2024, 5, 2, 9, 30)),
        ("v2", "Nokia will cut 1400 jobs in Finland.", datetime(2024, 5, 3, 14, 5))]
    sidecar = _sidecar(path, columns={"Geschichtte": "body"})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: news settings {sidecar} declare the field 'Geschichtte' as the body ('columns'), but the file has "
        "no field of that name (compared whatever its case and surrounding spaces); its fields (fields): 'Nummer', "
        "'Kopfzeile', 'Geschichte', 'Zeit'; did you mean 'Geschichte'? Declare the field as the file names it and "
        "land the file again")


def test_declared_fields_for_an_xml_document_with_no_records_say_where_they_are_read(tmp_path):
    path = tmp_path / "desk.xml"
    path.write_text("<?xml version='1.0'?><Meldungen><Meldung>" + "".join(
        f"<{k}>{v}</{k}>" for k, v in DESK_ARTICLES[0].items()) + "</Meldung></Meldungen>", encoding="utf-8")
    sidecar = _sidecar(path, columns={"Geschichte": "body"})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value).startswith(
        f"{path}: an XML document with root <Meldungen> and no <item> or <entry>: not an RSS or Atom feed, and no "
        "records to read in its place: the lake looks for repeated sibling elements")
    assert str(refused.value).endswith(
        f"; news settings {sidecar} declare the field(s) 'Geschichte' ('columns'), which are read from an RSS "
        "<item>'s or Atom <entry>'s fields or a record's only: export the articles as RSS, Atom, JSON or CSV and "
        "land that file")


def test_a_workbook_declaration_no_sheet_comes_close_to_names_the_settings(tmp_path):
    path, _, _ = _desk_file(tmp_path, "xlsx")
    sidecar = _sidecar(path, columns={"payload": "body"})
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: an Excel workbook with no visible sheet whose header fits a news feed (a headline or body column, "
        "named as in a feed CSV) (sheet 'Meldungen' first row ['Nummer', 'Kopfzeile', 'Geschichte', 'Zeit']). Name "
        f"the columns as a feed CSV's (see README, 'News files'), or declare them in news settings ({sidecar} "
        "declare 'payload', which no sheet's header names).")


@pytest.mark.parametrize(("column", "zone_said"), [
    ("published_at_est", " and, if 'EST' in its name is its values' zone, \"timezone\": \"America/New_York\" (its "
     "clock, summer time included) or \"EST\" (-05:00 all year)"),
    ("date_pst", " and, if 'PST' in its name is its values' zone, \"timezone\": \"America/Los_Angeles\" (its clock, "
     "summer time included)"),
    ("date_estimated", ""),
])
def test_a_time_column_whose_name_ends_in_a_zone_is_told_the_timezone_to_declare_beside_it(tmp_path, column, zone_said):
    """Declared alone, `published_at_est`'s 09:00 would be read as 09:00 UTC; the zone its name may
    carry is said, not assumed (`_est` also abbreviates 'estimated')."""
    path = tmp_path / "ny_desk.csv"
    path.write_text(f"id,headline,{column}\nn1,Regional bank profit rises,2024-07-15 09:00\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [None]
    assert parsed.notes["published_at_unread"] == (
        f"no publication time read: {column!r} looks like one but is no name the reader takes for it, so every "
        "article loads with published_at empty; if it is the publication time, declare it in the file's news "
        f"settings, \"columns\": {{\"{column}\": \"published_at\"}}{zone_said} (README, 'News files'), and land the "
        "file again")

    _sidecar(path, columns={column: "published_at"}, timezone="EST")
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 7, 15, 14, 0)]
    assert parsed.notes["published_at_standard_in_summer_lines"] == [2]
