"""The small showcase lake lands real bytes, and tiny training profiles only name real config fields."""

from __future__ import annotations

from risk_assets.showcase_capture import (
    LENDINGCLUB_ROWS, LOAN_CASES, NEWS_CASES, PHRASEBANK_LINES, seed_small_lake, tiny_run_config,
)


def test_small_lake_lands_slices_with_the_sources_bytes_and_every_case(risk_home, data_dir, cases_dir):
    landed = seed_small_lake(risk_home, data_dir, cases_dir)

    assert len(landed) == 2 + len(LOAN_CASES) + len(NEWS_CASES)
    tape = (risk_home.landing_loans / "lendingclub_2007_2011.csv").read_bytes()
    original = (data_dir / "loans" / "lendingclub_2007_2011.csv").read_bytes()
    assert tape.count(b"\n") == LENDINGCLUB_ROWS + 1 and original.startswith(tape)
    news = (risk_home.landing_news / "financial_phrasebank_50agree.txt").read_bytes()
    assert news.startswith(b"\xef\xbb\xbf") and news.count(b"\r\n") == PHRASEBANK_LINES
    for name in NEWS_CASES:
        assert (risk_home.landing_news / name).read_bytes() == (cases_dir / name).read_bytes()


def test_tiny_profiles_keep_only_fields_the_asset_config_has():
    config = tiny_run_config({"news_sentiment_model": {"epochs", "batch_size", "lr"}, "raw_loans": {"x"}})
    assert config == {"ops": {"news_sentiment_model": {"config": {"epochs": 3, "batch_size": 16}}}}
    assert tiny_run_config({}) == {}
