"""Reader notes as analysts read them in raw_loans' and raw_news' metadata: a table in plain words."""

from risk_assets.lib.ingest.note_meanings import notes_markdown


def test_the_sample_files_notes_read_as_a_table_of_what_they_mean_for_the_data():
    """The notes the sample files get (README, "reader's notes"), as summarise_notes keeps them: the
    UI showed them as JSON in code words (`unlabelled_by_status: {"(empty)": 1997}`), hiding that
    1,997 SBA loans have no outcome."""
    notes = {
        "lendingclub_2007_2011.csv": {"emp_length_na": 1078},
        "sba_national.csv.gz": {"fiscal_year_suffix_read": {"ApprovalFY": {"1976A": 18}},
                                "new_exist_undefined": 1170, "padded_quotes_unwrapped": {"Name": 28},
                                "unlabelled_by_status": {"(empty)": 1997}},
        "financial_phrasebank_all.csv": {
            "header": "Y,Notices",
            "mojibake_unrepaired_lines": {"count": 84, "first": [16, 99, 104, 153, 158, 392, 493, 665, 805, 812,
                                                                941, 945, 1017, 1035, 1039, 1092, 1160, 1183, 1185, 1394]},
            "stray_quote_lines": [2581]},
    }
    assert notes_markdown(notes).splitlines() == [
        "| file | note | count | what it means |",
        "|---|---|---:|---|",
        "| lendingclub_2007_2011.csv | emp_length_na | 1,078 | employment length written `n/a`: loaded as unknown "
        "(empty), not as 0 years |",
        "| sba_national.csv.gz | fiscal_year_suffix_read | 18 | fiscal years written with a letter after the year "
        "(SBA's `1976A`, its July-September 1976 transition quarter), by column and value as written: read as the "
        "year alone (1976); a letter the source does not define (`1999B`) is worth asking about (by column: "
        "ApprovalFY: 1976A 18) |",
        "| sba_national.csv.gz | new_exist_undefined | 1,170 | SBA `NewExist` 0 or blank, a code the SBA does not "
        "define: whether the business is new is left unknown (`new_business` empty) |",
        "| sba_national.csv.gz | padded_quotes_unwrapped | 28 | values written with a space before their quotes "
        "(`, \"NAME\"`), so the quotes were read as part of the value; the quotes were removed (by column: Name 28) |",
        "| sba_national.csv.gz | unlabelled_by_status | 1,997 | loans whose status gives no outcome (empty or not a "
        "final status): loaded and scored, but without a default flag, so they neither train nor test a model "
        "(by status: (empty) 1,997) |",
        "| financial_phrasebank_all.csv | header |  | the file's header line (`Y,Notices`) |",
        "| financial_phrasebank_all.csv | mojibake_unrepaired_lines | 84 | sentences whose garbled characters "
        "(mojibake, `L+\ufffdnnen`) lost the original letters, so they could not be repaired: loaded with the damaged "
        "words as they are (lines 16, 99, 104, 153, 158, 392, 493, 665, 805, 812, …) |",
        "| financial_phrasebank_all.csv | stray_quote_lines | 1 | lines with an unmatched quote, read to the line's "
        "end rather than swallowing the lines after it (line 2581) |",
    ]


def test_a_note_without_a_meaning_shows_its_name_and_value_and_no_notes_say_so():
    table = notes_markdown({"tape.csv": {"some_new_note": [3, 7], "a|b": "x|y"}})
    assert table.splitlines()[2:] == ["| tape.csv | some_new_note | 2 | some new note (lines 3, 7) |",
                                      "| tape.csv | a\\|b |  | a\\|b (x\\|y) |"]
    assert notes_markdown({}) == "No reader notes: every value of the new files was read as written."
