"""Training reads the labelled articles in English (or in no language their file names) only: the
model reads English, and a Finnish sentence labelled positive would teach it, and judge it on,
words it cannot read. The rows left out are counted per language."""

from __future__ import annotations

from risk_assets.lib.lake import connect
from risk_assets.lib.ml.sentiment_data import labelled_not_english, read_labelled_news


def test_labelled_rows_not_in_english_are_left_out_of_training_and_counted(risk_home):
    with connect(risk_home.lake_path) as con:
        con.execute("CREATE TABLE marts.news_features (doc_id VARCHAR, text_clean VARCHAR, label VARCHAR, "
                    "label_conflict BOOLEAN, language VARCHAR, _file_sha256 VARCHAR)")
        con.execute("INSERT INTO marts.news_features VALUES "
                    "('1', 'Operating profit rose to EUR 13.1 mn', 'positive', false, NULL, 'a'), "
                    "('2', 'Liikevoitto nousi 13,1 miljoonaan euroon', 'positive', false, 'fi', 'a'), "
                    "('3', 'Net sales decreased by 5 %', 'negative', false, 'en', 'a'), "
                    "('4', 'Der Umsatz sank um 5 %', 'negative', false, 'de-de', 'a'), "
                    "('5', 'Liikevaihto laski', NULL, true, 'fi', 'a'), "
                    "('6', 'Kone wins an order', NULL, false, 'sv', 'a')")
        docs = read_labelled_news(con, "phrasebank_txt")
        left_out = labelled_not_english(con)
    assert docs["doc_id"].to_list() == ["1", "3"]
    assert left_out == {"de-de": 1, "fi": 1}
