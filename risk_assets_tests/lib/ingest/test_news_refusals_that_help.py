"""News refusals say what to do in news terms: a byte its declared encoding cannot read names the
settings file, the byte's likely reading and the setting to change; a compressed file names the
formats news landing reads and the one its name says it holds."""

from __future__ import annotations

import bz2
import json

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


def test_latin1_bytes_under_declared_utf8_name_the_settings_file_the_byte_and_the_fix(tmp_path):
    path = tmp_path / "latin1_declared_utf8.csv"
    path.write_bytes("id,headline,body,published_at\nx1,Café deal,Café chain Müller grew,2024-07-16T09:00:00Z\n"
                     .encode("latin-1"))
    settings = tmp_path / "latin1_declared_utf8.csv.mapping.json"
    settings.write_text(json.dumps({"encoding": "utf-8"}), encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: line 2 column 7: not UTF-8 at byte offset 36 (byte 0xe9): its news settings ({settings}) declare "
        "\"encoding\": \"utf-8\", which this byte is not valid in; byte 0xe9 is 'é' in Latin-1 / Windows-1252, a "
        "common encoding of files written on Windows: if the text is Latin-1 or Windows-1252, declare "
        "\"encoding\": \"cp1252\" there instead (or save the file as utf-8) and land it again")


def test_the_file_reads_once_its_settings_declare_cp1252(tmp_path):
    path = tmp_path / "latin1_declared_utf8.csv"
    path.write_bytes("id,headline,body,published_at\nx1,Café deal,Café chain Müller grew,2024-07-16T09:00:00Z\n"
                     .encode("latin-1"))
    (tmp_path / "latin1_declared_utf8.csv.mapping.json").write_text(json.dumps({"encoding": "cp1252"}))
    assert parse_news_file(path).rows.select("headline", "body").rows() == [("Café deal", "Café chain Müller grew")]


FEED = "id,headline,body,published_at\nf1,Kone wins order,Kone won a lift order.,2024-07-16T09:00:00Z\n"


def test_a_bzip2_feed_csv_is_told_what_news_reads_and_what_it_holds(tmp_path):
    path = tmp_path / "feed.csv.bz2"
    path.write_bytes(bz2.compress(FEED.encode()))
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: bzip2-compressed, which news landing cannot read: it reads Financial PhraseBank text or CSV, a "
        "feed CSV, JSON or JSON Lines, RSS or Atom, an Excel workbook, e-mail (mbox or .eml), each plain or "
        "gzip-compressed; unpack it (bunzip2 -k feed.csv.bz2 gives feed.csv, CSV, which news landing reads; or "
        "compress it with gzip instead) and land that")
    assert "Parquet" not in str(refused.value)


def test_a_zstd_json_lines_feed_names_json_lines(tmp_path):
    path = tmp_path / "feed.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 40)  # a zstd frame's magic: the name says what it holds
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: zstd-compressed, which news landing cannot read: it reads ")
    assert message.endswith("unpack it (zstd -d feed.jsonl.zst gives feed.jsonl, JSON Lines, which news landing "
                            "reads; or compress it with gzip instead) and land that")
