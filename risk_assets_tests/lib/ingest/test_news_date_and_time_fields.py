"""A feed that writes an article's publication date and its time of day in two fields (`publish_date`
and `publish_time`, a JSON `published: {"date", "time"}`): one publication time, in CSV, JSON, JSON
Lines and RSS alike, never the day alone at midnight with the time dropped."""

from __future__ import annotations

import json
from datetime import datetime

from risk_assets.lib.ingest.news_formats import parse_news_file

HEADLINES = ["Nordea lifts its outlook after a strong first quarter",
             "Stora Enso to cut a thousand jobs as paper demand falls"]


def test_a_json_date_and_its_own_time_field_are_one_publication_time(tmp_path):
    path = tmp_path / "desk.json"
    path.write_text(json.dumps([
        {"id": 3, "headline": HEADLINES[0], "publish_date": "2024-05-02", "publish_time": "09:00"},
        {"id": 4, "headline": HEADLINES[1], "publish_date": "2024-05-03", "publish_time": "16:45:10"},
    ]), encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 0), datetime(2024, 5, 3, 16, 45, 10)]
    assert parsed.notes["columns"]["published_time"] == "publish_time"
    assert parsed.notes["published_at_assumed_utc_lines"] == [1, 2]
    assert "published_at_date_only_lines" not in parsed.notes


def test_a_nested_date_and_time_are_read_in_the_zone_field_beside_them(tmp_path):
    path = tmp_path / "desk.jsonl"
    path.write_text("\n".join(json.dumps(article) for article in [
        {"id": 3, "headline": HEADLINES[0], "published": {"date": "2024-05-02", "time": "09:00"},
         "timezone": "Europe/Helsinki"},
        {"id": 4, "headline": HEADLINES[1], "published": {"date": "2024-01-15", "time": "09:00"},
         "timezone": "Europe/Helsinki"},
    ]) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    # Helsinki is +03:00 in May, +02:00 in January
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 6, 0), datetime(2024, 1, 15, 7, 0)]
    assert parsed.notes["columns"]["published_time"] == "published_time"
    assert parsed.notes["published_at_zone_column_lines"] == [1, 2]


def test_a_csv_pub_date_and_pub_time_join_and_a_time_of_day_column_completes_a_date(tmp_path):
    stemmed = tmp_path / "stemmed.csv"
    stemmed.write_text(f"id,pub_date,pub_time,headline\n3,2024-05-02,09:00,{HEADLINES[0]}\n", encoding="utf-8")
    plain = tmp_path / "plain.csv"
    plain.write_text(f"id,date,time_of_day,headline\n3,2024-05-02,14:30,{HEADLINES[0]}\n", encoding="utf-8")
    assert parse_news_file(stemmed).rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 0)]
    assert parse_news_file(plain).rows["published_at"].to_list() == [datetime(2024, 5, 2, 14, 30)]


def test_a_time_field_that_writes_the_whole_time_is_read_alone(tmp_path):
    path = tmp_path / "desk.csv"
    path.write_text("id,publish_date,publish_time,headline\n"
                    f"3,2024-05-02,2024-05-02T09:00:00+02:00,{HEADLINES[0]}\n"
                    f"4,2024-05-03,1714748400,{HEADLINES[1]}\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 7, 0), datetime(2024, 5, 3, 15, 0)]


def test_an_rss_item_with_a_date_and_a_time_element_is_one_publication_time(tmp_path):
    path = tmp_path / "desk.xml"
    path.write_text(f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Nordic Desk</title>
<item><guid>a-3</guid><title>{HEADLINES[0]}</title><publish_date>2024-05-02</publish_date><publish_time>09:00</publish_time></item>
</channel></rss>
""", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 0)]


def test_an_rss_pub_date_and_pub_time_are_one_publication_time_not_midnight(tmp_path):
    """RSS's own `pubDate` beside a `pubTime` (and the same names in JSON), an RFC 822 day beside a
    time with its offset: each the day at its time."""
    rss = tmp_path / "desk.xml"
    rss.write_text(f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Nordic Desk</title>
<item><guid>a-3</guid><title>{HEADLINES[0]}</title><pubDate>2024-03-01</pubDate><pubTime>09:30</pubTime></item>
<item><guid>a-4</guid><title>{HEADLINES[1]}</title><pubDate>Fri, 01 Mar 2024</pubDate><pubTime>16:45 +0100</pubTime></item>
</channel></rss>
""", encoding="utf-8")
    parsed = parse_news_file(rss)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 3, 1, 9, 30), datetime(2024, 3, 1, 15, 45)]
    assert parsed.notes["columns"]["published_time"] == "pubTime" and "pubTime" not in parsed.notes["ignored_columns"]
    api = tmp_path / "desk.json"
    api.write_text(json.dumps([{"id": 7, "title": HEADLINES[1], "pubDate": "2024-03-01", "pubTime": "09:30"}]),
                   encoding="utf-8")
    assert parse_news_file(api).rows["published_at"].to_list() == [datetime(2024, 3, 1, 9, 30)]


def test_a_record_xml_date_and_time_element_are_one_publication_time(tmp_path):
    path = tmp_path / "vendor.xml"
    path.write_text(f"""<?xml version="1.0"?>
<export><meta><source name="Nordic Desk"/><source name="Wire"/></meta>
<stories>
<story><id>3</id><headline>{HEADLINES[0]}</headline><pubDate>2024-03-01</pubDate><pubTime>09:30</pubTime></story>
<story><id>4</id><headline>{HEADLINES[1]}</headline><pubDate>2024-03-02</pubDate><pubTime>16:45:10</pubTime></story>
</stories></export>
""", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.notes["articles_in"] == ["export/stories/story"]
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 3, 1, 9, 30), datetime(2024, 3, 2, 16, 45, 10)]
    assert parsed.rows["_source_line"].to_list() == [4, 5]
