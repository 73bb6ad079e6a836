"""An office text or slide document landed as news or a tape (a Word .docx, an OpenDocument text,
a PowerPoint deck, an EPUB, a Word 97-2003 .doc) is refused as the document it is, with what to
land instead: not as 'a ZIP archive: unzip it', which gives a folder of XML parts, nor as an Excel
sheet."""

from __future__ import annotations

import zipfile

import pytest

from risk_assets.lib.ingest import csv_text
from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused

REMEDY = ("a document, not a data file: landing reads tables of loans or articles; put its table or its "
          "articles into a CSV (UTF-8; news: one article a row, under a header such as "
          "published_at,headline,body) and land that")


def _zip(path, parts: dict[str, str], mimetype: str | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:  # OpenDocument and EPUB: the first entry, stored uncompressed
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


BODY = "<w:p><w:r><w:t>Nordea lifts its outlook after a strong first quarter</w:t></w:r></w:p>"


@pytest.mark.parametrize(("name", "parts", "mimetype", "what"), [
    ("briefing.docx", {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
                       "word/document.xml": f"<w:document><w:body>{BODY}</w:body></w:document>"},
     None, "a Word document (.docx)"),
    ("deck.pptx", {"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p:presentation/>"},
     None, "a PowerPoint presentation (.pptx)"),
    ("briefing.odt", {"content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<manifest/>"},
     "application/vnd.oasis.opendocument.text", "an OpenDocument text (.odt)"),
    ("digest.epub", {"META-INF/container.xml": "<container/>", "OEBPS/chapter1.xhtml": "<html/>"},
     "application/epub+zip", "an EPUB e-book (.epub)"),
])
def test_an_office_document_in_a_zip_is_refused_as_the_document_it_is(tmp_path, name, parts, mimetype, what):
    path = _zip(tmp_path / name, parts, mimetype)
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == f"{path}: {what}, {REMEDY}"


def test_a_word_97_document_is_refused_as_one_not_as_an_excel_sheet(tmp_path):
    path = tmp_path / "memo.doc"
    directory = "Root Entry".encode("utf-16-le").ljust(128, b"\0") + "WordDocument".encode("utf-16-le").ljust(128, b"\0")
    path.write_bytes(csv_text.OLE2_MAGIC + b"\0" * 504 + directory)
    with pytest.raises(FileRefused) as refused:
        csv_text.read_landed_bytes(path)
    assert str(refused.value) == f"{path}: a legacy Word document (.doc), {REMEDY}"


def test_workbooks_and_spreadsheets_keep_their_own_messages(tmp_path):
    ods = _zip(tmp_path / "sheet.ods", {"content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<m/>"},
               "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(FileRefused, match=r"an OpenDocument spreadsheet \(\.ods"):
        csv_text.read_landed_bytes(ods)
    archive = _zip(tmp_path / "batch.zip", {"news.csv": "id,headline\n1,Nordea lifts its outlook\n"})
    with pytest.raises(FileRefused, match="a ZIP archive: unzip it and land the files inside"):
        csv_text.read_landed_bytes(archive)
