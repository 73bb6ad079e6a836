"""Reader notes in plain words, for the people who read `raw_loans`' and `raw_news`' metadata in the UI.

A reader's notes (`ParsedFile.notes`, summarised by `landing.summarise_notes`) name what it did to a
value without refusing it, in code words (`emp_length_na`, `unlabelled_by_status`) with a count,
counts per column or status, line numbers or a short text. `notes_markdown` turns each file's notes
into table rows: the file, the note, how many, and what it means for the data; the meanings are
those the README and the parsers' docstrings give. A note without a meaning here is shown by its
name with its value, so nothing a reader noted is hidden.
"""

from __future__ import annotations

from risk_assets.lib.report.markdown import table_cell

NOTE_MEANINGS: dict[str, str] = {
    # loan tapes (loan_formats)
    "header_invisible_characters": "header names holding characters no viewer shows (a second byte-order mark, a "
                                   "zero-width space, a no-break space, ...), by column and character: the "
                                   "columns were matched without them",
    "line_break_characters_read": "line breaks an export wrote inside a cell of a loan tape's free text (a purpose, "
                                  "description, loan title, employer title or a column its mapping names in "
                                  "free_text_columns) or a news headline, body or sentence "
                                  "as another character (a vertical tab "
                                  "U+000B from Excel for Mac or FileMaker, a form feed, NEL U+0085, U+2028 or "
                                  "U+2029), by column and character, counting values: read as line breaks, as a "
                                  "quoted CSV field's are",
    "form_feed_lines": "lines of a news feed opened by a form feed (a report's page break): each was read "
                       "without it, as a repeated header, a page number or a story",
    "emp_length_na": "employment length written `n/a`: loaded as unknown (empty), not as 0 years",
    "new_exist_undefined": "SBA `NewExist` 0 or blank, a code the SBA does not define: whether the business "
                           "is new is left unknown (`new_business` empty)",
    "repaid_with_chargeoff": "loans whose status says repaid (SBA `P I F`) while the tape gives them a charge-off "
                             "date or a charged-off principal above 0: loaded with the status's default flag 0, "
                             "which the charge-off columns deny; ask the lender which is right",
    "open_with_chargeoff": "loans whose status says open (no outcome yet, as a mapping's `\"ACTIVE\": null`) while "
                           "the tape gives them a charge-off date or a charged-off principal above 0: loaded "
                           "unlabelled as the status says, so the features count no default the charge-off "
                           "columns report; ask the lender which is right",
    "source_columns": "the file's column behind each lake column (lake column: column as written): the value "
                      "checks after landing name the file's column in the quarantine",
    "date_formats": "the declared format of each mapped date column: the value checks after landing write a "
                    "quarantined date in it, as the file does",
    "disbursed_before_origination": "loans disbursed before their origination (SBA: approval) date: loaded as "
                                    "written; a date typed wrong at the source, or an approval re-dated later?",
    "flag_empty": "yes/no (`flag`) columns left empty: the tape does not say, so the value is loaded as unknown "
                  "(empty), not as 'no'; where an empty value means 'no' at the source, export the column with N "
                  "(or 0) written for it and land the tape again",
    "column_empty": "mapped columns present but empty on every data row: each loads NULL (unknown) for "
                    "every loan of the file, never 0; a PD input so left is unknown to the model; if the source "
                    "has the values, re-export with them, withdraw this file and land the new one",
    "flag_words_read": "yes/no (`flag`) columns, the default flag's too, written as words or ticks (`Y`, `no`, "
                       "`TRUE`, `x`), by column and value as written: read as 1 (yes) or 0 (no)",
    "flag_checkbox_unticked": "checkbox columns (ticks, `x` or `✓`, beside empty cells) with empty boxes: an empty box "
                              "may mean 'no' or 'not filled in', which the tape does not tell, so it is loaded as "
                              "unknown (empty), not as 'no'; if the lender's empty box means 'no', export the column "
                              "with N (or 0) in those boxes and land the tape again",
    "fiscal_year_suffix_read": "fiscal years written with a letter after the year (SBA's `1976A`, its July-"
                               "September 1976 transition quarter), by column and value as written: read as the "
                               "year alone (1976); a letter the source does not define (`1999B`) is worth asking about",
    "padded_quotes_unwrapped": "values written with a space before their quotes (`, \"NAME\"`), so the quotes "
                               "were read as part of the value; the quotes were removed",
    "unlabelled_by_status": "loans whose status gives no outcome (empty or not a final status): loaded and "
                            "scored, but without a default flag, so they neither train nor test a model",
    "unlabelled_by_default_flag": "loans whose default flag is empty: loaded and scored, but they neither "
                                  "train nor test a model",
    "two_digit_year_shifted": "dates with a two-digit year that would fall after the tape's date were put in "
                              "the century before (`Nov-68` is 1968, not 2068)",
    "currency_assumed": "the column mapping names no `currency`, so the tape's amounts were taken as USD "
                        "(the overview's exposure counts them so); add `\"currency\": \"GBP\"` (its ISO 4217 "
                        "code) to the mapping if they are not",
    "default_cured": "the column mapping's `default_cured` setting: `keep_default` keeps a loan's default flag 1 "
                     "from any snapshot that reports it defaulted, whatever a later tape says (a cure or payoff "
                     "does not undo a default)",
    "delimiter_detected": "the column mapping names no `delimiter` and the tape's header fits it only at this one "
                          "(a tab: Excel's 'Unicode text', a .tsv), so the tape was read with it; add "
                          "`\"dialect\": {\"delimiter\": \"\\t\"}` to the mapping to say so",
    "as_of_from_folder": "the tape's as-of date was taken from its folder's name (folder -> date)",
    "percent_written_as_fraction": "a percent column written as fractions (0.837 for 83.7 %): read as fractions",
    "zip_leading_zero_restored": "four-digit ZIP codes given back the leading zero a spreadsheet dropped "
                                 "(`2134` is `02134`)",
    "status_matched_ignoring_case_and_spacing": "statuses written in another case or spacing (`fully paid`) "
                                                "were matched to the status they mean",
    "text_marker_removed": "values a spreadsheet marked as text (`'02134`) were read without the marker",
    "excel_formula_unwrapped": "values written as Excel text formulas (`=\"02134\"`) were read as their value",
    "null_token_values": "export markers for an empty value (`NULL`, `nan`, `\\N`) were loaded as empty",
    "footer_totals": "a total or subtotal row at the end of the file, checked against the loans above it "
                     "(check raw_loans_footer_totals), not loaded as a loan",
    "excel_serial_dates_read": "dates stored as Excel day numbers (`35489`) were read as dates",
    "loan_id_column_empty": "the loan id column is blank on every loan: keyed by the tape's other id column, "
                            "else by file and line",
    "loan_id_row_numbers": "an id column that holds row numbers (1, 2, 3, ... in file order), not loan ids: the "
                           "loans were keyed by the other id column; the row numbers are kept in source_fields",
    "loan_id_filled_from": "loans whose id column is blank took their id from the tape's other id column, which "
                           "agrees with it wherever both are given",
    "sidecar_not_applied": "another tape's sidecar mapping names this file in its applies_to, but a sidecar applies "
                           "to its own tape only: the file was read by a built-in format; copy the sidecar to the "
                           "mappings folder to read the file with it",
    "loan_id_column": "which of the tape's id columns (`id`, `loan_id`) keyed the loans, and why",
    # delimited text (csv_text), loans and news
    "header_repeats": "a column name repeated in the header: the later column was kept under a new name "
                      "(`comment_2`)",
    "quotes_escaped_with_backslash": "quotes inside values written as `\\\"` (a Spark or MySQL export): read "
                                     "as quotes",
    "nul_padding": "the file ends with NUL bytes (a copy stopped before it was complete): compare its last "
                   "records with the source",
    "header_ends_with_delimiter": "lines stopping before the header's empty, unnamed last columns: read with "
                                  "those columns empty (the records and their first 20 lines)",
    "trailing_empty_fields": "records ending with more delimiters than the header has columns, every extra field "
                             "empty (`...,Fully Paid,`): read without them (the records and their first 20 lines)",
    "short_rows_padded": "records with fewer fields than the header, read with their last values empty "
                         "(the mapping allows it)",
    # news (news_formats)
    "header": "the file's header line",
    "mojibake_unrepaired_lines": "sentences whose garbled characters (mojibake, `L+\ufffdnnen`) lost the original "
                                 "letters, so they could not be repaired: loaded with the damaged words as they are",
    "entities_escaped_twice_lines": "articles whose text was HTML-escaped twice (`&amp;amp;`, `&amp;#39;`): "
                                    "decoded until no entity was left, so `text_clean` reads `&` and `'`",
    "literal_escapes_decoded_lines": "articles whose text held escapes written out (`\\n`, `\\u00e9`, a text "
                                     "encoded as JSON twice): `text_clean` reads the line breaks and characters "
                                     "they stand for",
    "markdown_read_lines": "articles whose text was Markdown: `text_clean` reads it as rendered, a link as its "
                           "words, without link targets, image addresses, heading or emphasis marks",
    "not_english_lines": "articles whose language column (`lang`, `language`, `locale`) names a language other "
                         "than English: loaded (raw.news.language) and scored, by the sentiment model, which "
                         "reads English only, so their scores say little: the daily sentiment indices and "
                         "the model's training leave them out",
    "not_english_languages": "the languages other than English a feed's language column names, with the "
                             "number of loaded articles in each (`not_english_lines` lists them)",
    "text_in_other_languages_unread": "headline or body columns written once per language: the English one (or "
                                      "the only one) is read, the translations named are not; a `columns` line in "
                                      "news settings reads another",
    "page_chrome_removed_lines": "articles whose text was a whole web page: `text_clean` holds its story (its "
                                 "`<article>` or `<main>`) without the menus, 'Related' links, forms and footer "
                                 "around it",
    "alternative_texts_differ_lines": "articles giving their text twice, as plain text and as HTML (mail's or "
                                      "an API's alternative parts, JSON Feed's content_text and content_html), "
                                      "whose two versions say different things once cleaned: the plain text is "
                                      "read; compare it with the HTML",
    "markup_removed_lines": "articles whose text was HTML: `text_clean` holds its text as a browser shows it, "
                            "without tags, scripts or styles",
    "boilerplate_trimmed_lines": "articles whose text opened or closed with what a wire or site wraps a story in (a "
                                 "dateline `LONDON, March 3 (Reuters) -`, `Reporting by ...; Editing by ...`, a "
                                 "copyright footer, WordPress's `The post ... appeared first on ...`, `Sign up for "
                                 "our newsletter`): cut from `text_clean`, so the model reads the story only",
    "body_page_notice_lines": "articles whose body was only a site's notice in place of the story (a paywall, a "
                              "cookie prompt, a bot check, `Read more at Bloomberg.com`): the headline was "
                              "scored instead",
    "body_repeats_headline_lines": "articles whose body only repeated the headline (the same words, in any case "
                                   "or punctuation): the headline was scored once, not the same text twice",
    "body_tags_only_lines": "articles whose body was only a site's tag or metadata lines (`Tags: earnings, banks`, "
                            "`Keywords: ...`, `Filed under: ...`), no story: the headline was scored instead",
    "articles_stated": "an API page whose count says it found no article (`totalResults: 0`): landed with no row, "
                       "not refused as a failed export",
    "stray_quote_lines": "lines with an unmatched quote, read to the line's end rather than swallowing the "
                         "lines after it",
    "record_numbers": "an article's place is its number in the response (articles 1, 2, ...), not a line number",
    "ignored_columns": "fields not read (an index, an unknown column)",
    "columns_declared": "the file's own columns read as the lake's fields because its news settings declare them "
                        "(`columns`), before any column the reader would take for those fields",
    "label_unrecognised": "sentiment labels the reader does not know: the articles load without a label, so "
                          "they do not train the model; declare what they mean in the news settings",
    "label_unrecognised_lines": "lines of the articles whose label is not known",
    "published_at_assumed_utc_lines": "publication times without a time zone, taken as UTC",
    "published_at_standard_in_summer_lines": "publication times written with a standard-time zone (`EST`, `CET`) "
                                             "on a date its region keeps summer time: read at the offset as "
                                             "written, but the summer clock (`EDT`, one hour later) may have been "
                                             "meant",
    "doc_id_unwrapped_lines": "article ids a spreadsheet wrapped (`=\"7\"`, `7.0`) were read as their id",
    "doc_id_leading_zeros_set_aside_lines": "article ids in digits only written with leading zeros (`0100`): read "
                                            "without them (`100`), as a loan id is keyed, since a spreadsheet drops "
                                            "them",
    "time_like_columns_unread": "fields whose names look like a publication time but were not read as one: the "
                                "articles load without a time",
    "published_at_unread": "no publication time was read although a field looks like one (named): every article "
                           "loads with published_at empty; declare it in news settings' columns "
                           "and land the file again",
    "headline_scored_beside_unread_text": "articles scored on their headline alone while a column or field the "
                                          "reader does not read holds text on their row (named): declare it "
                                          "as the body in news settings' columns if it is the article's text, and "
                                          "land the file again",
    "headline_scored_beside_unread_text_lines": "the lines of the articles scored on their headline alone beside "
                                                "an unread column or field holding text",
    "nested_fields_ambiguous": "nested fields that both could be the article's id, source or ticker (one name at one "
                               "depth): neither was read, never a guess",
}
"""Note name -> what it means for the data, in plain words (README, "reader's notes", and the
docstrings of risk_assets.lib.ingest's readers)."""

_COUNTED_BY = {"unlabelled_by_status": "by status", "label_unrecognised": "by label",
               "status_matched_ignoring_case_and_spacing": "by status as written"}
"""What a note's counts are per, where not per column."""

LINES_SHOWN = 10
"""Line numbers quoted in a note's row; the count gives how many there are."""


def _lines(lines: list, count: int) -> str:
    shown = ", ".join(str(n) for n in lines[:LINES_SHOWN])
    return f"line {shown}" if count == 1 else f"lines {shown}" + (", …" if count > LINES_SHOWN else "")


def _counts(value: object) -> bool:
    """Whether a note's value is a non-empty dict of counts ({column or character: n})."""
    return isinstance(value, dict) and bool(value) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value.values())


def note_cells(name: str, value: object) -> tuple[str, str]:
    """(count, what it means) for one note as `summarise_notes` keeps it: a number is its count; a
    dict of counts (per column, per status) sums them and lists them, and so does a dict of such
    dicts (per column, then per character: `line_break_characters_read`); a list of lines, or
    {"count": n, "first": [...]}, is counted and its first lines quoted; a text is quoted."""
    meaning = NOTE_MEANINGS.get(name, name.replace("_", " "))
    count, detail = "", ""
    if isinstance(value, bool):
        detail = str(value).lower()
    elif isinstance(value, (int, float)):
        count = f"{value:,}"
    elif isinstance(value, dict) and set(value) == {"count", "first"} and isinstance(value["first"], list):
        count, detail = f"{value['count']:,}", _lines(value["first"], value["count"])
    elif isinstance(value, dict) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        count = f"{sum(value.values()):,}"
        detail = f"{_COUNTED_BY.get(name, 'by column')}: " + "; ".join(f"{key} {n:,}" for key, n in value.items())
    elif isinstance(value, dict) and value and all(_counts(v) for v in value.values()):
        count = f"{sum(sum(v.values()) for v in value.values()):,}"
        detail = f"{_COUNTED_BY.get(name, 'by column')}: " + "; ".join(
            f"{key}: " + ", ".join(f"{part} {n:,}" for part, n in v.items()) for key, v in value.items())
    elif isinstance(value, list) and all(isinstance(v, int) for v in value):
        count, detail = f"{len(value):,}", _lines(value, len(value))
    elif isinstance(value, list):
        count, detail = f"{len(value):,}", "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        detail = "; ".join(f"{key}: {v}" for key, v in value.items())
    else:
        detail = f"`{value}`" if name == "header" else str(value)
    return count, meaning + (f" ({detail})" if detail else "")


def notes_markdown(notes: dict[str, dict[str, object]]) -> str:
    """Each file's reader notes ({file name: {note: value}}) as one markdown table: file, note,
    count, what it means; or a sentence saying there were none."""
    if not notes:
        return "No reader notes: every value of the new files was read as written."
    lines = ["| file | note | count | what it means |", "|---|---|---:|---|"]
    for file, file_notes in notes.items():
        for name, value in file_notes.items():
            count, meaning = note_cells(name, value)
            lines.append(f"| {table_cell(file, 60)} | {table_cell(name)} | {count} | {table_cell(meaning, 400)} |")
    return "\n".join(lines)
