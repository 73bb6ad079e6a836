"""Tickers of one listing written as different vendors write them (Refinitiv RICs, Bloomberg
tickers, Google Finance and TradingView prefixes, ISO 10383 MICs), in feeds built from real
Financial PhraseBank sentences: one spelling per listing, whatever the file's format."""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape

import pytest

from risk_assets.lib.ingest.news_formats import isin_check_digit_valid, parse_news_file


@pytest.fixture
def sentences(data_dir) -> list[str]:
    """The first 20 sentences of the real Financial PhraseBank 50%-agreement file."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0] for line in lines[:20]]


def _feed_csv(sentences: list[str], tickers: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "published_at", "ticker", "body"])
    for i, ticker in enumerate(tickers):
        writer.writerow([f"a{i}", f"2024-03-05T09:{i:02d}:00Z", ticker, sentences[i]])
    return buffer.getvalue()


def test_a_listing_written_by_different_vendors_is_one_ticker(tmp_path, sentences):
    """Apple, Vodafone, Nokia and Berkshire's class B, each written two ways, used to be eight
    tickers in the daily index; the RIC, Bloomberg, exchange-prefix and MIC forms now read as one
    per listing. An ISIN, an exchange code not in the table and a one-letter dot that may be a
    share class are kept as written; a 12-character code whose check digit is wrong is no ISIN."""
    tickers = ["AAPL.O", "NASDAQ:AAPL", "VOD.L", "VOD LN Equity", "NOKIA FH Equity", "HEL:NOKIA", "BRK.B",
               "BRK/B US Equity", "US0378331005", "SAP GR Equity", "XNAS:AAPL; NOKIA.HE", "BF.A", "FI0009000680"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:13], [
        "AAPL", "AAPL", "VOD.L", "VOD.L", "NOKIA.HE", "NOKIA.HE", "BRK.B", "BRK.B", "US0378331005",
        "SAP GR Equity", "AAPL,NOKIA.HE", "BF.A", "FI0009000680"], strict=True))
    assert parsed.notes["ticker_normalised_lines"] == [2, 3, 5, 6, 7, 9, 12]
    assert parsed.notes["ticker_forms"] == {"RIC": 1, "exchange prefix": 2, "Bloomberg": 3, "MIC prefix": 1}
    assert parsed.notes["ticker_exchange_unknown"] == {"Bloomberg GR": 1}
    assert parsed.notes["ticker_isins_kept"] == {"US0378331005": 1}
    # the daily index's distinct tickers: one per listing
    listed = set(parsed.rows["ticker"].str.split(",").explode().to_list())
    assert listed == {"AAPL", "VOD.L", "NOKIA.HE", "BRK.B", "US0378331005", "SAP GR Equity", "BF.A", "FI0009000680"}


def test_a_column_of_lists_written_by_pandas_is_read_as_its_tickers(tmp_path, sentences):
    """pandas' `to_csv` writes a column of lists as the list's repr, `['AAPL', 'MSFT']`: it used to
    load as one ticker, `'MSFT'],['AAPL`, which no day of the index counted. It is its items,
    normalised as any ticker is; JSON's form and an empty list alike."""
    tickers = ["['AAPL', 'MSFT']", '["aapl", "NASDAQ:MSFT"]', "[]", "['VOD LN Equity']", "AAPL",
               "[AAPL, 'MSFT']", "['AMZN (Amazon.com, Inc.)']"]
    feed = tmp_path / "desk_feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows["ticker"].to_list() == ["AAPL,MSFT", "AAPL,MSFT", None, "VOD.L", "AAPL", "AAPL,MSFT", "AMZN"]
    assert parsed.notes["ticker_normalised_lines"] == [2, 3, 5, 7, 8]  # "[]" reads as no ticker, as an empty field does
    assert parsed.notes["ticker_forms"] == {"list literal": 5, "exchange prefix": 1, "Bloomberg": 1}
    assert parsed.notes["ticker_names_dropped"] == {"Amazon.com, Inc.": 1}  # one item, its comma inside the name


def test_a_ticker_field_that_only_looks_like_a_list_never_fails_its_file(tmp_path, sentences):
    """A list is read by pattern, never evaluated: nested brackets, an escape, a list thousands of
    characters long land their rows (the file used to fail whole when a cell was evaluated)."""
    tickers = ["[{[]: 1}]", '["\\ud800"]', "[" + "-" * 50_000 + "1]", "AAPL"]
    feed = tmp_path / "desk_feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows.height + parsed.quarantine["line"].n_unique() == 4
    assert parsed.rows.filter(parsed.rows["text_raw"] == sentences[3])["ticker"].to_list() == ["AAPL"]


def test_isin_check_digit():
    """ISO 6166: Apple's and Nokia's ISINs are valid; one digit off is not."""
    assert isin_check_digit_valid("US0378331005") and isin_check_digit_valid("FI0009000681")
    assert not isin_check_digit_valid("US0378331006") and not isin_check_digit_valid("FI0009000680")


def test_ambiguous_forms_stay_as_written_and_stockholm_classes_are_not_guessed(tmp_path, sentences):
    """`TSE:` is Toronto on Google Finance and Tokyo on TradingView; `.P` is NYSE Arca or a
    preferred share; `BRK-B` without an exchange may be Stockholm's `ERIC-B` as well; Bloomberg's
    `ERICB` does not say whether its B is a class, so it is not merged with the RIC `ERICb.ST`. A
    Hong Kong code has four digits, as in its RIC; a Tokyo code is kept."""
    tickers = ["TSE:RY", "SPY.P", "BRK-B", "ERICB SS Equity", "ERICb.ST", "5 HK Equity", "HKG:0005", "700.HK",
               "7203 JT Equity", "TYO:7203", "BRKb.N", "NYSE:BRK-B", "$aapl.o", "NESN.VX"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows["ticker"].to_list() == [
        "TSE:RY", "SPY.P", "BRK-B", "ERICB.ST", "ERICb.ST", "0005.HK", "0005.HK", "0700.HK",
        "7203.T", "7203.T", "BRK.B", "BRK.B", "AAPL", "NESN.VX"]
    assert parsed.notes["ticker_forms"] == {"Bloomberg": 3, "exchange prefix": 3, "RIC": 3}
    assert parsed.notes["ticker_exchange_unknown"] == {"prefix TSE": 1}
    assert "ticker_isins_kept" not in parsed.notes


def test_json_ticker_objects_and_rss_tickers_go_through_the_same_rule(tmp_path, sentences):
    """Alpha Vantage's `ticker_sentiment`, Marketaux's `entities`, Benzinga's `stocks` and a plain
    list of tickers, and Nasdaq's RSS `nasdaq:tickers`: each names Nokia and Apple in another
    vendor's spelling, and each row reads 'AAPL,NOKIA.HE'."""
    articles = [
        {"uuid": "p0", "title": sentences[0][:40], "description": sentences[0], "published_at": "2024-03-05T09:00:00Z",
         "ticker_sentiment": [{"ticker": "AAPL.OQ", "relevance_score": "0.9"}, {"ticker": "NOKIA FH Equity"}]},
        {"uuid": "p1", "title": sentences[1][:40], "description": sentences[1], "published_at": "2024-03-05T09:01:00Z",
         "entities": [{"symbol": "XHEL:NOKIA", "type": "equity"}, {"symbol": "nasdaq:aapl"}]},
        {"uuid": "p2", "title": sentences[2][:40], "description": sentences[2], "published_at": "2024-03-05T09:02:00Z",
         "stocks": [{"name": "OMXHEX:NOKIA"}, {"name": "AAPL UW Equity"}]},
        {"uuid": "p3", "title": sentences[3][:40], "description": sentences[3], "published_at": "2024-03-05T09:03:00Z",
         "tickers": ["NOKIA.HE", "AAPL US Equity"]},
    ]
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"data": articles}), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows.select("doc_id", "ticker").rows() == [(f"p{i}", "AAPL,NOKIA.HE") for i in range(4)]
    assert parsed.notes["ticker_forms"] == {"RIC": 1, "Bloomberg": 3, "MIC prefix": 1, "exchange prefix": 2}

    rss = tmp_path / "wire.xml"
    rss.write_text(f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:nasdaq="http://nasdaq.com/reference/feeds/1.0"><channel><title>Wire</title>
<item><guid>w1</guid><title>{escape(sentences[4][:40])}</title><description>{escape(sentences[4])}</description>
<pubDate>Tue, 05 Mar 2024 09:04:00 GMT</pubDate><nasdaq:tickers>HEL:NOKIA,AAPL.O</nasdaq:tickers></item>
</channel></rss>""", encoding="utf-8")
    parsed = parse_news_file(rss)
    assert parsed.format == "news_feed_rss"
    assert parsed.rows.select("text_raw", "ticker").rows() == [(sentences[4], "AAPL,NOKIA.HE")]
    assert parsed.notes["ticker_forms"] == {"exchange prefix": 1, "RIC": 1}


def test_two_tickers_separated_by_a_space_are_not_read_as_one_bloomberg_listing(tmp_path, sentences):
    """`AAPL SM` may be Apple on Madrid without Bloomberg's yellow key, or Apple and SM Energy
    written with a space between: without the key nothing is mapped, so no stock is dropped and
    none moved to another exchange."""
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, ["AAPL SM", "MSFT UP", "GE NA", "AAPL SM Equity"]), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows["ticker"].to_list() == ["AAPL SM", "MSFT UP", "GE NA", "AAPL.MC"]
    assert parsed.notes["ticker_forms"] == {"Bloomberg": 1}


def test_a_us_share_class_never_reads_as_a_listing_on_another_exchange(tmp_path, sentences):
    """A US class or series L written with a dot, `BAC.L`, is how a London listing is spelled: such
    classes (the letters that are RIC exchange suffixes) take Bloomberg's slash, the rest a dot."""
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, ["NYSE:BAC-L", "BAC/L US Equity", "BACl.N", "BAC.L", "NYSE:BRK-B"]),
                    encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows["ticker"].to_list() == ["BAC/L", "BAC/L", "BAC/L", "BAC.L", "BRK.B"]


def test_bloomberg_web_quotes_read_as_the_listing_and_prefixes_keep_their_rule(tmp_path, sentences):
    """bloomberg.com writes a listing `AAPL:US`, `VOD:LN`: the same stocks as `AAPL` and `VOD.L`.
    A colon after an exchange prefix (`LON:VOD`) keeps the prefix's reading, an ambiguous prefix
    (`TSE:HK`) and a code not in the table (`SAP:GR`) are kept as written."""
    tickers = ["AAPL:US", "VOD:LN", "BRK/B:US", "5:HK", "NOKIA:FH", "LON:VOD", "TSE:HK", "SAP:GR", "aapl:us"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows["ticker"].to_list() == [
        "AAPL", "VOD.L", "BRK.B", "0005.HK", "NOKIA.HE", "VOD.L", "TSE:HK", "SAP:GR", "AAPL"]
    assert parsed.notes["ticker_forms"] == {"Bloomberg quote": 6, "exchange prefix": 1}
    assert parsed.notes["ticker_exchange_unknown"] == {"prefix TSE": 1, "prefix SAP": 1}


def test_currencies_and_crypto_assets_are_no_tickers_of_the_daily_index(tmp_path, sentences):
    """Alpha Vantage lists the currencies and crypto-assets a story touches among its tickers
    (`FOREX:EUR`, `CRYPTO:BTC`): the daily index counted them as stocks. They are left out of the
    ticker field and counted; a story about them alone has no ticker."""
    articles = [
        {"url": "https://wire.example.com/a0", "title": sentences[0][:40], "summary": sentences[0],
         "time_published": "20240305T090000",
         "ticker_sentiment": [{"ticker": "FOREX:EUR"}, {"ticker": "NOK"}, {"ticker": "CRYPTO:BTC"}]},
        {"url": "https://wire.example.com/a1", "title": sentences[1][:40], "summary": sentences[1],
         "time_published": "20240305T091000", "ticker_sentiment": [{"ticker": "CRYPTO:ETH"}]},
    ]
    feed = tmp_path / "alphavantage.json"
    feed.write_text(json.dumps({"items": "2", "feed": articles}), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.rows.select("text_raw", "ticker").rows() == [(sentences[0], "NOK"), (sentences[1], None)]
    assert parsed.notes["ticker_not_equity"] == {"CRYPTO": 2, "FOREX": 1}


def test_times_split_ratios_and_prices_are_no_tickers(tmp_path, sentences):
    """A desk's ticker column held `09:30`, `3:2 split`, `189.50` beside the symbols: each was kept
    as a ticker, and the daily index counted '09:30' as a stock. They are left out of the field and
    counted by kind, their lines listed; Bloomberg's `AAPL:US`, Tokyo's code `7203` and Hong Kong's
    `HKG:5` are still listings."""
    tickers = ["09:30", "AAPL; 3:2 split", "NOKIA.HE, 16:00:00", "2-for-1", "189.50", "+2.5%", "AAPL:US",
               "7203", "HKG:5", "1:20 reverse split"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:10], [
        None, "AAPL", "NOKIA.HE", None, None, None, "AAPL", "7203", "0005.HK", None], strict=True))
    assert parsed.notes["ticker_not_a_symbol"] == {"time of day": 2, "split ratio": 3, "number": 2}
    assert parsed.notes["ticker_not_a_symbol_lines"] == [2, 3, 4, 5, 6, 7, 11]


def test_a_bloomberg_slash_class_outside_the_us_reads_as_the_ric_class(tmp_path, sentences):
    """`ERIC/B:SS` (Ericsson B on Stockholm) used to land as `ERIC/B.ST`, which is no RIC: a class
    after Bloomberg's slash on an exchange outside the US is written as Refinitiv writes it, its
    letter in lower case after the root, and meets the RIC `ERICb.ST`. A US class keeps its dot or
    slash (`BRK/B:US` -> `BRK.B`, `BAC/L:US` -> `BAC/L`); a class after a space, or glued on as in
    Bloomberg's on-screen `ERICB SS`, is kept apart as before."""
    tickers = ["ERIC/B:SS", "ERIC/B SS Equity", "ERICb.ST", "VOLV/B:SS", "hm/b:ss", "RDS/A LN Equity",
               "BRK/B:US", "BAC/L:US", "ERIC B SS", "ERIC B SS Equity", "ERICB SS Equity"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:11], [
        "ERICb.ST", "ERICb.ST", "ERICb.ST", "VOLVb.ST", "HMb.ST", "RDSa.L", "BRK.B", "BAC/L",
        "ERIC B SS", "ERIC B SS Equity", "ERICB.ST"], strict=True))
    assert parsed.notes["ticker_forms"] == {"Bloomberg quote": 5, "Bloomberg": 3}
    assert parsed.notes["ticker_normalised_lines"] == [2, 3, 5, 6, 7, 8, 9, 12]


def test_a_split_ratio_is_not_named_a_time_of_day(tmp_path, sentences):
    """`1:10` (a reverse split's ratio) was counted as a time of day, as was `1:75`, which no clock
    shows. A ratio that cannot be a time, or written with 'split' or 'for', is a split ratio; a
    clock time no ratio is written as (`09:30`, `9:05`, `9:30 am`) a time of day; one digit, a
    colon and two digits up to 59 (`1:10`, `9:30`) may be either and is named so. Each is left out
    and its row loads."""
    tickers = ["1:10", "3:2", "09:30", "9:30", "1:2 split", "10:1", "2 for 1", "2-for-1", "1:75", "30:1",
               "9:05", "9:30 am", "AAPL; 1:10"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(
        sentences[:13], [None] * 12 + ["AAPL"], strict=True))
    assert parsed.notes["ticker_not_a_symbol"] == {
        "time of day or split ratio": 3, "split ratio": 7, "time of day": 3}
    assert parsed.notes["ticker_not_a_symbol_lines"] == list(range(2, 15))


def test_text_in_a_ticker_field_is_left_out_and_named(tmp_path, sentences):
    """A desk's ticker column held `see note`, `various`, `TBD`, a company's name: each was kept
    as a ticker (`SEE NOTE`, `VARIOUS`) and counted as a stock. Text is left out, counted as
    'text' and listed as written, beside the symbols of its field; every row loads. A symbol typed
    in lower case, one written with a space (`brk b`, `aapl sm`, `eric b ss`), a Bloomberg ticker
    typed in lower case and an upper-case pair (`SEE NOTE`: Sealed Air and FiscalNote) stay."""
    tickers = ["see note", "AAPL; n/a", "various", "multiple", "MSFT, none", "tbd", "see text", "Nokia Oyj",
               "aapl", "nok", "brk b", "aapl sm", "eric b ss", "aapl us equity", "SEE NOTE", "NA; TBD", "SPX Index"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:17], [
        None, "AAPL", None, None, "MSFT", None, None, None, "AAPL", "NOK", "BRK B", "AAPL SM", "ERIC B SS",
        "AAPL", "SEE NOTE", "NA", "SPX Index"], strict=True))
    assert parsed.notes["ticker_not_a_symbol"] == {"text": 9}
    assert parsed.notes["ticker_text_left_out"] == {
        "see note": 1, "n/a": 1, "various": 1, "multiple": 1, "none": 1, "tbd": 1, "see text": 1, "Nokia Oyj": 1,
        "TBD": 1}
    assert parsed.notes["ticker_not_a_symbol_lines"] == [2, 3, 4, 5, 6, 7, 8, 9, 17]


def test_a_company_name_is_text_whatever_its_legal_form(tmp_path, sentences):
    """`Nokia Oyj` was left out as text while `Nokia Corp` (Corp is a Bloomberg yellow key) and
    `Acme AG` (AG reads as an exchange code) were kept as tickers: a company's name ending in its
    legal form is text in every form. An upper-case value, one typed all in lower case and a
    Bloomberg bond with the Corp key keep their reading."""
    tickers = ["Nokia Corp", "Apple Inc", "Acme Ltd", "Siemens AG", "Nestle S.A.", "AAPL; Philips N.V.",
               "ABB Ltd", "NOKIA CORP", "abb ag", "IBM 4 05/15/34 Corp", "Nokia Oyj"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:11], [
        None, None, None, None, None, "AAPL", None, "NOKIA CORP", "ABB AG", "IBM 4 05/15/34 Corp", None], strict=True))
    assert parsed.notes["ticker_text_left_out"] == {
        "Nokia Corp": 1, "Apple Inc": 1, "Acme Ltd": 1, "Siemens AG": 1, "Nestle S.A.": 1, "Philips N.V.": 1,
        "ABB Ltd": 1, "Nokia Oyj": 1}
    assert parsed.notes["ticker_not_a_symbol_lines"] == [2, 3, 4, 5, 6, 7, 8, 12]


def test_a_symbol_with_the_company_name_in_brackets_reads_as_the_symbol(tmp_path, sentences):
    """`AMZN (Amazon)`, `AAPL (Apple)`, `Nokia (NOKIA.HE)`: how many desks write a ticker field, a
    symbol and the company's name in brackets, either order. They were left out as text, losing a
    real stock; the symbol now goes the way of any other (`NOKIA FH Equity` -> `NOKIA.HE`), the name
    is counted as written and the line listed. A comma inside the brackets does not split the field.
    Two names (`amzn (Amazon)`) or two symbols (`AMZN (AMAZON)`) keep their reading as before."""
    tickers = ["AMZN (Amazon)", "AAPL (Apple)", "Nokia (NOKIA.HE)", "MSFT; AMZN (Amazon.com, Inc.)",
               "NOKIA FH Equity (Nokia Oyj)", "Apple Inc. (AAPL.O)", "$VOD (Vodafone)", "amzn (Amazon)",
               "AMZN (AMAZON)", "AMZN"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:10], [
        "AMZN", "AAPL", "NOKIA.HE", "AMZN,MSFT", "NOKIA.HE", "AAPL", "VOD", None, "AMZN (AMAZON)", "AMZN"],
        strict=True))
    assert parsed.notes["ticker_names_dropped"] == {
        "Amazon": 1, "Apple": 1, "Nokia": 1, "Amazon.com, Inc.": 1, "Nokia Oyj": 1, "Apple Inc.": 1, "Vodafone": 1}
    assert parsed.notes["ticker_name_dropped_lines"] == [2, 3, 4, 5, 6, 7, 8]
    assert parsed.notes["ticker_forms"] == {"Bloomberg": 1, "RIC": 1}
    assert parsed.notes["ticker_text_left_out"] == {"amzn (Amazon)": 1}


def test_na_is_kept_beside_other_tickers_and_a_null_token_alone_is_an_empty_field(tmp_path, sentences):
    """`NA` is National Bank of Canada's symbol and is no placeholder: beside other tickers it is
    kept. A field holding a null token alone (`NA`, `n/a`, `none`, `-`) is an empty field, as in any
    column: no ticker, nothing left out to name, and the row loads."""
    tickers = ["AAPL, NA", "NA; TBD", "NA", "n/a", "none", "-", "AAPL; n/a"]
    feed = tmp_path / "feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:7], [
        "AAPL,NA", "NA", None, None, None, None, "AAPL"], strict=True))
    assert parsed.notes["ticker_text_left_out"] == {"TBD": 1, "n/a": 1}
    assert parsed.notes["ticker_not_a_symbol_lines"] == [3, 8]


def test_several_tickers_without_a_comma_are_split_where_the_separator_is_unambiguous(tmp_path, sentences):
    """Fields holding several tickers without ',' or ';' used to load as one ticker of no listing
    (`AAPL $MSFT`, `AAPL|MSFT|GOOG`, `NASDAQ:MSFT NYSE:IBM`), counted by the daily index as a stock.
    A pipe, a line break, a tab, a space before a cashtag and a space between whole listings split
    the field, counted by what split it; bare upper-case words keep the rule for `AAPL SM`."""
    tickers = ["$AAPL $MSFT", "AAPL|MSFT|GOOG", "AAPL\nMSFT", "NASDAQ:MSFT NYSE:IBM", "AAPL.O MSFT.O",
               "AAPL:US MSFT:US", "VOD LN Equity NOKIA FH Equity", "GOOGL\tGOOG", "AAPL SM", "AAPL MSFT GOOG",
               "$BRK B", "BRK/B"]
    feed = tmp_path / "desk_feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("text_raw", "ticker").rows() == list(zip(sentences[:12], [
        "AAPL,MSFT", "AAPL,GOOG,MSFT", "AAPL,MSFT", "IBM,MSFT", "AAPL,MSFT", "AAPL,MSFT", "NOKIA.HE,VOD.L",
        "GOOG,GOOGL", "AAPL SM", "AAPL MSFT GOOG", "BRK B", "BRK/B"], strict=True))
    assert parsed.notes["ticker_split_at"] == {"space before a cashtag": 1, "|": 2, "line break": 1,
                                               "space between listings": 4, "tab": 1}
    assert parsed.notes["ticker_forms"] == {"exchange prefix": 2, "RIC": 2, "Bloomberg quote": 2, "Bloomberg": 2}
    assert parsed.notes["ticker_normalised_lines"] == [2, 3, 4, 6, 7, 8, 9, 10, 13]


def test_an_exchange_in_brackets_is_the_listing_and_invisible_or_full_width_characters_are_folded(tmp_path,
                                                                                                   sentences):
    """`AAPL (NASDAQ)` used to load as written, a zero-width space after `AAPL` stayed in the ticker
    and full-width `ＡＡＰＬ` was a ticker of its own: three spellings of Apple beside `AAPL`. An
    exchange in brackets reads as the prefixed listing; invisible characters go and the field is
    NFKC-normalised, each change counted. A company's name in brackets keeps its rule, and an
    exchange the table leaves out as ambiguous (`TSE`) is not guessed."""
    tickers = ["AAPL (NASDAQ), MSFT (NASDAQ)", "VOD (London Stock Exchange)", "AAPL\u200b", "ＡＡＰＬ",
               "\u200bＭＳＦＴ\u200b", "AMZN (Amazon)", "RY (TSE)", "AAPL"]
    feed = tmp_path / "desk_feed.csv"
    feed.write_text(_feed_csv(sentences, tickers), encoding="utf-8")
    parsed = parse_news_file(feed)
    assert parsed.quarantine.height == 0
    assert parsed.rows["ticker"].to_list() == ["AAPL,MSFT", "VOD.L", "AAPL", "AAPL", "MSFT", "AMZN", "RY (TSE)", "AAPL"]
    assert parsed.notes["ticker_forms"] == {"exchange in brackets": 3}
    assert parsed.notes["ticker_characters_folded"] == {"U+200B ZERO WIDTH SPACE": 2,
                                                        "compatibility characters (NFKC)": 2}
    assert parsed.notes["ticker_names_dropped"] == {"Amazon": 1}
    assert parsed.notes["ticker_normalised_lines"] == [2, 3, 4, 5, 6, 7]
