"""Declared column mappings: how a loan tape's source columns become the canonical columns of
`raw.loans`, so that a user's own tape loads without code.

A mapping is a JSON file. Where they are looked up, first match wins:

1. a sidecar beside the tape: `<tape file name>.mapping.json` (applies to that file only, whatever its
   `applies_to` says: a tape it names beside it is told to move it to the mappings folder,
   `other_sidecars_naming`);
2. every `*.json` in the mapping folders (by default `$RISK_HOME/mappings/`), applied to the files
   whose name matches its `applies_to` glob(s).

A mapping is used only when the file's header also holds every source column it declares (the
content decides; the glob only narrows). Example:

    {
      "name": "eu_bank",
      "applies_to": ["eu_bank_*.csv"],
      "portfolio": "eu_bank",
      "dialect": {"delimiter": ";", "encoding": "cp1252", "decimal": ",", "thousands": "."},
      "as_of": "2024-06-30",
      "columns": {
        "loan_id":    {"to": "source_loan_id", "required": true},
        "issue_date": {"to": "origination_date", "type": "date", "format": "%d.%m.%Y", "required": true},
        "loan_amnt":  {"to": "loan_amount", "type": "number", "required": true},
        "int_rate":   {"to": "int_rate", "type": "percent"},
        "loan_status": {"to": "loan_status"},
        "fico":       {"to": "fico_range_low", "type": "int"}
      },
      "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": null},
      "sentinels": {"fico": ["9999"]}
    }

Column types: text, int (whole numbers; "36.0" is 36, "36.9" is quarantined), number, money
("$60,000.00 "; a column's "scale": 1000 reads an amount in thousands, 12.5 -> 12,500.00: AMOUNT_SCALES),
money_minor (an amount in the currency's minor unit, cents: 500000 -> 5,000.00),
percent (13.56 or "13.56%" -> 0.1356), fraction (0.1356 as is), basis_points (1356 -> 0.1356): a ratio
into its column's own unit (RATIO_UNITS: dti keeps percent points, "23.13%" -> 23.13),
date (strftime `format`, ISO 8601 by default; a format without %d means the first of the month; for
snapshot_date it means the month's end; or a count since an epoch, EPOCH_FORMATS: `unix_days`,
`sas_days` (days since 1960-01-01, as SAS and Stata write a date), ...; or `quarter`), term ("36 months" or 36), term_years ("3 years", 3 or 2.5
-> 36 or 30 months; a year count that is no whole number of months is quarantined),
emp_length ("10+ years", "< 1 year", "n/a", or whole years on LendingClub's 0-10 scale: a cleaned export's 10, 0),
zip3 ("860xx"), flag (1/0, Y/N, yes/no, true/false). A column without a type takes the one its
target implies (`implied_kind`); a type that cannot fill its target's column (a decimal number into
an integer column, a date into an amount) refuses the mapping. Targets are the names of
`lib.schema.LOAN_COLUMNS` except the computed ones (COMPUTED_TARGETS).
`portfolio_column` takes each row's portfolio from a column, for a file of several books
(TapeMapping.portfolio_column). `free_text_columns` names the tape's own free-text columns
(TapeMapping.free_text_columns). `status_map` defaults to the LendingClub vocabulary. Source
columns without a target are kept as
text in `source_fields`. `"header": false` reads a file of data lines only, its columns named by
position (`column_1`, ...; see TapeMapping.header).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import fnmatch
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from risk_assets.lib.ingest import csv_text
from risk_assets.lib.ingest.parsed import FileRefused
from risk_assets.lib.schema import LOAN_COLUMNS

TARGET_SQL_TYPES = {c.name: c.sql_type for c in LOAN_COLUMNS}
"""raw.loans column -> its SQL type."""

LENDINGCLUB_STATUS: dict[str, int | None] = {
    "Fully Paid": 0,
    "Charged Off": 1,
    "Default": 1,
    "Does not meet the credit policy. Status:Fully Paid": 0,
    "Does not meet the credit policy. Status:Charged Off": 1,
    "Current": None,
    "Issued": None,
    "In Grace Period": None,
    "Late (16-30 days)": None,
    "Late (31-120 days)": None,
}
"""LendingClub loan_status -> default flag (1 defaulted, 0 repaid, None not matured yet); the default
`status_map` of a declared mapping."""

KINDS = ("text", "int", "number", "money", "money_minor", "percent", "fraction", "basis_points", "date", "term",
         "term_years", "emp_length", "zip3", "flag", "new_exist")
"""Column types a mapping may declare (the built-in formats also use fiscal_year and sba_date);
`new_exist` reads SBA's NewExist codes (1 existing, 2 new, 0 unknown) into new_business."""

KIND_TARGET_TYPES: dict[str, tuple[str, ...]] = {
    "text": ("VARCHAR",),
    "zip3": ("VARCHAR",),
    "int": ("INTEGER", "BIGINT", "DOUBLE"),
    "number": ("DOUBLE",),
    "money": ("DOUBLE",),
    "money_minor": ("DOUBLE",),
    "percent": ("DOUBLE",),
    "fraction": ("DOUBLE",),
    "basis_points": ("DOUBLE",),
    "emp_length": ("DOUBLE",),
    "term": ("INTEGER",),
    "term_years": ("INTEGER",),
    "flag": ("INTEGER",),
    "new_exist": ("INTEGER",),
    "date": ("DATE",),
}
"""Declared type -> the raw.loans column types it may fill. A decimal number never fills an integer
column (36.9 months would be cut to 36): declare `int`, which takes whole numbers only."""

COMPUTED_TARGETS = ("loan_key", "portfolio", "off_policy", "source_fields")
"""raw.loans columns that ingestion computes; a mapping cannot fill them."""

COMPUTED_SAID = {
    "loan_key": "the portfolio and the loan id, from source_loan_id",
    "portfolio": "the mapping's \"portfolio\", or its \"portfolio_column\"",
    "off_policy": ("true for LendingClub's loans after its 'does not meet the credit policy' marker or whose status "
                   "says so, NULL in a tape with neither"),
    "source_fields": "the columns the mapping does not map, as JSON",
}
"""How ingestion computes each of COMPUTED_TARGETS, for the refusal of a mapping that names one."""

RATE_TARGETS = ("int_rate", "revol_util")
"""Fraction (0-1) columns whose source may write 13.56 or 0.1356: a mapping must say which
(`percent` or `fraction`), since guessing would be wrong by a factor of 100 for one of them."""

RATE_KINDS = ("percent", "fraction", "basis_points")
"""Types that read a ratio written in percent (13.56 or '13.56%'), as a fraction (0.1356) or in basis
points (1356): they fill RATIO_UNITS' columns only, each in its own unit."""

RATIO_UNITS: dict[str, int] = {"int_rate": 0, "revol_util": 0, "dti": 2}
"""The raw.loans columns that hold a ratio, by the power of ten their unit stands above a fraction
0-1 (lib.schema): int_rate and revol_util hold fractions (10.65 % -> 0.1065), dti percent points as
LendingClub writes it (23.13 % -> 23.13). A RATE_KINDS value is converted into its column's unit
exactly, its decimal mark moved (`23.13%` -> 23.13 in dti, 0.2313 in a fraction column)."""

RATE_KIND_POWER = {"percent": -2, "fraction": 0, "basis_points": -4}
"""Power of ten that turns a value of each RATE_KINDS type, as written, into a fraction 0-1; a value
written with its '%' is a percent whatever the type (-2)."""

UNIT_TARGETS: dict[str, tuple[str, ...]] = {
    "money_minor": tuple(c.name for c in LOAN_COLUMNS
                         if c.sql_type == "DOUBLE" and ("in `currency`" in c.description or "USD" in c.description)),
    "term_years": ("term_months",),
}
"""Types that convert a unit and the targets whose unit they convert to: an amount in minor units
(cents, 500000 -> 5,000.00) fills the amounts kept in the row's currency, a term in years the term
in months; on any other column the conversion would be a silent mis-scale, so the mapping is refused."""

CODE_TARGETS: dict[str, tuple[str, ...]] = {"new_exist": ("new_business",), "zip3": ("zip3",)}
"""Types that read one kind of code and the targets they fill: SBA's NewExist (1 existing, 2 new)
is new_business's flag inverted, and a ZIP code read into its first three digits is the borrower's
zip3; each means nothing in another column."""

CODE_SAID = {"new_exist": "reads SBA's NewExist codes (1 existing, 2 new)",
             "zip3": "reads a ZIP code into its first three digits (86001 -> 860)"}
"""What each CODE_TARGETS type reads, for the refusal of a mapping that gives it another target."""

SUGGESTED_FOR: dict[str, tuple[str, ...]] = {
    "term": ("term_months",), "term_years": ("term_months",), "emp_length": ("emp_length_years",),
    "flag": ("default_flag", "new_business"),
}
"""Types named as a fix (`declare one of ...`) only for the targets they are meant for: a yes/no
flag or a term fits any integer column, but a mapping whose type cannot fill `delinq_2yrs` is not
helped by being offered them."""

MINOR_UNIT_DIGITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4, "UYW": 4,
}
"""ISO 4217 minor-unit digits of the currencies that have other than 2 (the standard's list one,
"currency codes", column E); every other code has 2: cents, pence, centimes."""


def minor_unit_digits(currency: str) -> int:
    """Decimal digits of `currency`'s minor unit per ISO 4217 (USD 2: 500000 cents are 5,000.00 USD;
    JPY 0; KWD 3); the divisor of a `money_minor` column is 10 ** digits."""
    return MINOR_UNIT_DIGITS.get(currency, 2)


_TARGET_KIND = {"zip3": "zip3", "term_months": "term", "emp_length_years": "emp_length", "default_flag": "flag",
                "new_business": "flag"}
_TYPE_KIND = {"VARCHAR": "text", "DATE": "date", "INTEGER": "int", "BIGINT": "int", "DOUBLE": "number"}


def implied_kind(target: str) -> str:
    """The type of a mapped column that declares none, implied by its target: text for text columns,
    `int` for integer columns, `number` for amounts, `date` for dates (ISO 8601 unless a `format`
    is given), and the target's own type for zip3, term_months, emp_length_years, default_flag.

    Raises:
        ValueError: the target is int_rate or revol_util (see RATE_TARGETS), or not a raw.loans column.
    """
    if target in RATE_TARGETS:
        raise ValueError(f"target {target!r} needs a declared type: 'percent' (13.56 or '13.56%' -> 0.1356) "
                         "or 'fraction' (0.1356 as is)")
    return _TARGET_KIND.get(target) or _TYPE_KIND[TARGET_SQL_TYPES[target]]


@dataclass(frozen=True)
class Dialect:
    """How the file writes text and numbers: field delimiter, encoding (a byte-order mark decides
    over it), decimal mark, thousands separator ('' = none; ' ' also matches the no-break spaces
    U+00A0 and U+202F that French and Nordic locales write, and any other Unicode space)."""

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    thousands: str = ","
    single_group_is_thousands: bool = False
    """With a decimal comma and '.' thousands, a value of one '.ddd' group (`5.000`) may be five
    thousand or an English decimal, five: it is quarantined as `ambiguous_number` unless the mapping
    declares that every such value is thousands (an ERP export of whole amounts: `5.000`, `24.000`)."""
    grouping: str = "thousands"
    """How `thousands` groups the digits: "thousands" (1,234,567) or "indian" (12,34,567: the lakh
    and crore grouping of Indian lenders' exports, groups of two above the last three digits)."""
    pad_short_rows: bool = False
    """A record with fewer fields than the header is a row whose last cells are empty (Excel leaves
    out their separators): its missing fields are read as empty and its line is listed in the notes
    (`short_rows_padded`). Off by default: a record that lost a field in its middle would load its
    later values one column early, so only a file known to be written so should declare it."""


@dataclass(frozen=True)
class FieldSpec:
    """One source column -> one canonical column. `fmt`: date format, or for sba_date the column
    that fixes the century."""

    source: str
    target: str
    kind: str = "text"
    fmt: str | None = None
    required: bool = False
    scale: int = 1
    """What one written unit of an amount stands for, a power of ten (`"scale": 1000`: a tape in
    thousands writes 12.5 for 12,500.00); 1 for a value written in full. See AMOUNT_SCALES."""


@dataclass(frozen=True)
class ControlRecord:
    """A mainframe or agency file's trailer that states its counts, `TRL|00000030|398025.00`:
    `"control_record": {"prefix": "TRL|", "record_count": 2, "amount_total": 3, "amount_column":
    "column_2"}`. Fields are numbered from 1 in the line as the mapping's delimiter splits it (the
    prefix's own field is 1). The line is a non-data line (`declared_non_data`), and landing checks
    the stated count against the data records the file holds and the stated total against the sum
    of `amount_column` over the loans loaded (notes `footer_totals`, check `raw_loans_footer_totals`):
    a record lost in transfer, or quarantined, shows as a mismatch."""

    prefix: str
    record_count: int | None = None
    """Field of the record count, or None when the trailer states none."""
    amount_total: int | None = None
    """Field of the amount total, or None."""
    amount_column: str | None = None
    """The source column (number or money) whose loaded values the total is compared with."""


@dataclass(frozen=True)
class TapeMapping:
    """A tape description: built in (LendingClub, SBA) or declared in JSON."""

    name: str
    portfolio: str
    fields: tuple[FieldSpec, ...]
    status_map: dict[str, int | None]
    dialect: Dialect = Dialect()
    applies_to: tuple[str, ...] = ("*",)
    as_of: date | None = None
    line_kinds: tuple[tuple[str, str], ...] = ()
    sentinels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    builtin: bool = True
    source: str = ""
    """The JSON file it was read from ('' when built in)."""
    sidecar: bool = False
    """Read from `<tape file name>.mapping.json` beside the tape: meant for that file alone."""
    typed_source: bool = False
    """The values come typed (Parquet), not as text: no spreadsheet damage to look for."""
    currency: str = "USD"
    """ISO 4217 code of the tape's `money` columns (`"currency"`; LendingClub and SBA: USD). Amounts
    are kept as written, in this currency (no exchange rates are applied); a `money` value marked
    with another currency is quarantined (`currency_mismatch`)."""
    currency_declared: bool = True
    """Whether the mapping names its `currency`; one that does not is read as USD, and each file it
    reads says so (note `currency_assumed`), since a book in pounds would count as dollars."""
    delimiter_declared: bool = True
    """Whether the mapping's `dialect` names its `delimiter`. One that does not reads a file whose
    header fits it only at a tab or '|' (`loan_formats.BUILTIN_DELIMITERS`: Excel's 'Unicode text' is
    tab-separated) with that delimiter, and the file's notes say so (`delimiter_detected`)."""
    portfolio_column: str | None = None
    """Source column that names each loan's book, when one file holds several (`"portfolio_column":
    {"column": "book", "portfolios": {"AUTO": "acme_auto", "CARDS": "acme_cards"}}`): each row's
    portfolio is `portfolios[value]`, and its loan key starts with it, so account 1001 of the auto
    book and account 1001 of the cards book are two loans of two portfolios. A value the object
    does not name is quarantined (`unknown_portfolio`). None: every row is `portfolio`'s."""
    portfolios: dict[str, str] = field(default_factory=dict)
    """Value of `portfolio_column` as written (trimmed) -> portfolio name."""
    control_record: ControlRecord | None = None
    """A trailer that states the file's record count and an amount total (`"control_record"`):
    checked against what the file holds and loaded (`raw_loans_footer_totals`)."""
    free_text_columns: tuple[str, ...] = ()
    """Source columns of the lender's own free text (`"free_text_columns": ["Underwriter Commentary"]`),
    kept whole in `source_fields` and read as the built-in free-text columns are (`desc`, `notes`, ...:
    loan_formats.FREE_TEXT_COLUMNS): a vertical tab, form feed, NEL, U+2028 or U+2029 in one is a line
    break (note `line_break_characters_read`). A declared column like the others: a file whose header
    lacks one does not fit the mapping. None of them is mapped to a typed target (mapping_from_json)."""
    default_cured: str = "latest"
    """How a loan's default flag is resolved across snapshots when a later tape settles it the other way
    (`"default_cured"`, DEFAULT_CURED_SETTINGS): "latest", the latest settled outcome (a default
    followed by a payoff reads as repaid: a reversal may be a correction); "keep_default", a default in
    any snapshot stays the loan's default flag (1) whatever a later tape says, as a PD under Basel's
    definition of default needs (a default is an event within the horizon, a later cure does not undo
    it: BCBS Basel II para 452-453; EBA/GL/2016/07). Recorded in each file's notes as `default_cured`
    when not "latest", where marts.loan_features reads it."""
    header: bool = True
    """The file starts with a header line. False (`"header": false`, a mainframe or agency export of
    data lines only): its columns are named by position, `column_1`, `column_2`, ... (HEADERLESS_COLUMN),
    and the mapping must name its files (a sidecar, or an `applies_to` narrower than '*'), since no
    header can confirm it."""

    @property
    def meant_for_file(self) -> bool:
        """Named for the file (a sidecar, or an `applies_to` glob narrower than '*') rather than
        offered to every file. A sidecar that does not fit its file refuses it; a glob mapping that
        does not fit lets a built-in format read the file, and is named in the refusal when none
        can."""
        return self.sidecar or self.applies_to != ("*",)

    @property
    def declared_columns(self) -> set[str]:
        """Source columns the mapping names (its columns, sentinel columns, portfolio column and free-text
        columns): a file must hold them all for the mapping to fit it."""
        return ({f.source for f in self.fields} | set(self.sentinels) | ({self.portfolio_column} - {None})
                | set(self.free_text_columns))

    @property
    def format_name(self) -> str:
        return self.name if self.builtin else f"generic:{self.name}"


DEFAULT_CURED_SETTINGS = ("latest", "keep_default")
"""Values of a mapping's `default_cured` (TapeMapping.default_cured); "latest" when not given."""
MAPPING_KEYS = ("name", "applies_to", "portfolio", "dialect", "as_of", "columns", "status_map", "sentinels",
                "description", "header", "currency", "non_data_prefixes", "portfolio_column", "control_record",
                "free_text_columns", "default_cured")
"""Keys a mapping may hold; any other (a typo such as 'sentinel' or 'asof') refuses it, since an
ignored key would silently drop what it declares. Keys starting with '_' are comments."""
DECLARED_NON_DATA = "declared_non_data"
"""Kind of a non-data line that starts with one of a mapping's `non_data_prefixes`: the header and
trailer records of a mainframe or agency file (`HDR|20200331|...`, `TRL|30`), skipped and counted
with their line numbers like LendingClub's notes and footers."""
COLUMN_KEYS = ("to", "type", "format", "required", "scale", "description")
"""Keys of one column's object in "columns" (and comments starting with '_')."""
UNIX_EPOCH = date(1970, 1, 1)
"""Day 0 of Unix time, 00:00 UTC (POSIX.1-2017, 4.16 Seconds Since the Epoch): Avro's `date` counts
days from it, Kafka's and most databases' numeric timestamps seconds or finer."""
SAS_EPOCH = date(1960, 1, 1)
"""Day 0 of SAS and Stata dates. SAS Language Reference: Concepts, "About SAS Date, Time, and
Datetime Values": a SAS date value is the number of days between January 1, 1960, and the date,
a SAS datetime value the number of seconds since midnight, January 1, 1960; Stata User's Guide,
"Dates and times" ([D] Datetime): a %td date counts days since 01jan1960, a %tc datetime
milliseconds since 01jan1960 00:00:00. A 1960 count read as a 1970 one lands 3,653 days (ten
years and two leap days) late."""
EPOCH_FORMATS: dict[str, tuple[str, date]] = {
    "unix_days": ("d", UNIX_EPOCH),
    "unix_seconds": ("s", UNIX_EPOCH),
    "unix_milliseconds": ("ms", UNIX_EPOCH),
    "unix_microseconds": ("us", UNIX_EPOCH),
    "sas_days": ("d", SAS_EPOCH),
    "sas_seconds": ("s", SAS_EPOCH),
    "stata_days": ("d", SAS_EPOCH),
    "stata_milliseconds": ("ms", SAS_EPOCH),
}
"""Date formats of a column holding a count since an epoch (an Avro `date`, a Kafka or database
timestamp written as a number, a SAS or Stata date or datetime exported as its number) -> (polars'
time unit, the epoch's day 0 at 00:00 UTC)."""
QUARTER_FORMAT = "quarter"
"""A date column's `format` for a calendar quarter (`2024Q2`, `2024-Q2`, `Q2 2024`, `2Q24`), which
strftime has no code for: its first day, its last for `snapshot_date` (loan_formats._quarter_date)."""
HEADERLESS_COLUMN = re.compile(r"^column_([1-9]\d*)$")
"""A column of a file without a header, named by its 1-based position (`column_7`): the name an
untitled header cell gets too (`csv_text.named_columns`)."""
ESSENTIAL_TARGETS = ("loan_amount", "origination_date")
"""Targets without which a loan cannot be modelled (amount, vintage); a mapping that fills neither
them nor an outcome (loan_status or default_flag) is listed in the notes (`targets_not_mapped`)."""


def _unknown_keys(document: dict, known: Sequence[str]) -> list[str]:
    return sorted(key for key in document if key not in known and not str(key).startswith("_"))


def _strings(value: object, what: str) -> tuple[str, ...]:
    """A string or a list of strings as a tuple; TypeError naming `what` otherwise."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError(f"'{what}' must be a string or a list of strings, not {value!r}")


def mapping_from_json(source: Path, document: dict) -> TapeMapping:
    """Build a TapeMapping from a parsed JSON mapping.

    Raises:
        FileRefused: a missing or unknown key (MAPPING_KEYS, COLUMN_KEYS), type or target, a value
            of the wrong kind (applies_to, portfolio, status_map, sentinels, as_of, free_text_columns,
            default_cured),
            two source columns mapped to one target, a free-text column mapped to a typed target, a
            column setting that does not fit (see `_field_spec`),
            an odd dialect (see `_dialect`), a status mapped to other than 0 / 1 / null; the
            message names the mapping file and the setting.
    """
    try:
        if not isinstance(document, dict):
            raise TypeError("a mapping is a JSON object with 'name' and 'columns'")
        unknown = _unknown_keys(document, MAPPING_KEYS)
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; a mapping's keys are {list(MAPPING_KEYS)} "
                             "(a key starting with '_' is a comment)")
        name = document["name"]
        if not isinstance(name, str) or not name:
            raise TypeError(f"'name' must be a non-empty string, not {name!r}")
        if not isinstance(document["columns"], dict) or not document["columns"]:
            raise TypeError("'columns' must be an object: source column -> {\"to\": raw.loans column, ...}")
        specs = [_field_spec(column, spec) for column, spec in document["columns"].items()]
        by_target: dict[str, list[str]] = {}
        for spec in specs:
            by_target.setdefault(spec.target, []).append(spec.source)
        twice = {target: sources for target, sources in by_target.items() if len(sources) > 1}
        if twice:
            raise ValueError("one target, several source columns: " + "; ".join(
                f"{' and '.join(repr(s) for s in sources)} both map to {target!r}" for target, sources in twice.items()))
        globs = _strings(document.get("applies_to", ["*"]), "applies_to")
        portfolio = document.get("portfolio", name)
        if not isinstance(portfolio, str) or not portfolio.strip():
            raise TypeError(f"'portfolio' must be a non-empty string (it starts every loan key), not {portfolio!r}")
        status_map = document.get("status_map", LENDINGCLUB_STATUS)
        if not isinstance(status_map, dict):
            raise TypeError(f"'status_map' must be an object: status text -> 1, 0 or null, not {status_map!r}")
        odd = {status: flag for status, flag in status_map.items() if flag not in (0, 1, None) or isinstance(flag, bool)}
        if odd:
            raise ValueError(f"status_map values must be 1 (defaulted), 0 (not) or null (no outcome yet), not {odd}")
        default_cured = document.get("default_cured", "latest")
        if default_cured not in DEFAULT_CURED_SETTINGS:
            raise ValueError(f"'default_cured' must be \"latest\" (a later settled outcome replaces a default) or "
                             f"\"keep_default\" (a default stays, whatever a later tape says), not {default_cured!r}")
        dialect = _dialect(document.get("dialect", {}))
        header = document.get("header", True)
        if not isinstance(header, bool):
            raise TypeError(f"'header' must be true or false, not {header!r}")
        sentinel_columns = list(document.get("sentinels", {})) if isinstance(document.get("sentinels"), dict) else []
        portfolio_column, portfolios = _portfolio_column(document.get("portfolio_column"), specs)
        free_text = _free_text_columns(document.get("free_text_columns", []), specs, portfolio_column)
        positional = [c for c in [s.source for s in specs] + sentinel_columns + [portfolio_column] + list(free_text)
                      if c is not None and not HEADERLESS_COLUMN.match(c)]
        if not header and positional:
            raise ValueError(f"with \"header\": false the columns are named by position (column_1, column_2, ...), "
                             f"not {positional}")
        currency = document.get("currency", "USD")
        if not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
            raise ValueError(f"'currency' must be an ISO 4217 code of three capital letters such as 'EUR', "
                             f"not {currency!r}")
        minor = [spec.source for spec in specs if spec.kind == "money_minor"]
        if minor and minor_unit_digits(currency) == 0:
            raise ValueError(f"column(s) {minor} declare 'money_minor', but {currency} has no minor unit "
                             "(ISO 4217): declare 'money'")
        prefixes = _strings(document["non_data_prefixes"], "non_data_prefixes") if "non_data_prefixes" in document else ()
        if any(not prefix.strip() for prefix in prefixes):
            raise ValueError("'non_data_prefixes' must not hold an empty prefix: it would skip every line")
        control = _control_record(document.get("control_record"), specs)
        if control is not None and control.prefix not in prefixes:
            prefixes = (*prefixes, control.prefix)  # the trailer is no loan
        as_of = document.get("as_of")
        try:
            as_of = date.fromisoformat(as_of) if as_of else None
        except (TypeError, ValueError):
            raise ValueError(f"'as_of' must be an ISO date such as '2024-06-30', not {as_of!r}") from None
        return TapeMapping(
            name=name,
            portfolio=portfolio,
            fields=tuple(specs),
            status_map=dict(status_map),
            dialect=dialect,
            applies_to=globs,
            as_of=as_of,
            sentinels=_sentinels(document.get("sentinels", {})),
            builtin=False,
            source=str(source),
            header=header,
            currency=currency,
            currency_declared="currency" in document,
            delimiter_declared="delimiter" in document.get("dialect", {}),
            portfolio_column=portfolio_column,
            portfolios=portfolios,
            free_text_columns=free_text,
            default_cured=default_cured,
            control_record=control,
            line_kinds=tuple((DECLARED_NON_DATA, "^\ufeff?\\s*" + re.escape(prefix)) for prefix in prefixes),
        )
    except KeyError as exc:
        raise FileRefused(f"{source}: invalid column mapping: the key {exc} is missing") from None
    except (TypeError, ValueError) as exc:
        raise FileRefused(f"{source}: invalid column mapping: {exc}") from None


def _sentinels(spec: object) -> dict[str, tuple[str, ...]]:
    """A mapping's "sentinels": source column -> the codes that stand for no value (365243 days
    employed). Numbers and strings are both kept as text; a numeric column compares them by value
    ('999' matches 999.00), see loan_formats._plausibility. A sentinel column the file lacks makes
    the mapping not fit it, as a declared column does. A sentinel holds its loan out of the lake
    (`sentinel_value`) on any column, one kept only in source_fields too: the mapping declares the
    code no measurement. There the message says to drop the declaration if such loans are wanted.

    Raises:
        TypeError: not an object of non-empty lists of strings or numbers.
    """
    if not isinstance(spec, dict):
        raise TypeError(f"'sentinels' must be an object: source column -> list of codes, not {spec!r}")
    codes = {}
    for column, values in spec.items():
        if (not isinstance(values, list) or not values
                or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values)):
            raise TypeError(f"sentinels.{column}: must be a list of codes such as [\"365243\"] or [999], not {values!r}")
        codes[column] = tuple(v if isinstance(v, str) else format(v, "g") if isinstance(v, float) else str(v)
                              for v in values)
    return codes


def _control_record(spec: object, fields: Sequence[FieldSpec]) -> ControlRecord | None:
    """A mapping's "control_record" (see ControlRecord); None when the mapping has none.

    Raises:
        TypeError / ValueError: not such an object, an empty prefix, a field number that is not a
            whole number from 2, neither a count nor a total, a total without its column, or a
            column that the mapping does not read as a number or money."""
    if spec is None:
        return None
    keys = {"prefix", "record_count", "amount_total", "amount_column", "description"}
    if not isinstance(spec, dict) or set(spec) - keys or not isinstance(spec.get("prefix"), str) \
            or not spec["prefix"].strip():
        raise TypeError("'control_record' must be an object {\"prefix\": \"TRL|\", \"record_count\": <field>, "
                        f"\"amount_total\": <field>, \"amount_column\": <source column>}}, not {spec!r}")
    for key in ("record_count", "amount_total"):
        if key in spec and not (isinstance(spec[key], int) and not isinstance(spec[key], bool) and spec[key] >= 2):
            raise ValueError(f"control_record.{key} must be the number of a field of the trailer, counted from 1 "
                             f"(the prefix's own field), so 2 or more, not {spec[key]!r}")
    if "record_count" not in spec and "amount_total" not in spec:
        raise ValueError("control_record must name a record_count or an amount_total field (or both)")
    column = spec.get("amount_column")
    if ("amount_total" in spec) != (column is not None):
        raise ValueError("control_record.amount_total and amount_column go together: the field of the total "
                         "and the source column it sums")
    if column is not None:
        kinds = {f.source: f.kind for f in fields}
        if kinds.get(column) not in ("number", "money", "money_minor"):
            raise ValueError(f"control_record.amount_column {column!r} must be a column the mapping reads as a "
                             f"number or money (it reads {kinds.get(column) or 'no such column'})")
    return ControlRecord(spec["prefix"], spec.get("record_count"), spec.get("amount_total"), column)


def _portfolio_column(spec: object, fields: Sequence[FieldSpec]) -> tuple[str | None, dict[str, str]]:
    """A mapping's "portfolio_column": `{"column": <source column>, "portfolios": {value: portfolio}}`
    (see TapeMapping.portfolio_column); (None, {}) when the mapping has none.

    Raises:
        ValueError / TypeError: not such an object, an empty or non-text value or portfolio, or a
            column that is also mapped to a raw.loans column (the book is the portfolio, not a field).
    """
    if spec is None:
        return None, {}
    if not isinstance(spec, dict) or set(spec) - {"column", "portfolios", "description"} or "column" not in spec \
            or "portfolios" not in spec:
        raise TypeError("'portfolio_column' must be an object {\"column\": <source column>, \"portfolios\": "
                        f"{{<value>: <portfolio>, ...}}}}, not {spec!r}")
    column, portfolios = spec["column"], spec["portfolios"]
    if not isinstance(column, str) or not column.strip():
        raise TypeError(f"portfolio_column.column must be a source column's name, not {column!r}")
    if not isinstance(portfolios, dict) or not portfolios or not all(
            isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip() for k, v in portfolios.items()):
        raise TypeError("portfolio_column.portfolios must map each value of the column to a portfolio name "
                        f"(non-empty text), not {portfolios!r}")
    if column in {f.source for f in fields}:
        raise ValueError(f"portfolio_column.column {column!r} is also mapped in 'columns': the book it names is "
                         "each row's portfolio, not a field of the loan")
    return column, {value.strip(): name.strip() for value, name in portfolios.items()}


FREE_TEXT_TARGETS = frozenset({"purpose"})
"""The canonical loan columns of free text (schema.LOAN_COLUMNS): the loan's purpose as stated, which
a lender's tape writes in words (`Purchase of delivery van`). Every other text column holds a code
(status, grade, home ownership, state, NAICS, Y/N flags), whose value no line break is part of."""


def _free_text_columns(spec: object, fields: Sequence[FieldSpec], portfolio_column: str | None) -> tuple[str, ...]:
    """A mapping's "free_text_columns": the tape's own free-text columns (TapeMapping.free_text_columns),
    as a tuple of names in the order written, each once; () when the mapping has none.

    Raises:
        TypeError: not a list of non-empty strings.
        ValueError: a column that 'columns' maps to a target other than FREE_TEXT_TARGETS (an amount,
            date, id or code, whose value no line break is part of), or the portfolio column (a code),
            matched whatever the case and the blanks or underscores between words.
    """
    if not isinstance(spec, list) or not all(isinstance(c, str) and c.strip() for c in spec):
        raise TypeError(f"'free_text_columns' must be a list of the tape's column names, such as "
                        f"[\"Underwriter Commentary\"], not {spec!r}")
    typed = {csv_text.column_name_key(f.source): (f.source, f.target) for f in fields if f.target not in FREE_TEXT_TARGETS}
    if portfolio_column is not None:
        typed[csv_text.column_name_key(portfolio_column)] = (portfolio_column, "portfolio_column")
    for column in spec:
        if (found := typed.get(csv_text.column_name_key(column))) is not None:
            source, target = found
            mapped = ("is the portfolio_column, whose values are codes naming each row's book"
                      if target == "portfolio_column" else f"is mapped in 'columns' ({source!r}) to {target!r}, which no line break is part of")
            raise ValueError(f"free_text_columns: {column!r} {mapped}; a free-text column is kept whole in "
                             f"source_fields: take {column!r} out of free_text_columns or out of the typed mapping")
    return tuple(dict.fromkeys(spec))


AMOUNT_SCALES = {10 ** power: name for power, name in ((3, "thousands"), (6, "millions"), (9, "billions"))}
"""The `scale` an amount column may declare -> what its tape writes it in: a lender's tape in thousands
(`Loan Amount (USD k)`, `annual_inc_000`) declares 1000 and its `12.5` loads as 12,500.00. The value is
scaled as written, by moving its decimal mark (exact: `12.345` thousand is 12,345.00, no float error),
and one that so scaled holds a fraction of a cent (`12.345678` thousand) is quarantined
(`scaled_amount_fraction`), never rounded."""
SCALED_KINDS = ("money", "number")
"""Types whose column may declare a `scale`: an amount written in major units, with decimals. A
`money_minor` count of cents has a unit of its own, and an `int` column would refuse `12.5` thousand."""


def _amount_scale(column: str, spec: dict, kind: str, target: str) -> int:
    """A mapped column's "scale" (AMOUNT_SCALES; 1 when the column declares none).

    Raises:
        ValueError: a scale that is not 1000, 1000000 or 1000000000, or one on a column that is not an
            amount in the tape's currency (UNIT_TARGETS['money_minor']) of type `money` or `number`.
    """
    if "scale" not in spec:
        return 1
    scale = spec["scale"]
    if isinstance(scale, bool) or scale not in AMOUNT_SCALES:
        raise ValueError(f"column {column!r}: 'scale' {scale!r} must be what one written unit stands for: "
                         + ", ".join(f"{factor} ({name})" for factor, name in AMOUNT_SCALES.items()))
    if target not in UNIT_TARGETS["money_minor"]:
        raise ValueError(f"column {column!r}: 'scale' states the unit of an amount in the tape's currency "
                         f"({', '.join(UNIT_TARGETS['money_minor'])}), and {target!r} is none")
    if kind not in SCALED_KINDS:
        raise ValueError(f"column {column!r}: 'scale' reads an amount written in major units with its decimals "
                         f"(12.5 thousand is 12,500.00); type {kind!r} takes none: declare 'money'")
    return scale


def _field_spec(column: str, spec: object) -> FieldSpec:
    """One entry of a mapping's "columns": `"target"` or `{"to", "type", "format", "required", "scale"}`.

    Raises:
        ValueError / TypeError: no target, a target that is not a raw.loans column a tape fills, an
            unknown type, a type that cannot fill its target, a `format` that is no strftime pattern
            or not on a date, a `required` that is not a boolean, a `scale` that does not fit
            (`_amount_scale`); the message names the column.
    """
    spec = {"to": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or "to" not in spec:
        raise ValueError(f"column {column!r}: the key 'to' (its raw.loans column) is missing")
    unknown = _unknown_keys(spec, COLUMN_KEYS)
    if unknown:
        raise ValueError(f"column {column!r}: unknown key(s) {unknown}; a column's keys are {list(COLUMN_KEYS)}")
    target = spec["to"]
    if target in COMPUTED_TARGETS:
        raise ValueError(f"column {column!r}: target {target!r} is not a column of raw.loans that a tape fills: "
                         f"landing computes it ({COMPUTED_SAID[target]}); leave the column out of the mapping to "
                         "keep it in source_fields")
    if not isinstance(target, str) or target not in TARGET_SQL_TYPES:
        raise ValueError(f"column {column!r}: target {target!r} is not a column of raw.loans that a tape fills")
    try:
        kind = spec["type"] if "type" in spec else implied_kind(target)
    except ValueError as exc:
        raise ValueError(f"column {column!r}: {exc}") from None
    if kind not in KINDS:
        raise ValueError(f"column {column!r}: type {kind!r} is not one of {KINDS}")
    sql_type = TARGET_SQL_TYPES[target]
    unit = next(c.description for c in LOAN_COLUMNS if c.name == target)
    if kind in RATE_KINDS and target not in RATIO_UNITS:
        raise ValueError(f"column {column!r}: type {kind!r} reads a ratio (13.56% -> 0.1356 in int_rate, 13.56 in "
                         f"dti), which only {', '.join(RATIO_UNITS)} hold; {target!r} is: {unit} Declare 'number' "
                         "(or 'money' for an amount)")
    if kind in UNIT_TARGETS and target not in UNIT_TARGETS[kind]:
        raise ValueError(f"column {column!r}: type {kind!r} converts a unit that {target!r} is not in "
                         f"({target!r} is: {unit}); it fills {', '.join(UNIT_TARGETS[kind])} only")
    if kind in CODE_TARGETS and target not in CODE_TARGETS[kind]:
        raise ValueError(f"column {column!r}: type {kind!r} {CODE_SAID[kind]}; it fills "
                         f"{', '.join(CODE_TARGETS[kind])} only")
    if sql_type not in KIND_TARGET_TYPES[kind]:
        fitting = [k for k, types in KIND_TARGET_TYPES.items() if sql_type in types
                   and (k not in RATE_KINDS or target in RATIO_UNITS) and target in UNIT_TARGETS.get(k, (target,))
                   and target in CODE_TARGETS.get(k, (target,)) and target in SUGGESTED_FOR.get(k, (target,))]
        raise ValueError(f"column {column!r}: type {kind!r} cannot fill {target!r} ({sql_type}: {unit}); "
                         f"declare one of {fitting}")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise TypeError(f"column {column!r}: 'required' must be true or false, not {required!r}")
    fmt = spec.get("format")
    if fmt is not None and (kind != "date" or not isinstance(fmt, str)
                            or ("%" not in fmt and fmt not in EPOCH_FORMATS and fmt != QUARTER_FORMAT)):
        raise ValueError(f"column {column!r}: 'format' {fmt!r} must be a strftime pattern such as '%d.%m.%Y' or "
                         f"one of {[*EPOCH_FORMATS, QUARTER_FORMAT]}, and only a date column takes one")
    return FieldSpec(column, target, kind, fmt, required, _amount_scale(column, spec, kind, target))


def _dialect(spec: dict) -> Dialect:
    """Dialect from a mapping's "dialect" object, each key checked.

    Raises:
        ValueError / TypeError: an unknown key, a delimiter that is not one character, an encoding
            Python does not know, a decimal mark other than '.' or ','.
    """
    if not isinstance(spec, dict):
        raise TypeError(f"'dialect' must be an object, not {spec!r}")
    unknown = set(spec) - {f.name for f in dataclasses.fields(Dialect)}
    if unknown:
        raise ValueError(f"dialect: unknown key(s) {sorted(unknown)}; known: delimiter, encoding, decimal, thousands, "
                         "single_group_is_thousands, grouping, pad_short_rows")
    if spec.get("decimal") == "," and "thousands" not in spec:
        spec = {**spec, "thousands": "."}  # 12.000,00: the usual partner of a decimal comma
    dialect = Dialect(**spec)
    if not isinstance(dialect.delimiter, str) or len(dialect.delimiter) != 1 or dialect.delimiter in '"\r\n':
        raise ValueError(f"dialect: delimiter must be one character such as ',' ';' '|' or a tab, not {dialect.delimiter!r}")
    try:
        codecs.lookup(dialect.encoding)
    except (LookupError, TypeError):
        raise ValueError(f"dialect: encoding {dialect.encoding!r} is not one Python knows "
                         "(e.g. 'utf-8', 'cp1252', 'latin-1')") from None
    if not isinstance(dialect.single_group_is_thousands, bool):
        raise TypeError(f"dialect: single_group_is_thousands must be true or false, not {dialect.single_group_is_thousands!r}")
    if dialect.grouping not in ("thousands", "indian"):
        raise ValueError(f"dialect: grouping must be 'thousands' (1,234,567) or 'indian' (12,34,567), "
                         f"not {dialect.grouping!r}")
    if not isinstance(dialect.pad_short_rows, bool):
        raise TypeError(f"dialect: pad_short_rows must be true or false, not {dialect.pad_short_rows!r}")
    if dialect.decimal not in (".", ","):
        raise ValueError(f"dialect: decimal must be '.' or ',', not {dialect.decimal!r}")
    if not isinstance(dialect.thousands, str) or len(dialect.thousands) > 1 or dialect.thousands == dialect.decimal:
        raise ValueError(f"dialect: thousands must be one character other than the decimal mark, or '', "
                         f"not {dialect.thousands!r}")
    return dialect


def load_mappings(tape: Path, mapping_dirs: Sequence[Path]
                  ) -> tuple[list[TapeMapping], list[str], list[TapeMapping]]:
    """The mappings that may apply to `tape`, in lookup order (sidecar first, then each of
    `mapping_dirs`' `*.json`, then its `loans/*.json`, each by file name).

    A folder mapping whose `applies_to` does not name the tape is set aside before it is checked.

    Returns:
        (mappings, unreadable, not_naming): `unreadable` lists a message per folder mapping that is
        not valid JSON (or writes a key twice in one object): whether it names the tape cannot be
        known, so the caller says so in the tape's notes, or in its refusal when nothing else reads
        it. `not_naming` holds the valid folder mappings whose applies_to does not name the tape,
        so the caller can say when one of them fits the file's columns (a lender's tape named
        outside its mapping's glob would otherwise load silently into a built-in book); their
        faults are left for the files they name.

    Raises:
        FileRefused: the tape's sidecar is not valid JSON, or a mapping that may apply is not a
            valid one (a folder mapping's fault is only listed in `unreadable` when the tape has a
            valid sidecar, which is looked up first and decides).
    """
    candidates = [tape.with_name(tape.name + SIDECAR_SUFFIX)]
    for folder in mapping_dirs:
        for kept in (Path(folder), Path(folder) / LOAN_MAPPINGS_FOLDER):  # loans/ beside news/'s news settings
            if kept.is_dir():
                candidates += sorted(kept.glob("*.json"))
    found, unreadable, not_naming = [], [], []
    for path in candidates:
        try:
            if not path.is_file():
                continue
        except OSError:  # a tape name near the 255-byte limit leaves no room for a sidecar's name
            continue
        sidecar = path == candidates[0]
        try:
            document = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_repeated_keys)
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
            message = f"{path}: column mapping is not valid JSON: {exc}"
            if sidecar:
                raise FileRefused(message) from None
            unreadable.append(message)  # which files it is for cannot be read: said wherever it matters
            continue
        if not sidecar and not _may_apply(document, tape.name):
            with contextlib.suppress(FileRefused, ValueError, TypeError):  # its faults show when a file it names lands
                not_naming.append(mapping_from_json(path, document))
            continue
        try:
            mapping = mapping_from_json(path, document)
            if not (mapping.header or sidecar or mapping.meant_for_file):
                raise FileRefused(f"{path}: invalid column mapping: with \"header\": false it must name its files "
                                  "in 'applies_to' (or be the tape's sidecar): no header can tell which files it fits")
        except FileRefused as exc:
            if found and found[0].sidecar:  # the tape's own sidecar decides: a broken folder mapping is a note
                unreadable.append(str(exc))
                continue
            raise
        if sidecar or any(names_file(glob, tape.name) for glob in mapping.applies_to):
            found.append(dataclasses.replace(mapping, sidecar=sidecar))
    return found, unreadable, not_naming


SIDECAR_SUFFIX = ".mapping.json"
LOAN_MAPPINGS_FOLDER = "loans"
"""The mappings folder's subfolder that holds loan tape mappings too (`mappings/loans/*.json`), as
`mappings/news/` holds news settings: a mapping there is read as one in `mappings/` itself."""


MAPPINGS_NOT_READ_SHOWN = 10
"""Files of a mappings folder not read (`mappings_not_read`) named one by one; the rest are counted."""


def mappings_not_read(tape: Path, mapping_dirs: Sequence[Path]) -> str:
    """A sentence naming each file under a mappings folder of `mapping_dirs` that `load_mappings`
    does not read (one in a subfolder other than `loans/` and news settings' `news/`, as
    `acme/corebank.json` or `Loans/corebank.json`, or not named `*.json`, as `corebank.JSON`,
    `corebank.json.txt` or `corebank.yaml`), and each of `news/*.json` whose applies_to names
    `tape`, each with where to put it or how to name it; '' when there is none. Said in the refusal
    of a tape no mapping or built-in format reads: the mapping written for it may be one of them.
    Hidden files (`.DS_Store`, an editor's `.swp`) and others that cannot be one (`_may_be_mapping`:
    a README.md) are passed over."""
    said = []
    for folder in mapping_dirs:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        stray = []
        for root, dirs, files in os.walk(folder):
            place = Path(root).relative_to(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                where = place / name
                if where.parts[:1] == (NEWS_SETTINGS_FOLDER,):
                    if _names_tape(Path(root) / name, tape):
                        stray.append(f"{where.as_posix()} (news settings' folder, yet its applies_to names "
                                     f"{tape.name}: a loan mapping goes to {LOAN_MAPPINGS_FOLDER}/{name})")
                elif not (name.startswith(".") or (place in (Path("."), Path(LOAN_MAPPINGS_FOLDER))
                                                   and name.endswith(".json"))) and _may_be_mapping(Path(root) / name):
                    stray.append(f"{where.as_posix()} ({_where_to_put(where)})")
        if stray:
            shown = stray[:MAPPINGS_NOT_READ_SHOWN]
            more = f"; and {len(stray) - len(shown)} more" if len(stray) > len(shown) else ""
            said.append(f"Not read as loan mappings, in {folder}: {'; '.join(shown)}{more}. Loan mappings are "
                        f"read only from {folder}/*.json and {folder}/{LOAN_MAPPINGS_FOLDER}/*.json (names ending "
                        f"in lower-case .json); {NEWS_SETTINGS_FOLDER}/ holds news settings.")
    return " ".join(said)


NEWS_SETTINGS_FOLDER = "news"
"""The mappings folder's subfolder of news settings (`news_settings.FOLDER`), never read for loans."""


def _names_tape(path: Path, tape: Path) -> bool:
    """Whether the JSON file at `path` has an `applies_to` that names `tape` (False when unreadable)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(document, dict) and "applies_to" in document and _may_apply(document, tape.name)


def _may_be_mapping(path: Path) -> bool:
    """Whether the file at `path` may be a mapping written for a tape: '.json' in its name whatever
    the case (`corebank.JSON`, `corebank.json.txt`), a YAML or TOML file, or a JSON object whatever its name."""
    if ".json" in path.name.casefold() or path.name.casefold().endswith(_OTHER_FORMATS):
        return True
    try:
        return path.stat().st_size < 1_000_000 and isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
    except (OSError, UnicodeDecodeError, ValueError):
        return False


_OTHER_FORMATS = (".yaml", ".yml", ".toml")
"""Suffixes of a mapping written in another format than JSON, which no mapping is read from."""


def _where_to_put(where: Path) -> str:
    """How to make the file at `where` (relative to its mappings folder) one `load_mappings` reads."""
    lowered = where.name.casefold()
    stem = where.name[:lowered.index(".json")] if ".json" in lowered else where.name.rsplit(".", 1)[0]
    in_place = where.parent in (Path("."), Path(LOAN_MAPPINGS_FOLDER))
    target = (where.parent if in_place else Path(LOAN_MAPPINGS_FOLDER)) / f"{stem}.json"
    if lowered.endswith(_OTHER_FORMATS):
        return f"a mapping is JSON: write it as JSON in {target.as_posix()}"
    return f"{'rename' if in_place else 'move'} it to {target.as_posix()}"


def other_sidecars_naming(tape: Path) -> list[Path]:
    """The sidecars of other tapes in `tape`'s folder (`<other file>.mapping.json`) whose `applies_to`
    names `tape`. A sidecar applies to its own tape only, whatever its applies_to says: its `as_of`
    dates that one file, and a sidecar copied to a new month's tape would date the new month by the
    old. Such a sidecar is not applied to `tape`; the caller names it (in the refusal of a tape
    nothing reads, in the notes of one read otherwise) and says to move it to the mappings folder,
    where applies_to is what names the files. A sidecar without applies_to names only its own tape;
    one that cannot be read is left for its own tape's landing."""
    found = []
    try:
        siblings = sorted(tape.parent.glob("*" + SIDECAR_SUFFIX))
    except OSError:
        return []
    for path in siblings:
        if path.name == tape.name + SIDECAR_SUFFIX:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(document, dict) and "applies_to" in document and _may_apply(document, tape.name):
            found.append(path)
    return found


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    """json object hook: a key written twice in one object (two "columns") would keep the last
    silently; ValueError naming it instead."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"key(s) {repeated} written twice in one object: which one is meant?")
    return dict(pairs)


COMPRESSION_SUFFIXES = (".gz", ".gzip")
"""Suffixes of a compressed copy that landing reads (gzip, found by its magic bytes): `acme_*.csv`
names `acme_2024-05.csv.gz` as it names `acme_2024-05.csv`."""


def names_file(glob: str, name: str) -> bool:
    """Whether an applies_to glob names the file, whatever the case of either (a Windows export
    named `ACME_2024-04.CSV` is one of `acme_*.csv`; fnmatch alone is case-sensitive on Linux),
    its Unicode form (macOS writes `münchen` decomposed, NFD; a mapping typed on another system
    holds it composed, NFC) or a compression suffix (COMPRESSION_SUFFIXES)."""
    pattern = unicodedata.normalize("NFC", glob).casefold()
    name = unicodedata.normalize("NFC", name).casefold()
    bare = next((name[: -len(suffix)] for suffix in COMPRESSION_SUFFIXES if name.endswith(suffix)), name)
    return fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(bare, pattern)


def _may_apply(document: object, name: str) -> bool:
    """Whether a folder mapping's applies_to names the file, read before the rest is checked, so a
    broken mapping for another lender's files does not stop this one. An applies_to that cannot be
    read counts as naming it (the mapping is then checked, and refused)."""
    globs = document.get("applies_to", ["*"]) if isinstance(document, dict) else None
    try:
        return any(names_file(glob, name) for glob in _strings(globs, "applies_to"))
    except TypeError:
        return True
