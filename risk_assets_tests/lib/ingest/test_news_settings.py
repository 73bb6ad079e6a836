"""A desk's news export that does not say everything itself: Windows-1252 text and publication
times in Helsinki wall-clock time. Declared in news settings, it loads with the right text and the
right instants; undeclared, it is refused or its times are taken as UTC (and said so)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


@pytest.fixture
def desk_feed(data_dir, tmp_path):
    """Real PhraseBank sentences as a Finnish desk's CSV in cp1252 (one with 'Kalajoki – Ylivieska'
    and 'Wärtsilä'), local times around the October 2024 clock change (27 Oct, 04:00 -> 03:00)."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    sentences = [line.rsplit("@", 1) for line in lines[:4]]
    times = ["2024-10-26 09:30", "2024-10-27 03:30", "2024-10-27 12:00", "2024-03-31 03:30"]
    rows = [f'd{i},Wärtsilä – update {i},"{text}",{label},{stamp}'
            for i, ((text, label), stamp) in enumerate(zip(sentences, times))]
    path = tmp_path / "landing" / "desk_2024-10.csv"
    path.parent.mkdir()
    path.write_bytes(("id,headline,body,label,published\n" + "\n".join(rows) + "\n").encode("cp1252"))
    return path, sentences


def _settings(folder, name="desk.json", **document):
    (folder / "news").mkdir(parents=True, exist_ok=True)
    (folder / "news" / name).write_text(json.dumps({"name": "helsinki_desk", **document}))


def test_declared_encoding_and_zone_load_the_right_text_and_instants(desk_feed, tmp_path):
    path, sentences = desk_feed
    with pytest.raises(FileRefused, match=r"desk_2024-10.csv: line 2 column \d+: not UTF-8 at byte offset \d+ \(byte 0xe4\): "
                                          r"news files are read as UTF-8.*declare another encoding in news settings"):
        parse_news_file(path)

    _settings(tmp_path / "maps", applies_to=["DESK_*.csv"], encoding="cp1252", timezone="Europe/Helsinki")
    parsed = parse_news_file(path, mapping_dirs=[tmp_path / "maps"])

    parsed.reconcile()
    assert parsed.rows["headline"].to_list()[0] == "Wärtsilä – update 0"
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("d0", datetime(2024, 10, 26, 6, 30)),  # EEST, UTC+3
        ("d2", datetime(2024, 10, 27, 10, 0))]  # EET, UTC+2
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "ambiguous_local_time"), (5, "ambiguous_local_time")]
    repeated, skipped = parsed.quarantine["message"].to_list()
    assert "line 3: 2024-10-27 03:30 is repeated in Europe/Helsinki when the clocks go back" in repeated
    assert "line 5: 2024-03-31 03:30 is skipped in Europe/Helsinki when the clocks go forward" in skipped
    assert parsed.notes["published_at_zone"].startswith("Europe/Helsinki (news settings ")
    assert parsed.notes["published_at_local_zone_lines"] == [2, 4]
    assert "published_at_assumed_utc_lines" not in parsed.notes


def test_a_utf8_feed_under_news_settings_declaring_cp1252_is_refused_not_read_garbled(desk_feed, tmp_path):
    """The desk's export moved to UTF-8 while its news settings still declare cp1252: every byte
    decodes in cp1252, so 'Wärtsilä' read as 'WÃ¤rtsilÃ¤' and loaded."""
    path, _ = desk_feed
    path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))
    _settings(tmp_path / "maps", applies_to=["desk_*.csv"], encoding="cp1252")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path, mapping_dirs=[tmp_path / "maps"])
    assert str(refused.value) == (
        f"{path}: line 2: bytes 0xc3 0xa4 are UTF-8 for 'ä': the text there reads 'd0,Wärtsilä – up' as UTF-8 and "
        "'d0,WÃ¤rtsilÃ¤ â€“ up' as the declared cp1252, which would load it garbled; the file is UTF-8: declare "
        '"encoding": "utf-8" in its news settings (or drop the encoding: news files are read as UTF-8 by default)')


def test_a_sidecar_decides_for_its_file_and_bad_settings_are_refused_by_name(desk_feed, tmp_path):
    path, _ = desk_feed
    sidecar = path.with_name(path.name + ".mapping.json")
    sidecar.write_text(json.dumps({"name": "desk", "encoding": "cp1252"}))  # no zone: times stay UTC, as said
    parsed = parse_news_file(path)
    assert parsed.rows.height == 4 and parsed.notes["published_at_assumed_utc_lines"] == [2, 3, 4, 5]
    assert parsed.rows["published_at"].to_list()[1] == datetime(2024, 10, 27, 3, 30)

    for document, says in (({"encoding": "cp9999"}, "'encoding' 'cp9999' is no text encoding Python knows"),
                           ({"timezone": "Helsinki"}, "'timezone' 'Helsinki' is no IANA time zone name"),
                           ({"zone": "Europe/Helsinki"}, "unknown key(s) ['zone']")):
        sidecar.write_text(json.dumps(document))
        with pytest.raises(FileRefused, match=re.escape(f"desk_2024-10.csv.mapping.json: invalid news settings: {says}")):
            parse_news_file(path)
    sidecar.unlink()

    _settings(tmp_path / "maps", "a.json", applies_to="desk_*")
    _settings(tmp_path / "maps", "b.json", applies_to="*.csv")
    with pytest.raises(FileRefused, match=r"desk_2024-10.csv: news settings .*a.json, .*b.json all name this file"):
        parse_news_file(path, mapping_dirs=[tmp_path / "maps"])


def test_a_declared_zone_keeps_the_text_of_the_files_footer(tmp_path):
    path = tmp_path / "desk.csv"
    path.write_text("id,headline,published_at\na1,Bank A profit rises,2024-05-03 09:00\n"
                    "a2,Bank B loss widens,2024-05-03 10:00\nSource: ACME wire desk\n")
    (tmp_path / "desk.csv.mapping.json").write_text('{"timezone": "Europe/Helsinki"}')
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 3, 6, 0), datetime(2024, 5, 3, 7, 0)]
    assert parsed.non_data_lines == [(4, "footer_note")]
    assert parsed.non_data_text == {4: "Source: ACME wire desk"}


def test_a_declared_standard_time_zone_on_summer_dates_is_noted_as_an_inline_est_is(tmp_path):
    """A New York desk declares "EST" for its zone-less times: the database keeps EST at -05:00 all
    year, so July's 09:00 is read as 14:00 UTC, as written, and noted (EDT may have been meant);
    January's is not noted. An abbreviation the database lacks is refused naming the region."""
    path = tmp_path / "ny_desk.csv"
    path.write_text("id,headline,published_at\n"
                    "n1,Regional bank profit rises,2024-07-15 09:00\n"
                    "n2,Card issuer loss widens,2024-01-15 09:00\n"
                    "n3,Lender beats estimates,2024-07-16 10:30 EDT\n")
    sidecar = tmp_path / "ny_desk.csv.mapping.json"
    for declared, summer_utc, offset in (("EST", datetime(2024, 7, 15, 14, 0), "-05:00"),
                                         ("MST", datetime(2024, 7, 15, 16, 0), "-07:00")):
        sidecar.write_text(json.dumps({"timezone": declared}))
        parsed = parse_news_file(path)
        assert parsed.rows["published_at"].to_list()[:2] == [summer_utc, summer_utc.replace(month=1)]
        assert parsed.notes["published_at_local_zone_lines"] == [2, 3]
        assert parsed.notes["published_at_standard_in_summer_lines"] == [2]
        region, summer = {"EST": ("America/New_York", "EDT -04:00"), "MST": ("America/Denver", "MDT -06:00")}[declared]
        assert parsed.notes["published_at_standard_in_summer"] == {
            declared: f"{declared} on 2024-07-15: {region} keeps summer time then, so {summer} may have been meant; "
                      f"read at {offset} as written (news settings)"}

    sidecar.write_text(json.dumps({"timezone": "CET"}))  # the database's CET keeps summer time: +02:00 in July
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list()[:2] == [datetime(2024, 7, 15, 7, 0), datetime(2024, 1, 15, 8, 0)]
    assert "published_at_standard_in_summer_lines" not in parsed.notes

    for declared, region in (("PST", "America/Los_Angeles"), ("AEST", "Australia/Sydney"), ("CEST", "Europe/Berlin")):
        sidecar.write_text(json.dumps({"timezone": declared}))
        with pytest.raises(FileRefused) as refused:
            parse_news_file(path)
        assert str(refused.value) == (
            f"{sidecar}: invalid news settings: 'timezone' {declared!r} is no IANA time zone name (e.g. "
            f"'Europe/Helsinki', 'America/New_York'): {declared} is an abbreviation; for the local clock of "
            f"{region}, which keeps summer time, write {region!r}")
