"""News files as vendors and desks deliver them, built from real Financial PhraseBank sentences:
which time, text, id and label each article gets when a file offers more than one, and the
documents that are refused by what they are."""

from __future__ import annotations

import json
from datetime import datetime
from xml.sax.saxutils import escape

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture(scope="module")
def sentences(phrasebank_pairs) -> list[tuple[str, str]]:
    """The first 40 (sentence, label) pairs of the PhraseBank vendor file (conftest)."""
    return phrasebank_pairs


def test_an_rss_items_last_edit_is_never_its_publication_time(sentences, tmp_path):
    """An RSS item with `<pubDate>` and an `<atom:updated>` (or bare `<updated>`), and Benzinga's
    XML with `<created>` and `<updated>`: the edit, a day or hours later, was read as the
    publication time because `updated` stood in for Atom's `published`. It does so only where the
    item has no other time."""
    items = "".join(
        f"<item><title>{escape(s[:40])}</title><link>https://wire.example/{i}</link><description>{escape(s)}"
        f"</description><pubDate>Thu, 02 May 2024 0{i}:30:00 GMT</pubDate>"
        + ("<atom:updated>2024-05-03T11:30:00Z</atom:updated>" if i == 0 else "<updated>2024-05-03T12:30:00Z</updated>"
           if i == 1 else "") + "</item>" for i, (s, _) in enumerate(sentences[:3]))
    rss = tmp_path / "wire.xml"
    rss.write_text('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
                   f"<channel><title>Wire</title>{items}</channel></rss>", encoding="utf-8")
    benzinga = tmp_path / "benzinga.xml"
    benzinga.write_text('<?xml version="1.0"?><result is_array="true">' + "".join(
        f'<item><id type="integer">3861230{i}</id><created>Thu, 02 May 2024 0{5 + i}:34:00 -0400</created>'
        f"<updated>Thu, 02 May 2024 1{i}:34:00 -0400</updated><title>{escape(s[:40])}</title><body>{escape(s)}</body>"
        "</item>" for i, (s, _) in enumerate(sentences[:2])) + "</result>", encoding="utf-8")

    assert parse_news_file(rss).rows["published_at"].to_list() == [
        datetime(2024, 5, 2, 0, 30), datetime(2024, 5, 2, 1, 30), datetime(2024, 5, 2, 2, 30)]
    parsed = parse_news_file(benzinga)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 34), datetime(2024, 5, 2, 10, 34)]
    assert "updated" in parsed.notes["ignored_columns"]


def test_an_atom_entry_with_only_an_edit_time_takes_it(sentences, tmp_path):
    """Atom's `<updated>` is required and `<published>` optional: an entry with `<updated>` alone
    is dated by it, as before."""
    (s, _), = sentences[:1]
    feed = tmp_path / "feed.atom"
    feed.write_text('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>'
                    f"<entry><id>urn:a:1</id><title>{escape(s[:40])}</title><updated>2024-05-02T09:30:00+02:00</updated>"
                    f"<content>{escape(s)}</content></entry></feed>", encoding="utf-8")

    assert parse_news_file(feed).rows["published_at"].to_list() == [datetime(2024, 5, 2, 7, 30)]


def test_a_date_column_gives_way_to_its_twin_with_the_time_of_day(sentences, tmp_path):
    """Factiva's DNA snapshots carry `publication_date` (midnight, epoch ms) and
    `publication_datetime`: the date was read, at 00:00, for every article. A time of day alone
    (`publish_time` beside `publish_date`) is no such twin: the date stays the time read."""
    lines = [json.dumps({"an": f"DJDN000020240502ek5200{i:03d}", "action": "add", "source_name": "Dow Jones",
                         "publication_date": 1714608000000, "publication_datetime": 1714608000000 + (9 * 60 + i) * 60_000,
                         "modification_datetime": 1714902060000, "title": s[:40], "body": s})
             for i, (s, _) in enumerate(sentences[:3])]
    path = tmp_path / "dna.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.notes["columns"]["published_at"] == "publication_datetime"
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, i) for i in range(3)]

    clock = tmp_path / "desk.csv"
    clock.write_text("id,publish_date,publish_time,headline\n" + "".join(
        f'd{i},2024-05-02,09:3{i}:00,"{s}"\n' for i, (s, _) in enumerate(sentences[:2])), encoding="utf-8")
    dated = parse_news_file(clock)
    assert dated.quarantine.height == 0 and dated.notes["columns"]["published_at"] == "publish_date"


def test_an_item_without_the_chosen_text_reads_the_best_ranked_text_it_has(sentences, tmp_path):
    """JSON Feed 1.1: items carry `content_text` or `content_html`, and a `summary` teaser before
    them. An item without `content_text` loaded its teaser; it reads its `content_html`."""
    items = [{"id": str(i), "title": s[:40], "summary": s[:30] + "...", "date_published": f"2024-05-02T1{i}:13:00+05:30",
              **({"content_text": s} if i % 2 else {"content_html": f"<p>{escape(s)}</p>"})}
             for i, (s, _) in enumerate(sentences[:4])]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Markets", "items": items}),
                    encoding="utf-8")

    parsed = parse_news_file(path)

    assert parsed.rows["text_clean"].to_list() == [s for s, _ in sentences[:4]]


def test_a_workbooks_link_column_gives_the_address_not_the_text_shown(sentences, tmp_path):
    """An Eikon-style headline export: the Link column holds `=HYPERLINK(url, "Open")`, or a link
    attached to a cell that shows 'Reuters'. Read as shown, every row's id was 'Open' and five of
    six were quarantined as duplicates; each is its address now."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date/Time", "Headline", "Link"])
    for i, (s, _) in enumerate(sentences[:6]):
        url = f"https://www.reuters.com/technology/nokia-{i}-2024-05-02/"
        sheet.append([datetime(2024, 5, 2, 9, i), s, f'=HYPERLINK("{url}","Open")' if i < 4 else "Reuters"])
        if i >= 4:
            sheet.cell(row=i + 2, column=3).hyperlink = url
    path = tmp_path / "headlines.xlsx"
    book.save(path)
    _cache_formula_values(path, "Open")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert [d.rsplit("nokia-", 1)[1] for d in parsed.rows["doc_id"].to_list()] == [f"{i}-2024-05-02/" for i in range(6)]
    assert parsed.notes["doc_id_from_cell_link_lines"] == [2, 3, 4, 5, 6, 7]


def _cache_formula_values(path, value: str) -> None:
    """Write the value Excel would have saved beside each formula, as Excel saves it (openpyxl saves
    none, and asks for a recalculation on opening)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(r"<c ([^>]*?)(?: t=\"\w+\")?><f>(.*?)</f><v\s*/?>(?:</v>)?",
                                               rf'<c \1 t="str"><f>\2</f><v>{value}</v>', sheet).encode()
    parts["xl/workbook.xml"] = re.sub(rb'\s*fullCalcOnLoad="1"', b"", parts["xl/workbook.xml"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_a_declared_label_of_symbols_is_read(sentences, tmp_path):
    """A desk labels with stars and emoji and declares them in `label_map`: symbols alone were
    taken for an empty cell before the declaration was read, and 8 of 9 rows loaded unlabelled."""
    marks = {"★★★★★": "positive", "👍": "positive", "★★★☆☆": "neutral", "➖": "neutral", "★☆☆☆☆": "negative", "☹️": "negative"}
    path = tmp_path / "desk.csv"
    path.write_text("id,headline,sentiment\n" + "".join(
        f'd{i},"{s}",{mark}\n' for i, ((s, _), mark) in enumerate(zip(sentences, marks))), encoding="utf-8")
    (tmp_path / "desk.csv.mapping.json").write_text(json.dumps({"name": "desk", "label_map": marks}), encoding="utf-8")

    parsed = parse_news_file(path)

    assert parsed.rows["label"].to_list() == list(marks.values())
    assert "label_unrecognised" not in parsed.notes


def test_entries_linking_one_relative_address_under_two_bases_are_two_articles(sentences, tmp_path):
    """An Atom feed whose entries have no `<id>` and link `index.html` under their own `xml:base`:
    one id for both, and the second was quarantined as a duplicate. Links resolve against the
    bases (RFC 4287, 1.3)."""
    entries = "".join(f'<entry xml:base="news/2024/05/a{i}/"><title>{escape(s[:40])}</title>'
                      f'<link rel="alternate" href="index.html"/><published>2024-05-02T1{i}:30:00+02:00</published>'
                      f"<content>{escape(s)}</content></entry>" for i, (s, _) in enumerate(sentences[:2]))
    path = tmp_path / "wire.atom"
    path.write_text('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                    f'xml:base="https://www.nordicwire.example/"><title>Nordic Wire</title>{entries}</feed>',
                    encoding="utf-8")

    parsed = parse_news_file(path)

    assert parsed.quarantine.height == 0
    assert [d.rsplit("/news/", 1)[1] for d in parsed.rows["doc_id"].to_list()] == ["2024/05/a0/index.html",
                                                                                   "2024/05/a1/index.html"]


def test_a_lone_utf8_letter_read_as_windows_1252_is_repaired(sentences, tmp_path):
    """'Bank of Ã…land' (Å written as UTF-8, read as Windows-1252) is the text's only damage:
    ftfy leaves it, and it was loaded so."""
    path = tmp_path / "feed.csv"
    path.write_text('id,headline\nm0,"Finnish Bank of Ã…land \'s consolidated net operating profit increased ."\n',
                    encoding="utf-8")

    parsed = parse_news_file(path)

    assert parsed.rows["text_clean"].to_list() == ["Finnish Bank of Åland 's consolidated net operating profit increased ."]
    assert parsed.rows["text_repaired"].to_list() == [True]


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("factiva.rtf", rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\pard Reuters News\par}}", "an RTF document"),
    ("article.mht", b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://www.reuters.com/a/\r\n"
                    b"Subject: Nokia | Reuters\r\nDate: Fri, 10 May 2024 14:22:31 -0000\r\nMIME-Version: 1.0\r\n"
                    b"Content-Type: multipart/related; type=\"text/html\"; boundary=\"b\"\r\n\r\n--b\r\n"
                    b"Content-Type: text/html\r\n\r\n<html><body><nav>World</nav><p>Text</p></body></html>\r\n--b--\r\n",
     "a web page saved as MHTML"),
], ids=["rtf", "mhtml"])
def test_a_saved_document_is_refused_by_what_it_is(tmp_path, name, content, kind):
    """A Factiva RTF download was refused as 'not valid JSON' (it opens with '{'), and a page saved
    from a browser as MHTML loaded as an e-mail dated when it was saved, its menus for text."""
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)

    assert str(refused.value).startswith(f"{path}: {kind}") and "export the articles as CSV" in str(refused.value)


def test_a_file_in_another_encoding_is_told_to_declare_it_even_where_bytes_happen_to_be_utf8(sentences, tmp_path):
    """GB18030 text holds byte pairs that are also UTF-8 characters: the file was said to mix
    encodings, with advice not to declare one; declaring `gb18030` reads it."""
    text = "id,headline\n" + "".join(f'c{i},"{s} 诺基亚公司宣布"\n' for i, (s, _) in enumerate(sentences[:4]))
    path = tmp_path / "cn.csv"
    path.write_bytes(text.encode("gb18030"))

    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert "declare another encoding in news settings" in str(refused.value)
    assert "mixes encodings" not in str(refused.value)

    (tmp_path / "cn.csv.mapping.json").write_text(json.dumps({"name": "cn", "encoding": "gb18030"}), encoding="utf-8")
    assert parse_news_file(path).rows["text_clean"].to_list()[0].endswith("诺基亚公司宣布")


def test_a_tab_separated_export_that_never_quotes_keeps_its_quoted_words(sentences, tmp_path):
    """A SQL client's tab-separated export never quotes: a body opening with a quoted word
    (`"Founded" in 1649 , Fiskars ...`) and a headline `"Glaston 's brands" update` were quarantined
    as malformed quotes. Each line splits into the header's four fields at its tabs: read as
    written, noted; a body cut off inside an open quote is no such line."""
    rows = [(f"t{i}", f"2024-05-02T0{i}:30:00Z", s[:40], s) for i, (s, _) in enumerate(sentences[:3])]
    words = sentences[0][0].split(" ", 1)
    rows[0] = (*rows[0][:3], f'"{words[0]}" {words[1]}')
    rows[1] = (rows[1][0], rows[1][1], f'"{rows[1][2]}" update', rows[1][3])
    path = tmp_path / "export.tsv"
    path.write_text("id\tdate\theadline\ttext\n" + "".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("headline", "text_raw").rows() == [(row[2], row[3]) for row in rows]
    assert parsed.notes["quotes_read_as_text_lines"] == [2, 3]


def test_a_wordpress_posts_time_is_its_utc_twin_and_its_player_fallback_is_no_text(sentences, tmp_path):
    """WordPress's REST API writes `date` in the site's zone, without one, and `date_gmt` in UTC:
    `date` was read as UTC, three hours off in Helsinki. A body's `<iframe>` fallback ('Your browser
    does not support iframes') was read as the article's last sentence."""
    posts = [{"id": 100 + i, "date": f"2024-05-02T1{i}:30:00", "date_gmt": f"2024-05-02T0{7 + i}:30:00",
              "title": {"rendered": s[:40]},
              "content": {"rendered": f"<p>{escape(s)}</p><iframe src=\"https://x.example/v\">Your browser does not "
                                      "support iframes</iframe><script>var a = 1;</script>"}}
             for i, (s, _) in enumerate(sentences[:2])]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(posts), encoding="utf-8")

    parsed = parse_news_file(path)

    assert parsed.notes["columns"]["published_at"] == "date_gmt"
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 7, 30), datetime(2024, 5, 2, 8, 30)]
    assert parsed.rows["text_clean"].to_list() == [s for s, _ in sentences[:2]]


def test_bloombergs_pending_and_no_data_cells_are_no_values(sentences, tmp_path):
    """The Bloomberg add-in writes `#N/A Requesting Data...` in a cell whose pull has not finished
    and `#N/A N/A` where there is no data: the first was scored as the story's text, the second
    stored as its ticker. They are spreadsheet errors, as a bare `#N/A` is: the headline is read
    in place of the story, and a ticker lost so quarantines its article."""
    (s0, _), (s1, _) = sentences[:2]
    path = tmp_path / "bbg.csv"
    path.write_text("Story ID,Time,Headline,Story,Ticker\n"
                    f'1,2024-05-02T09:30:00Z,"{s0}",#N/A Requesting Data...,NOKIA FH Equity\n'
                    f'2,2024-05-02T10:30:00Z,"{s1[:40]}","{s1}",#N/A N/A\n', encoding="utf-8")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.select("doc_id", "text_clean", "text_field").rows() == [("1", s0, "headline")]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(3, "spreadsheet_error", "#N/A N/A")]


def test_a_sentence_column_is_the_text_and_a_sheets_loading_cell_is_none(sentences, tmp_path):
    """The Hugging Face export of Financial PhraseBank is `sentence,label`: refused, 'sentence'
    being no text column's name. Google Sheets' IMPORTFEED writes `Loading...` in a cell it has not
    filled: loaded as an article's text."""
    path = tmp_path / "phrasebank_hf.csv"
    path.write_text("sentence,label\n" + "".join(f'"{s}",{label}\n' for s, label in sentences[:3]) + "Loading...,\n",
                    encoding="utf-8")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.select("text_clean", "label").rows() == [(s, label) for s, label in sentences[:3]]
    assert parsed.quarantine.select("line", "rule").rows() == [(5, "no_usable_text")]
    assert "placeholder" in parsed.quarantine["message"][0]


def test_a_utf16_file_ending_in_its_line_end_is_not_padded(sentences, tmp_path):
    """Excel's 'Unicode Text' and PowerShell's Out-File write UTF-16LE, whose last line end is
    0A 00: its zero byte was taken for NUL padding, and every such file said it may be cut short."""
    text = "id\theadline\n" + "".join(f"u{i}\t{s}\n" for i, (s, _) in enumerate(sentences[:3]))
    path = tmp_path / "unicode_text.txt"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows.height == 3 and "nul_padding" not in parsed.notes
    assert [kind for _, kind in parsed.non_data_lines] == []


def test_a_dotnet_json_date_is_its_milliseconds_and_a_parquet_file_is_refused_as_one(sentences, tmp_path):
    """PowerShell 5's ConvertTo-Json writes a date `/Date(1714642200000)/` (ms since 1970, UTC): every
    article was quarantined as 'Date is no month'. A Parquet file was refused as text that is not
    UTF-8, advised to declare an encoding."""
    (s, _), = sentences[:1]
    path = tmp_path / "ps.json"
    path.write_text(json.dumps([{"Title": s[:40], "Body": s, "Published": "/Date(1714642200000)/"}]), encoding="utf-8")
    assert parse_news_file(path).rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 30)]

    parquet = tmp_path / "news.parquet"
    parquet.write_bytes(b"PAR1" + b"\x15\x00" * 40 + b"PAR1")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(parquet)
    assert str(refused.value).startswith(f"{parquet}: a Parquet file") and "declare" not in str(refused.value)


def test_json_lines_cut_at_both_ends_load_their_whole_lines(sentences, tmp_path):
    """A JSON Lines download resumed mid-file starts inside an object: the whole file was refused as
    no known format. The cut first line (and a cut last one) is `malformed_json`; the rest load."""
    lines = [json.dumps({"id": f"n{i}", "headline": s[:40], "body": s}) for i, (s, _) in enumerate(sentences[:5])]
    path = tmp_path / "feed.jsonl"
    path.write_text(lines[0][25:] + "\n" + "\n".join(lines[1:4]) + "\n" + lines[4][:30], encoding="utf-8")

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["n1", "n2", "n3"]
    assert parsed.quarantine.select("line", "rule").rows() == [(1, "malformed_json"), (5, "malformed_json")]
    assert "starts inside an object" in parsed.quarantine["message"][0]


def test_a_link_built_from_other_cells_keeps_the_address_the_cell_shows(sentences, tmp_path):
    """`=HYPERLINK("https://news.example.com/markets/"&B2)` builds its address from another cell: the
    formula's written part is no address, and the cell's own text, a full URL, is the id."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Headline", "Slug", "URL"])
    for i, (s, _) in enumerate(sentences[:2]):
        sheet.append([s, f"story-{i}", f'=HYPERLINK("https://news.example.com/markets/"&B{i + 2})'])
    path = tmp_path / "links.xlsx"
    book.save(path)
    _cache_formula_values(path, "https://news.example.com/markets/story-0")
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:  # each row's own value, as Excel stores it
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb"(<c r=\"C3\"[^>]*>.*?<v>)[^<]*", rb"\1https://news.example.com/markets/story-1",
                                               parts["xl/worksheets/sheet1.xml"], flags=re.S)
    with zipfile.ZipFile(path, "w") as archive:
        for n, data in parts.items():
            archive.writestr(n, data)

    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert [d.rsplit("/", 1)[1] for d in parsed.rows["doc_id"].to_list()] == ["story-0", "story-1"]
