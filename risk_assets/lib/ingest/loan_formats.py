"""Loan tape formats: detection by content, text-first read, vectorised typed parse into the
canonical columns of `raw.loans` (`lib.schema.LOAN_COLUMNS`), quarantine of every value that fails.

Formats (tried in this order; the header decides, never the file name alone):

1. a declared column mapping (`mappings.TapeMapping`) whose file-name glob matches and whose source
   columns are all in the header: a user's own tape, CSV or Parquet, any dialect and encoding;
2. LendingClub CSV: header holds loan_amnt, term and loan_status (a note line may sit above it);
3. SBA national: header holds LoanNr_ChkDgt, ApprovalFY and MIS_Status.

A file that matches none is refused (`FileRefused`) with the header it has and what each format needs.

Every typed column is parsed from its text with polars expressions; a non-empty value that does not
parse, an empty value in a required column, an unknown status and a broken plausibility rule each
become one quarantine row (physical line, loan key, source column, rule, raw text, message), and the
record is not loaded. Rules (`rule` in quality.quarantine):

    malformed_record      field count differs from the header
    cut_in_quoted_field   the file ends inside a quoted field this record opens (a copy cut short in a
                          value over lines): its closing quote and the rest of the record never arrived
    missing_value         empty value in a required column
    unparsable_number / unparsable_date / unparsable_value
    not_whole_number      36.9 in a whole-number column (never cut to 36)
    minor_unit_fraction   5000.50 in a column of cents (money_minor): dollars, never rounded
    amount_in_major_units 5000.00, 5000.0 or £5000 in a column of pence (money_minor): major units
                          (a decimal mark, the currency's sign or code), read as pence a hundredth
    scaled_amount_fraction 12.345678 in a column declared in thousands ("scale": 1000): scaled, a
                          fraction of a cent (12,345.678), never rounded
    amount_three_decimals an amount with a fraction of a cent (1234.567, 1234,567; a dinar's three
                          decimals are its own), or 43,000 in a decimal-comma tape: never rounded
    invalid_default_flag  a mapped default flag other than 0 / 1 or a flag word (Y / N, yes / no, ...)
    serial_date           a spreadsheet day number (45306) where a date was expected
    sci_notation_id       an id mangled into scientific notation (9.91214E+15), or a float id past
                          2^53 in Parquet: digits are lost
    non_integer_id        a Parquet float id with a fraction or a minus sign (1077503.5, -0.0)
    spreadsheet_error     an Excel error value (#N/A, #VALUE!, #DIV/0!, ...) in place of a value
    invisible_character   an invisible character (zero-width space, soft hyphen, bidirectional mark:
                          csv_text.INVISIBLE_CHARACTER) inside a text value or id (one at either end
                          is stripped like white space)
    sci_notation_value    a number in scientific notation (1.2346E+05) in a text tape: digits may be lost
    amount_beyond_float_digits  an amount written with more than 15 significant digits (12345678901234567):
                          a float64 would change its digits (FLOAT_EXACT_DIGITS)
    ambiguous_number      decimal-comma dialect, value like 1.250 (1250 or 1.25?); in a decimal-point
                          one, an amount like 5.000 where the file's points group thousands
                          (`_points_grouping_thousands`: a German spreadsheet's CSV)
    unknown_status        status not in the format's status -> default flag map
    negative_income, sentinel_value (dti 999 / -1, declared sentinels on any column: days 365243, FICO 9999),
    value_out_of_range    also a negative dti other than the sentinel -1 (-3.5: NEGATIVE_DTI_SAID)
    negative_amount       an installment, revolving balance or SBA amount (disbursed, approved,
                          guaranteed, charged off, outstanding) below zero (NON_NEGATIVE_AMOUNTS)
    placeholder_date      a database's or spreadsheet's default date (1900-01-01, 1970-01-01, 9999-12-31,
                          ...: PLACEHOLDER_DATES) in any date column, judged before the rules below
    excel_leap_day_1900   a workbook date cell holding Excel's day 60 (the 1900-02-29 that never was)
    issue_after_asof (issue_in_future when the tape names no as-of date), credit_line_after_issue,
    issue_before_1950 (an origination before EARLIEST_ORIGINATION; a date comparison then blames it),
    credit_history_over_90_years (a first credit line over MAX_CREDIT_HISTORY_YEARS before issue),
    non_positive_amount, rate_out_of_range,
    loan_amount_below_one (a loan amount above 0 and below 1 once read: no loan is that small),
    rate_as_fraction, fico_out_of_range     plausibility, applied to every format
    rate_as_percent       a rate below 1 % in a basis-points column (13.56 for 1356 bp)
    vintage_mismatch, chargeoff_before_origination, guarantee_above_amount
                          dates and amounts that contradict each other (an SBA ApprovalFY 2005 on a
                          loan approved 28-Feb-97; a charge-off before approval; SBA_Appv > GrAppv)
    term_scale_unclear    a term without its unit on the other side of a year from most of its column
                          (3 among 36 and 60 months; 36 among 3 and 5 years): which unit is meant?
    percent_scale_unclear a percent value in 0-2 without '%' whose scale the file leaves open (a
                          column written wholly as fractions, 20 values or more, is read as fractions)
    value_out_of_range    an integer beyond the 32 bits of its raw.loans column, or an amount of 2^53 or
                          more (a double's 1e308): beyond any plausible amount
    date_cell_in_text_column  a workbook's date cell under a text column (an id Excel turned
                          into a date on typing: 3-12 -> 12 March)
    total_row_unclear     a totals label in a row that also holds a loan's values (see
                          `_summary_rows`: a totals row it proves to be is a non-data line)
    unlabelled_total      an id-less row of amounts alone below the last loan, no sum of the rows above:
                          a totals row without its label, its amounts compared with the sums

Rows that summarise or annotate the tape rather than being loans (a `Total` / `Grand Total` /
`Subtotal` row, a `Source: ...` footnote below the last loan, a divider line between loans) are
non-data lines of their own kinds, `total_row`, `footer_note` and `section_label`, in every format
(`_summary_rows`).

A thousands separator that does not group thousands ('13,64' with ',' thousands) fails as
unparsable_number rather than being removed.

In a text column, the export null markers NULL, nan, \\N, <NA>, NaT and (null) (any case,
NULL_TOKENS) are an empty value: NULL, or missing_value in a required column; in a number or date
column the wider MISSING_MARKERS (also None, NA, N/A; MySQL's zero date 0000-00-00 in a date column)
are. Their count per column is in the file's notes (null_token_values). Excel error values (#N/A,
#VALUE!, ...) are no markers: spreadsheet_error. Excel's leading text marker (`'5000`) is removed
from number and date values (text_marker_removed).

Default flag (1 = defaulted, 0 = repaid, NULL = no outcome yet): LendingClub "Charged Off",
"Default" and the off-policy "...Status:Charged Off" -> 1; "Fully Paid" (and its off-policy twin)
-> 0; "Current", "Issued", "In Grace Period", "Late (...)" -> NULL: the loan has not matured, so
calling it 0 would count survivors as good loans and bias PD low. SBA "CHGOFF" -> 1, "P I F" -> 0,
empty -> NULL (unlabelled; counted in the file's notes).
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import io
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from risk_assets.lib.ingest import box_tables, csv_text, folders, workbook
from risk_assets.lib.ingest.mappings import (
    ESSENTIAL_TARGETS,
    HEADERLESS_COLUMN,
    LENDINGCLUB_STATUS,
    TARGET_SQL_TYPES,
    UNIT_TARGETS,
    RATE_KIND_POWER,
    RATIO_UNITS,
    EPOCH_FORMATS,
    FREE_TEXT_TARGETS,
    QUARTER_FORMAT,
    UNIX_EPOCH,
    Dialect,
    FieldSpec,
    TapeMapping,
    load_mappings,
    mappings_not_read,
    minor_unit_digits,
    other_sidecars_naming,
)
from risk_assets.lib.ingest.parsed import QUARANTINE_COLUMNS, FileRefused, ParsedFile, empty_quarantine
from risk_assets.lib.schema import GRADES, HOME_OWNERSHIP, LOAN_COLUMNS, SUB_GRADES, VERIFICATION
from risk_assets.lib.text import EXPORT_NULL_MARKERS

SBA_STATUS: dict[str, int | None] = {"P I F": 0, "CHGOFF": 1, "": None}


class NoFormatFits(FileRefused):
    """A tape that neither a declared column mapping nor a built-in format reads, and no mapping
    was meant for (the refusal says to declare one): `parse_loan_file` adds the files of the
    mappings folder it did not read (`mappings.mappings_not_read`), where that mapping may be."""


BUILTIN_DELIMITERS = (",", "\t", "|")
"""Delimiters the built-in formats are recognised with: the vendors' comma, the tab of a spreadsheet's
"Unicode Text" / TSV export, and the pipe of database dumps. A semicolon file goes with a declared
mapping, which also states its decimal comma."""
LENDINGCLUB_SIGNATURE = frozenset({"loan_amnt", "term", "loan_status"})
SBA_SIGNATURE = frozenset({"LoanNr_ChkDgt", "ApprovalFY", "MIS_Status"})

LENDINGCLUB_LINE_KINDS = (
    ("note", r"^\s*\"?Notes offered by Prospectus"),  # a second download's note line, joined by `cat`
    ("policy_marker", r"^\s*\"?Loans that do not meet the credit policy"),
    ("footer", r"^\s*\"?Total amount funded"),
)
_FOOTER_TOTAL = re.compile(r"Total amount funded in policy code (\d+):\s*\$?([\d,\.]+)")

_LC = [
    FieldSpec("id", "source_loan_id", "text", required=True),
    FieldSpec("loan_id", "source_loan_id", "text", required=True),
    FieldSpec("issue_d", "origination_date", "date", "%b-%Y", required=True),
    FieldSpec("loan_status", "loan_status", "text", required=True),
    FieldSpec("loan_amnt", "loan_amount", "money", required=True),
    FieldSpec("term", "term_months", "term", required=True),
    FieldSpec("int_rate", "int_rate", "percent"),
    FieldSpec("installment", "installment", "money"),
    FieldSpec("grade", "grade", "text"),
    FieldSpec("sub_grade", "sub_grade", "text"),
    FieldSpec("emp_length", "emp_length_years", "emp_length"),
    FieldSpec("home_ownership", "home_ownership", "text"),
    FieldSpec("annual_inc", "annual_income", "money"),
    FieldSpec("verification_status", "verification_status", "text"),
    FieldSpec("purpose", "purpose", "text"),
    FieldSpec("zip_code", "zip3", "zip3"),
    FieldSpec("addr_state", "addr_state", "text"),
    FieldSpec("dti", "dti", "number"),
    FieldSpec("delinq_2yrs", "delinq_2yrs", "int"),
    FieldSpec("inq_last_6mths", "inq_last_6mths", "int"),
    FieldSpec("open_acc", "open_acc", "int"),
    FieldSpec("pub_rec", "pub_rec", "int"),
    FieldSpec("revol_bal", "revol_bal", "money"),
    FieldSpec("revol_util", "revol_util", "percent"),
    FieldSpec("total_acc", "total_acc", "int"),
    FieldSpec("earliest_cr_line", "earliest_cr_line", "date", "%b-%Y"),
    FieldSpec("fico_range_low", "fico_range_low", "int"),
]

_SBA = [
    FieldSpec("LoanNr_ChkDgt", "source_loan_id", "text", required=True),
    FieldSpec("ApprovalFY", "vintage", "fiscal_year", required=True),
    FieldSpec("ApprovalDate", "origination_date", "sba_date", "ApprovalFY", required=True),
    FieldSpec("MIS_Status", "loan_status", "text"),
    FieldSpec("GrAppv", "loan_amount", "money", required=True),
    FieldSpec("GrAppv", "gross_approved", "money", required=True),
    FieldSpec("Term", "term_months", "int", required=True),
    FieldSpec("State", "addr_state", "text"),
    FieldSpec("BankState", "bank_state", "text"),
    FieldSpec("NAICS", "naics", "text"),
    FieldSpec("NoEmp", "employees", "int"),
    FieldSpec("NewExist", "new_business", "new_exist"),
    FieldSpec("CreateJob", "jobs_created", "int"),
    FieldSpec("RetainedJob", "jobs_retained", "int"),
    FieldSpec("FranchiseCode", "franchise_code", "text"),
    FieldSpec("UrbanRural", "urban_rural", "int"),
    FieldSpec("RevLineCr", "revolving_line", "text"),
    FieldSpec("LowDoc", "low_doc", "text"),
    FieldSpec("DisbursementDate", "disbursement_date", "sba_date", "origination_date"),
    FieldSpec("DisbursementGross", "disbursement_gross", "money"),
    FieldSpec("SBA_Appv", "sba_approved", "money"),
    FieldSpec("ChgOffDate", "chargeoff_date", "sba_date", "origination_date"),
    FieldSpec("ChgOffPrinGr", "chargeoff_principal", "money"),
    FieldSpec("BalanceGross", "balance_gross", "money"),
]

LOAN_TAPE_TERMS: dict[str, tuple[str, ...]] = {
    "source_loan_id": ("loan_id", "loan_number", "loan_no", "loan_nr", "loan_ref", "loan_reference", "loan",
                       "facility_id", "account_no", "account_number", "acct_no", "kontonummer", "kreditnummer",
                       "kredit_nr", "kredit_id", "kredit", "darlehensnummer",
                       "darlehen", "leningnummer", "lening", "lening_id", "kredietnummer", "krediet",
                       "numéro_de_prêt", "numéro_du_prêt", "numéro_prêt", "id_prêt", "prêt", "numero_prestito",
                       "numero_del_prestito", "id_prestito", "prestito", "mutuo", "número_de_préstamo",
                       "número_préstamo", "id_préstamo", "préstamo", "número_do_empréstimo", "id_empréstimo",
                       "empréstimo"),
    "borrower": ("borrower", "borrower_name", "borrower_id", "obligor", "obligor_name", "debtor", "kreditnehmer",
                 "darlehensnehmer", "schuldner", "kredietnemer", "leningnemer", "debiteur", "schuldenaar",
                 "emprunteur", "nom_emprunteur", "débiteur", "mutuatario", "debitore", "prenditore", "prestatario",
                 "deudor", "acreditado", "mutuário", "devedor", "tomador"),
    "loan_amount": ("loan_amount", "amount", "principal", "principal_amount", "funded_amnt", "funded_amount",
                    "kreditbetrag", "darlehensbetrag", "betrag", "nennbetrag", "kreditsumme", "darlehenssumme",
                    "leningbedrag", "kredietbedrag", "bedrag", "hoofdsom", "montant", "montant_du_prêt",
                    "montant_prêt", "importo", "importo_prestito", "importo_finanziato", "capitale", "importe",
                    "importe_del_préstamo", "monto", "monto_del_préstamo", "valor", "valor_do_empréstimo",
                    "valor_financiado", "montante", "capital"),
    "int_rate": ("interest_rate", "interest", "rate", "apr", "coupon", "zins", "zinssatz", "zinsen", "sollzins",
                 "nominalzins", "effektivzins", "rente", "rentevoet", "rentepercentage", "taux", "taux_d'intérêt",
                 "taux_intérêt", "taux_nominal", "taeg", "tasso", "tasso_di_interesse", "tasso_interesse", "tan",
                 "tasa", "tasa_de_interés", "tipo_de_interés", "tipo_interés", "interés", "tae", "tin", "taxa",
                 "taxa_de_juros", "taxa_juros", "juros"),
    "term_months": ("term_months", "loan_term", "tenor", "laufzeit", "kreditlaufzeit", "looptijd", "durée",
                    "durée_du_prêt", "durata", "plazo", "prazo"),
    "loan_status": ("status", "kreditstatus", "statut", "statut_du_prêt", "stato", "stato_prestito", "estado",
                    "estado_del_préstamo", "situação"),
    "grade": ("sub_grade", "rating", "risk_grade", "credit_grade", "risk_class", "bonität", "ratingklasse",
              "risikoklasse", "notation", "classe_de_risque", "classe_di_rischio", "calificación",
              "calificación_crediticia", "classificação", "classificação_de_risco"),
    "installment": ("monthly_payment", "emi", "monatsrate", "annuität", "tilgung", "aflossing", "maandlast",
                    "mensualité", "rata", "rata_mensile", "cuota", "cuota_mensual", "prestação", "parcela"),
    "origination_date": ("issue_date", "origination_date", "disbursement_date", "funding_date", "funded_date",
                         "auszahlungsdatum", "datum_verstrekking", "date_d'octroi", "date_octroi",
                         "date_de_décaissement", "data_erogazione", "data_di_erogazione", "fecha_de_desembolso",
                         "fecha_desembolso", "fecha_de_concesión", "data_de_desembolso", "data_de_contratação"),
    "maturity_date": ("maturity", "maturity_date", "fälligkeit", "fälligkeitsdatum", "vervaldatum", "échéance",
                      "date_d'échéance", "scadenza", "data_scadenza", "vencimiento", "fecha_de_vencimiento",
                      "vencimento", "data_de_vencimento"),
    "outstanding_balance": ("BalanceGross", "out_prncp", "outstanding", "outstanding_balance", "balance",
                            "current_balance", "principal_balance", "restschuld", "saldo", "openstaand_saldo",
                            "encours", "capital_restant_dû", "capitale_residuo", "debito_residuo", "saldo_pendiente",
                            "saldo_vivo", "saldo_devedor"),
    "days_past_due": ("delinq_2yrs", "days_past_due", "dpd", "days_in_arrears", "arrears", "delinquency",
                      "verzugstage", "verzug", "rückstand", "achterstand", "dagen_achterstand", "jours_de_retard",
                      "impayés", "giorni_di_ritardo", "ritardo", "días_de_atraso", "días_de_mora", "mora",
                      "morosidad", "dias_de_atraso", "atraso", "inadimplência"),
    "collateral": ("collateral", "sicherheit", "sicherheiten", "onderpand", "sûreté", "garanzia", "garantía",
                   "garantia"),
    "annual_income": ("annual_income", "income", "einkommen", "jahreseinkommen", "inkomen", "revenu", "revenus",
                      "reddito", "ingresos", "renda"),
    "purpose": ("loan_purpose", "verwendungszweck", "doel", "objet_du_prêt", "finalità", "finalidad",
                "finalidade"),
}
"""Loan-tape concept -> the column names lenders' tapes give it, in English, German, Dutch, French,
Italian, Spanish and Portuguese (the languages whose news headers the news reader reads), written
as a header says them; the built-in formats' own source names (_LC, _SBA: `loan_amnt`, `GrAppv`,
`MIS_Status`, ...) are added to the concept of their target below. Concepts are named by their
raw.loans column where one exists; `borrower`, `maturity_date`, `outstanding_balance`,
`days_past_due` and `collateral` have none. News landing refuses a header that names three of
them, and carries a tape's mark (a loan id, two BUILTIN_TAPE_NAMES, or no article text), as a loan
tape dropped in the wrong folder (news_formats `_refuse_loan_header`)."""
for _spec in (*_LC, *_SBA):
    _concept = "grade" if _spec.target == "sub_grade" else _spec.target
    if _concept in LOAN_TAPE_TERMS and _spec.source not in LOAN_TAPE_TERMS[_concept]:
        LOAN_TAPE_TERMS[_concept] += (_spec.source,)
del _spec, _concept

BUILTIN_TAPE_NAMES = frozenset(spec.source.lower() for spec in (*_LC, *_SBA)
                               if re.search(r"_|\d|[a-z][A-Z]", spec.source))
"""The built-in formats' own column names (_LC, _SBA), lowercased, as only their tapes spell them:
`loan_amnt`, `int_rate`, `loan_status`, `annual_inc`, `GrAppv`, `MIS_Status`... A plain word they
also use (`id`, `term`, `grade`, `purpose`, `State`) is left out: a news export may name a column
so. Two of them in one header mark a LendingClub or SBA tape, a subset of its columns included,
whatever else it carries (news_formats `_refuse_loan_header`)."""

SERIAL_DATE_SAID = (
    "looks like a spreadsheet day number, not a date ({day}: give the column a date format in the spreadsheet "
    "before saving; a workbook's date column is read as Excel's days where each number in it is a whole five-digit "
    "day up to 2100; a count of days since 1970, as Avro and some databases write a date, is read with the column "
    "format \"unix_days\"; one since 1960, as SAS and Stata write a date, with \"sas_days\")")
"""The serial_date message, `day` naming the date a day number is in Excel's 1900 date system
(`serial_date_said`: '40878 is Excel's day for 2011-12-01')."""

RULES: dict[str, str] = {
    "malformed_record": "has a field count different from the header",
    "cut_in_quoted_field": ("is the file's last record, cut inside a quoted field it opens: the file ends before the "
                            "field's closing quote (a copy cut short), so the rest of the record never arrived"),
    "missing_value": "is empty in a required column",
    "unparsable_number": "is not a number in the file's dialect",
    "unparsable_date": ("is not a date in the column's format (ISO 8601, YYYY-MM-DD, where the mapping declares "
                        "none: declare `format` for another)"),
    "unparsable_value": "is not a value this column's type knows",
    "epoch_unit_in_doubt": ("reads as a day in its epoch's first year (1970 under a unix_* format, 1960 under "
                            "sas_* and stata_*), as half the column or more does: a count in a coarser unit than "
                            "declared (seconds read as milliseconds, days as seconds)? declare the unit the file writes"),
    "serial_date": SERIAL_DATE_SAID.format(day="Excel's day 35489 is 1997-02-28"),
    "date_order_in_doubt": ("reads as a date both in the column's declared format and with day and month the other "
                            "way round, as two different days, and the column holds values that read only the other "
                            "way, so which day this one is cannot be told: declare the format the file writes"),
    "sci_notation_id": "is an id in scientific notation (or a float past 2^53): digits were lost upstream",
    "non_integer_id": ("is a float id with a fraction or a minus sign: a float id column holds whole, non-negative "
                       "numbers, so the value was changed upstream"),
    "spreadsheet_error": ("is a spreadsheet error value (#N/A: a lookup found nothing; #VALUE!, #REF!, #DIV/0!: a "
                          "formula failed): the cell's value was lost before export; correct the formula and export "
                          "again, or leave the cell empty where the value is unknown"),
    "column_too_narrow": ("is what Excel shows in a column too narrow for its value (a date, an amount), and a CSV "
                          "saved from Excel writes what it shows: the value is not in the file; widen the column "
                          "(or save the sheet as .xlsx) and export again"),
    "invisible_character": "holds an invisible character inside the value (a zero-width space, soft hyphen or bidirectional mark: pasted text?)",
    "sci_notation_value": ("is a number in scientific notation, as a spreadsheet writes a number it shortened: "
                           "digits may have been rounded away; re-export the column formatted as a number"),
    "amount_beyond_float_digits": ("has more than 15 significant digits, more than a float64 holds exactly, so it "
                                   "would load with other digits (12345678901234567 as 12345678901234568): no loan "
                                   "amount is that large, so an id or a unit error filled the column? correct the "
                                   "value in the tape"),
    "control_character": "holds a control character (named in each message: csv_text.control_character_said)",
    "new_exist_code": ("is in a column read as a new-business flag (1 new, 0 existing) that also writes 2: SBA's "
                       "NewExist codes (1 existing, 2 new), whose 1 the flag would read as 'new'; declare the column's "
                       "\"type\": \"new_exist\" in the mapping"),
    "amount_three_decimals": ("is an amount with three digits after the decimal comma of the file's dialect: an "
                              "English thousands separator (43,000 for 43000) pasted into a decimal-comma tape, which "
                              "read so would be 1,000 times too small; write it as the tape does (43.000,00) or export "
                              "the column in the tape's dialect"),
    "amount_in_major_units": ("is written in major units (a decimal mark, 5000.00, or the currency's sign or code, "
                              "£5000) in a column declared 'money_minor', a whole count of the currency's minor unit "
                              "(pence, cents: 500000 for 5,000.00): read as one it would load a hundredth of its "
                              "value; if the column holds major units, declare its type 'money' in the mapping, else "
                              "export the minor units as whole numbers without a currency mark"),
    "ambiguous_number": ("is ambiguous in a decimal-comma dialect (thousands or decimals?); if every such value of "
                         "the file is thousands, declare dialect.single_group_is_thousands"),
    "unknown_status": "is not a status of the format's status -> default flag map",
    "unknown_portfolio": "is not a value the mapping's portfolio_column names a portfolio for",
    "negative_income": "is a negative income",
    "negative_amount": ("is below zero in an amount that never is (an installment, a balance, an amount disbursed, "
                        "approved, guaranteed or charged off): a minus sign or an accountant's parentheses on it?"),
    "sentinel_value": ("is a sentinel code, not a measurement: the loan is held out of the lake, so out of the "
                       "features and the PD model's training; if the code means 'unknown' for this lender and the "
                       "loan should be kept with the value missing, leave the cell empty or write NULL in the tape, "
                       "as a mapping has no setting that reads a code as missing, and land the file again"),
    "issue_after_asof": "is an issue date after the tape's as-of date",
    "issue_in_future": "is an issue date after the day the tape was read (it names no as-of date)",
    "credit_line_after_issue": "is a first credit line opened after the loan was issued",
    "credit_history_over_90_years": ("is a first credit line more than 90 years before the loan was issued (a "
                                     "borrower over 104): a mistyped year or a default date, not a credit history"),
    "issue_before_1950": "is an issue date before 1950, earlier than any loan of a tape (check vintage_range)",
    "placeholder_date": ("is a database's or spreadsheet's default date (1900-01-01, 1970-01-01, 1753-01-01, "
                         "9999-12-31, ...) written where the date was missing, not a date of the loan"),
    "excel_leap_day_1900": ("is Excel's day 60, 29 February 1900, a day that never existed (Excel counts 1900 as a "
                            "leap year, as Lotus 1-2-3 did): which day was meant cannot be told"),
    "non_positive_amount": "is a loan amount of zero or less",
    "loan_amount_below_one": ("is a loan amount below 1 in the tape's currency (a declared unit, money_minor's cents, "
                              "already read): no lender books a loan below one currency unit, so digits were lost "
                              "('.5' for 5,000?) or the column's unit is not the one declared; correct the value or "
                              "the mapping's type and land the file again"),
    "rate_out_of_range": ("is an interest rate outside 0-100 % (a rate written in basis points, 1065 for 10.65 %, "
                          "is declared 'basis_points')"),
    "fico_out_of_range": "is a FICO score outside 300-850",
    "rate_as_fraction": "is an interest rate below 1 % in a percent column: a fraction (0.1065 for 10.65 %)?",
    "vintage_mismatch": "is a vintage (fiscal year) that is neither the origination year nor the next",
    "chargeoff_before_origination": "is a charge-off date before the loan was originated",
    "guarantee_above_amount": "is a guaranteed amount above the loan's gross amount",
    "percent_scale_unclear": ("is 0-2 without a '%' where the file does not show its scale: a percent, or a "
                              "fraction (0.837 for 83.7 %)?"),
    "value_out_of_range": "is outside the range of a 32-bit integer column",
    # an amount's (`_parse`): see AMOUNT_BEYOND_SAID; a debt-to-income ratio's: NEGATIVE_DTI_SAID
    "not_whole_number": "is a number with a fraction in a whole-number column",
    "scaled_amount_fraction": ("is an amount in a column whose mapping declares a \"scale\" (1000: 12.5 thousand "
                               "is 12,500.00) that, so scaled, holds a fraction of a cent (12.345678 thousand is "
                               "12,345.678): a cent has no fraction, so digits are out of place or the column is "
                               "not in that scale; never rounded: correct the value, or the mapping's scale"),
    "minor_unit_fraction": ("is an amount with a fraction in a column declared 'money_minor' (a count of the "
                            "currency's minor unit, cents): a cent has no fraction, so the value is in major units "
                            "(dollars) or the column is not in cents; never rounded"),
    "rate_as_percent": ("is an interest rate below 1 % in a basis-points column: a percent (13.56 for 13.56 %, "
                        "1356 bp)?"),
    "invalid_default_flag": "is a default flag other than 1 (defaulted) or 0 (not)",
    "term_scale_unclear": ("is a term written without its unit on the other side of a year from most of its "
                           "column's terms (3 among 36 and 60 months: years?); write it with its unit"),
    "zip_ambiguous": ("is a ZIP of 1-3 digits where the file's zip column does not say which it is: a zip3, or "
                      "a five-digit ZIP that lost its leading zeros in a spreadsheet ('501' for 00501)? Write it "
                      "as the column's other values are written (five digits, or '501xx')"),
    "currency_mismatch": "is an amount marked with another currency than the tape's (its mapping's \"currency\", "
                         "default USD); amounts are never converted",
    "row_currency_differs": ("is the row's currency, and not the tape's (its mapping's \"currency\", default USD): "
                             "the row's amounts would load as the tape's currency; a book holds one currency and "
                             "amounts are never converted, so land each currency's loans as their own tape, with "
                             "a mapping that declares its currency"),
    "date_cell_in_text_column": ("is a date cell in a text column of the workbook: Excel turned the text typed "
                                 "(an id such as 3-12) into a date, and the text as typed is lost"),
    "unlabelled_total": ("is an amount in a row below the last loan with no id, no label and no other value: a "
                         "totals row without its label"),
    "total_row_unclear": ("is a totals label (Total, Subtotal, Sum, ...) in a row that also holds a loan's values "
                          "and whose amounts are no sum of the rows above: a totals row or a loan? Move the label "
                          "or the row"),
}
"""Quarantine rule -> what the value did wrong (the end of each quarantine message)."""

_NUMERIC_KINDS = ("number", "money", "money_minor", "percent", "fraction", "basis_points", "int")

_RATE_DIVISOR = {"percent": 100, "basis_points": 10_000}
"""Declared rate type -> what its written value is divided by to give a fraction 0-1 (13.56 % and
1356 bp -> 0.1356). A `money_minor` amount is divided by its currency's minor unit
(`mappings.minor_unit_digits`: 500000 US cents -> 5,000.00 USD)."""

CURRENCY_MARKS: dict[str, tuple[str, ...]] = {
    "USD": ("U.S. $", "US $", "US$", "USD", "$"),
    "EUR": ("EUR", "€"),
    "GBP": ("GBP", "£"),
    "JPY": ("JPY", "¥"),
    "CHF": ("CHF", "Fr."),
    "CAD": ("CAD", "CA$", "C$"),
    "AUD": ("AUD", "A$"),
    "INR": ("INR", "₹"),
}
"""Signs and codes a `money` value may carry before or after its number, per ISO 4217 currency (a
currency not listed: its code only); codes in any case ('usd'), a space in a mark as any spacing
('U.S.$'). Longest first within a currency, so 'US$' is not read as '$'."""
_FOREIGN_MARK = r"[$€£¥₹]|^[A-Z]{3}\s*[-+(]?[\d.,]|[\d.,]\s*[A-Z]{3}$|\bFr\."
"""A currency mark of any kind left on a money value once the tape's own marks are removed."""


MONEY_KINDS = ("money", "money_minor")
"""Field kinds whose values are amounts of money in the tape's currency, which may carry its marks
(`_money_text`)."""


def _staged(source: str) -> str:
    """Name of the column holding a money column's text without its currency marks (`_staged_money_text`)."""
    return f"_money_text:{source}"


def _staged_money_text(frame: pl.DataFrame, specs: Sequence[FieldSpec], currency: str) -> pl.DataFrame:
    """`frame` with, for each money column of `specs`, the text of its values without the tape's
    currency marks (`_money_text`) as column `_staged(source)`, one query for them all. Typing a
    money value reads that text in several branches (a minus after the digits, other grouping
    marks, a foreign mark); polars did not share it between them, and the SBA national tape's
    money columns typed in about 5.5 s each from the written text, 0.7 s from the staged column."""
    sources = dict.fromkeys(spec.source for spec in specs if spec.kind in MONEY_KINDS)
    if not sources:
        return frame
    return frame.lazy().with_columns(
        _money_text(pl.col(_src(source)), currency)[0].alias(_staged(source)) for source in sources).collect()


def _money_text(s: pl.Expr, currency: str) -> tuple[pl.Expr, pl.Expr]:
    """(number text, marked with another currency) of a money value: the tape's own currency sign
    or code removed before or after the number ('$60,000.00', '11.544,80 €', 'EUR 1.000', '-$5',
    '$-5'), an accountant's parentheses read as a minus ('(1,250.00)' is -1250.00). A value still
    carrying another currency's mark ('£11,544.80' in a USD tape) is flagged, never read as an amount;
    one still carrying the tape's own mark, written twice ('$$5000', '5000 USD USD'), is not read and
    not flagged: it is no number (`unread_number_mark` says why)."""
    own = _own_marks(currency)

    def unmarked(text: pl.Expr) -> pl.Expr:  # 'USD', 'usd', '(USD)' before or after the number
        return (text.str.replace(rf"(?i)^([+-]?)\s*(?:{own})\s*", "$1")
                .str.replace(rf"(?i)\s*(?:\((?:{own})\)|(?:{own}))$", "").str.strip_chars())

    text = unmarked(s)
    bracketed = text.str.contains(r"^\(.+\)$")  # '(1.00)', '(USD 1.00)', 'USD (1.00)', '( 1.00 )' alike: a minus
    text = pl.when(bracketed).then(unmarked(text.str.replace(r"^\(\s*(.+?)\s*\)$", "-$1"))).otherwise(text)
    text = pl.when(_accounting_zero(s, currency)).then(pl.lit("0")).otherwise(text)
    return text, _foreign_marked(text, currency)


def _foreign_marked(text: pl.Expr, currency: str) -> pl.Expr:
    """Whether a money value's text, its tape's currency marks once removed (`_money_text`), still
    carries a mark of another currency (_FOREIGN_MARK): the tape's own mark left over, written
    twice ('$$5000'), is none."""
    return text.str.replace_all(rf"(?i){_own_marks(currency)}", "").str.contains(_FOREIGN_MARK)


ACCOUNTING_DASHES = "-\u2012\u2013\u2014"
"""The dashes an accountant's zero is written with: a hyphen-minus, as Excel writes it, and the
figure, en and em dashes of a typeset report or a word processor's autocorrect."""


def _accounting_zero(s: pl.Expr, currency: str) -> pl.Expr:
    """Whether an amount (`_is_amount`; its text trimmed) is an accountant's zero: a dash alone
    (`-`, `–`, `—`: ACCOUNTING_DASHES), as Excel's Comma Style writes a zero (built-in number format
    43, `_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)`), or with the currency's mark (`$ -`,
    `$  -  `, `- €`), as its Accounting format does (format 44, `_($* ...;_($* "-"??_);...`). In a
    date column a dash alone is a missing date instead (DATE_DASHES); in a count or a rate it is
    no number."""
    return s.str.contains(_accounting_zero_form(currency))


def _accounting_zero_form(currency: str) -> str:
    """The regex of an accountant's zero (`_accounting_zero`) in a tape of `currency`, for polars and
    Python alike, its dash captured: `-`, `$ -`, `- €`."""
    own = _own_marks(currency)
    return rf"(?i)^(?:(?:{own})\s*)?([{ACCOUNTING_DASHES}])(?:\s*(?:{own}))?$"


def accounting_zero_said(text: str, currency: str) -> str | None:
    """How an amount's `text` that is an accountant's zero (`_accounting_zero`: '-', '$ -', '–' in a
    tape of `currency`) reads, as the clause a NEGATIVE_RULES message ends with, so a loan amount of
    '-' is seen to have been read as 0 ('zero or less'); None for any other text."""
    zero = re.fullmatch(_accounting_zero_form(currency), text.strip())
    if zero is None:
        return None
    return (f"its '{zero.group(1)}' is an accountant's zero (Excel's Comma Style and Accounting formats write 0 so): "
            "it reads as 0")


def _own_marks(currency: str) -> str:
    """Regex alternation of a currency's marks (CURRENCY_MARKS, else its code), a space in a mark
    matching any spacing."""
    return "|".join(re.escape(mark).replace(r"\ ", r"\s*") for mark in CURRENCY_MARKS.get(currency, (currency,)))

NULL_TOKENS = (*EXPORT_NULL_MARKERS, "nat")
"""Export null markers (text.EXPORT_NULL_MARKERS: SQL NULL, pandas NaN and `<NA>`, `\\N`, `(null)`,
`[NULL]`, `<null>`; and pandas' missing timestamp NaT), compared lowercased, read as an empty value
in text columns (`null_token_values` in the notes). NONE and N/A are not among them: NONE is a
LendingClub home_ownership value and n/a its emp_length for unknown."""

MISSING_MARKERS = (*NULL_TOKENS, "none", "na", "n/a", "-nan", ".",
                   *(f".{letter}" for letter in "abcdefghijklmnopqrstuvwxyz_"))
"""Export markers for a missing value, compared lowercased, read as an empty value in number and date
columns (counted per column in notes['null_token_values'], as in text columns; missing_value in a
required column, with the marker quoted). Sources: SQL NULL; MySQL / PostgreSQL COPY `\\N`; pandas'
default `na_values` of `read_csv` (NULL, null, NaN, nan, -NaN, NA, N/A, n/a, None, <NA>) and its
missing timestamp `NaT`; C's printf of a null string `(null)`; DBeaver's `[NULL]` and DataGrip's
`<null>`; SAS's missing numeric value `.`, which
a DATA step writes for a missing number or date unless told otherwise, and its special missing
values `.A`-`.Z` and `._` (SAS Language Reference, "Missing Values"). Excel's `#N/A` is not among them: it is
an error value (a failed lookup), quarantined as spreadsheet_error in every column like `#VALUE!`."""

ZERO_DATES = ("0000-00-00", "0000-00-00 00:00:00")
"""MySQL's "zero" DATE / DATETIME, which MySQL writes for a missing or invalid date (MySQL Reference
Manual, "The DATE, DATETIME, and TIMESTAMP Types"): a missing-value marker in date columns."""

DATE_DASHES = ("-", "--", "\u2013", "\u2014")
"""A dash alone in a date column, as pandas' `to_csv(na_rep="-")` and report writers mark a date not
given (a charge-off date on a loan never charged off): no date is written so, so it is a missing-value
marker there. Not in amounts, where an accountant's dash is a zero (`accounting_zero_read`)."""

PLACEHOLDER_DATES: dict[date, str] = {
    date(1, 1, 1): ".NET DateTime.MinValue; minimum of SQL Server date / datetime2; Go's zero time",
    date(1753, 1, 1): "minimum of SQL Server datetime (Microsoft docs, 'datetime (Transact-SQL)')",
    date(1899, 12, 30): "OLE Automation date 0 (Excel / Access / VB / .NET FromOADate(0))",
    date(1899, 12, 31): "Excel day 0 ('January 0, 1900') as tools that count from 1899-12-31 write it",
    date(1900, 1, 1): ("SQL Server datetime / smalldatetime default for an empty or zero value "
                       "(Microsoft docs, 'datetime (Transact-SQL)'); Excel day 1"),
    date(1970, 1, 1): "Unix time 0 (POSIX epoch), what a NULL or 0 timestamp becomes in many exports",
    date(9999, 12, 31): ("maximum of SQL Server / .NET / Oracle dates: the 'open end' of a data "
                         "warehouse's validity range (SAP, slowly changing dimensions)"),
}
"""Default dates of databases and spreadsheets written where a date was missing: a value of a date
column equal to one is quarantined as placeholder_date (before the plausibility rules, so the rule
names the column that holds it), never read as the day it names. In a column whose format has no day
(`%b-%Y`, read as the 1st), the months 0001-01, 1753-01, 1899-12, 1900-01 and 9999-12 are
placeholders too, but January 1970 is not: a month-precision credit line opened in January 1970 is a
real month. 2099-12-31 and 2999-12-31 are not listed (no system documents them as a default); an
origination or credit line so far ahead is quarantined by issue_after_asof / issue_in_future /
credit_line_after_issue anyway."""
_MONTH_PLACEHOLDERS = [d.replace(day=1) for d in PLACEHOLDER_DATES if d != date(1970, 1, 1)]

MAX_CREDIT_HISTORY_YEARS = 90
"""A first credit line more than 90 years before the loan's origination (or, without one, before
the tape's as-of date or the day it is read) is quarantined as credit_history_over_90_years: a card
held from age 14 as an authorized user would make the borrower 104 or older when the loan was
issued. Such a date is a mistyped year (1901 for 2001) or a default date not in PLACEHOLDER_DATES,
not a 111-year credit history."""

EARLIEST_ORIGINATION = date(1950, 1, 1)
"""No loan of a tape is originated before 1950: the bound of check `vintage_range` (quality suites),
applied at landing (issue_before_1950) so that a date comparison with another column (a credit line
after issue, a charge-off before origination) blames the origination, not the other column."""

_APOSTROPHE = r"^'(?:[^']|$)"
"""A value with Excel's leading text marker (`'5000`, `'2011-12-01`) in a number or date column: the
marker is removed (counted per column in notes['text_marker_removed']), as it is from ids."""

_PADDED_QUOTES = r'^"(?:[^"]|"")*"$'
"""A value still wrapped in quotes once split and trimmed: written ` "RENT"` (a space after the
separator, then a quoted field), which CSV reads as text with its quotes. The quotes are removed
('""' inside becomes '"') and counted per column in notes['padded_quotes_unwrapped']."""

_FLAG_WORDS = {
    # English; T/F as SAS formats and R write a logical; on/off as a form's switch
    "y": 1, "n": 0, "yes": 1, "no": 0, "true": 1, "false": 0, "t": 1, "f": 0, "on": 1, "off": 0,
    "j": 1, "ja": 1, "nein": 0, "wahr": 1, "falsch": 0,  # German (J/N), Dutch and Nordic ja
    "nee": 0, "waar": 1, "onwaar": 0,  # Dutch
    "nej": 0, "nei": 0, "kyllä": 1, "kylla": 1, "ei": 0,  # Swedish, Danish, Norwegian; Finnish
    "o": 1, "oui": 1, "non": 0, "vrai": 1, "faux": 0,  # French (O/N)
    "s": 1, "sí": 1, "si": 1, "sì": 1, "sim": 1, "não": 0, "nao": 0,  # Spanish, Italian, Portuguese (S/N)
    "verdadero": 1, "vero": 1, "verdadeiro": 1, "falso": 0,
    "tak": 1, "nie": 0,  # Polish
}
"""Words of a `flag` column -> 1 / 0, keyed by the value NFKC-folded and lowercased (`ＹＥＳ`, `Sí`
written with a combining accent): yes and no, true and false and their initials in the languages
lenders' systems write (English, German, Dutch, the Nordic languages, French, Spanish, Italian,
Portuguese, Polish). A word that means yes in one of them and no in another would be left out; none
here does (`n` is no, `j`, `o` and `s` yes, in each language that writes them). Numbers equal to 1
or 0 ('1', '0.00', '01') are read as numbers; a checkbox's tick, `CHECKBOX_TICKS`, is 1."""

CHECKBOX_TICKS = {"x": 1, "✓": 1, "✔": 1, "☑": 1, "☒": 1}
"""A ticked checkbox as an export writes it (`x` or `X`, a check mark, a ballot box with a check or
an x) in a `flag` column: 1. The unticked box beside it is an empty cell, which says nothing: it
loads as unknown (NULL), counted in notes['flag_empty'] and, for a column of ticks,
notes['flag_checkbox_unticked'], never read as 0."""

_POLARS_TYPES = {"VARCHAR": pl.Utf8, "DATE": pl.Date, "INTEGER": pl.Int32, "BIGINT": pl.Int64,
                 "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean}
_ZIP3 = r"^(\d{3})(?:xx|\d{2}(?:-?\d{4})?)?$"
"""US ZIP text whose first three digits are zip3: '860xx' (LendingClub), '86001', '86001-1234',
'860011234', '860'."""
_ZIP_LOST_ZERO = r"^[1-9]\d{3}(?:-\d{4})?$"
"""A ZIP of four digits: a five-digit ZIP whose leading zero a spreadsheet dropped ('2134' for 02134,
Boston); the zero is put back (counted in notes['zip_leading_zero_restored']). Four digits that
start with a zero ('0860') are no ZIP a spreadsheet made, and are quarantined."""
_ZIP5 = r"^\d{5}(?:-?\d{4})?$"
"""A five-digit ZIP, or ZIP+4 ('86001', '86001-1234', '860011234')."""
_ZIP3_WRITTEN = r"^\d{3}(?:xx)?$"
"""A zip3 as written: '860xx' (LendingClub masks the last two digits) or '860'."""
_ZIP_SHORT = r"^\d{1,3}$"
"""One to three digits: a zip3 ('860'), or a five-digit ZIP a spreadsheet read as a number, which
dropped two or more leading zeros ('501' for 00501, Holtsville NY; '901' for 00901, San Juan PR)."""
_ZIP_NOT_A_PLACE = r"^(?:00000|99999)(?:-?\d{4})?$|^00[0-4]"
"""ZIPs that name no place: the placeholders 00000 and 99999 (what systems write for 'unknown'; no
ZIP Code is 00000 or 99999), and any ZIP whose zip3 is 000-004, which the USPS assigns to no area
(its lowest prefix is 005, Holtsville NY; 006-009 are Puerto Rico and the Virgin Islands). Source:
USPS Domestic Mail Manual, Labeling List L002, 3-Digit ZIP Code Prefix Matrix
(https://pe.usps.com/text/LabelingLists/L002.htm). Their zip3 is NULL, counted in
notes['zip_not_a_place']; the loan stays."""
ZIP_COLUMN_SHARE = 0.5
"""Share (0-1) of a zip column's non-empty values that must be of one form for the column to be read
as that form: above it, the column holds five-digit ZIPs (5 or 9 digits, or 4 digits that lost one
zero) or zip3s ('860xx', '860'); otherwise it is mixed."""
_ASOF_IN_NAME = folders.AS_OF_IN_NAME
_ASOF_MARKER_IN_NAME = folders.AS_OF_MARKER_IN_NAME


def builtin_mapping(name: str) -> TapeMapping:
    """The built-in LendingClub or SBA tape description (same shape as a user's mapping)."""
    if name == "lendingclub":
        return TapeMapping(name="lendingclub", portfolio="lendingclub", fields=tuple(_LC),
                           status_map=LENDINGCLUB_STATUS, line_kinds=LENDINGCLUB_LINE_KINDS)
    if name == "sba":
        return TapeMapping(name="sba", portfolio="sba", fields=tuple(_SBA), status_map=SBA_STATUS)
    raise KeyError(name)


VINTAGE_KINDS_SAID = {"fiscal_year": "a fiscal year running October-September, so October 1984 counts as 1985"}
"""What a column read as `vintage` holds, by its type, for `vintage_definition`."""


def vintage_definition(mapping: TapeMapping) -> str:
    """What a tape's `vintage` is, read off its field specs so that no text restates them: the column
    mapped to `vintage` (SBA: 'ApprovalFY, a fiscal year running October-September ...'), else the
    year of the column mapped to `origination_date` (LendingClub: 'the year of issue_d, the origination
    date'), as `_canonical` derives it; 'none (the tape maps no vintage or origination date)' without either."""
    own = next((spec for spec in mapping.fields if spec.target == "vintage"), None)
    if own is not None:
        return f"{own.source}, {VINTAGE_KINDS_SAID.get(own.kind, 'a year')}"
    dated = next((spec for spec in mapping.fields if spec.target == "origination_date"), None)
    if dated is not None:
        return f"the year of {dated.source}, the origination date"
    return "none (the tape maps no vintage or origination date)"


NOT_A_TABLE = ("not a table: loan tapes are read from CSV or text, Parquet or an Excel workbook, one row per loan; "
               "export the loans as CSV (or Parquet) and land that")
"""The end of the refusal of a file in no loan tape format (JSON, XML, HTML): the formats a loan tape
may be landed in (README, `landing/loans/`) and what to do."""


def _refuse_json(path: Path, content: bytes) -> None:
    """Refuse a JSON document or JSON Lines file landed as a loan tape, before any mapping is tried:
    its first line (after a byte-order mark and blank lines) is a JSON object or array, or `{` / `[`
    opening one written over lines. Read as text, its first object would be taken for a header and a
    sidecar mapping said to name columns that 'header' lacks.

    Raises:
        FileRefused: naming the file, what it is (JSON Lines: its second line is an object too) with
            its first line, and the formats a loan tape may be (NOT_A_TABLE).
    """
    if content[:4] in (b"PAR1", csv_text.ZIP_MAGIC):
        return
    lines = content.lstrip(b"\xef\xbb\xbf").lstrip().split(b"\n", 2)
    first = lines[0].strip()
    if first not in (b"{", b"["):
        if not first.startswith((b"{", b"[")):
            return
        try:
            if not isinstance(json.loads(first), (dict, list)):
                return
        except ValueError:
            return
    one_per_line = first != b"{" and first.startswith(b"{") and len(lines) > 1 and lines[1].strip().startswith(b"{")
    kind = "a JSON Lines file (one JSON object per line)" if one_per_line else "a JSON document"
    shown = first.decode("utf-8", "replace")[:80]
    raise FileRefused(f"{path}: {kind} (first line {shown!r}), {NOT_A_TABLE}")


def parse_loan_file(
    path: Path | str,
    mapping_dirs: Sequence[Path | str] = (),
    as_of: date | None = None,
    landing: Path | None = None,
    progress: Callable[[str], None] | None = None,
    progress_rows: int | None = None,
) -> ParsedFile:
    """Parse one landed loan tape into canonical `raw.loans` rows and quarantine rows.

    Args:
        path: the landed file (CSV, gzip CSV, Parquet or an Excel workbook; gzip recognised by its
            magic bytes, a workbook by its ZIP parts, see `workbook`), a Path or its text.
        mapping_dirs: folders of declared column mappings (`*.json`, Paths or their text); a sidecar
            `<file name>.mapping.json` beside the tape is always considered first.
        as_of: the tape's as-of date for the issue_after_asof rule; default: the mapping's `as_of`,
            else the as-of date in the file name (`asof_YYYY-MM-DD`, see `_as_of_from_name`), else the
            row's snapshot_date. A tape without a
            snapshot_date column takes the as-of date of the file alone (its name's, else its
            sidecar mapping's) as every row's snapshot_date (notes `snapshot_date_from_as_of`), so
            its loans are versioned by that date, not by landing order.
        landing: the landing folder the file was found under. The folders between it and the file
            may state the as-of date (`acme/2024-06-30/tape.csv`, `2024/06/`, `as_of=2024-06-30/`;
            see `folders`), taken after the file's own (name, sidecar) and only for a file whose
            name carries no date (notes `as_of_from_folder`); and Hive partitions (`addr_state=AZ/`)
            give the value of a mapped column the file lacks to each of its rows (notes
            `columns_from_folder`; a partition that names no mapped column: `folder_values_unread`).
        progress: called with a line of text (`<file name>: ...`, seconds since the read began)
            once the records are split into fields, then after every `progress_rows` records whose
            values are typed (`_with_typed_values`), and, for a tape typed in more than one slice,
            once its values are being checked against their column's rules and once those are
            checked (the SBA national tape's 899,164 records: split in 7 s, typed in 10, rules
            13); the landing's log (`land_folder`'s `progress`). None: silent. Values are the same
            either way.
        progress_rows: records per progress line; default a tenth of the file's records, at least
            PROGRESS_MIN_ROWS (a small tape is typed at once and says nothing).

    Returns:
        ParsedFile with `rows` = loaded records x (LOAN_COLUMNS + `_source_line`), money in USD,
        rates as fractions 0-1, terms in months.

    Raises:
        FileRefused: an empty file, a JSON or JSON Lines file (no loan tape format: `_refuse_json`),
            a header without a record, no known format, undecodable bytes
            (file, byte offset, line), a corrupt gzip, a repeated header column, or a file or folder name with an as-of marker
            whose date cannot be read or does not exist (`_as_of_from_name`, `folders.read_folders`), or
            two columns that may each give the loan id (`id`, `loan_id`) giving different ids for one
            loan (`_loan_id_column`).
    """
    path, mapping_dirs = Path(path), [Path(folder) for folder in mapping_dirs]
    started = time.monotonic()
    tell = None if progress is None else (
        lambda what: progress(f"{path.name}: {what}, {time.monotonic() - started:.0f} s since reading began"))
    folder_facts = _folder_facts(path, landing)
    raw, content = csv_text.read_landed_bytes(path, workbook_ok=True)
    sha256 = hashlib.sha256(raw).hexdigest()
    del raw  # keep one copy of a large file in memory at a time
    if not content.replace(b"\x00", b"").lstrip(b"\xef\xbb\xbf\xff\xfe").strip():
        blank = (", a byte-order mark and blanks" if content.strip() else ", all blank") if content else ""
        raise FileRefused(f"{path}: the file is empty ({len(content)} bytes{blank}): "
                          "no header and no loans; was it landed before it was fully written?")
    _refuse_json(path, content)
    mappings, unreadable, not_naming = load_mappings(path, mapping_dirs)
    boxed = box_tables.unbox(content, path) if content[:4] not in (b"PAR1", csv_text.ZIP_MAGIC) else None
    if boxed:  # a client's display saved to a file, read as its `|`-separated paste is
        content = boxed.content
        mappings = [dataclasses.replace(m, dialect=dataclasses.replace(m.dialect, delimiter="|", encoding="utf-8")) for m in mappings]
    frame = _parquet_frame(path, content) if content[:4] == b"PAR1" else None
    records: csv_text.TextRecords | None = None  # read with the header for a workbook, below for the rest
    sheet_notes: dict[str, object] = {}
    passed_over: list[str] = []
    title_as_of, title_note = None, None
    try:
        if csv_text.is_workbook(path, content):
            mapping, records, sheet_notes = _workbook_tape(path, content, mappings)
        elif frame is not None:
            mapping = _pick_parquet_mapping(path, frame, mappings)
        else:
            mapping, header_line = _detect(path, content, mappings)
            if boxed:
                mapping = dataclasses.replace(mapping, line_kinds=mapping.line_kinds + boxed.line_kinds)
            if header_line > 1:  # a report's title above the header may state its as-of date
                title_as_of, title_note = _as_of_from_title(
                    csv_text.head_lines(content, mapping.dialect.encoding)[:header_line - 1], _declared_day_order(mapping))
            if mapping.builtin and header_line:
                passed_over = _mappings_passed_over(path, content, header_line, mapping, not_naming)
    except FileRefused as exc:
        refused = exc
        if unreadable:  # one of them may have been meant for this file
            exc = FileRefused(f"{exc} Mapping file(s) that could not be read: {'; '.join(unreadable)}")
        if stray := _sidecars_not_applied(path, mappings, mapping_dirs):  # another tape's sidecar meant for it
            exc = FileRefused(f"{exc} {' '.join(stray)}")
        if isinstance(refused, NoFormatFits) and (not_read := mappings_not_read(path, mapping_dirs)):
            exc = FileRefused(f"{str(exc).removesuffix('.')}. {not_read}")
        raise exc from None
    zoned = {}
    if frame is not None:
        zoned = {name: dtype.time_zone for name, dtype in frame.schema.items()
                 if isinstance(dtype, pl.Datetime) and dtype.time_zone and name in mapping.declared_columns}
        records = _parquet_records(frame, path, {f.source: f.fmt for f in mapping.fields if f.kind == "date" and f.fmt},
                                   id_columns={f.source for f in mapping.fields if f.target == "source_loan_id"},
                                   decimal=mapping.dialect.decimal)
        del frame
    elif records is None:
        utf8 = csv_text.to_utf8(content, mapping.dialect.encoding, path,
                                csv_text.RESAVE_AS_UTF8 if mapping.builtin else csv_text.DECLARE_ENCODING)
        records = csv_text.read_records(
            utf8, path=path, delimiter=mapping.dialect.delimiter, header_line=header_line,
            line_kinds=mapping.line_kinds, pad_short_rows=mapping.dialect.pad_short_rows, reads=_reader_of(mapping),
        )
        if utf8.startswith(codecs.BOM_UTF8) and header_line == 1 and records.header:  # to_utf8 took the file's own
            # mark: this one doubles it, and the records' first name comes without it, as the mapping's does not
            named = _header_keys(records.header)
            mapping = dataclasses.replace(
                mapping, fields=tuple(dataclasses.replace(f, source=named.get(_name_key(f.source), f.source))
                                      for f in mapping.fields),
                sentinels={named.get(_name_key(column), column): values for column, values in mapping.sentinels.items()})
            marks = records.notes.setdefault("header_invisible_characters", {})
            first = csv_text.fold_header_name(records.header[0])
            said = csv_text.character_name("\ufeff") + ", a second one at the start of the file"
            marks[first] = f"{said}, {marks[first]}" if first in marks else said
        del utf8
    del content
    if records.fields.height == 0 and records.malformed.height == 0 and not _states_its_count(records, mapping):
        # an export that stopped after its header; one whose row count or control record states its
        # records lands (a month without loans, say so), and `_footer_check` holds it to the count
        besides = (f" and {len(records.non_data_lines):,} line(s) that are no record (notes, markers, footers, blank "
                   "lines)" if records.non_data_lines else "")
        raise FileRefused(f"{path}: the file holds its header{besides} and no loan: a failed export, or a copy cut "
                          "before its first record? Land it again once it holds its loans (or remove it from landing)")
    records, partition_notes = _partition_columns(records, mapping, folder_facts)
    if tell:
        tell(f"{records.fields.height:,} records split into {len(records.header)} fields; typing their values")
    # the date of this file alone dates its rows: its name's, its own sidecar's, else its folder's for
    # a file whose name carries no other month (a back-fill folder holds tapes of many months; an
    # unmarked date in a name may be a run date, so it orders landing but dates nothing alone); a
    # folder mapping's as_of applies to every file it names, monthly tapes included, so it dates no
    # snapshot
    own_date = _as_of_from_name(path) or (mapping.as_of if mapping.sidecar else None) or title_as_of
    in_name = folders.name_dates(path.name)
    folder_as_of = (folder_facts.as_of if folder_facts.as_of and not (as_of or own_date or mapping.as_of)
                    and (not in_name or _same_month([d for d, _, _ in in_name], folder_facts.as_of)) else None)
    file_as_of = as_of or mapping.as_of or _as_of_from_name(path) or title_as_of or folder_as_of
    snapshot_of = own_date or folder_as_of
    try:
        parsed = _typed_parse(records, mapping, sha256=sha256, as_of=file_as_of, snapshot_of=snapshot_of,
                              progress=tell, progress_rows=progress_rows)
    except FileRefused as exc:  # a refusal about the values names the file here
        raise FileRefused(str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}") from None
    parsed.notes.update(partition_notes)
    if prefix := table_prefix(records.header):
        parsed.notes["column_table_prefix"] = (f"every column name starts with the table name {prefix!r} (a SQL "
                                               "client's result, as Hive's beeline writes it): matched without it")
    if boxed:
        parsed.notes.update(boxed.notes)
    if title_note and title_as_of and title_as_of != own_date:  # the name's (or sidecar's) date decides
        parsed.notes["title_as_of_differs"] = (f"{title_note} states {title_as_of.isoformat()}, the tape is dated "
                                               f"{own_date.isoformat()} by its name or sidecar, which decides")
    elif title_note:
        parsed.notes["as_of_from_title" if title_as_of else "title_as_of_unread"] = title_note
    if folder_as_of:
        parsed.notes["as_of_from_folder"] = (f"{folder_facts.as_of_from} -> {folder_as_of.isoformat()}"
                                             + (" (the month's last day)" if folder_facts.month_end else ""))
        # a folder of a month's originations (a vintage) is no as-of date: say where the date came from
        after = pl.col("rule") == "issue_after_asof"
        parsed.quarantine = parsed.quarantine.with_columns(message=pl.when(after).then(
            pl.col("message") + pl.lit(f" ({folder_as_of.isoformat()}, from the folder {folder_facts.as_of_from!r}: "
                                       "if it names no as-of date, give the tape's in its file name "
                                       "(asof_YYYY-MM-DD) or a sidecar mapping's as_of)")).otherwise(pl.col("message")))
    if unreadable:
        parsed.notes["mappings_unreadable"] = unreadable
    if passed_over:
        parsed.notes["mapping_not_applied"] = passed_over
    if mapping.builtin and (stray := _sidecars_not_applied(path, mappings, mapping_dirs)):
        parsed.notes["sidecar_not_applied"] = stray
    if zoned:  # 2011-01-01 03:30 UTC is 2010-12-31 in New York: the date is the one the zone saw
        parsed.notes["timestamps_dated_in_their_zone"] = zoned
    parsed.notes.update(sheet_notes)
    return parsed


def _sidecars_not_applied(path: Path, mappings: Sequence[TapeMapping], mapping_dirs: Sequence[Path]) -> list[str]:
    """One line per sidecar of another tape in `path`'s folder whose applies_to names `path`
    (`mappings.other_sidecars_naming`), where `path` has no sidecar of its own (among `mappings`,
    load_mappings'): a sidecar applies to its own tape only, so the line says to put it in the
    mappings folder (the first of `mapping_dirs`), where applies_to names the files. For the refusal
    of a tape nothing reads, and the notes of one a built-in format read (`sidecar_not_applied`)."""
    if any(m.sidecar for m in mappings):
        return []
    folder = mapping_dirs[0] if mapping_dirs else "$RISK_HOME/mappings/"
    return [f"The sidecar mapping {sidecar} names this file in its applies_to, but a sidecar applies only to its own "
            f"tape ({sidecar.name.removesuffix('.mapping.json')}): to read this file with it, copy it to the mappings "
            f"folder ({folder}), where applies_to names the files, and land the file again."
            for sidecar in other_sidecars_naming(path)]


def _mappings_passed_over(path: Path, content: bytes, header_line: int, builtin: TapeMapping,
                          not_naming: Sequence[TapeMapping]) -> list[str]:
    """One line per folder mapping of `not_naming` (load_mappings': its applies_to does not name the
    file) whose columns the header (physical line `header_line`) holds, while the built-in format `builtin` read the file instead
    (notes['mapping_not_applied']): a lender's tape saved under another name or suffix (`.txt`
    for `acme_*.csv`) would otherwise load into the built-in book, in its currency, unremarked."""
    header = csv_text.head_lines(content)[header_line - 1]
    return [
        f"mapping {other.name!r} ({Path(other.source).name}: portfolio {other.portfolio}, {other.currency}) fits this "
        f"file's columns, but its applies_to {list(other.applies_to)} does not name {path.name}, so the file loaded "
        f"as the built-in {builtin.name} format (portfolio {builtin.portfolio}, {builtin.currency}); if the file is "
        f"{other.portfolio}'s, withdraw it (risk-assets withdraw {path.name}), name it in applies_to and land it again"
        for other in not_naming
        if any(_as_written(other, csv_text.split_fields(header, delimiter)) is not None  # the file's own or the mapping's
               for delimiter in {builtin.dialect.delimiter, other.dialect.delimiter})
    ]


def _workbook_tape(path: Path, content: bytes, mappings: list[TapeMapping]
                   ) -> tuple[TapeMapping, csv_text.TextRecords, dict[str, object]]:
    """The one visible sheet of a workbook whose header fits a declared mapping or a built-in format
    (searched in its first rows), as text records; the mapping, read for typed values (`typed_source`:
    a number cell is its number, written with the dialect's decimal mark, `workbook.in_decimal`), and
    a text cell as the lender's CSV would be, in the mapping's dialect (`1.234,56` under a decimal
    comma and '.' thousands; its delimiter and encoding are a text file's and do not apply); and notes
    naming the sheet read, its header row and the sheets not read.

    Raises:
        FileRefused: no sheet fits (each sheet's first row is quoted), a mapping meant for this file
            (sidecar) fits no sheet, or two sheets hold tapes (which one is meant is ambiguous).
    """
    sheets, not_read = workbook.read_sheets(path, content)

    def fits(cells: list[str]) -> TapeMapping | None:
        present = set(cells)
        for mapping in mappings:
            if (fit := _as_written(mapping, cells)) is not None:
                return fit
        if any(m.sidecar for m in mappings):
            return None  # the user said how to read this very file: no built-in format instead
        return _builtin_fit(cells, ",")

    meant = [_misfit(m, _columns_lacking(m, [c for s in sheets for _, row in s.head() for c in row]), "no sheet's header has")
             for m in mappings if m.meant_for_file]
    try:
        sheet, header_row, mapping, notes = workbook.the_sheet(
            path, sheets, not_read, fits, "loan tapes", "a loan tape format" + (f": {'; '.join(meant)}" if meant else ""),
            "Declare a column mapping for it (see README, 'Your own loan tape').")
    except FileRefused as exc:
        if meant or any(workbook.find_header(sheet, fits) for sheet in sheets):
            raise  # a mapping meant for it misfits, two sheets fit, or formulas lack values
        raise NoFormatFits(str(exc)) from None
    formats = {f.source: f.fmt or "%Y-%m-%d" for f in mapping.fields if f.kind == "date"}
    formats |= {f.source: "%d-%b-%y" for f in mapping.fields if f.kind == "sba_date"}
    text_columns = {f.source for f in mapping.fields if f.kind in ("text", "zip3")}
    # a day number is a day in a workbook, whose date system is known, unless the column's format is
    # digits alone (%Y%m%d, %m%d%y), which a number cell may hold as written
    serial_dates = [source for source, fmt in formats.items() if "%" in fmt and not re.fullmatch(r"(?:%[dmyYj])+", fmt)]
    records = workbook.records(path, sheet, header_row, formats, mapping.line_kinds, text_columns, _reader_of(mapping),
                               serial_dates, decimal=mapping.dialect.decimal,
                               numbers={f.source for f in mapping.fields if f.kind in _NUMERIC_KINDS},
                               # a LendingClub month column reads full ISO dates as their months (notes
                               # lendingclub_days_read_as_months) and quarantines a time of day, as in its CSV
                               months_from_days=[source for source, fmt in formats.items()
                                                 if mapping.builtin and fmt == LENDINGCLUB_DATE_FORMAT])
    # the text cells are the lender's own writing, in its dialect; the delimiter and encoding are a text file's
    cells = dataclasses.replace(mapping.dialect, delimiter=Dialect.delimiter, encoding=Dialect.encoding)
    return dataclasses.replace(mapping, dialect=cells, typed_source=True), records, notes


def _reader_of(mapping: TapeMapping) -> Callable[[str], bool]:
    """Whether a tape read by `mapping` reads a column by this name, whatever its case: a column the
    mapping declares (a built-in format's included), or one stating each row's currency
    (`_row_currency_column`). A name the header repeats is refused only then (`csv_text.distinct_header`):
    the other repeats are kept in `source_fields` under names of their own."""
    declared = {_name_key(column) for column in mapping.declared_columns}
    return lambda name: _name_key(name) in declared or _states_row_currency(name)


_TITLE_AS_OF = re.compile(
    r"""(?ix)\b(?P<phrase>
        as\s+(?:of|at)(?:\s+date)?                        # as of, as at, As Of Date
        | report(?:ing)?\s+date | period\s+end(?:ing|ed)?(?:\s+date)? | position\s+date | snapshot\s+date
        | cut[\s-]?off\s+date | data\s+through
    )\b
    (?P<cob>\s*[:\-\u2013\u2014]?\s*(?:(?:the\s+)?close\s+of\s+business|COB|EOD|end\s+of\s+day)\b)?
    \s*[:\-\u2013\u2014,]?\s*
    (?P<date>[^;|\t"]*)""")
"""The phrase a report's title line above the header writes before its as-of date ('ACME Bank - Loan
Portfolio Report as of 06/30/2024', 'CoreBanker Loan Extract - As Of Date: 01/31/2020', 'Data as of
close of business 01/31/2020', 'Report Date: 2020-01-31', 'Period ending 31-Jan-2020', 'Position
date - COB 01/31/2020'), and the text after it, which starts with the date."""
_TITLE_DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%B %d, %Y", "%B %d %Y", "%d %B %Y",
                     "%b %d, %Y", "%b %d %Y", "%d %b %Y", "%d-%b-%Y", "%d-%B-%Y", "%Y%m%d")
"""Forms of a title's as-of date, each also followed by other words (a time, '(unaudited)')."""
_TITLE_DATE_FORMS_SAID = "2024-06-30, 06/30/2024, June 30, 2024, 30 June 2024, 30-Jun-2024, Jun 30 2024"
_TITLE_FIX = ("write the date in a form read, or give it in the file name (asof_YYYY-MM-DD) or a sidecar "
              "mapping's as_of")


def _title_date_readings(written: str) -> dict[date, dict[str, str]]:
    """Each date the start of `written` reads as -> {form (_TITLE_DATE_FORMS) that reads it: the text
    it read}: the longest start that a form reads, so '01/31/2020 06:15 AM' reads as 2020-01-31."""
    readings: dict[date, dict[str, str]] = {}
    for form in _TITLE_DATE_FORMS:
        for end in range(len(written), 5, -1):
            try:
                readings.setdefault(datetime.strptime(written[:end].strip(), form).date(), {})[form] = written[:end].strip()
                break
            except ValueError:
                continue
    return readings


def _declared_day_order(mapping: TapeMapping) -> str | None:
    """'%m' (month first) or '%d' (day first) where every date column `mapping` declares with a day
    and a month before the year in its format writes them in that order (`%m/%d/%Y` -> '%m'), else
    None: the tape's own dialect for a date whose day and month could be swapped. A year-first
    format (ISO's `%Y-%m-%d`) says nothing of how the system writes a day before its year."""
    orders = set()
    for field in mapping.fields:
        fmt = field.fmt or ""
        if field.kind == "date" and "%m" in fmt and "%d" in fmt:
            year = min((fmt.index(code) for code in ("%Y", "%y") if code in fmt), default=len(fmt))
            if year > max(fmt.index("%m"), fmt.index("%d")):
                orders.add("%m" if fmt.index("%m") < fmt.index("%d") else "%d")
    return orders.pop() if len(orders) == 1 else None


def _as_of_from_title(notes: list[str], day_order: str | None = None) -> tuple[date | None, str | None]:
    """The as-of date that a note line above the header states, and what to say of it.

    Args:
        notes: the lines above the header, line 1 first.
        day_order: '%m' or '%d', the order of day and month the tape's mapping declares for its
            dates (`_declared_day_order`), which reads a title date whose day and month could be
            swapped (03/04/2020); None: such a date is read in neither order.

    Returns:
        (date, "line N: '<phrase and date as written>'") when the first line with an as-of phrase
        (_TITLE_AS_OF: as of, as at, As Of Date:, Report Date:, Period ending, ...) is followed by
        a date in a form read (_TITLE_DATE_FORMS); (None, "line N: '<phrase and text>': <why>; <fix>")
        when the text after the phrase starts with no date in such a form, or with one whose day and
        month could be swapped and no declared order; (None, None) when no line has such a phrase.
        A monthly report kept under one name is dated so, as a name's as-of marker dates a tape.
    """
    for number, line in enumerate(notes, start=1):
        found = _TITLE_AS_OF.search(line.strip().strip('"'))
        if not found:
            continue
        written = found.group("date").strip().rstrip(".,")
        said = f"line {number}: {found.group(0).strip().rstrip('.,')!r}"
        readings = _title_date_readings(written)
        if len(readings) == 2 and day_order:
            month_first = day_order == "%m"
            readings = {day: forms for day, forms in readings.items()
                        if any(("%m" in f and "%d" in f and (f.index("%m") < f.index("%d")) == month_first)
                               for f in forms)}
        if len(readings) == 1:
            return next(iter(readings)), said
        if readings:
            first, second = sorted(readings, key=lambda day: "%m/%d/%Y" not in readings[day])
            why = (f"{next(iter(readings[first].values()))!r}: day and month could be swapped ({first.isoformat()} "
                   f"month first, {second.isoformat()} day first), and the mapping declares no order of day and month "
                   "for its dates (a date column's "
                   "format, %m/%d/%Y or %d/%m/%Y, would)")
        else:
            shown = written if len(written) <= 40 else written[:40] + "..."
            why = (f"{shown!r} is no date in a form read ({_TITLE_DATE_FORMS_SAID})" if shown
                   else "no date follows the phrase")
        return None, f"{said}: {why}; {_TITLE_FIX}"
    return None, None


def _as_of_from_name(path: Path) -> date | None:
    """The as-of date a file name states, else None: an as-of marker (`asof`, `as_of`, `as-of`, in any
    case) and an ISO 8601 date with or without dashes (`loans_asof_2024-06-30.csv`,
    `LOANS_ASOF_20240630.CSV`, `loans_as-of-2024-06-30.csv`; see _ASOF_IN_NAME).

    A name without a marker states no date (None). A name with a marker states one: the date dates
    the tape's snapshot, and without it the tape would be ordered by landing time, so a marker whose
    date cannot be read refuses the file rather than loading it undated without a word.

    Raises:
        FileRefused: the name states a date that does not exist (2024-06-31), or has an as-of marker
            followed by no date in a form read (`asof_2024-6-30`, `as_of_June2024`, `asof_202406`);
            the message names the marker as written and the forms read.
    """
    found = _ASOF_IN_NAME.search(path.name)
    if not found:
        marker = _ASOF_MARKER_IN_NAME.search(path.name)
        if marker:
            raise FileRefused(
                f"{path}: the file name has an as-of marker, {marker.group(0)!r}, but no date in a form read "
                "(asof_YYYY-MM-DD or asof_YYYYMMDD; asof, as_of or as-of, any case): the date would version "
                "the tape's loans. Rename the file (loans_asof_2024-06-30.csv), or remove the marker and "
                "give the date in the tape (a snapshot_date column) or in its sidecar mapping (as_of).")
        return None
    written = found.group(1) + "-" + found.group(3) + "-" + found.group(4)
    try:
        return date.fromisoformat(written)
    except ValueError as exc:
        raise FileRefused(f"{path}: the file name's as-of date {written} is not a date ({exc})") from None


def _same_month(dates: list[date], folder_date: date) -> bool:
    """Whether every date a file's name carries falls in its folder's month (`2024-06-30/` over
    `tape_20240630.csv`): the name then confirms the folder's date instead of naming another."""
    return all((d.year, d.month) == (folder_date.year, folder_date.month) for d in dates)


def _folder_facts(path: Path, landing: Path | None) -> folders.FolderFacts:
    """What the folders between `landing` and the file state (folders.read_folders); nothing for a
    file outside it or parsed on its own.

    Raises:
        FileRefused: a folder's as-of marker or date partition holds no date read, or one that
            does not exist.
    """
    if landing is None or not path.is_relative_to(landing):
        return folders.FolderFacts()
    try:
        return folders.read_folders(path.parent.relative_to(landing).parts)
    except ValueError as exc:
        raise FileRefused(f"{path}: {exc}: the date would version the tape's loans. Rename the folder "
                          "(2024-06-30, asof_2024-06-30), or give the date in the file name or its sidecar "
                          "mapping (as_of)") from None


def _partition_columns(records: csv_text.TextRecords, mapping: TapeMapping, facts: folders.FolderFacts
                       ) -> tuple[csv_text.TextRecords, dict[str, object]]:
    """The records with a column added per Hive partition folder (`addr_state=AZ`) that names a
    column the mapping reads (any case) and the file lacks, holding the folder's value on every
    row; and the notes `columns_from_folder` ({column: value}), `folder_values_unread`
    ({partition: value} for the partitions naming no such column, date parts aside) and
    `folder_values_differ` (a column the file has whose values contradict its partition's: the
    file's stand)."""
    if not facts.partitions:
        return records, {}
    sources = {spec.source.casefold(): spec.source for spec in mapping.fields}
    present = {name.casefold(): name for name in records.header}
    added, unread, differ = {}, {}, {}
    for name, value in facts.partitions.items():
        folded = name.casefold()
        if folded in sources and folded not in present:
            added[sources[folded]] = value
        elif folded in present and value:  # the file's own values stand; say where they contradict the folder
            column = pl.col(present[folded]).str.strip_chars().str.to_lowercase()
            if n := records.fields.filter((column != value.strip().lower()) & (column != "")).height:
                differ[present[folded]] = f"the folder says {value!r}, {n} rows another value"
        elif folded not in folders.DATE_PARTS:
            unread[name] = value
    notes: dict[str, object] = {"folder_values_differ": differ} if differ else {}
    if added:
        notes["columns_from_folder"] = added
        records = dataclasses.replace(
            records, header=[*records.header, *added],
            fields=records.fields.with_columns(pl.lit(value, pl.Utf8).alias(name) for name, value in added.items()))
    if unread:
        notes["folder_values_unread"] = unread
    return records, notes


def _detect(path: Path, content: bytes, mappings: list[TapeMapping]) -> tuple[TapeMapping, int]:
    """The tape description that fits the file's header, and the header's physical line.

    Raises:
        FileRefused: no description fits; a sidecar does not fit its file; or a glob mapping names
            the file and its header holds at least half the mapping's columns but not all (a
            lender's tape with a column renamed), while a built-in format would read it: loaded so,
            the lender's loans would join the built-in book in its currency, unremarked."""
    tried, misfits, near = [], [], []
    misread: tuple[TapeMapping, str] | None = None  # a mapping whose header the declared encoding garbles
    for mapping in mappings:
        needed = mapping.declared_columns
        lines = csv_text.head_lines(content, mapping.dialect.encoding)
        if not mapping.header:  # named for this file; its first data line must hold the columns it declares
            first = csv_text.first_data_line(lines, mapping.line_kinds)
            width = len(csv_text.split_fields(first, mapping.dialect.delimiter))
            beyond = sorted((c for c in needed if int(HEADERLESS_COLUMN.match(c).group(1)) > width),
                            key=lambda c: int(c.split("_")[1]))
            if not beyond:
                return mapping, 0
            tried.append(f"mapping {mapping.name!r} (no header; needs {len(needed)} positions)")
            misfits.append(_misfit(mapping, beyond, f"the first data line ({width} fields separated by "
                                                    f"{mapping.dialect.delimiter!r}) does not have"))
            continue
        for number, line in enumerate(lines, start=1):
            if (fit := _as_written(mapping, csv_text.split_fields(line, mapping.dialect.delimiter))) is not None:
                return fit, number
        if (found := _fits_at_another_delimiter(mapping, lines)) is not None:
            return found
        misread = misread or _header_fits_in(mapping, content)
        tried.append(f"mapping {mapping.name!r} (needs {sorted(needed)})")
        if mapping.meant_for_file:  # a sidecar, or a glob that names the file
            # the header is the line holding most of its columns: a report's title may sit above it
            fewest, number, names = min(
                ((_columns_lacking(mapping, fields), number, fields) for number, line in enumerate(lines, start=1)
                 if line.strip() for fields in [csv_text.split_fields(line, mapping.dialect.delimiter)]),
                key=lambda found: (len(found[0]), found[1]), default=(sorted(needed), 1, []))
            lacking = "its header does not have" if number == 1 else f"its header (line {number}) does not have"
            misfits.append(_misfit(mapping, fewest, lacking, names))
            if 2 * len(fewest) <= len(needed) or _names_files_by_name(mapping):
                # most of its columns are there (one renamed or dropped), or its glob names the lender's files
                near.append(_misfit(mapping, fewest, lacking, names))
    if misread:  # the columns are there, in another encoding than the declared one: say that, not "no mapping"
        _refuse_encoding(path, content, *misread)
    sidecars = [m for m in mappings if m.sidecar]
    if sidecars:  # never fall through to another format: the user said how to read this very file
        _refuse_misfits(path, content, misfits)
    lines = csv_text.head_lines(content)
    for delimiter in BUILTIN_DELIMITERS:
        for number, line in enumerate(lines, start=1):
            if builtin := _builtin_fit(csv_text.split_fields(line, delimiter), delimiter):
                if near:  # the lender's tape with a column renamed: not a built-in book's file
                    raise FileRefused(
                        f"{path}: the column mapping that names it does not fit: {'; '.join(near)}. Its name (or "
                        f"most of its columns) makes it that lender's tape with columns renamed or dropped, so it "
                        f"is not loaded as the built-in {builtin.name} format (portfolio "
                        f"{builtin.portfolio}, {builtin.currency}) that would read it. Add the new name to the "
                        f"mapping (or rename the column) and land the file again; if it is a {builtin.name} file, "
                        "narrow the mapping's applies_to")
                return builtin, number
    if misfits:  # no built-in format either: say which mapping meant for the file did not fit
        _refuse_misfits(path, content, misfits)
    tried += [_builtin_lacks("LendingClub", LENDINGCLUB_SIGNATURE, lines),
              _builtin_lacks("SBA", SBA_SIGNATURE, lines), f"delimiters {' '.join(repr(d) for d in BUILTIN_DELIMITERS)}"]
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip()[:1] in ("{", "[", "<"):
        opening = first.lstrip().lower()
        spreadsheet_2003 = any("urn:schemas-microsoft-com:office:spreadsheet" in line or 'progid="Excel.Sheet"' in line
                               for line in lines[:20])
        kind = ("an Excel 2003 XML Spreadsheet (saved as 'XML Spreadsheet 2003', often named .xls): open it in Excel "
                "or LibreOffice and save it as .xlsx, which loan landing reads, or as CSV (UTF-8)" if spreadsheet_2003
                else "an HTML page (a web report saved as .xls?)" if opening.startswith(("<html", "<!doctype html", "<table"))
                else "an XML document (a flat OpenDocument .fods, a SOAP or XBRL export?)" if opening[:1] == "<"
                else "a JSON document")
        raise FileRefused(
            f"{path}: {kind} (first line {first[:80]!r}), {NOT_A_TABLE}")
    statement = next((line for line in lines[:50] if SQL_STATEMENT.match(line)), None)
    if statement is not None:
        raise FileRefused(
            f"{path}: an SQL script (line {lines.index(statement) + 1}: {statement.strip()[:80]!r}), not a table: a "
            "database's export as INSERT statements (SQL Developer, mysqldump, pg_dump --inserts) is code to run, "
            "not loans to read; export the query's result as CSV with a header (or Parquet) and land that")
    if trailer := _trailer_only_said(lines):
        raise FileRefused(f"{path}: {trailer}")
    shown = csv_text.first_line_said(first)
    remedy = (f"It is not text: {NOT_A_TABLE.split('; ', 1)[1]}." if shown.startswith("binary")
              else _layout_hint(lines).strip() or "Declare a column mapping for it (see README, 'Your own loan tape').")
    raise NoFormatFits(
        f"{path}: no known loan tape format: first line {shown}; tried {'; '.join(tried)}. "
        f"{_headerless_hint(path, first)}{remedy}{csv_text.header_marks_said(first)}"
    )


def _fits_at_another_delimiter(mapping: TapeMapping, lines: list[str]) -> tuple[TapeMapping, int] | None:
    """(mapping reading the file at the delimiter its header fits, the header's physical line) for a
    mapping whose dialect names no delimiter (`TapeMapping.delimiter_declared` False) and whose
    header fits none of `lines` at ',' but one at another of BUILTIN_DELIMITERS (a tab: Excel's
    'Unicode text', a .tsv); None when the mapping declares its delimiter or no delimiter fits.
    The file's notes name the delimiter read (`delimiter_detected`)."""
    if mapping.delimiter_declared or not mapping.header:
        return None
    for delimiter in (d for d in BUILTIN_DELIMITERS if d != mapping.dialect.delimiter):
        for number, line in enumerate(lines, start=1):
            if (fit := _as_written(mapping, csv_text.split_fields(line, delimiter))) is not None:
                return dataclasses.replace(fit, dialect=dataclasses.replace(fit.dialect, delimiter=delimiter)), number
    return None


HEADER_ENCODINGS = ("utf-8", "cp1252")
"""The encodings a tape whose header fits no mapping as declared is read in again (`_header_fits_in`):
UTF-8, the default, and Windows-1252, the code page Western Windows exports write."""


def _header_fits_in(mapping: TapeMapping, content: bytes) -> tuple[TapeMapping, str] | None:
    """(mapping, encoding) where `mapping`'s header fits none of the file's first lines decoded in
    its declared encoding but fits one decoded in another of HEADER_ENCODINGS (`Darlehensbetrag (€)`
    written in UTF-8, read as cp1252 `Darlehensbetrag (â‚¬)`); else None. A header name beyond ASCII
    is then the first place a wrong encoding shows, before any value."""
    declared = codecs.lookup(csv_text.sniff_encoding(content, mapping.dialect.encoding)).name
    for encoding in HEADER_ENCODINGS:
        if codecs.lookup(encoding).name == declared:
            continue
        if any(_as_written(mapping, csv_text.split_fields(line, mapping.dialect.delimiter)) is not None
               for line in csv_text.head_lines(content, encoding)):
            return mapping, encoding
    return None


def _refuse_encoding(path: Path, content: bytes, mapping: TapeMapping, encoding: str) -> None:
    """Refuse a tape whose header fits `mapping` read in `encoding` but not in the encoding the
    mapping declares (`_header_fits_in`), with the message the declared encoding's reading of the
    whole file gives (`csv_text.to_utf8`: the line, the bytes, how they read both ways, and to
    declare the encoding the file is in); returns only where that reading raises nothing.

    Raises:
        FileRefused: as `csv_text.to_utf8`, the remedy naming `encoding`.
    """
    remedy = (f"{csv_text.DECLARE_ENCODING}: the header reads as mapping {mapping.name!r}'s columns in {encoding} "
              f"(\"encoding\": \"{encoding}\")")
    csv_text.to_utf8(content, mapping.dialect.encoding, path, remedy)


SQL_STATEMENT = re.compile(r"(?i)\s*(?:insert\s+into\s|create\s+table\s|copy\s+\S+.*\sfrom\s+stdin)")
"""A line of an SQL script that writes a table's rows: `INSERT INTO ... VALUES`, `CREATE TABLE`,
pg_dump's `COPY ... FROM stdin`."""

EXCEL_SEP_LINE = re.compile(r'"?sep=.?"?,*', re.IGNORECASE)
"""Excel's separator line, `sep=;` (or `sep=,`), which some exports write before the header to
tell Excel the file's delimiter."""


def _layout_hint(lines: list[str]) -> str:
    """What to say of a header that a built-in format would read in another layout: split by
    semicolons (a continental European Excel's CSV: its list separator is ';' where the decimal
    mark is ','), psql's expanded display (`-[ RECORD 1 ]-`), or lines without any delimiter whose
    columns are aligned by spaces (a fixed-width report): no mapping reads the last two; '' else.
    Excel's separator line (`sep=;`) before the header is passed over."""
    text = [line for line in lines if line.strip()]
    if text and EXCEL_SEP_LINE.fullmatch(text[0].strip()):
        text = text[1:]
    header = text[0] if text else ""
    if any(re.match(r"^\s*[┌├+]?[-─]\[ RECORD \d+ \]", line) for line in text[:5]):
        return ("It is psql's expanded display (\\x: one 'column | value' line per field, a block per record), "
                "which no mapping reads: export the table with \\copy (SELECT ...) TO 'tape.csv' CSV HEADER and "
                "land that. ")
    by_semicolon = [name.strip().strip('"') for name in header.split(";")]
    if len(by_semicolon) > 2 and (builtin := _builtin_fit(by_semicolon, ";")) is not None:
        return (f"Its header is the built-in {builtin.name} format's separated by ';', as a continental European "
                "Excel saves CSV, with decimal commas: declare a mapping of its columns with \"dialect\": "
                "{\"delimiter\": \";\", \"decimal\": \",\", \"thousands\": \".\"} (and its encoding, often "
                "cp1252), or save it from Excel as 'CSV UTF-8 (comma delimited)'. ")
    names = header.split()
    # a database client's default output underlines the header with a run of dashes per column
    # (BTEQ, sqlcmd, SQL*Plus): its values may hold commas (a bank's name) and it is still aligned
    underlined = len(text) > 1 and re.fullmatch(r"-+(?: +-+)+", text[1].strip()) is not None
    if (len(names) > 2 and all(re.fullmatch(r"[A-Za-z_][\w.]*", name) for name in names)
            and not re.search(r"[,;|\t]", header)
            and (underlined or not any(re.search(r"[,;|\t]", line) for line in text[:20]))
            and any(re.search(r"\S\s{2,}\S", line) for line in text[1:20])):
        return ("Its header holds no delimiter and its columns are aligned by spaces: a fixed-width layout, as a report, "
                "a database client's default output or a mainframe writes. The lake reads delimited text, not column "
                "positions (no mapping can declare them): export the tape with a delimiter (CSV, tab or pipe; BTEQ "
                ".SET SEPARATOR '|', sqlcmd -s \"|\" -W, SQL*Plus SET MARKUP CSV ON) and land that. ")
    return ""


_PART_OF_SPLIT = re.compile(r"(?i)(?<![a-z])(?:part|pt|chunk)[-_ ]?0*\d{1,3}(?:[-_ ]?of[-_ ]?0*\d{1,3})?(?!\d)"
                            r"|\.\d{3}$|[-_]x[a-z]{2}$")
"""A file name that says it is one part of a file cut in pieces: `tape_part2of3.csv`, `tape.csv.002`
(7-Zip, HJSplit), `tape-xab` (Unix split)."""


def _trailer_only_said(lines: Sequence[str]) -> str:
    """Why a file whose every line is a trailer stating a record count (`_count_footer_text`, in any
    delimiter: `TRL|000000|0.00`) is refused, '' for any other file: with no header, neither its
    layout nor its book can be told. A count of 0 is a control record of no loans (nothing to
    land, nothing lost); a count above 0 names the loans the copy lacks."""
    written = [line.strip().lstrip("\ufeff") for line in lines if line.strip()]
    if not written or any(_count_footer_text([line]) is None for line in written):
        return ""
    stated = _row_count_stated(written[-1])
    loans = f"{stated:,} loan" + ("" if stated == 1 else "s")
    said = (f"its only line, {written[0][:80]!r}, is a trailer (control record) stating {loans}" if len(written) == 1
            else f"its {len(written)} lines are all trailers (control records), the last, {written[-1][:80]!r}, "
                 f"stating {loans}") + ", with no header above"
    if stated == 0:
        return (f"{said}: a control record of zero loans written without the tape's header, so neither its layout nor "
                "its book can be told, and it holds no loan to land: nothing is lost. If the source had loans for "
                "this date, ask for the tape again with its header and records; a tape of no loans lands with its "
                "header above the trailer")
    return (f"{said} and none of the loans it counts: a copy that lost its header and records (cut, or written "
            "before its records were); ask for the tape again and land the whole file")


def _headerless_hint(path: Path, first: str) -> str:
    """What to say of a first line that holds values where a header belongs (most of its fields
    numbers or dates): the file is a part of a tape cut without its header (`split -l`), or a tape
    without a header; '' when the line looks like a header."""
    fields = [f.strip().strip('"') for f in re.split(r"[,;|\t]", first) if f.strip()]
    values = [f for f in fields if re.fullmatch(r"[-+$€£]?[\d.,/:%-]+(?: ?(?:months|%))?", f)]
    if not fields or 2 * len(values) < len(fields):
        return ""
    part = _PART_OF_SPLIT.search(path.stem if not re.search(r"\.\d{3}$", path.name) else path.name)
    said = (f"Its name says it is a part of a larger file ({part.group(0)!r}), and its first line holds values, not "
            "a header: the file was cut without repeating its header in each part (split -l). Join the parts in order "
            "(cat part1 part2 ... > whole.csv) and land the whole file. " if part else
            "Its first line holds values, not a header: a part of a file cut without its header (split -l), or a "
            "tape written without one; join the parts and land the whole file, or declare a mapping with "
            "\"header\": false. ")
    return said


def _parquet_frame(path: Path, content: bytes) -> pl.DataFrame:
    """The Parquet tape's table.

    Raises:
        FileRefused: the bytes are not a readable Parquet file (one copied before it was complete),
            a column holds nested values (lists, structs), or a column is named `_source_line`.
    """
    try:
        frame = pl.read_parquet(io.BytesIO(content))
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        frame = _parquet_via_arrow(content)
        if frame is None:
            raise FileRefused(f"{path}: not a readable Parquet file ({type(exc).__name__}: {str(exc)[:200]}); "
                              "was it landed before it was fully written?") from None
    nested = {name: str(dtype) for name, dtype in frame.schema.items() if dtype.is_nested()}
    if nested:
        raise FileRefused(f"{path}: column(s) {nested} hold nested values; a tape's columns must be flat")
    if "_source_line" in frame.columns:
        raise FileRefused(f"{path}: column '_source_line' is a lineage column the lake sets itself "
                          "(the file looks like an export of the lake); drop or rename it")
    return frame.with_columns(pl.col(name).dt.replace_time_zone("UTC") for name in _int96_columns(content, frame))


def _int96_columns(content: bytes, frame: pl.DataFrame) -> list[str]:
    """The timestamp columns of a Parquet file stored as INT96 (Spark's legacy timestamp,
    `spark.sql.parquet.outputTimestampType=INT96`, and Hive's and Impala's), read without a zone:
    the type holds UTC instants, as Spark, Hive and Impala read it, so a Spark session in Berlin
    stores 28 February's midnight as 1997-02-27 23:00. Marked UTC, such a column is dated as a UTC
    timestamp is (`_parquet_records`), its local midnights as the local dates."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    naive = {name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime) and dtype.time_zone is None}
    if not naive:
        return []
    schema = pq.ParquetFile(pa.BufferReader(content)).schema
    return [column.path for column in (schema.column(n) for n in range(len(schema)))
            if column.physical_type == "INT96" and column.path in naive]


def _without_trailing_zeros(text: pl.Expr) -> pl.Expr:
    """An exact decimal's text without the zeros its scale adds: `60000.50` -> `60000.5`,
    `1000014003.000000000` -> `1000014003` (an id keyed as a CSV writes it)."""
    return text.str.replace(r"(\.\d*?)0+$", "$1").str.replace(r"\.$", "")


def _parquet_via_arrow(content: bytes) -> pl.DataFrame | None:
    """A Parquet table polars cannot type, read by Arrow: a decimal wider than 38 digits (decimal256,
    BigQuery's BIGNUMERIC) becomes its exact text, read then as the mapping types the column. None
    when Arrow cannot read the bytes either (a file cut short)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(content))
    except (pa.ArrowException, OSError, ValueError):
        return None
    wide = [n for n, field in enumerate(table.schema) if pa.types.is_decimal256(field.type)]
    for n in wide:
        table = table.set_column(n, table.schema.field(n).name, table.column(n).cast(pa.string()))
    try:
        frame = pl.from_arrow(table)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    return frame.with_columns(_without_trailing_zeros(pl.col(table.schema.field(n).name)) for n in wide)


def _names_files_by_name(mapping: TapeMapping) -> bool:
    """Whether a folder mapping's applies_to names files by more than their suffix (`acme_*.csv`,
    not `*.csv` or `*`): such a glob says the file is the lender's, whatever a built-in format reads."""
    return any(re.sub(r"[*?]|\[[^\]]*\]", "", re.sub(r"\.[A-Za-z0-9]+(?:\.gz)?$", "", glob)).strip(".")
               for glob in mapping.applies_to)


def _misfit(mapping: TapeMapping, missing: list[str], lacking: str, header: Sequence[str] = ()) -> str:
    """One mapping's line in a refusal: its file, how it was chosen, and the columns `missing`,
    which `lacking` says where they are not: '<file> (sidecar) declares column(s) [...] that
    <lacking>', `lacking` a clause such as "its header does not have" or "no sheet's header has"; a
    free-text column among them is named with its key, whose every column is a declared one too.
    `header`: the names of the line taken for the header, as written; a missing column with a close
    one among those the mapping does not declare is followed by "(did you mean 'Chargeoff_Date' for
    'ChargeOff_Dt'?)" (csv_text.nearest_name)."""
    chosen = "sidecar" if mapping.sidecar else "applies_to " + ", ".join(mapping.applies_to)
    said = f"{mapping.source} ({chosen}) declares column(s) {missing} that {lacking}"
    declared = {_name_key(column) for column in mapping.declared_columns}
    spare = [name for name in header if _name_key(name) not in declared]
    if guesses := [f"{nearest!r} for {column!r}" for column in missing
                   if (nearest := csv_text.nearest_name(column, spare, key=_name_key))]:
        said += f" (did you mean {', '.join(guesses)}?)"
    if free := [c for c in missing if c in mapping.free_text_columns]:
        said += (f" (free_text_columns names {free}: rename it to the tape's column, or take it out of "
                 "free_text_columns if the tape no longer carries it)")
    return said


def _refuse_misfits(path: Path, content: bytes, misfits: list[str]) -> None:
    lines = csv_text.head_lines(content)
    first = next((line for line in lines if line.strip()), "")
    # a layout no mapping reads (fixed-width columns, psql's expanded display) says so, as without a mapping
    hint = " ".join(h.strip() for h in (_layout_hint(lines), _headerless_hint(path, first)) if h.strip())
    shown = csv_text.first_line_said(first)
    if shown.startswith("binary"):  # no header to fit: a binary file of another program
        hint = f"It is not text: {NOT_A_TABLE.split('; ', 1)[1]}."
    said = (f"{path}: the column mapping meant for it does not fit: {'; '.join(misfits)}. "
            f"First line: {shown}" + (f". {hint.strip()}" if hint else ""))
    if invisible := csv_text.header_marks_said(first):
        said = said.rstrip(".") + "." + invisible
    raise FileRefused(said)


TABLE_PREFIX = re.compile(r"^(?P<table>[A-Za-z_][A-Za-z0-9_$]*)\.(?=[A-Za-z_])")
"""The table name a SQL client puts before each column name of a result (`loans.loan_amnt`): Hive's
and Impala's beeline and JDBC (`hive.resultset.use.unique.column.names`, on by default), Spark's
Thrift server."""


def table_prefix(names: Sequence[str]) -> str | None:
    """The table prefix (TABLE_PREFIX, with its dot: 'loans.') that every one of a header's non-empty
    `names` carries, where there are two or more; None else."""
    found = {match["table"] if (match := TABLE_PREFIX.match(name)) else None for name in names if name}
    table = found.pop() if len(found) == 1 else None
    return f"{table}." if table and sum(bool(name) for name in names) > 1 else None


_name_key = csv_text.column_name_key
"""A column name as header and mapping are matched (csv_text.column_name_key)."""


def _header_keys(names: Sequence[str]) -> dict[str, str]:
    """Column name as matched (`_name_key`), as written and without the header's table prefix
    (`table_prefix`) -> the name as written: a database export's LOAN_AMNT and beeline's
    loans.loan_amnt are loan_amnt (and a mapping that declares loans.loan_amnt finds it too)."""
    prefix = table_prefix(names) or ""
    return {_name_key(key): name for name in names if name for key in (name, name[len(prefix):])}


def _builtin_lacks(name: str, signature: frozenset[str], lines: list[str]) -> str:
    """A built-in format's part of a refusal: the columns it needs and those the file's header lacks,
    the header being the line among `lines` (the file's first lines) that, split by one of
    BUILTIN_DELIMITERS, lacks fewest: "LendingClub (needs ['loan_amnt', 'loan_status', 'term']; the
    header lacks ['loan_amnt'])" for a tape whose `loan_amnt` was renamed; "SBA (needs [...], none of
    which the header has)". A lacking column that the header names with more after it, a unit or a
    scale (`loan_amnt (USD)`, `loan_amnt_000`, `term (months)`), is named with its column number and
    what to do (`_suffixed_said`)."""
    lacks, names = min(((sorted(column for column in signature if _name_key(column) not in keys), names)
                        for line in lines if line.strip() for delimiter in BUILTIN_DELIMITERS
                        for names in [csv_text.split_fields(line, delimiter)] for keys in [_header_keys(names)]),
                       key=lambda found: len(found[0]), default=(sorted(signature), []))
    if len(lacks) == len(signature) and not _suffixed_said(lacks, names):
        return f"{name} (needs {sorted(signature)}, none of which the header has)"
    return f"{name} (needs {sorted(signature)}; the header lacks {lacks}{_suffixed_said(lacks, names)})"


_UNIT_SUFFIX = (r"(?:\s*[(\[][^)\]]{1,20}[)\]]|[\s._-]*(?:usd|eur|gbp|\$|%|pct|percent|k|000s?|thousands?|mm|mn"
                r"|millions?|months?|mths|mos|years?|yrs)(?:\s*(?:k|000s?))?)")
"""What a header writes after a column's name to give its unit or scale, as matched (`_name_key`):
`loan_amnt (USD)`, `loan_amnt_000`, `loan_amnt_usd`, `revol_util %`, `term (months)`; not another
column's name (`loan_status_date`)."""


def _suffixed_said(lacks: Sequence[str], names: Sequence[str]) -> str:
    """The header `names` that write a lacking built-in column's name with more after it, a unit or
    a scale that the built-in format does not read (`loan_amnt (USD)`, `loan_amnt_000`, `Term
    (months)`), said after the lacking columns: "; 'loan_amnt (USD)' (column 1) is loan_amnt with
    a unit or scale after it: rename the column loan_amnt where its values are in the format's own unit
    (dollars, months, percent), else declare a column mapping that reads them (...)": an amount in
    thousands or millions is read by a mapping whose column declares its "scale" (mappings.AMOUNT_SCALES).
    '' where none.
    `lacks`: the format's column names the header lacks; `names`: the header's names as written."""
    found = []
    for column in lacks:
        key = _name_key(column)
        for at, written in enumerate(names, start=1):
            if re.fullmatch(re.escape(key) + _UNIT_SUFFIX, _name_key(written)):
                found.append(f"{written.strip()!r} (column {at}) is {column} with a unit or scale after it")
    if not found:
        return ""
    return ("; " + "; ".join(found) + ": rename the column as the format names it where its values are in the format's "
            "own unit (dollars, months, percent), else declare a column mapping that reads them (an amount in "
            "thousands, as loan_amnt_000 or 'Loan Amount (USD k)' writes it, is read by declaring the column's "
            "\"scale\": 1000, in millions 1000000; README, 'Your own loan tape')")


def _builtin_fit(names: list[str], delimiter: str) -> TapeMapping | None:
    """The built-in format (LendingClub, SBA) whose signature columns a header's `names` hold,
    whatever their case and under a table prefix (`_header_keys`), as the header writes them; None
    when neither fits."""
    named = _header_keys(names)
    for builtin, signature in (("lendingclub", LENDINGCLUB_SIGNATURE), ("sba", SBA_SIGNATURE)):
        if {_name_key(column) for column in signature} <= set(named):
            return _builtin_as_written(builtin_mapping(builtin), delimiter, named)
    return None


def _builtin_as_written(mapping: TapeMapping, delimiter: str, named: dict[str, str]) -> TapeMapping:
    """A built-in format with the file's delimiter and its column names as the header writes them:
    a database export that upper-cases them (LOAN_AMNT, LOAN_STATUS) is the same LendingClub tape.
    `named`: header name as matched -> the name as written (`_header_keys`)."""
    fields = tuple(dataclasses.replace(f, source=named.get(_name_key(f.source), f.source)) for f in mapping.fields)
    return dataclasses.replace(mapping, fields=fields, dialect=dataclasses.replace(mapping.dialect, delimiter=delimiter))


def _as_written(mapping: TapeMapping, names: Sequence[str]) -> TapeMapping | None:
    """`mapping` with its source columns (and sentinel columns) named as the header `names` writes
    them, whatever their case and under a table prefix (`_header_keys`): a database export that
    upper-cases every name (LOAN_ID for the mapping's loan_id) is the tape the mapping describes.
    None when a declared column is missing. (A header naming one column twice in two cases is
    refused when the records are read.)"""
    named = _header_keys(names)
    if not {_name_key(column) for column in mapping.declared_columns} <= set(named):
        return None
    fields = tuple(dataclasses.replace(f, source=named[_name_key(f.source)]) for f in mapping.fields)
    sentinels = {named[_name_key(column)]: values for column, values in mapping.sentinels.items()}
    return dataclasses.replace(mapping, fields=fields, sentinels=sentinels)


def _columns_lacking(mapping: TapeMapping, names: Sequence[str]) -> list[str]:
    """The mapping's declared columns that `names` lack, whatever their case and table prefix, sorted."""
    present = set(_header_keys(names))
    return sorted(c for c in mapping.declared_columns if _name_key(c) not in present)


def _pick_parquet_mapping(path: Path, frame: pl.DataFrame, mappings: list[TapeMapping]) -> TapeMapping:
    """The first mapping whose source columns the table has, read for typed values: a number column
    is read as its numbers (`_parquet_records` writes them with the dialect's decimal mark), a text
    (string) column as the lender's CSV would be, in the mapping's dialect (`1.234,56` under a decimal
    comma and '.' thousands, as a European system's export of every column as a string writes it),
    and a date column that Parquet types as a date or timestamp is read as such, whatever format the
    mapping gives (a string date column, by that format). The delimiter and encoding are the text
    file's and do not apply.

    Raises:
        FileRefused: no mapping fits the table's columns.
    """
    columns = set(frame.columns)
    misfits = []
    for mapping in mappings:
        if (fitted := _as_written(mapping, frame.columns)) is not None:
            mapping = fitted
            temporal = {name for name, dtype in frame.schema.items() if dtype.is_temporal()}
            fields = tuple(dataclasses.replace(f, fmt=_typed_date_format(f.fmt)) if f.source in temporal and f.kind == "date"
                           else f for f in mapping.fields)
            numbers = dataclasses.replace(mapping.dialect, delimiter=Dialect.delimiter, encoding=Dialect.encoding)
            return dataclasses.replace(mapping, fields=fields, dialect=numbers, typed_source=True)
        misfits.append(_misfit(mapping, _columns_lacking(mapping, frame.columns), "the table does not have"))
    if not misfits:
        raise NoFormatFits(f"{path}: Parquet file with columns {sorted(columns)} and no column mapping that fits it; "
                           "declare one (see README, 'Your own loan tape'): Parquet has no built-in format")
    raise FileRefused(f"{path}: Parquet file with columns {sorted(columns)} and no column mapping that fits it: "
                      f"{'; '.join(misfits)}")


def _typed_date_format(declared: str | None) -> str:
    """The text form a Parquet date or timestamp column is written in before it is typed (see
    `_parquet_records`): ISO 8601, or the mapping's own format when it names a month without a day
    ('%Y-%m': the first of the month, the month's end for a snapshot_date), so that a Parquet tape
    reads as its CSV twin does."""
    if declared and "%" in declared and "%d" not in declared and "%j" not in declared and "%y" not in declared:
        return declared
    return "%Y-%m-%d"  # a count format (`unix_days`, `sas_days`) or `quarter` was written for the text twin


_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Z", "+00:00", "Etc/Universal", "Universal", "Zulu"})
"""Time zone names Arrow and Parquet writers give a timestamp column stored in UTC."""


def _parquet_records(frame: pl.DataFrame, path: Path, date_formats: dict[str, str] | None = None,
                     id_columns: set[str] = frozenset(), decimal: str = ".") -> csv_text.TextRecords:
    """A Parquet tape as text records, one per row (`_source_line` = row number + 1): numbers in
    positional notation (never 1e+20) below 2^53, with `decimal` (the mapping's dialect's decimal
    mark, so that they read as the tape's text columns do; an id keeps its '.'), never grouped, a
    float at or past 2^53 in scientific notation
    (its whole digits are not exact; as an id it is quarantined, sci_notation_id), a float NaN as
    empty (pandas' missing value; counted per column in notes['nan_values']), dates and timestamps
    as ISO dates (or in `date_formats`, column -> strftime, see `_typed_date_format`; a timestamp
    with its time when that is not midnight, in UTC ('2011-12-31T23:00:00Z') or else its wall-clock time,
    `2011-12-15 13:30:00`, for the date rules to drop and count as the CSV twin's: a midnight is no
    time of day dropped), booleans as
    true/false. A float in one of `id_columns` (the loan id's source) with a fraction or a sign
    (1077503.5, -0.0) is flagged `non_integer_id`: a float column holds an integer id only as a
    whole, non-negative number, so such a value is no id its system wrote.

    A zone-aware timestamp is dated on the clock of the zone its column states: a UTC column's value
    on its UTC date (2019-03-01T15:30Z is 1 March; a column of local midnights east of UTC,
    2011-12-31T23:00Z, on the local date, `_local_midnights_in_utc`), another zone's on that zone's
    date (2019-03-01T02:00Z in a column stored as America/New_York is 28 February, 21:00 there).

    Raises:
        FileRefused: a duration column, or one whose values have no text form (binary bytes that
            are not UTF-8); the message names the file and column. (Nested columns are refused
            when the file is read, `_parquet_frame`.)
    """
    def as_text(name: str, dtype: pl.DataType) -> pl.Expr:
        column = pl.col(name)
        if dtype.is_float():  # polars' shortest text ('1250.1' for a Float32 too), '.0' dropped
            text = column.fill_nan(None).cast(pl.Utf8).str.replace(r"\.0$", "")
            exponent = text.str.contains("e", literal=True)  # 1e+20: rare, written out in Python
            positional = text.map_elements(lambda v: np.format_float_positional(float(v), trim="-"), return_dtype=pl.Utf8)
            inexact = column.fill_nan(None).abs() >= csv_text.FLOAT_EXACT_LIMIT  # polars orders NaN above every number
            scientific = column.fill_nan(None).map_elements(lambda v: f"{v:.16e}", return_dtype=pl.Utf8)
            return pl.when(inexact).then(scientific).when(exponent).then(positional).otherwise(text).alias(name)
        if isinstance(dtype, pl.Decimal):  # exact: written without the zeros its scale adds
            return _without_trailing_zeros(column.cast(pl.Utf8)).alias(name)
        if dtype.is_temporal() and dtype != pl.Time:
            if isinstance(dtype, pl.Duration):
                raise FileRefused(f"{path}: column {name!r} is a duration ({dtype}); write it as a number "
                                  "(months for a term, days for a delay)")
            if (isinstance(dtype, pl.Datetime) and dtype.time_zone in _UTC_ZONES
                    and (date_formats or {}).get(name, "%Y-%m-%d") == "%Y-%m-%d"):
                # a UTC instant: a column of local midnights east of UTC (Spark's, a timestamptz
                # export's 2011-12-31T23:00:00Z), judged here on all its values, UTC midnights among
                # them, is written in UTC for `_local_midnights_in_utc` to read as the local dates;
                # any other as wall-clock UTC times, which that judgement leaves on their UTC dates.
                # A UTC midnight is its date alone, as a zone-less midnight is: no time of day is
                # dropped from it (and none counted in date_time_of_day_dropped)
                stamped = column.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
                times = frame.select(stamped.str.extract_groups(_UTC_TIMED).struct.field("2")).to_series()
                local = _local_midnights_read(times, frame.get_column(name).count())
                return (pl.when(column.dt.time() == datetime.min.time()).then(column.dt.strftime("%Y-%m-%d"))
                        .otherwise(stamped if local else column.dt.strftime("%Y-%m-%d %H:%M:%S")).alias(name))
            if isinstance(dtype, pl.Datetime) and (date_formats or {}).get(name, "%Y-%m-%d") == "%Y-%m-%d":
                # a wall-clock time (no zone, or the column's own): written with its time unless it is
                # midnight, as a CSV twin writes it, so the date rules drop it with a note, not silently
                midnight = column.dt.time() == datetime.min.time()
                whole = column.dt.truncate("1s") == column
                return (pl.when(midnight).then(column.dt.strftime("%Y-%m-%d"))
                        .when(whole).then(column.dt.strftime("%Y-%m-%d %H:%M:%S"))
                        .otherwise(column.dt.strftime("%Y-%m-%d %H:%M:%S%.f")).alias(name))
            fmt = (date_formats or {}).get(name, "%Y-%m-%d")
            if isinstance(dtype, pl.Datetime) and not _has_time_codes(fmt):  # a time the format would drop unsaid
                return (pl.when(column.dt.time() == datetime.min.time()).then(column.dt.strftime(fmt))
                        .otherwise(column.dt.strftime(f"{fmt} %H:%M:%S")).alias(name))
            return column.dt.strftime(fmt).alias(name)
        return column.cast(pl.Utf8).alias(name)

    def in_dialect(name: str, dtype: pl.DataType) -> pl.Expr:
        text = as_text(name, dtype)
        if decimal != "." and name not in id_columns and (dtype.is_float() or isinstance(dtype, pl.Decimal)):
            return text.str.replace(".", decimal, literal=True).alias(name)
        return text

    columns = []
    for name, dtype in frame.schema.items():
        try:
            columns.append(frame.select(in_dialect(name, dtype)).to_series())
        except pl.exceptions.PolarsError as exc:
            raise FileRefused(f"{path}: column {name!r} ({dtype}) cannot be read as text: "
                              f"{str(exc).splitlines()[0]}") from None
    floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
    nans = {name: n for name in floats if (n := frame.select(pl.col(name).is_nan().sum()).item())}
    flagged = []
    for name in sorted(id_columns & set(floats)):
        value = pl.col(name).fill_nan(None)
        odd = (value != value.floor()) | value.cast(pl.Utf8).str.starts_with("-")  # -0.0 too
        rows = frame.with_row_index("_line", offset=1).filter(odd.fill_null(False))
        flagged += [(line, name, "non_integer_id") for line in rows.get_column("_line").to_list()]
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    for name in sorted(id_columns & set(decimals)):  # BigQuery's NUMERIC id 1000014003.000000000 is 1000014003
        text = _without_trailing_zeros(pl.col(name).cast(pl.Utf8))
        rows = frame.with_row_index("_line", offset=1).filter(text.str.contains(r"[.-]").fill_null(False))
        flagged += [(line, name, "non_integer_id") for line in rows.get_column("_line").to_list()]
    days_in_months = {}  # a date under a month format ('%Y-%m') is written as its month: its day is said, not lost
    for name, fmt in (date_formats or {}).items():
        if name in frame.columns and frame.schema[name] in (pl.Date, pl.Datetime) and "%d" not in fmt and "%j" not in fmt:
            days = frame.select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line"),
                                pl.col(name).dt.strftime("%Y-%m-%d").alias("day"), pl.col(name).dt.day().alias("of"))
            days = days.filter(pl.col("of") != 1)
            if days.height:
                days_in_months[name] = dict(zip(days.get_column("line").to_list(), days.get_column("day").to_list(),
                                                strict=True))
    fields = pl.DataFrame(columns).fill_null("")
    fields = fields.with_row_index("_source_line", offset=1).with_columns(pl.col("_source_line").cast(pl.Int64))
    malformed = pl.DataFrame(schema={"line": pl.Int64, "raw_value": pl.Utf8, "message": pl.Utf8})
    return csv_text.TextRecords(header=list(frame.columns), fields=fields.select(*frame.columns, "_source_line"),
                                malformed=malformed, non_data_lines=[], flagged=flagged,
                                notes={"nan_values": nans} if nans else {},
                                numbers_typed=frozenset(name for name, dtype in frame.schema.items()
                                                        if dtype.is_numeric()),
                                days_in_month_columns=days_in_months)


GROUPING_MARKS = {"apostrophe": csv_text.APOSTROPHES, "space": csv_text.SPACES}
"""Digit-grouping marks that no locale writes as a decimal mark, by name: the Swiss apostrophe
(typed ' or typeset U+2019: 24'000.00) and the spaces of French, Nordic and SI typesetting (space,
no-break space U+00A0, narrow no-break space U+202F, thin space U+2009, figure space U+2007, any
Unicode space (csv_text.WIDE_SPACES): 24 000). An amount grouped
with one in threes throughout (`_grouped_by`) is one number in any dialect, so it is read whatever
thousands separator the dialect declares (notes `digit_grouping_read`); one grouped otherwise is not.
Only in money columns: in a count or a rate, `3 100` is as likely two values run together (3 and
100) as three thousand one hundred, and a wrong count passes every value rule, so there only the
dialect's own separator groups."""

_MARKS = csv_text.APOSTROPHES + csv_text.SPACES
"""Every digit-grouping mark of GROUPING_MARKS, for a character class."""

TRAILING_MINUS = rf"^(\d[\d.,{_MARKS}]*)[-\u2212]$"
"""A number with its minus sign after the digits (`13648-`, `1,234.56-`): the sign convention of SAP
and of COBOL's and mainframes' edited numbers (PIC 9(7).99-). Read as the number with the sign before
it (notes `trailing_minus_read`); its digits are then judged as any number's. Only in money
columns, where those systems write it: in a count or a rate, `10-` is as likely a range cut short,
and stays unparsable."""

ACCOUNTANT_NEGATIVE = rf"^\(\s*(\d(?:[\d.,{_MARKS}]*\d)?)\s*\)$"
"""A number in an accountant's parentheses (`(1,250.00)`, `(1250)`, `( 1,250.00 )`): the minus of
Excel's Accounting and Comma Style formats (`#,##0.00_);(#,##0.00)`) and of finance systems' reports.
Read as the number with a minus sign before it in amount columns (`_is_amount`), whatever their type
(a `money` value's marks come off first: `($1,250.00)`, `_money_text`); its digits are then judged
as any number's, and the negative by the column's own rules (non_positive_amount, negative_income,
negative_amount), whose message says how it was written (`written_negative_said`). In a count or a
rate it stays unparsable (`unread_number_mark` says why): no rate or count is negative."""


def _grouped_by(marks: str, decimal: str) -> str:
    """A number grouped in threes by the grouping marks `marks` (one of GROUPING_MARKS), with an
    optional fraction after the dialect's `decimal` mark: `24'000.00`, `1 234 567`; the first group
    is 1-3 digits and not 0."""
    return rf"^[+-]?[1-9]\d{{0,2}}(?:[{marks}]\d{{3}})+(?:{re.escape(decimal)}\d+)?$"


def _other_groupings(dialect: Dialect) -> dict[str, str]:
    """{name: pattern} of the GROUPING_MARKS a dialect reads besides its own thousands separator
    (`_grouped_by`): all but the one it declares, none for a dialect without a separator
    (`thousands: ""`: the file says it groups nothing) or with Indian grouping."""
    if not dialect.thousands or dialect.grouping != "thousands":
        return {}
    return {name: _grouped_by(marks, dialect.decimal) for name, marks in GROUPING_MARKS.items()
            if dialect.thousands not in marks}


def _sign_first(s: pl.Expr, amount: bool = False) -> pl.Expr:
    """Number text with its minus sign before the digits: a leading U+2212, the minus sign Java and ICU
    write for Swedish, Finnish and Norwegian numbers (−180,00), as '-'; for an `amount` (a money
    column's value), a minus after the digits (TRAILING_MINUS: 13648-) moved before them, and an
    accountant's parentheses (ACCOUNTANT_NEGATIVE: (1,250.00)) read as the minus they are."""
    s = s.str.replace("^\u2212", "-")
    return s.str.replace(TRAILING_MINUS, "-$1").str.replace(ACCOUNTANT_NEGATIVE, "-$1") if amount else s


def _is_amount(spec: FieldSpec) -> bool:
    """Whether a column's values are amounts of money, read in the forms accounting systems write
    (a minus after the digits, GROUPING_MARKS in any dialect): a money type, or a number filling one
    of the columns kept in the row's currency (UNIT_TARGETS['money_minor']: loan_amount, income,
    balances), whole or not. A count or a rate is not."""
    return spec.kind in ("money", "money_minor") or (
        spec.kind in ("number", "int") and spec.target in UNIT_TARGETS["money_minor"])


def _number_text(s: pl.Expr, dialect: Dialect, amount: bool = False) -> pl.Expr:
    """Text of a number in the dialect -> text Python/polars can cast (thousands removed, '.' decimal),
    or NULL when a thousands separator sits where it cannot group thousands ('13,64', '9,4', '1,0'
    and '0,837' with ',' thousands; '950.5' and '60000.50' with '.' thousands), or a decimal-comma number holds
    a point that is not its thousands separator ('1.250' with ' ' thousands): reading it would make
    another number, so the value fails as unparsable_number instead. Thousands "'" (Swiss) also
    matches the typographic apostrophe U+2019 (1’234.50); grouping "indian" reads the lakh and crore
    groups (12,34,567.50: two digits per group above the last three) and refuses three-digit groups
    there (1,234,567 is no Indian number). A leading minus sign U+2212 is a minus. An `amount` (a
    money column's value) is read in the forms accounting systems write whatever the dialect: a
    minus after the digits (`_sign_first`), and digits grouped in threes by an apostrophe or a space
    of any width, in a dialect that groups thousands (`_other_groupings`); a count or a rate is read
    in the dialect's own marks only."""
    s = _sign_first(s, amount)
    read = _read_in_dialect(s, dialect)
    if not amount or not (other := _other_groupings(dialect)):
        return read
    marks = "".join(GROUPING_MARKS[name] for name in other)
    regrouped = pl.when(s.str.contains("|".join(other.values()))).then(s.str.replace_all(f"[{marks}]", ""))
    if dialect.decimal != ".":
        regrouped = regrouped.str.replace(dialect.decimal, ".", literal=True)
    return pl.coalesce(regrouped, read)


def _read_in_dialect(s: pl.Expr, dialect: Dialect) -> pl.Expr:
    """`_number_text` of a number written with the dialect's own marks, its sign first."""
    thousands = dialect.thousands or None
    if dialect.decimal == "," and thousands != ".":  # a point is neither mark: '1.250' is not 1.25
        s = pl.when(~s.str.contains(".", literal=True)).then(s)
    if thousands is None:
        return s if dialect.decimal == "." else s.str.replace(dialect.decimal, ".", literal=True)
    if thousands == " ":
        s = s.str.replace_all(f"[{csv_text.WIDE_SPACES}]", " ")
    if thousands in csv_text.APOSTROPHES:  # Swiss: 1'234.50, typeset or typed as 1’234.50
        s, thousands = s.str.replace_all("\u2019", "'", literal=True), "'"
    decimal = re.escape(dialect.decimal)
    sep = re.escape(thousands)
    # a first group of 0 groups nothing: '0,837' is a decimal comma, never 837
    if dialect.grouping == "indian":  # 12,34,567: groups of two above the last three digits
        grouped = rf"^[+-]?(?:[1-9]\d{{0,1}}(?:{sep}\d{{2}})*{sep}\d{{3}})(?:{decimal}\d*)?$"
    else:
        grouped = rf"^[+-]?[1-9]\d{{0,2}}(?:{sep}\d{{3}})+(?:{decimal}\d*)?$"
    well_placed = ~s.str.contains(thousands, literal=True) | s.str.contains(grouped)
    text = s.str.replace_all(thousands, "", literal=True)
    if dialect.decimal != ".":
        text = text.str.replace(dialect.decimal, ".", literal=True)
    return pl.when(well_placed).then(text)


EMP_LENGTH_NUMBER = r"^(\d{1,3})(?:\.0+|\+)?$"
"""An employment length written as a whole number (`10`, `0`, `3`, a float's `10.0`, or `10+`): a
LendingClub export cleaned for modelling, `'10+ years'` -> 10, `'< 1 year'` -> 0, `'n/a'` -> empty
(a NULL). Read as years where the column's numbers keep to LendingClub's scale, 0 to
EMP_LENGTH_SCALE_YEARS (`emp_length_numbers_are_years`; counted in notes `emp_length_numbers_read`)."""
EMP_LENGTH_OFF_SCALE_MAX = 0.02
"""The share of an employment-length column's numbers that may run past EMP_LENGTH_SCALE_YEARS (one
on a column of fewer than 100) for the rest to be read as years: a slip (`11`) is quarantined alone,
while a column of months (12, 24, 36, 120) has most of its numbers past 10."""
EMP_LENGTH_SCALE_YEARS = 10
"""LendingClub's employment length runs 0-10 years, 10 standing for ten years or more (`10+ years`;
LendingClub's data dictionary: "Possible values are between 0 and 10 where 0 means less than one
year and 10 means ten or more years"). A column of numbers that runs past it is on another scale
(months: 12, 24, 36, 120) or uncapped, and its numbers are not read as years."""


MINOR_UNIT_SLACK = 1e-6
MINOR_UNIT_RELATIVE_SLACK = 1e-12
"""How far from a whole number of minor units (cents) a `money_minor` value may lie and still be one:
the larger of 1e-6 and 1e-12 of the value. Float64 arithmetic upstream (dollars * 100) leaves an
error of a few ulps, about 1e-16 of the value (IEEE 754 double: 53-bit significand), while a real
fraction of a cent written in a file is 0.001 or more, so 5000.50 is a fraction and
199899.99999999997 (a Parquet double) is 199,900 cents."""


def _past_minor_unit(number: pl.Expr, currency: str) -> pl.Expr:
    """Whether an amount (Float64) holds a fraction of its currency's minor unit: a digit past the
    cents of a two-decimal currency (1234.567, 12.3456), past the fils of a three-decimal one (KWD
    1.2345); a currency of no minor unit (JPY) counts two, as money is written with at most two
    decimals. A float's rounding error (110.00000000000001, a Parquet double) is none
    (MINOR_UNIT_SLACK); `5000.000`, whole cents however many zeros it is written with, is none."""
    scaled = number * 10 ** max(2, minor_unit_digits(currency))
    slack = pl.max_horizontal(pl.lit(MINOR_UNIT_SLACK), scaled.abs() * MINOR_UNIT_RELATIVE_SLACK)
    return number.is_finite() & ((scaled - scaled.round(0)).abs() > slack)


PERCENT_SIGN_READ = ("percent", "fraction", "basis_points")
"""Rate kinds whose values may carry a '%': a percent's own, and in a fraction or basis-points column
the sign that states the value's scale whatever the column's (`10.65%` is 0.1065 in either: a
workbook cell stored 0.1065 and formatted 0.00% reads as that text)."""


def _numeric_text(kind: str, s: pl.Expr, currency: str) -> tuple[pl.Expr, pl.Expr]:
    """(number text, marked with another currency) of a value of a numeric column of type `kind`: a
    money value without the tape's own currency marks (`_money_text`), a rate without its '%'
    (PERCENT_SIGN_READ)."""
    if kind in ("money", "money_minor"):
        return _money_text(s, currency)
    return (s.str.strip_suffix("%").str.strip_chars() if kind in PERCENT_SIGN_READ else s), pl.lit(False)


DECIMAL_COMMA_FORM = rf"^\d{{1,3}}(?:[.{_MARKS}]\d{{3}})+,\d+$|^\d+,\d{{1,2}}$|^0,\d+$"
"""A number written with a decimal comma (13,64; 1.234,56; 0,837), as a continental locale writes it."""


NUMBER_FORM_HINTS = (
    ("indian", r"^\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?$",
     "it is grouped in lakhs and crores (1,23,456): an Indian lender's tape declares its mapping's dialect "
     "\"grouping\": \"indian\""),
    ("decimal_comma", DECIMAL_COMMA_FORM,
     "it has a decimal comma (13,64 or 1.234,56): a tape written so declares its mapping's dialect "
     "\"decimal\": \",\" (with its \"thousands\")"),
    ("point_thousands", r"^\d{1,3}(?:\.\d{3}){2,}$",
     "it groups thousands with points (1.234.567): a tape written so declares its mapping's dialect "
     "\"thousands\": \".\", \"decimal\": \",\""),
    ("apostrophe", rf"\d[{csv_text.APOSTROPHES}]\d",
     "it groups its digits with an apostrophe but not in threes (24'000.00 is read): a value whose digits are "
     "grouped otherwise is no number any dialect declares"),
    ("space", rf"\d[{csv_text.SPACES}]\d",
     "it groups its digits with a space but not in threes (24 000 is read): a value whose digits are grouped "
     "otherwise is no number any dialect declares"),
)
"""(form, pattern, what to say) of the number forms an unparsable_number message names, tried in order
on the value's digits and marks (`_number_form_hint`): the remedy where a dialect key reads the form,
else what would be read. `indian` applies where the dialect does not group so, `decimal_comma` and
`point_thousands` where its decimal mark is a point."""


AMOUNT_ONLY_HINTS = (
    ("trailing_minus", TRAILING_MINUS,
     "a minus after the digits is read in money columns only: in a count or a rate, '10-' may be a range cut short"),
    ("grouped_decimal_comma", rf"^[+-]?[1-9]\d{{0,2}}(?:[{_MARKS}]\d{{3}})+,\d+$",
     "it has a decimal comma, and its digits are grouped by a space or an apostrophe (1 250,00 for 1250.00): a "
     "tape written so declares its mapping's dialect \"decimal\": \",\" and the \"thousands\" it groups by "
     "(\" \" reads any space); without that grouping declared, digits grouped so are read in money columns only, "
     "as in a count or a rate '3 100' may be two values run together"),
    ("grouped", rf"^[+-]?[1-9]\d{{0,2}}(?:[{_MARKS}]\d{{3}})+(?:[.,]\d+)?$",
     "digits grouped by a space or an apostrophe are read in money columns only: in a count or a rate, '3 100' "
     "may be two values run together; a tape that groups so declares its mapping's dialect \"thousands\""),
)
"""(form, pattern, what to say) of the forms read in money columns only (GROUPING_MARKS,
TRAILING_MINUS), named in the unparsable_number message of a count or a rate written so; a value
grouped so with a decimal comma (`1 250,00`, no-break or thin space alike) names both, where the
dialect's decimal mark is a point (`grouped_decimal_comma`)."""


def _number_form_hint(raw: pl.Expr, dialect: Dialect, amount: bool) -> pl.Expr:
    """What an unparsable number's text (`raw`, as written) looks like and the mapping's dialect key
    that reads it (NUMBER_FORM_HINTS; for a count or a rate, not an `amount`, AMOUNT_ONLY_HINTS
    first), or NULL when it is none of those forms or holds letters among its digits
    (LETTERS_AMONG_DIGITS)."""
    core = raw.str.extract(rf"(\d(?:[\d.,{_MARKS}]*\d)?)", 1)
    hint = pl.lit(None, pl.Utf8)
    for form, pattern, said in reversed(NUMBER_FORM_HINTS):
        if (form == "indian" and dialect.grouping == "indian") or (
                form in ("decimal_comma", "point_thousands") and dialect.decimal != "."):
            continue
        hint = pl.when(core.str.contains(pattern)).then(pl.lit(said)).otherwise(hint)
    if not amount:
        bare = raw.str.strip_chars().str.strip_suffix("%").str.strip_chars()
        for form, pattern, said in reversed(AMOUNT_ONLY_HINTS):
            if form == "grouped_decimal_comma" and dialect.decimal != ".":
                continue
            hint = pl.when(bare.str.contains(pattern)).then(pl.lit(said)).otherwise(hint)
    if not dialect.thousands:  # the mapping says the tape groups nothing, and this value is grouped
        grouped = rf"^[1-9]\d{{0,2}}(?:[,.{_MARKS}]\d{{3}})+(?:[.,]\d+)?$"
        hint = pl.when(core.str.contains(grouped)).then(pl.lit(
            "its digits are grouped in threes, and the mapping's dialect declares no thousands separator "
            "(\"thousands\": \"\"): declare the one the tape writes")).otherwise(hint)
    # letters among the digits ('12,5O0': an O typed for a 0) make no number form: the digits before
    # them ('12,5') are not the value's, so the words clause (`unread_number_words`) names the letters
    return pl.when(raw.str.contains(LETTERS_AMONG_DIGITS)).then(pl.lit(None, pl.Utf8)).otherwise(hint)


LETTERS_AMONG_DIGITS = r"\d[.,]?[^\W\d_]+[.,]?\d"
"""Letters with a digit on each side, a separator between allowed ('12,5O0', '1O,000', '1l.5'): a
letter typed for a digit, which no number form or dialect explains."""


NUMBER_SIGN_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2e3a\ufe58\ufe63\uff0d"
"""Dashes that are no minus sign: hyphen, non-breaking hyphen, figure, en and em dashes, the
horizontal bar and their small and full-width forms, which a word processor's autocorrect or a typeset
report writes for '-' (the minus sign U+2212 is read as one: `_number_text`)."""

MAGNITUDE_SUFFIXES = {"k": "thousands", "thousand": "thousands", "m": "millions", "mm": "millions",
                      "mn": "millions", "mio": "millions", "million": "millions", "b": "billions",
                      "bn": "billions", "billion": "billions"}
"""A suffix written after a number to scale it (24k, 1.2M, 3bn; any case), by the scale it names."""


VULGAR_FRACTIONS = "\u00bc\u00bd\u00be\u2150-\u215e"
"""Single characters of a vulgar fraction (¼ ½ ¾ ⅐-⅞), as a word processor's autocorrect or a hand-typed
rate writes a half ('6½' for 6.5): no number form reads them, so the value is quarantined naming the
decimal to write (`unread_number_flaw`)."""


def unread_number_flaw(text: str, kind: str, target: str | None = None) -> str | None:
    """Why `text`, a value of a numeric column of type `kind` (`_NUMERIC_KINDS`) that reads as no
    number, is none, as the clause its unparsable_number message ends with, for the flaws tried before
    the number forms (NUMBER_FORM_HINTS): an invisible character (named: `csv_text.character_name`),
    digits other than 0-9 (full-width '５０００', Arabic-Indic '٥٠٠٠': quarantined, never read, the
    value named in 0-9), a vulgar fraction character ('6½', VULGAR_FRACTIONS: the decimal named), a dash that is no minus sign before the digits
    ('–162.87'), a percent sign where the column's type reads none (every kind but a rate's,
    PERCENT_SIGN_READ) or more than one, a magnitude suffix (MAGNITUDE_SUFFIXES: '24k'); None when it
    has none of them. A '%' in a `target` that holds a ratio (RATIO_UNITS: dti) names the type that
    reads it."""
    hidden = [c for c in dict.fromkeys(text) if c in csv_text.INVISIBLE_CHARACTER]
    if hidden:
        named = " and ".join(csv_text.character_name(c) for c in hidden)
        return (f"it holds {named}, which no viewer shows (delete {'them' if len(hidden) > 1 else 'it'}, "
                "or re-export the column as numbers)")
    digits = [c for c in dict.fromkeys(text) if c.isdecimal() and not "0" <= c <= "9"]
    if digits:
        in_ascii = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text.strip())
        return (f"it is written in digits other than 0-9 ({', '.join(map(csv_text.character_name, digits))}): "
                f"re-export the column with the digits 0-9 ('{in_ascii}')")
    if fraction := re.fullmatch(rf"([+-]?\d*)\s*([{VULGAR_FRACTIONS}])\s*(%?)", text.strip()):
        whole, sign, percent = fraction.group(1), fraction.group(2), fraction.group(3)
        value = Decimal(whole.lstrip("+-") or "0") + Decimal(str(unicodedata.numeric(sign)))
        shown = format(value.normalize(), "f") if value == value.quantize(Decimal("0.0001")) else None
        return (f"it writes a fraction as the single character '{sign}' ({csv_text.character_name(sign)}), which "
                "no number reads: write it in decimals"
                + (f" ({whole[:1] if whole[:1] in '+-' else ''}{shown}{percent})" if shown else ""))
    if dash := re.match(rf"^[^0-9]*?([{NUMBER_SIGN_DASHES}])\D*[0-9]", text):  # before the digits
        return (f"its sign is {csv_text.character_name(dash.group(1))}, not a minus sign (an autocorrected "
                "'-'?): write the minus as '-'")
    if text.count("%") > 1:
        return "it carries more than one percent sign ('%%': a format string's escaped '%'?): write one"
    if "%" in text and kind not in PERCENT_SIGN_READ:
        if target in RATIO_UNITS:
            return (f"it carries a percent sign, in a column declared {kind!r}: declare the mapping column's "
                    f"\"type\": \"percent\", which reads '{text.strip()}' into {target}"
                    + (" in percent points" if RATIO_UNITS[target] == 2 else " as a fraction"))
        held = "amounts" if kind in MONEY_KINDS else "plain numbers"
        return f"it carries a percent sign, in a column of {held}: write the number without it"
    if suffix := re.search(r"[0-9.,]\s*([A-Za-z]+)\.?$", text.strip()):
        if scale := MAGNITUDE_SUFFIXES.get(suffix.group(1).lower()):
            return f"it carries a {scale} suffix '{suffix.group(1)}': write the number out in full"
    return None


def unread_number_words(text: str, currency: str) -> str | None:
    """Why `text`, a numeric column's value that reads as no number and holds none of the flaws and
    forms named before (`unread_number_flaw`, NUMBER_FORM_HINTS), is none, as its unparsable_number
    message's clause: no digit at all (a lone dash, as a report writes zero or nothing; a word,
    'TBD'), or letters beside the digits ('10.65 pct'), the tape's `currency` code left aside (an
    amount may carry it); None otherwise."""
    bare = text.strip()
    if not re.search(r"[0-9]", bare):
        if re.fullmatch(rf"[-\u2212{NUMBER_SIGN_DASHES}]+", bare):
            return ("it is a lone dash, as a report writes zero or nothing: write 0 where the value is zero, "
                    "and leave the cell empty where it is unknown")
        return ("it holds no digit: a word or a mark where the number belongs (a placeholder such as 'TBD' or "
                "'?'): write the number, or leave the cell empty where it is unknown")
    words = [w for w in re.findall(r"[^\W\d_]+", bare) if w.upper() != currency.upper()]
    if words:
        return f"it holds letters ('{' '.join(words)}') beside its digits: write the number alone"
    return None


def unread_term_said(text: str, kind: str) -> str | None:
    """Why `text`, a value of a term column of type `kind` ('term', 'term_years') that no term form
    reads (KIND_VALUES), is none, as the clause its unparsable_value message ends with after the
    forms the type reads: the reasons a number column gives (`unread_number_flaw`,
    `unread_number_mark`: '(60)', '60 (1)'), and for a value of no digit ('--', '?', 'TBD') that of
    `unread_number_words`; letters beside digits are left to the forms ('5 yrs' is no flaw of the
    number). None when it has none of them."""
    if said := unread_number_flaw(text, kind) or unread_number_mark(text, kind):
        return said
    return None if re.search(r"[0-9]", text) else unread_number_words(text, "")


PER_MILLE_SIGNS = {"\u2030": ("per mille (thousandths)", 1), "\u2031": ("per ten thousand (basis points)", 2)}
"""Signs of a rate in another scale than percent, by what they read and the powers of ten its value is
above the percent it is (13.5‰ is 1.35 %, 13.5‱ is 0.135 %)."""

WHOLE_AMOUNT_ENDINGS = {
    ",-": "the German and Swiss way of writing a whole amount (no cents: 5000,- for 5000.00)",
    ",--": "the German and Swiss way of writing a whole amount (no cents: 5000,-- for 5000.00)",
    ".-": "the Swiss way of writing a whole amount (no centimes: 5000.- for 5000.00)",
    "/-": "the South Asian way of writing a whole amount (no paise: Rs. 5000/- for 5000.00)",
    "/=": "the East African way of writing a whole amount (no cents: 5000/= for 5000.00)",
}
"""Endings a clerk writes after a whole amount to say no minor units follow, by whose practice it is.
The amount is whole, but the ending is no mark of the tape's dialect ('5.000,-' groups by the point
the tape may read as its decimal mark), so such a value is quarantined (unparsable_number) with
the ending named, never read by guessing its dialect."""


def _rate_scale_said(number: str, power: int, kind: str) -> str | None:
    """`number` (its digits and a '.' or ',' decimal mark as written) of a rate in a scale `power`
    powers of ten above percent (PER_MILLE_SIGNS), as a column of `kind` writes it: '1.35%' for
    13.5 per mille in a percent column, '0.0135' in a fraction one, '135' in a basis-points one;
    None when the number is no plain decimal."""
    try:
        value = Decimal(number.replace(",", ".")) if re.fullmatch(r"\d+(?:[.,]\d+)?", number) else None
    except InvalidOperation:
        value = None
    if value is None:
        return None
    percent = value.scaleb(-power)
    shown = {"fraction": percent.scaleb(-2), "basis_points": percent.scaleb(2)}.get(kind, percent)
    text = format(shown.normalize(), "f")
    return f"{text}%" if kind == "percent" else text


FOOTNOTE_MARK = (r"(.*\d%?\)?)\s*([(\[](?:\d{1,2}|[A-Za-z]|[ivx]{2,4}|\*{1,3})[)\]]|\*{1,3}|[†‡§¶]{1,3}"
                 r"|[¹²³⁰⁴-⁹ᵃ-ᵏʰ-ʸ]{1,2})")
"""A number followed by a footnote mark, as a report or a hand-kept spreadsheet writes one to point at a
note beside or below the table: (number as written, mark): `30000 (1)`, `30000 [a]`, `30000*`, `30000**`,
`30000†`, `30000¹` (a superscript digit or letter), and after an accountant's negative, `(1,250.00)*`.
The mark is no part of the number, and which digits are the number's cannot be told for sure
(`30000 1` would be two values), so it is never read. A number in parentheses alone, `(1250)`, is no
footnote: it is an accountant's negative (ACCOUNTANT_NEGATIVE)."""

LEDGER_SIGN = r"(?i)^(.*\d\)?)\s*(CR|DR|Cr\.?|Dr\.?)$|^(CR|DR)\s*(\d.*)$"
"""An amount with a ledger's credit or debit mark (`1250 CR`, `1,250.00DR`, `CR 1250`), as a general
ledger or a bank statement prints a balance's side. Which side is a minus depends on whose books the
line is from (a credit lowers a loan's balance in the lender's ledger and is a payment in the
borrower's statement), which a loan tape's column does not say: never read, quarantined saying so."""

TWO_MINUS_MARKS = r"^[-\u2212]\s*\(.*\)$|^\(\s*[-\u2212].*\)$|^\(.*[-\u2212]\s*\)$"
"""A number carrying both an accountant's parentheses and a minus sign (`-(1250)`, `(-1250)`,
`(1,250.00-)`): a minus written twice may repeat itself or cancel out, so its sign cannot be told."""


def footnote_mark_said(text: str) -> str | None:
    """Why `text`, a number followed by a footnote mark (FOOTNOTE_MARK: '30000 (1)', '60*'), is none,
    as the clause its quarantine message ends with, naming the mark and the number to write; None
    for any other value."""
    footnote = re.fullmatch(FOOTNOTE_MARK, text.strip())
    if footnote is None:
        return None
    number, mark = footnote.group(1).strip(), footnote.group(2)
    return (f"it ends in '{mark}', which reads as a footnote mark (a pointer to a note beside or below the "
            f"table), no part of the number: write the number alone ({number}), and keep the note in a column "
            "of its own")


NEGATIVE_RULES = ("non_positive_amount", "negative_income", "negative_amount")
"""The rules an amount breaks by being below zero (`_plausibility`; non_positive_amount at zero too),
whose message says how a minus written in an accountant's form reads (`written_negative_said`), or
that a dash alone was read as zero (`accounting_zero_said`)."""


def written_negative_said(text: str) -> str | None:
    """How an amount's `text` states a minus other than a sign before it, as the clause a
    NEGATIVE_RULES message ends with, so a value that looks positive is seen to be read negative:
    an accountant's parentheses ('(1,250.00)', '($1,250.00)': ACCOUNTANT_NEGATIVE, a currency mark
    inside or outside) or a minus after the digits ('1,250.00-': TRAILING_MINUS); None for any
    other text ('-1250' says its sign itself)."""
    bare = text.strip()
    if re.fullmatch(r"\(.*\d.*\)|[^\d(]{0,6}\(.*\d.*\)|\(.*\d.*\)\D{0,6}", bare) and "-" not in bare:
        inside = re.sub(r"^(\D*)\(\s*(.*?)\s*\)(\D*)$", r"\1\2\3", bare)
        return f"its parentheses are an accountant's minus: it reads as -{inside}"
    if re.fullmatch(r"\D{0,6}\d[\d.,'\s]*[-\u2212]", bare):
        return (f"the '-' after its digits is a minus (SAP's and COBOL's way of writing one): it reads as "
                f"-{bare[:-1].strip()}")
    return None


CURRENCY_MARK_ANYWHERE = (r"[$€£¥₹]|\bFr\.|(?i:(?<![A-Za-z])(?:"
                          + "|".join(code for code in CURRENCY_MARKS if len(code) == 3) + r")(?![A-Za-z]))")
"""A currency's sign or ISO code (CURRENCY_MARKS, codes in any case) anywhere in a value, before or after
its number or an accountant's parentheses: '$(1,250.00)', '(1,250.00)$', 'USD 1,250', '1,250.00 usd'."""


def currency_mark_said(text: str, kind: str, amount: bool = False) -> str | None:
    """Why `text`, a value of a numeric column of type `kind` other than money that reads as no number,
    is none when it carries a currency mark (CURRENCY_MARK_ANYWHERE), as the clause its unparsable_number
    message ends with, by what the column holds: an amount (`amount`: a 'number' column of loan amounts,
    incomes, balances) reads no mark, which the 'money' type does; a rate or a count holds no money at
    all, so the value is likely another column's. None for a value without a mark."""
    mark = re.search(CURRENCY_MARK_ANYWHERE, text)
    if mark is None:
        return None
    named = f"it carries a currency mark ('{mark.group(0)}')"
    if amount:
        return (f"{named}, which a column of type '{kind}' does not read: declare the column 'money', which reads "
                "the tape's own marks and an accountant's parentheses, or write the number alone")
    holds = "rates" if kind in PERCENT_SIGN_READ else "terms" if kind in ("term", "term_years") else "counts or scores"
    return (f"{named}, and the column holds {holds}, no amounts of money: an amount in the wrong column (columns "
            "shifted?); write the column's own value")


def unread_number_mark(text: str, kind: str, currency: str = "", amount: bool = False) -> str | None:
    """Why `text`, a value of a numeric column of type `kind` (`_NUMERIC_KINDS`) that reads as no
    number, is none, for a mark beside its digits that no dialect reads there, as the clause its
    unparsable_number message ends with: the tape's `currency` mark written twice ('$$5000', '5000
    USD USD'; `currency` '' for a column of no amounts), a currency mark in a column of another type
    than money (`currency_mark_said`: '$(1,250.00)', 'USD 1,250'), a percent sign before the number in a rate
    column ('%13.5'), an accountant's parentheses outside a money column ('(13.5%)'), a per mille
    or per ten thousand sign (PER_MILLE_SIGNS: '13.5‰'), an ending that says an amount is whole
    (WHOLE_AMOUNT_ENDINGS: '5000,-', '5000/-'), a footnote mark after the number (FOOTNOTE_MARK:
    '30000 (1)', '30000*', '30000¹', '30000 [a]'), a ledger's credit or debit mark (LEDGER_SIGN:
    '1250 CR'), a minus sign and parentheses both (TWO_MINUS_MARKS: '-(1250)'); None when it has
    none of them. `amount`: the column holds amounts (`_is_amount`), where the parentheses are a
    minus whatever its type, so a bracketed value fails on what is inside them ('($1,250.00)' in a
    `number` column: the currency mark)."""
    bare = text.strip()
    if footnote := footnote_mark_said(bare):
        return footnote
    if (kind in MONEY_KINDS or amount) and (ledger := re.fullmatch(LEDGER_SIGN, bare)):
        mark = (ledger.group(2) or ledger.group(3)).rstrip(".")
        number = (ledger.group(1) or ledger.group(4)).strip()
        return (f"it carries '{mark}', a ledger's {'credit' if mark.upper() == 'CR' else 'debit'} mark, which is a "
                "minus in some books and not in others (a credit lowers a loan's balance in the lender's ledger): "
                f"write the amount with a minus sign where it is negative (-{number}), else alone ({number})")
    if re.fullmatch(TWO_MINUS_MARKS, bare):
        return ("it carries two minus marks, an accountant's parentheses and a minus sign, which may repeat or "
                "cancel each other: write the number with one minus sign where it is negative")
    if currency and len(marks := [m.group(0) for m in re.finditer(rf"(?i){_own_marks(currency)}", bare)]) > 1:
        named = " and ".join(f"'{m}'" for m in dict.fromkeys(marks))
        times = "twice" if len(marks) == 2 else f"{len(marks)} times"
        return (f"it carries the tape's own currency mark {named} {times} (the tape is in {currency}: a "
                "currency format's mark and a typed one?): write it once, or not at all")
    if kind in PERCENT_SIGN_READ and (before := re.fullmatch(r"([+-]?)\s*%\s*([+-]?\d[\d.,]*)", bare)):
        return (f"the percent sign stands before the number: a rate is written with its '%' after it "
                f"({before.group(1)}{before.group(2)}%)")
    if kind not in MONEY_KINDS and (held := currency_mark_said(bare, kind, amount)):
        return held
    if kind not in MONEY_KINDS and (bracketed := re.fullmatch(r"\((.+)\)", bare)):
        inside = bracketed.group(1).strip()
        if kind in _RATE_DIVISOR or kind == "fraction":
            return (f"it is a rate in an accountant's parentheses, which mark a negative number, and an interest "
                    f"rate is never negative: write the rate without them ({inside}), or correct it")
        if amount:  # the parentheses are read: what is inside them is no number
            return unread_number_mark(inside, kind, currency, amount)
        return (f"it is in an accountant's parentheses, which mark a negative number in amount columns only (a "
                f"loan amount, an income, a balance): a count or a score is never negative; write a minus sign "
                f"(-{inside}) if it is meant, or correct it")
    for sign, (scale, power) in PER_MILLE_SIGNS.items():
        if sign in bare:
            number = bare.replace(sign, "").strip()
            holds = {"percent": "percent", "fraction": "fractions", "basis_points": "basis points"}.get(kind)
            if holds is None:
                return f"'{sign}' is {scale}, no number's mark: write the number without it"
            shown = _rate_scale_said(number, power, kind)
            return (f"'{sign}' is {scale}, and the rate column holds {holds}: "
                    + (f"{bare} is {shown}; write it so" if shown else f"write the rate in {holds}"))
    if ending := re.fullmatch(r"(.*\d)\s*(,--|,-|\.-|/-|/=)", bare):
        return (f"it ends in '{ending.group(2)}', {WHOLE_AMOUNT_ENDINGS[ending.group(2)]}, which is no mark of "
                f"the tape's dialect: write the amount without it ({ending.group(1)}), as the tape's other "
                "amounts are written")
    return None


def irregular_grouping_said(text: str, dialect: Dialect) -> str | None:
    """Why `text`, a numeric column's value that reads as no number, is none, where a mark (',', '.',
    an apostrophe or a space) between its digits appears more than once in groups other than threes
    ('5,000,00', '1.234.5'): as a thousands separator it would group digits in threes, and a decimal
    mark appears once, so neither reading explains it (digits lost or two values run together). The
    clause its unparsable_number message ends with; None for any other value, and for a value in the
    dialect's Indian grouping (lakhs and crores)."""
    core = re.search(rf"\d(?:[\d.,{_MARKS}]*\d)?", text)
    if core is None:
        return None
    digits = core.group(0)
    for mark in dict.fromkeys((dialect.thousands or ",", dialect.decimal, ",", ".", *_MARKS)):
        if not mark or digits.count(mark) < 2 or any(m in digits for m in ",." if m != mark):
            continue
        groups = digits.split(mark)
        if len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
            return None  # grouped in threes: another reason, said elsewhere
        if dialect.grouping == "indian" and len(groups[-1]) == 3 and all(len(g) == 2 for g in groups[1:-1]):
            return None
        shown = "a space" if mark in csv_text.SPACES else f"'{mark}'"
        return (f"'{digits}' groups digits in a way neither {shown} as thousands separator (groups of three) "
                f"nor {shown} as decimal mark (one, before the decimals) explains: digits lost or values run "
                "together? correct the value in the tape")
    return None


SCI_WHOLE_MANTISSA = r"([+-]?)(\d{2,})(?:[.,](\d*))?[eE]([+-]?\d+)"
"""Scientific notation whose mantissa has more than one digit before its decimal mark (5000e0,
12.5E2): no spreadsheet, printf or MATLAB writes it so (they write one digit there, cutting the
rest), so every digit of the value is written."""


SCI_CUT_MANTISSA = r"([+-]?)(\d(?:[.,]\d*)?|[.,]\d+)[eE]([+-]?\d+)"
"""Scientific notation with one digit, or none, before the mantissa's decimal mark (1e3, 1.2E+04,
1,2346E+05, .5e3): the form a spreadsheet shows a number in when it shortened it to the digits its
cell shows, so the digits past the mantissa's may have been rounded away (1.23457E+15 for
1234567890123456)."""


def _fixed_figure(value: Decimal, dialect: Dialect) -> str:
    """`value` written out in fixed notation in the tape's `dialect`: its decimal mark, and its
    thousands separator where it groups in threes after a decimal point (12,000). A decimal-comma
    tape's figure is not grouped (12000, 0,125): its '12.000' would be ambiguous_number."""
    group = dialect.thousands if dialect.grouping == "thousands" and dialect.decimal == "." else ""
    written = format(value.normalize(), ",f")
    return written.replace(",", "\0").replace(".", dialect.decimal).replace("\0", group)


def sci_notation_value_said(text: str, dialect: Dialect | None = None) -> str | None:
    """The sci_notation_value message of a value in scientific notation, naming the number it
    stands for in fixed notation. A mantissa that holds every digit (SCI_WHOLE_MANTISSA: '5000e0',
    '$12.5E2') lost none; a spreadsheet's cut form (SCI_CUT_MANTISSA: '1.2E+04', '1e3',
    '1.23457E+15') may have lost digits past its mantissa's, so the message says what it stands for
    in the tape's `dialect` (default: decimal point, ',' thousands), that a spreadsheet writes a
    number so when it shortened it, and what to do. None for text with no such number (RULES'
    message stands)."""
    found = re.search(rf"(?<![\d.,]){SCI_WHOLE_MANTISSA}", text)
    if found is None:
        cut = re.search(rf"(?<![\d.,]){SCI_CUT_MANTISSA}", text)
        if cut is None:
            return None
        sign, mantissa, exponent = cut.groups()
        value = Decimal(f"{sign}{mantissa.replace(',', '.')}e{exponent}")
        return (f"is a number in scientific notation ({cut.group(0)} stands for "
                f"{_fixed_figure(value, dialect or Dialect())}): a spreadsheet writes a number so when it "
                f"shortened it to fit its cell, so digits after '{sign}{mantissa}' may have been rounded away, and "
                "it is not read; re-export the column formatted as a number, or write the full figure")
    sign, whole, fraction, exponent = found.groups()
    fixed = format(Decimal(f"{sign}{whole}.{fraction or '0'}e{exponent}").normalize(), "f")
    return (f"is a number in scientific notation whose mantissa holds every digit ({found.group(0)} is {fixed}): "
            f"no digit is lost, unlike a spreadsheet's cut form (1.2346E+05), but of scientific notation only R's "
            f"shortest form (1e+05) is read; write it in fixed notation ({fixed})")


DATE_CELL_IN_NUMBER_COLUMN_SAID = (
    "is a {what} cell in {column} of the workbook: Excel stores a {what} as a count of days ({shown} is "
    "{days}), so the cell holds {days} under a {what} format, or a {what} where the number belongs (a "
    "column shifted?); if {days} is the value, give the cell a number format, else type the number")
"""The unparsable_number message of a workbook's date or time cell under a column read as numbers
(`TextRecords.date_cells_in_number_columns`): what the cell stores and how to show it as a number."""


def date_cell_in_number_column_said(shown: str, what: str, days: str, column: str) -> str:
    """DATE_CELL_IN_NUMBER_COLUMN_SAID for a cell shown as `shown` ('2023-03-15'), a `what` ('date',
    'time', 'date and time') storing `days` ('45000'), in `column` ('an amount column')."""
    return DATE_CELL_IN_NUMBER_COLUMN_SAID.format(what=what, shown=shown, days=days, column=column)


RATE_AS_FRACTION_REMEDY = (
    "If the column writes its rates as fractions, land the file with a column mapping that declares "
    "columns.{column}.type \"fraction\": it reads 0.1065 as 10.65 %, and a rate written with its '%' (10.65%) "
    "as a percent still (README, 'Your own loan tape')")
"""The remedy a `rate_as_fraction` message of a percent column names (`_quarantine_rows`)."""

RATE_AS_FRACTION_SIGNED = (
    "is an interest rate below 1 % in a column declared '{kind}': written with its '%', it reads as a percent "
    "whatever the column's type; a fraction shown with a literal '%' (0.1065% for 10.65 %)? Write it as the "
    "column's other values are written, or as the percent with its '%' (10.65%)")
"""The `rate_as_fraction` message of a column declared 'fraction' or 'basis_points', where only a
value written with '%' is read as a percent and can break the rule (`_plausibility`)."""


POINT_THOUSANDS_SAID = (
    "may be a whole amount whose points group thousands (5.000 for 5000, as a German or other continental "
    "export writes it): no other amount of the column has three decimals, as cents never do, or the file "
    "writes a decimal comma elsewhere, so the tape cannot tell 5000 from 5; a tape written so declares its "
    "mapping's dialect \"decimal\": \",\", \"thousands\": \".\" (with \"single_group_is_thousands\": true "
    "where its amounts are whole), one whose points are decimals \"thousands\": \"\"")
"""The message of an `ambiguous_number` in a decimal-point dialect (`_points_grouping_thousands`)."""

PAST_MINOR_UNIT_SAID = (
    "is an amount with more decimals than its currency's minor unit has (money has two, cents or pence; three "
    "for a dinar): a fraction of a cent left by a computation nobody rounded (1234.567), or a continental "
    "thousands group pasted in; it is never rounded here: write the amount to the cent in the export, or, for "
    "a currency of three minor digits (KWD, BHD), declare it as the mapping's \"currency\"")
"""The message of an `amount_three_decimals` that is no English thousands group in a decimal-comma
tape (`_past_minor_unit`: 1234.567 in any dialect)."""

AMOUNT_BEYOND_SAID = (
    "is an amount of 2^53 (9,007,199,254,740,992) or more, beyond any plausible amount and past the point where "
    "a float holds whole units, let alone cents: an overflow, or a sentinel (a double's 1e308, its largest "
    "value) written where the amount was missing; leave the cell empty where the amount is unknown")
"""The message of an amount's `value_out_of_range` (`_parse`), in any source."""
NEGATIVE_DTI_SAID = (
    "is a negative debt-to-income ratio: debt payments over income cannot be below zero, and of negative "
    "values only the code -1 is read as a sentinel; a minus sign typed or carried over from another column? "
    "correct the value in the tape, or, if the lender writes it for no value, declare it in the mapping's "
    "\"sentinels\"")
"""The message of a debt-to-income ratio's `value_out_of_range` (`_plausibility`: below zero, other
than the sentinel -1)."""
TYPED_NOT_FINITE_SAID = (
    "is infinite (a float column's inf or -inf: a division by zero or an overflow upstream), no number a loan "
    "holds; write the value, or leave it empty (null) where it is unknown")
"""The message of an `unparsable_number` in a typed number column (a Parquet double): it has no
dialect nor written form, so infinity is the one value of such a column that reads as no number
(a NaN is read as empty, counted in the notes' `nan_values`)."""
_INFINITY_TEXT = r"(?i)^\s*[+-]?(?:inf|infinity|∞)\s*$"
"""Infinity as software writes it in text: Python's and pandas' `inf`, Java's and JavaScript's
`Infinity`, with a sign or not."""
INFINITY_TEXT_SAID = (
    "is infinity as software writes it (inf, Infinity: a division by zero or an overflow upstream), no number "
    "a loan holds; write the value, or leave the cell empty where it is unknown")
"""The message of an `unparsable_number` written as infinity (_INFINITY_TEXT) in a text tape."""


def _unsigned_number(spec: FieldSpec, currency: str) -> pl.Expr:
    """The text of a numeric column's value as its type reads it, without the tape's currency marks
    or a '%' (`_numeric_text`) and without its sign (`_sign_first`)."""
    text, _ = _numeric_text(spec.kind, pl.col(_src(spec.source)), currency)
    return _sign_first(text, _is_amount(spec)).str.strip_prefix("-")


POINT_THOUSANDS = r"^[1-9]\d{0,2}(?:\.\d{3})+$"
"""An amount whose points may group thousands (`5.000`, `13.648`, `1.250.000`): 1-3 digits, then
groups of three after each point, as a German or other continental locale writes 5000 where its
decimal mark is a comma. With a decimal point it reads as 5.0, a thousandth of the loan."""
THREE_DECIMALS = r"^\d+\.\d{3}$"
"""An amount written with three decimals (`5000.000`, `0.500`, `1.250`): where it is no POINT_THOUSANDS
form (four or more digits before the point, or a first digit 0) the column's points are decimals."""


def _points_grouping_thousands(frame: pl.DataFrame, specs: list[FieldSpec], mapping: TapeMapping) -> list[str]:
    """The amount columns (`_is_amount`) of a text tape in a decimal-point dialect whose points may
    group thousands: a value written POINT_THOUSANDS (`24.000`, `1.250`, `120.000`) reads as a
    thousandth of what a continental export meant, so it is never read as a decimal where the tape
    cannot tell which was meant: where another numeric value of the file is written with a decimal
    comma the dialect cannot read (DECIMAL_COMMA_FORM: `83,7%`, `12.000,00`: Google Sheets' CSV
    download in a German locale), or where no other amount of the column has three decimals
    (THREE_DECIMALS that is no POINT_THOUSANDS form and whole cents: `5000.000`, `0.500`, a
    database's DECIMAL(12,3); `1234.567`, itself `amount_three_decimals`, is no evidence). Cents
    have two decimals, so one such value among whole dollars or cents is in doubt; its column's
    values read with a point are `ambiguous_number`. Not in a tape whose currency has three
    decimals (KWD, BHD: MINOR_UNIT_DIGITS), nor one whose dialect declares no thousands separator
    (`"thousands": ""`: the file says a point groups nothing) or a decimal comma (read by
    `_parse`), nor a typed (Parquet) one, nor a column whose mapping declares a `scale` (thousands
    write dollars as three decimals: 12.345 is 12,345.00). `frame` holds the typed values, by target."""
    dialect = mapping.dialect
    if dialect.decimal != "." or not dialect.thousands or mapping.typed_source or minor_unit_digits(mapping.currency) == 3:
        return []

    amounts = {spec.source: spec for spec in specs if _is_amount(spec) and spec.scale == 1}
    if amounts:  # a cheap look first: most tapes write no amount with three digits after a point
        written = frame.select(pl.col(_src(source)).str.contains(r"\d\.\d{3}(?:\D|$)").any().alias(source)
                               for source in amounts).row(0, named=True)
        amounts = {source: spec for source, spec in amounts.items() if written[source]}
    if not amounts:
        return []
    texts = {source: _unsigned_number(spec, mapping.currency) for source, spec in amounts.items()}
    counts = frame.lazy().select(
        *(text.str.contains(POINT_THOUSANDS).sum().alias(f"grouped:{source}") for source, text in texts.items()),
        *((text.str.contains(THREE_DECIMALS) & ~text.str.contains(POINT_THOUSANDS)
           & pl.col(amounts[source].target).is_not_null()
           & ~_past_minor_unit(pl.col(amounts[source].target), mapping.currency)).sum().alias(f"decimals:{source}")
          for source, text in texts.items())).collect().row(0, named=True)
    candidates = [source for source in amounts if counts[f"grouped:{source}"]]
    if any(counts[f"decimals:{source}"] for source in candidates):  # unless the file writes a decimal comma
        comma = pl.any_horizontal(_unsigned_number(s, mapping.currency).str.contains(DECIMAL_COMMA_FORM)
                                  & pl.col(s.target).is_null()
                                  for s in specs if s.kind in _NUMERIC_KINDS)
        if not frame.select(comma.any()).item():
            candidates = [source for source in candidates if not counts[f"decimals:{source}"]]
    return candidates


def _emp_length_numbers(column: pl.Series) -> pl.Series:
    """The whole numbers (Int64) an employment-length column writes (EMP_LENGTH_NUMBER), its text
    forms ('3 years', 'n/a') and empty cells left out."""
    return column.str.extract(EMP_LENGTH_NUMBER, 1).cast(pl.Int64).drop_nulls()


def emp_length_numbers_are_years(column: pl.Series) -> bool:
    """Whether the whole numbers an employment-length column writes (EMP_LENGTH_NUMBER) are years on
    LendingClub's 0-10 scale: True when at most one of them, or EMP_LENGTH_OFF_SCALE_MAX of them,
    runs past EMP_LENGTH_SCALE_YEARS (or the column writes none). A column of months (0, 12, 24, ...
    120) or of uncapped years is judged as a whole: its 0 and 6 would read as years as well as any,
    so none of its numbers is read."""
    numbers = _emp_length_numbers(column)
    past = int((numbers > EMP_LENGTH_SCALE_YEARS).sum())
    return past <= max(1, int(numbers.len() * EMP_LENGTH_OFF_SCALE_MAX))


def _emp_length(s: pl.Expr, numbers_are_years: bool) -> tuple[pl.Expr, RuleOf]:
    """(years, rule) of LendingClub's employment length: '< 1 year' -> 0, '1 year' to '10+ years' ->
    1-10, 'n/a' -> NULL (the source says unknown); a whole number (EMP_LENGTH_NUMBER) -> that many
    years where `numbers_are_years` (`emp_length_numbers_are_years` of the column), else
    unparsable_value, as any other text is."""
    lower = s.str.to_lowercase()
    years = (
        pl.when(lower.str.contains(r"^<\s*1\s+years?$")).then(pl.lit(0.0))
        .when(lower.str.contains(r"^\d+\+?\s+years?$")).then(lower.str.extract(r"^(\d+)", 1).cast(pl.Float64))
    )
    if numbers_are_years:
        number = lower.str.extract(EMP_LENGTH_NUMBER, 1).cast(pl.Float64)
        years = years.when(number <= EMP_LENGTH_SCALE_YEARS).then(number)  # a slip past 10 is no length
    said_unknown = lower == "n/a"  # the source says unknown: NULL, counted in the notes
    present = s != ""
    return years, lambda v: pl.when(present & ~said_unknown & v.is_null()).then(pl.lit("unparsable_value"))


def _flag_word(s: pl.Expr) -> pl.Expr:
    """A `flag` column's stripped text `s` as `_FLAG_WORDS` and `CHECKBOX_TICKS` are keyed: NFKC-folded
    (full-width letters, an accent written as a combining mark), trimmed and lowercased."""
    return s.str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def _flag_words_read(loaded: pl.DataFrame, specs: Sequence[FieldSpec]) -> dict[str, dict[str, int]]:
    """The words and ticks of `flag` columns (`_FLAG_WORDS`, `CHECKBOX_TICKS`, any case) read as 1 / 0
    in the loaded rows: {source column: {value as written: rows}}, columns holding none left out.
    A number (`1`, `0.00`) is the flag as written and is not counted."""
    words = list(_FLAG_WORDS | CHECKBOX_TICKS)
    read: dict[str, dict[str, int]] = {}
    for source in sorted({spec.source for spec in specs}):
        written = pl.col(_src(source))
        counts = loaded.filter(_flag_word(written).is_in(words)).group_by(_src(source)).len().sort(_src(source))
        if counts.height:
            read[source] = dict(counts.iter_rows())
    return read


def _holds_only_ticks(column: pl.Series) -> bool:
    """Whether a `flag` column's text (Utf8, '' where empty) holds checkbox ticks (`CHECKBOX_TICKS`)
    and nothing else beside its empty cells."""
    written = column.filter(column != "")
    return written.len() > 0 and bool(written.to_frame().select(_flag_word(pl.first()).is_in(list(CHECKBOX_TICKS)).all()).item())


RuleOf = Callable[[pl.Expr], pl.Expr]
"""Given the parsed value column, the rule it breaks (Utf8) or NULL."""


def _parse(spec: FieldSpec, s: pl.Expr, dialect: Dialect, as_of: date | None = None,
           currency: str = "USD", money_text: pl.Expr | None = None,
           typed_source: bool = False) -> tuple[pl.Expr, RuleOf]:
    """(typed value, rule of the value) for the stripped text `s` of one source column; `currency`
    is the tape's, whose marks a `money` value may carry (`_money_text`). `money_text`: for a
    money kind, a column already holding `_money_text(s)`'s text (`_staged_money_text`), read
    instead of computing it again. `typed_source`: the values are a Parquet number column's
    (`TextRecords.numbers_typed`), written from their type (a float column of cents writes
    500000.5 as such, a double's 199899.99999999997 too), not by the lender's export; a string
    column's, a workbook's text cells and a CSV's are written by the lender.

    Amounts (`_is_amount`) of type `money` or `number` holding a fraction of the currency's minor
    unit (`_past_minor_unit`: 1234.567 or 1,234.5678 dollars, 1234,567 euros) are
    `amount_three_decimals`: money has two decimals (three for a dinar), so the value is a
    thousands group pasted in another dialect or a computation nobody rounded, and it is never
    rounded here. In a `money_minor` column (a whole count of the currency's minor unit), a value
    written with a decimal mark (`5000.00`, `5000.0`, even where the fraction is a float's rounding
    error) or the currency's sign or code (`£5000`, `GBP 500000`) is written in major units, or at
    least cannot be trusted as a count of pence: `amount_in_major_units` (in a typed source only the
    marks, since a number has no written form; a workbook's number cell is written whole without
    '.0', so its text says what its number does), after `minor_unit_fraction` for one with a real
    fraction (5000.50). Thousands separators are read there (`500,000` pence is 5,000.00 GBP): a
    count grouped in threes is still a count, and only the decimal mark says major units.

    The rule is evaluated on the already computed value column, so each value is parsed once.
    An empty `s` gives NULL and no rule: emptiness is judged by the caller (required or not).

    Raises:
        ValueError: a kind whose reading of a value depends on its whole column (COLUMN_AWARE_KINDS:
            `_typed_parse` types those), or one no FieldSpec has.
    """
    present = s != ""

    def failed(rule: str) -> RuleOf:
        return lambda v: pl.when(present & v.is_null()).then(pl.lit(rule))

    kind = spec.kind
    if kind == "text":
        return pl.when(present).then(s), lambda v: pl.lit(None, pl.Utf8)
    if kind in ("number", "money", "money_minor", "percent", "fraction", "basis_points"):
        if money_text is not None and kind in MONEY_KINDS:
            text, foreign = money_text, _foreign_marked(money_text, currency)
        else:
            text, foreign = _numeric_text(kind, s, currency)
        amount = _is_amount(spec)
        if amount and kind not in MONEY_KINDS:  # a money kind's text reads it already (`_money_text`)
            text = pl.when(_accounting_zero(s, currency)).then(pl.lit("0")).otherwise(text)
        number_text = _number_text(text, dialect, amount)
        number = number_text.cast(pl.Float64, strict=False)
        scaled_fraction = pl.lit(False)
        if spec.scale != 1:  # 12.5 in thousands is 12,500.00: the decimal mark moved, exactly
            number = pl.coalesce(_scaled_number_text(number_text, spec.scale).cast(pl.Float64, strict=False),
                                 number * spec.scale)
            scaled_fraction = _past_minor_unit(number, currency)
            number = number.round(max(2, minor_unit_digits(currency)))  # a Parquet double's 12.345000000000001
        minor_fraction = major_written = pl.lit(False)
        if kind == "money_minor":  # a count of cents: 5000.50 is no such count (dollars in a cents column?)
            # beyond a float's rounding: cents computed as dollars * 100 in float64 reach the text as
            # 199899.99999999997 (a Parquet double), which is 199900 cents
            slack = pl.max_horizontal(pl.lit(MINOR_UNIT_SLACK), number.abs() * MINOR_UNIT_RELATIVE_SLACK)
            minor_fraction = number.is_finite() & ((number - number.round(0)).abs() > slack)
            # '5000.00', '£5000': how major units are written; a count of pence has neither mark
            marked = s.str.contains(rf"(?i){_own_marks(currency)}") & ~_accounting_zero(s, currency)
            major_written = present & ~minor_fraction & (
                marked if typed_source else marked | number_text.str.contains(".", literal=True))
            digits = minor_unit_digits(currency)
            number = pl.when(~minor_fraction & ~major_written).then((number / 10 ** digits).round(digits))
        if kind in RATE_KIND_POWER:  # into the column's own unit (RATIO_UNITS), the decimal mark moved
            number = _ratio_in_unit(s, number_text, number, kind, RATIO_UNITS.get(spec.target, 0))
        # IEEE 754's negative zero ('-0', '-0.00', as some exports write a zero) is stored as 0.0
        number = pl.when(number == 0).then(pl.lit(0.0)).otherwise(number)
        value = pl.when(~foreign).then(number.fill_nan(None))
        # in a decimal-comma dialect one '.ddd' group may be an English decimal ('1.250'); two
        # cannot ('1.250.000' is 1,250,000)
        ambiguous = (_sign_first(text, amount).str.contains(r"^-?\d{1,3}\.\d{3}$")
                     if dialect.decimal == "," and dialect.thousands == "." and not dialect.single_group_is_thousands
                     else pl.lit(False))
        # and the mirror: an amount with three digits after its decimal comma ('43,000') is an English
        # thousands group pasted into the tape, 1,000 times its value read so; money has two decimals
        # (ISO 4217 minor units; a dinar's three are its own)
        english = (_sign_first(text, amount).str.contains(r"^-?[1-9]\d{0,2}(?:,\d{3})+$")
                   if dialect.decimal == "," and amount and kind in ("money", "number") and minor_unit_digits(currency) < 3
                   and spec.scale == 1  # 12,345 thousand is 12,345.00: three decimals are a scaled amount's own
                   else pl.lit(False))
        # in any dialect, a fraction of a cent (1234.567, 1234,567): never loaded as written, never rounded
        past_minor = _past_minor_unit(value, currency) if amount and kind in ("money", "number") else pl.lit(False)

        def beyond(v: pl.Expr) -> pl.Expr:
            """An amount of 2^53 or more (a double's 1e308, an overflow): it holds no cents to count, so it
            is no amount, whatever else is said of it below (read from the typed column `v`, not by
            parsing the text again: that doubled the column rules' time on the SBA file)."""
            return (v.abs() >= csv_text.FLOAT_EXACT_LIMIT).fill_null(False) & v.is_finite() if amount else pl.lit(False)

        return value, lambda v: (pl.when(foreign).then(pl.lit("currency_mismatch"))
                                 .when(beyond(v)).then(pl.lit("value_out_of_range"))
                                 .when(present & minor_fraction).then(pl.lit("minor_unit_fraction"))
                                 .when(major_written).then(pl.lit("amount_in_major_units"))
                                 .when(present & scaled_fraction).then(pl.lit("scaled_amount_fraction"))
                                 .when(ambiguous).then(pl.lit("ambiguous_number"))
                                 .when(english | past_minor).then(pl.lit("amount_three_decimals"))
                                 .when(present & (v.is_null() | v.is_infinite())).then(pl.lit("unparsable_number")))
    if kind == "int":
        whole = pl.when(_accounting_zero(s, currency)).then(pl.lit("0")).otherwise(s) if _is_amount(spec) else s
        return _whole_number(_number_text(whole, dialect, _is_amount(spec)), present, "unparsable_number")
    if kind in ("term", "term_years"):
        # '36', '36 Months', '36 mths', '36M'; '3 years', '2.5 yrs' -> 36 and 30 months in either kind,
        # a bare number in the kind's unit; 2.3 years (27.6 months) is no term
        term = s.str.to_lowercase().str.extract_groups(TERM_TEXT)
        years = term.struct.field("unit").str.starts_with("y").fill_null(kind == "term_years")
        number = term.struct.field("number").cast(pl.Float64, strict=False)
        months = pl.when(years).then((number * 12).round(6)).otherwise(number)
        return _whole_number(months.cast(pl.Utf8), present, "unparsable_value")
    if kind == "flag":
        # a number format may write the flag '1.00' or '01' ('1,00' in a decimal-comma tape): a number
        # equal to 1 or 0 in the tape's dialect is the flag ('1.000' there is a thousand, no flag)
        number = _number_text(s.str.replace(r"^\+", ""), dialect).cast(pl.Float64, strict=False)
        word = _flag_word(s)
        flag = pl.coalesce(word.replace_strict(_FLAG_WORDS | CHECKBOX_TICKS, default=None, return_dtype=pl.Int64),
                           pl.when(number.is_in([0.0, 1.0])).then(number.cast(pl.Int64)))
        if spec.target == "new_business":
            # 2s in the column, more than a typo's: SBA's NewExist codes (1 existing, 2 new), whose 1 a flag
            # would read as 'new'; every value of the column is in doubt, none is loaded as a flag (a lone
            # 2 is that row's unparsable_value)
            twos = (number == 2.0).sum()
            coded = (twos >= NEW_EXIST_TWOS_MIN) & (twos >= NEW_EXIST_SHARE_MIN * present.sum())
            return pl.when(~coded).then(flag), lambda v: (pl.when(present & coded).then(pl.lit("new_exist_code"))
                                                          .when(present & v.is_null()).then(pl.lit("unparsable_value")))
        return flag, failed("unparsable_value")
    if kind in COLUMN_AWARE_KINDS:
        raise ValueError(f"{kind} column {spec.source} is typed with the rest of its column (COLUMN_AWARE_KINDS)")
    if kind == "new_exist":
        # pandas writes an integer column holding a missing value as floats: '2.0' is the code 2
        code = s.str.replace(r"^(\d+)\.0*$", "$1")
        flag = code.replace_strict({"1": 0, "2": 1, "0": None}, default=None, return_dtype=pl.Int64)
        return flag, lambda v: pl.when(present & ~code.is_in(["0", "1", "2"])).then(pl.lit("unparsable_value"))
    if kind == "fiscal_year":
        return s.str.extract(r"^(\d{4})[A-Za-z]?$", 1).cast(pl.Int64, strict=False), failed("unparsable_value")
    if kind == "date":
        if spec.fmt in EPOCH_FORMATS:
            return _epoch_date(s, *EPOCH_FORMATS[spec.fmt], present)
        if spec.fmt == QUARTER_FORMAT:
            return _quarter_date(s, present)
        return _date(_date_text(s, spec.fmt), spec.fmt or "%Y-%m-%d", present, as_of or date.today())
    raise ValueError(f"unknown field kind {kind!r} for column {spec.source}")


def _ratio_in_unit(s: pl.Expr, number_text: pl.Expr, number: pl.Expr, kind: str, unit_power: int) -> pl.Expr:
    """A ratio of a RATE_KINDS column (`s` as written, `number_text` its `_number_text`, `number` that
    read as a float) in its target's unit, `unit_power` powers of ten above a fraction (RATIO_UNITS:
    0 for int_rate, 2 for dti's percent points). A value with its '%' is a percent in any of the
    types (10.65% is 0.1065 in a fraction column too: a workbook cell formatted as a percent). The
    decimal mark is moved in the text, so the value is the decimal as written: 0.07% is 0.0007 and
    0.2313 as a fraction is 23.13 percent points, where float arithmetic gives 0.0007000000000000001
    and 23.130000000000003. Text in another form (scientific notation) is multiplied and rounded to
    12 places."""
    power = pl.when(s.str.ends_with("%")).then(pl.lit(RATE_KIND_POWER["percent"])).otherwise(
        pl.lit(RATE_KIND_POWER[kind])) + unit_power
    shifted = pl.coalesce(*(pl.when(power == places).then(_decimal_shifted(number_text, places))
                            for places in sorted({RATE_KIND_POWER["percent"] + unit_power,
                                                  RATE_KIND_POWER[kind] + unit_power})))
    return pl.when(number.is_not_null()).then(
        pl.coalesce(shifted.cast(pl.Float64, strict=False), (number * 10.0 ** power).round(12)))


def _decimal_shifted(text: pl.Expr, places: int) -> pl.Expr:
    """`_number_text`'s plain decimal `text` times 10 ** `places`, by moving its decimal mark ('23.13'
    and -2 -> '00.2313', '0.2313' and 2 -> '023.13'); NULL for text in another form."""
    if places >= 0:
        return _scaled_number_text(text, 10 ** places)
    parts = text.str.extract_groups(r"^([+-]?)(\d*)(?:\.(\d*))?$")
    whole = pl.lit("0" * -places) + parts.struct.field("2")
    return pl.when(parts.struct.field("2").is_not_null()).then(pl.concat_str(
        parts.struct.field("1"), whole.str.head(places), pl.lit("."), whole.str.tail(-places),
        parts.struct.field("3").fill_null("")))


def _scaled_number_text(text: pl.Expr, scale: int) -> pl.Expr:
    """`_number_text`'s text of an amount written in units of `scale` (a power of ten, the column's
    AMOUNT_SCALES) with its decimal mark moved that many places right: '12.5' in thousands -> '12500',
    '-0.0125' -> '-0012.5', '12.345678' -> '12345.678'; exact, where multiplying the float would give
    12.345 * 1000 = 12344.999999999998. NULL for text in another form (scientific notation), which
    the caller multiplies."""
    places = len(str(scale)) - 1
    parts = text.str.extract_groups(r"^([+-]?)(\d*)(?:\.(\d*))?$")
    fraction = pl.concat_str(parts.struct.field("3").fill_null(""), pl.lit("0" * places))
    rest = fraction.str.slice(places)
    return pl.concat_str(parts.struct.field("1"), parts.struct.field("2"), fraction.str.slice(0, places),
                         pl.when(rest != "").then(pl.lit(".") + rest).otherwise(pl.lit("")))


_UTC_TIMED = r"^(\d{4}-\d{2}-\d{2})[T ]((?:[01]\d|2[0-3]):[0-5]\d)(?::00(?:[.,]0+)?)?(?:\s*(?:Z|UTC|GMT)|\s?[+-]00(?::?00)?)$"
"""A date-time written in UTC ('2011-12-31T23:00:00.000Z', JavaScript's toISOString): (date, HH:MM)."""


MIDNIGHT_SHARE, MIDNIGHT_MIN_VALUES = 0.9, 10
"""A date column of at least 10 timed values, 90% of them at one local-midnight time (or two an
hour apart) in UTC, is a column of local midnights with a few real times among them (a record
edited by hand): its midnights read as the local dates, the rest as written. A smaller column, or
a smaller share, must be all midnights."""


UTC_OFFSETS_EAST_MINUTES = frozenset({60 * h for h in range(1, 12)} | {210, 270, 330, 345, 390, 525, 570, 630})
"""The offsets east of UTC that zones use, in minutes, up to 11 hours (IANA tz database): whole
hours, Iran's +3:30, Afghanistan's +4:30, India's +5:30, Nepal's +5:45, Myanmar's +6:30, Eucla's
+8:45, Adelaide's +9:30 and Lord Howe's +10:30. A local midnight written in UTC is 24:00 less one of
them (23:00, 18:30, 18:15, ...); 23:59, an end-of-day stamp, is none."""


def _local_midnight_times(counts: list[tuple[str, int]]) -> list[str]:
    """The one or two times of day ('23:00', or '22:00' and '23:00' for standard and summer time)
    that are a zone's local midnight written in UTC, from (HH:MM, count) pairs, most frequent first:
    after 12:00 (a midnight east of UTC), 24:00 less a zone's offset (UTC_OFFSETS_EAST_MINUTES) and,
    for two, an hour apart; [] when the most frequent is no such time."""
    minutes = [int(t[:2]) * 60 + int(t[3:]) for t, _ in counts[:2]]
    midnights = [m > 12 * 60 and 24 * 60 - m in UTC_OFFSETS_EAST_MINUTES for m in minutes]
    if not midnights or not midnights[0]:
        return []
    if len(minutes) == 2 and abs(minutes[1] - minutes[0]) == 60 and midnights[1]:
        return sorted(t for t, _ in counts[:2])
    return [counts[0][0]]


def _local_midnights_read(times: pl.Series, timed: int) -> list[str]:
    """The local-midnight times of day ('23:00', or '22:00' and '23:00') at which a date column's
    values written in UTC are read as the next day's local dates (`_local_midnights_in_utc`), [] when
    the column is not read so. `times`: each value's HH:MM in UTC, null where it writes none in UTC
    on the minute; `timed`: how many values carry a time of day. Read so when every timed value is
    at those times, or MIDNIGHT_SHARE of MIDNIGHT_MIN_VALUES or more are."""
    midnights = _local_midnight_times(times.drop_nulls().value_counts(sort=True).rows())
    covered = times.is_in(midnights).fill_null(False).sum()
    if not covered or (covered < timed and (timed < MIDNIGHT_MIN_VALUES or covered < MIDNIGHT_SHARE * timed)):
        return []
    return midnights


def _local_midnights_in_utc(frame: pl.DataFrame, specs: list[FieldSpec]) -> tuple[pl.DataFrame, dict[str, object]]:
    """Date columns (ISO 8601: no format declared, or `%Y-%m-%d`) whose values are local midnights written in UTC, read as
    the local dates: a server east of UTC stores a loan booked on 1 January at midnight Berlin time
    and JavaScript's toISOString() writes it '2011-12-31T23:00:00.000Z' (22:00 in summer time), so
    the date as written is the day before, for every loan, and vintages and month ends move.

    A column is read so when every value that carries a time (or 90% of 10 or more:
    MIDNIGHT_SHARE) is in UTC, on the minute, at one time
    of day or two an hour apart (the zone's standard and summer offsets), after 12:00: local
    midnight east of UTC, UTC+1 to UTC+11 (a time before noon is a midnight west of UTC, whose UTC
    date is already the local one; a column at 00:00 is in UTC itself; 12:00 is the noon some
    systems store a date at, to keep it in any zone). Such values become the next day's date,
    before the column is parsed.

    Returns the frame and {column: "<n> values at 22:00/23:00 UTC read as the next day's local
    midnight"} for each column moved."""
    moved: dict[str, object] = {}
    for spec in specs:
        if spec.kind != "date" or spec.fmt not in (None, "%Y-%m-%d"):  # ISO dates, declared or not
            continue
        text = pl.col(_src(spec.source))
        timed = frame.select(text.str.contains(_ISO_DATE_TIME).sum()).item()
        if not timed:
            continue
        times = frame.select(text.str.extract_groups(_UTC_TIMED).struct.field("2")).to_series()  # HH:MM in UTC, or null
        midnights = _local_midnights_read(times, timed)
        if not midnights:
            continue
        at_midnight = times.is_in(midnights).fill_null(False)
        covered = at_midnight.sum()
        next_day = (text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
                    + pl.duration(days=1)).dt.strftime("%Y-%m-%d")
        frame = frame.with_columns(pl.when(at_midnight).then(next_day).otherwise(text).alias(_src(spec.source)))
        others = f"; {timed - covered} values at other times kept their date as written" if covered < timed else ""
        moved[spec.source] = (f"{covered} values at {' and '.join(midnights)} UTC read as the next day's local "
                              f"midnight (a zone east of UTC, written in UTC){others}")
    return frame, moved


def zip_column_holds(values: pl.Series) -> str:
    """What one file's zip column holds, from its trimmed values (text): 'zip5' when more than
    ZIP_COLUMN_SHARE of the non-empty values are five-digit ZIPs or ZIP+4 (_ZIP5) or four digits
    that lost a leading zero (_ZIP_LOST_ZERO); 'zip3' when more than that share are zip3s
    (_ZIP3_WRITTEN: LendingClub's '860xx', or three digits); else 'mixed'. An empty column is 'zip3'
    (no value to read either way)."""
    text = values.str.to_lowercase().filter(values != "")
    if text.len() == 0:
        return "zip3"
    five = (text.str.contains(_ZIP5) | text.str.contains(_ZIP_LOST_ZERO)).sum()
    three = text.str.contains(_ZIP3_WRITTEN).sum()
    if five > ZIP_COLUMN_SHARE * text.len():
        return "zip5"
    if three > ZIP_COLUMN_SHARE * text.len():
        return "zip3"
    return "mixed"


def _zip_restored(s: pl.Expr, holds: str) -> pl.Expr:
    """The zip text with the leading zeros a spreadsheet dropped put back: four digits always
    ('2134' -> '02134'); one to three digits in a column of five-digit ZIPs ('501' -> '00501')."""
    text = s.str.to_lowercase().str.replace(_ZIP_LOST_ZERO, "0$0")
    if holds == "zip5":
        text = pl.when(text.str.contains(_ZIP_SHORT)).then(text.str.zfill(5)).otherwise(text)
    return text


def _zip3(s: pl.Expr, holds: str) -> tuple[pl.Expr, RuleOf]:
    """(zip3, rule) for the trimmed text `s` of a zip column that holds `holds` (see
    `zip_column_holds`). A ZIP that names no place (_ZIP_NOT_A_PLACE) is NULL without a rule (the
    caller counts it). One to three digits are a zip3 in a 'zip3' column ('860'; one or two digits
    there are `zip_ambiguous`: '21' may be zip3 021 or ZIP 00021), a ZIP that lost its zeros in a
    'zip5' column, and `zip_ambiguous` in a 'mixed' one. Anything else that is no ZIP is
    `unparsable_value`."""
    present = s != ""
    text = _zip_restored(s, holds)
    short = text.str.contains(_ZIP_SHORT)
    ambiguous = short & (pl.lit(holds == "mixed") | ((holds == "zip3") & (text.str.len_chars() < 3)))
    not_a_place = text.str.contains(_ZIP_NOT_A_PLACE)
    value = pl.when(~ambiguous & ~not_a_place).then(text.str.extract(_ZIP3, 1))
    return value, lambda v: (pl.when(present & ambiguous).then(pl.lit("zip_ambiguous"))
                             .when(present & ~not_a_place & v.is_null()).then(pl.lit("unparsable_value")))


def _strptime(s: pl.Expr, fmt: str) -> pl.Expr:
    """Date from text in `fmt`; a format without a day (%d, %j) means the first of the month."""
    if "%d" in fmt or "%j" in fmt:
        return s.str.strptime(pl.Date, fmt, strict=False)
    return (pl.lit("01-") + s).str.strptime(pl.Date, "%d-" + fmt, strict=False)


SERIAL_DATE_TEXT = r"^\d{5}(?:\.\d+)?$"
"""A spreadsheet day number where a date was expected (35489, 35489.5 with a time of day): serial_date."""


EXCEL_DAY_ZERO = datetime(1899, 12, 30)
"""Day 0 of Excel's 1900 date system for every day after 1900-02-28 (workbook.WINDOWS_EPOCH)."""


def serial_date_said(text: str) -> str:
    """The serial_date message of a date value written as a spreadsheet day number (SERIAL_DATE_TEXT:
    '40878', '40878.0', '35489.5' with a time of day), naming the day it is in Excel's 1900 date
    system, the one a CSV saved from Excel counts in: "... (40878 is Excel's day for 2011-12-01: ...",
    "35489.5 is Excel's day for 1997-02-28 12:00"."""
    number = text.strip()
    days = float(number)
    moment = EXCEL_DAY_ZERO + timedelta(minutes=round(days * 24 * 60))
    day = moment.strftime("%Y-%m-%d %H:%M" if moment.time() != datetime.min.time() else "%Y-%m-%d")
    return SERIAL_DATE_SAID.format(day=f"{number} is Excel's day for {day}")


def _unread_date_rule(s: pl.Expr) -> pl.Expr:
    """The rule of a date value `s` that reads as no date: serial_date for a day number, else unparsable_date."""
    return pl.when(s.str.contains(SERIAL_DATE_TEXT)).then(pl.lit("serial_date")).otherwise(pl.lit("unparsable_date"))

TWO_DIGIT_YEAR_SLACK = 10
"""Years after the reference date a two-digit-year date may lie before it is read as last century's."""


def _century_window(reference: date) -> date:
    return reference.replace(year=reference.year + TWO_DIGIT_YEAR_SLACK, day=min(reference.day, 28))


TERM_TEXT = r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>months?|mths?|mos?|m|years?|yrs?|y)?$"
"""A loan term as tapes write it, lowercased: a number and an optional unit of months ('36 months',
'36 mths', '36 mos', '36m') or years ('3 years', '3 yrs', '3y')."""


def _whole_number(text: pl.Expr, present: pl.Expr, rule: str) -> tuple[pl.Expr, RuleOf]:
    """Int64 from number text ('36', '36.0'); a number with a fraction ('36.9') is NULL with rule
    not_whole_number, never cut to 36; a whole number too large to hold exactly
    (99999999999999999999) is value_out_of_range; text that is no number gets `rule`."""
    number = text.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.floor()) & (number.abs() < 2.0**53)
    value = pl.coalesce(text.cast(pl.Int64, strict=False), pl.when(whole).then(number.cast(pl.Int64)))
    too_large = number.is_finite() & (number == number.floor())  # whole, but past Int64 or 2^53
    return value, lambda v: pl.when(present & v.is_null()).then(
        pl.when(too_large).then(pl.lit("value_out_of_range"))
        .when(number.is_finite()).then(pl.lit("not_whole_number")).otherwise(pl.lit(rule)))


def _date(s: pl.Expr, fmt: str, present: pl.Expr, reference: date, builtin_months: bool = False
          ) -> tuple[pl.Expr, RuleOf]:
    """Date from text in `fmt` (strftime codes); a format without %d means the first of the month.
    Years outside 1900-2100 fail (a two-digit year read by %Y as year 11). With a two-digit year
    (%y), a date more than TWO_DIGIT_YEAR_SLACK years after `reference` (the tape's as-of date, else
    today) is put in the century before: strptime's pivot would put 'Nov-68' in 2068 and a credit
    line opened 'Mar-50' in 2050. A date just after the reference ('15/03/27' on a 2026 tape) keeps
    its century, so the plausibility rules (issue_after_asof) see it; shifts are counted in the notes
    (two_digit_year_shifted). `builtin_months`: a built-in format's month column (LendingClub's
    `%b-%Y`), read in the form the file writes it (`_written_date_forms`) and only in that form's
    shape (`_read_date`), is a month whatever the form: a full date loads as its month's first day
    (`2011-01-31` is January 2011, as a workbook's day number and a Parquet date are), and its
    placeholders are months (`2011-12-01` too), so January 1970 is a real month there."""
    read, value, placeholder = _date_reading(s, fmt, reference, builtin_months)
    in_doubt = _order_in_doubt(s, fmt, read, value, present, reference)
    if builtin_months:  # a month column holds months, in every form it is written in
        value = value.dt.month_start()
    return value, lambda v: (
        pl.when(present & placeholder).then(pl.lit("placeholder_date"))
        .when(present & v.is_null())
        .then(_unread_date_rule(s))
        .when(in_doubt).then(pl.lit("date_order_in_doubt"))
    )


def _date_text(s: pl.Expr, fmt: str | None) -> pl.Expr:
    """The date a date column's stripped text `s` writes, as a column declared `fmt` (None: ISO
    8601) is read: an ISO date-time's calendar date (`_ISO_DATE_TIME`), or, under a format without
    time codes, the text before a time of day (`_TIME_OF_DAY_TAIL`: '01DEC2011:00:00:00' under
    %d%b%Y is '01DEC2011'); other text as it is."""
    if fmt is None:
        return pl.when(s.str.contains(_ISO_DATE_TIME)).then(s.str.slice(0, 10)).otherwise(s)
    if not _has_time_codes(fmt):
        return s.str.replace(_TIME_OF_DAY_TAIL, "")
    return s


class _DateReading(NamedTuple):
    """A date column's text as its format reads it (`_date_reading`), each a Date expression."""
    read: pl.Expr
    """The dates as the format reads them, a two-digit year's century set (`_date`), placeholder
    dates and years outside 1900-2100 still in: NULL only where the text is no date in the format."""
    value: pl.Expr
    """The dates that load: `read` without placeholder dates and years outside 1900-2100."""
    placeholder: pl.Expr
    """True where `read` is a placeholder date (`_placeholder`), False elsewhere, NULL included."""


def _date_reading(s: pl.Expr, fmt: str, reference: date, builtin_months: bool = False,
                  shaped: bool = False) -> _DateReading:
    """How a date column's text `s` reads in `fmt`, as `_date` (which documents `reference` and
    `builtin_months`) reads it: what flags a value and what its message says come from this one
    reading. A built-in month column's `value` is its dates as written, not yet their months.
    `shaped`: read only text in the form's shape (`_read_date`), as a built-in format's day column
    (SBA's, `_sba_date`) is; a month column always is."""
    read = _read_date(s, fmt) if builtin_months or shaped else _strptime(s, fmt)
    if (width := _fixed_width(fmt)) is not None:  # '2011121' in %Y%m%d: 2011-12-01 or 2011-01-21?
        read = pl.when(s.str.len_chars() == width).then(read)
    if "%y" in fmt:  # a two-digit year decades ahead of the tape is last century's ('Mar-50' is 1950)
        read = pl.when(read > pl.lit(_century_window(reference))).then(read.dt.offset_by("-100y")).otherwise(read)
    has_day = ("%d" in fmt or "%j" in fmt) and not builtin_months
    placeholder = _placeholder(read if has_day else read.dt.month_start(), has_day) | _placeholder_written(s, has_day)
    value = pl.when(read.dt.year().is_between(1900, 2100) & ~placeholder).then(read)
    return _DateReading(read, value, placeholder)


ORDER_IN_DOUBT_SHARE = 0.05
"""Share of a date column's dates that read only with day and month swapped (at least 2) from which
the column is taken to hold both orders, and its dates that read both ways are in doubt."""
ORDER_NEIGHBOURS, ORDER_NEARBY_CONTRADICTIONS = 10, 3
"""A date that reads both ways is in doubt too when 3 or more of the 10 rows either side of it
(and itself) read only swapped: a block of day-first rows joined to a month-first file (20 UK rows
after 500 US ones), too small a part of the file for ORDER_IN_DOUBT_SHARE."""


def _order_in_doubt(s: pl.Expr, fmt: str, read: pl.Expr, value: pl.Expr, present: pl.Expr, reference: date) -> pl.Expr:
    """True on the values of a date column that read in the declared `fmt` only by chance: the
    column contradicts its format (more of its values read only with day and month swapped,
    `28/02/1997` under `%m/%d/%Y`, than read only as declared), or holds both orders (at least 2
    and ORDER_IN_DOUBT_SHARE of its dates read only swapped: rows of two systems joined; or
    ORDER_NEARBY_CONTRADICTIONS among the rows around the value: a small block joined), and the
    value reads both ways as two different days (`02/07/2006`: 7 February or 2 July?). Those
    would load with day and month swapped; they are quarantined as date_order_in_doubt. In a
    year-first format (ISO 8601's order: `%Y-%m-%d`, `%Y%m%d`) the column is not outvoted by a few
    values, since dates all on the 1st read both ways and a typo would put every one in doubt; the
    two other signs still hold. False for a format without both %d and %m, and wherever the column bears its format out (a mistyped day
    or two among many month-first ones stay unparsable_date alone). `read`: the values as `fmt` reads them, a
    placeholder date (1900-01-01) included, so that it counts as read, not as a contradiction;
    `value`: the values that load."""
    if "%d" not in fmt or "%m" not in fmt:
        return pl.lit(False)
    evidence = _order_evidence(s, fmt, read, value, present, reference)
    return evidence["both_ways"] & (evidence["outvoted"] | evidence["written_both_ways"] | evidence["nearby_doubt"])


def _swapped_format(fmt: str) -> str:
    """`fmt` with day and month the other way round (`%d/%m/%Y` -> `%m/%d/%Y`)."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _order_evidence(s: pl.Expr, fmt: str, read: pl.Expr, value: pl.Expr, present: pl.Expr, reference: date
                    ) -> dict[str, pl.Expr]:
    """What a date column in `fmt` (with %d and %m) says of its day/month order (`_order_in_doubt`):
    `contradicts` and `confirms`, how many of its values read only with day and month swapped or
    only as declared; `nearby`, how many of the rows around each value (ORDER_NEIGHBOURS either side,
    itself included) read only swapped; `both_ways`, whether a value reads both ways as two different
    days; and the three signs that put such a value in doubt, `outvoted`, `written_both_ways` and
    `nearby_doubt`."""
    # read as the declared format is, a two-digit year's century included: '05/05/55' is one day
    # either way round, 5 May 1955, not 1955 one way and 2055 the other
    swapped = _date_reading(s, _swapped_format(fmt), reference).read
    swapped = pl.when(swapped.dt.year().is_between(1900, 2100)).then(swapped)
    contradicting = present & read.is_null() & swapped.is_not_null()
    contradicts, confirms = contradicting.sum(), (present & read.is_not_null() & swapped.is_null()).sum()
    both_ways = present & value.is_not_null() & swapped.is_not_null() & (value != swapped)
    # rows of two systems joined into one file (US rows, then UK rows): a twentieth of the dates
    # read only the other way is no slip but a second order, in which any date may be written;
    # so is a run of them among the rows around a date, when the joined block is a small part
    written_both_ways = (contradicts >= 2) & (contradicts >= ORDER_IN_DOUBT_SHARE * (contradicts + confirms + both_ways.sum()))
    nearby = contradicting.cast(pl.Int32).rolling_sum(window_size=2 * ORDER_NEIGHBOURS + 1, center=True, min_samples=1)
    # a year-first format is ISO 8601's order: one value that reads only swapped ('20111301' among
    # first-of-the-month dates, which all read both ways) is a typo, not a second order; rows of
    # another order joined in still show by their number or their run
    outvoted = (contradicts > confirms) if not fmt.startswith("%Y") else pl.lit(False)
    return {"contradicts": contradicts, "confirms": confirms, "nearby": nearby, "both_ways": both_ways,
            "outvoted": outvoted, "written_both_ways": written_both_ways,
            "nearby_doubt": nearby >= ORDER_NEARBY_CONTRADICTIONS}


def _order_in_doubt_said(s: pl.Expr, fmt: str, present: pl.Expr, reference: date, builtin_months: bool = False,
                         shaped: bool = False) -> pl.Expr:
    """The date_order_in_doubt message of each value of a date column declared `fmt` (its text `s`,
    `present` and `reference` as `_date` was given them, so that the message weighs the evidence
    that put the value in doubt): the declared format and the other order, each with an example
    day, how many of the column's values read only each way, and which sign put the value in doubt
    (`_order_evidence`): the column read mostly the other way, or holding both orders, by its count
    or by a run of rows around the value. `builtin_months`, `shaped`: the column is read so
    (`_date_reading`)."""
    read, value, _ = _date_reading(s, fmt, reference, builtin_months, shaped)
    evidence = _order_evidence(s, fmt, read, value, present, reference)
    other = _swapped_format(fmt)
    read_in = f"{fmt!r} (as {_FORMAT_EXAMPLE_DAY.strftime(fmt)})"
    declared = (f"the form the column is read in, {read_in}," if builtin_months or shaped  # a built-in format's
                else f"the column's declared format {read_in}")
    swapped = f"{other!r} (as {_FORMAT_EXAMPLE_DAY.strftime(other)})"
    counted = pl.format(f"{{}} of the column's values read only with day and month the other way round, {swapped}, "
                        f"and {{}} only {'in that form' if builtin_months or shaped else 'as declared'}",
                        evidence["contradicts"], evidence["confirms"])
    why = (pl.when(evidence["outvoted"]).then(pl.format("{}: the column reads mostly the other way", counted))
           .when(evidence["written_both_ways"]).then(pl.format(
               "{}: the column holds dates in both orders (rows of two systems joined?)", counted))
           .otherwise(pl.format(
               f"{{}} of the {2 * ORDER_NEIGHBOURS + 1} rows around it read only the other way round, {swapped} "
               "(a block of rows in the other order joined in?); of the whole column {}", evidence["nearby"], counted)))
    return pl.format(f"reads as a date both in {declared} and the other way round, as two different days, and {{}}, "
                     f"so which day this one is cannot be told: write the column in one order, or declare the "
                     f"format each file writes (rows in {other!r} in a file of their own)", why)


def _epoch_date(s: pl.Expr, unit: str, epoch: date, present: pl.Expr) -> tuple[pl.Expr, RuleOf]:
    """Date (UTC) from a count of `unit` (polars time unit: d, s, ms, us) since `epoch` at 00:00
    UTC (mappings.EPOCH_FORMATS): 1970-01-01 as an Avro date or a database timestamp exported as a
    number writes it (mapping format `unix_days`, `unix_seconds`, ...), 1960-01-01 as SAS and Stata
    do (`sas_days`, `stata_days`: 13573 is 1997-02-28; `sas_seconds`, `stata_milliseconds`). A
    fraction is allowed for seconds and finer; 0 is the epoch itself, what a NULL written as 0
    becomes (placeholder_date); dates in the epoch's year, when they are half the column or more,
    are counts in a coarser unit than declared (seconds under unix_milliseconds: 857088000 is
    1970-01-10), epoch_unit_in_doubt; a year outside 1900-2100 or text is unparsable_date."""
    number = s.cast(pl.Float64, strict=False)
    whole = number.floor() == number
    before_unix = (UNIX_EPOCH - epoch).days  # 3653 for SAS and Stata: counts are moved to Unix time
    if unit == "d":
        value = pl.from_epoch((pl.when(whole).then(number) - before_unix).cast(pl.Int64), time_unit="d")
    else:
        microseconds = number * _EPOCH_TO_MICROSECONDS[unit] - before_unix * 86_400_000_000
        value = pl.from_epoch(microseconds.cast(pl.Int64), time_unit="us").dt.date()
    placeholder = (number == 0).fill_null(False)
    # seconds read as milliseconds (or days as seconds) put the column's dates in the epoch's first
    # year; a book with some real loans of 1970 (SBA's go back to 1962) has most of them elsewhere
    in_epoch_year = (value.dt.year() == epoch.year).fill_null(False) & ~placeholder
    near_epoch = in_epoch_year & (in_epoch_year.sum() >= EPOCH_UNIT_SHARE * (present & ~placeholder).sum())
    value = pl.when(value.dt.year().is_between(1900, 2100) & ~placeholder & ~near_epoch).then(value)
    return value, lambda v: (pl.when(present & placeholder).then(pl.lit("placeholder_date"))
                             .when(present & near_epoch).then(pl.lit("epoch_unit_in_doubt"))
                             .when(present & v.is_null()).then(pl.lit("unparsable_date")))


_QUARTER_FORMS = (
    (r"^(?P<year>\d{4})\s*[-/ ]?\s*Q(?P<quarter>[1-4])$", 4),  # 2024Q2, 2024-Q2, 2024 Q2
    (r"^Q(?P<quarter>[1-4])\s*[-/ ]?\s*(?P<year>\d{4})$", 4),  # Q2 2024, Q2-2024
    (r"^Q(?P<quarter>[1-4])\s*[-/ ]?\s*(?P<year>\d{2})$", 2),  # Q2/24
    (r"^(?P<quarter>[1-4])Q\s*[-/ ]?\s*(?P<year>\d{4})$", 4),  # 2Q2024
    (r"^(?P<quarter>[1-4])Q\s*[-/ ]?\s*(?P<year>\d{2})$", 2),  # 2Q24
)
"""How a reporting quarter is written (any case), with the digits of its year."""


def _quarter_date(s: pl.Expr, present: pl.Expr) -> tuple[pl.Expr, RuleOf]:
    """The first day of the calendar quarter `s` names (`2024Q2` -> 2024-04-01; `snapshot_date` then
    takes the quarter's last day), mapping format `quarter`. A two-digit year is 2000-2049 for 00-49,
    1950-1999 for 50-99. Anything else is unparsable_date."""
    text = s.str.strip_chars().str.to_uppercase()
    year, quarter = pl.lit(None, pl.Int32), pl.lit(None, pl.Int32)
    for pattern, digits in _QUARTER_FORMS:
        found = text.str.extract_groups(pattern)
        y = found.struct.field("year").cast(pl.Int32, strict=False)
        if digits == 2:
            y = pl.when(y < 50).then(y + 2000).otherwise(y + 1900)
        year = pl.coalesce(year, y)
        quarter = pl.coalesce(quarter, found.struct.field("quarter").cast(pl.Int32, strict=False))
    value = pl.date(year, 3 * quarter - 2, 1)
    value = pl.when(year.is_between(1900, 2100)).then(value)
    return value, lambda v: pl.when(present & v.is_null()).then(pl.lit("unparsable_date"))


_EPOCH_TO_MICROSECONDS = {"s": 1_000_000, "ms": 1_000, "us": 1}
EPOCH_UNIT_SHARE = 0.5
"""Share of an epoch date column's dates (the epoch itself aside) in the epoch's first year (1970,
1960 for SAS and Stata) from which they are counts in a coarser unit than declared, not loans of
that year."""


def _placeholder(value: pl.Expr, has_day: bool) -> pl.Expr:
    """True where a parsed date is a database's or spreadsheet's default date (PLACEHOLDER_DATES; in a
    format without a day, the placeholder months), False elsewhere (NULL included)."""
    if has_day:
        return value.is_in(list(PLACEHOLDER_DATES)).fill_null(False)
    return value.is_in(_MONTH_PLACEHOLDERS).fill_null(False)


def _placeholder_texts(has_day: bool) -> list[str]:
    """PLACEHOLDER_DATES as the four-digit-year forms of WRITTEN_DATE_FORMS write them, upper case,
    with and without leading zeros in day and month (`9999-12-31`, `12/31/9999`, `31.12.9999`,
    `31-DEC-9999`, `31DEC9999`, `99991231`, `1/1/1900`); without `has_day` (a month column),
    1970-01-01 is left out, January 1970 being a real month there."""
    texts = set()
    for day in PLACEHOLDER_DATES:
        if not has_day and day == date(1970, 1, 1):
            continue
        y, b = f"{day.year:04d}", _MONTH_ABBREVIATIONS[day.month - 1]
        for m, d in ((f"{day.month:02d}", f"{day.day:02d}"), (str(day.month), str(day.day))):
            texts |= {f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{m}/{d}/{y}", f"{d}/{m}/{y}", f"{d}.{m}.{y}",
                      f"{d}-{b}-{y}", f"{d}{b}{y}"}
        texts.add(f"{y}{day.month:02d}{day.day:02d}")
    return sorted(texts)


_MONTH_ABBREVIATIONS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _placeholder_written(s: pl.Expr, has_day: bool = True) -> pl.Expr:
    """True where a date column's text writes a database's or spreadsheet's default date
    (`_placeholder_texts`), a midnight after it or not, whatever form the column is read in: a
    placeholder is recognised before the column's form, so an SBA `28-Feb-97` column's `9999-12-31`
    is `placeholder_date`, not a date written in another form than the column's."""
    text = s.str.strip_chars().str.replace(_MIDNIGHT_TAIL, "").str.to_uppercase()
    return text.is_in(_placeholder_texts(has_day)).fill_null(False)


_ZONE = r"(?:\s*(?:Z|UTC|GMT)|\s?[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)"
"""A time's zone as exports write it after the time: `Z`, `UTC` (BigQuery's CSV), `GMT`, or an
offset with or without a space before it (`-0800`, Snowflake's; `+02:00`; `+02`, PostgreSQL's)."""
_ISO_DATE_TIME = (r"^\d{4}-\d{2}-\d{2}[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?"
                  rf"{_ZONE}?$")
"""An ISO 8601 date-time ('2011-12-01 00:00:00', '2011-12-01T22:30:00-05:00', '...Z') in a date
column that declares no format: a database export writes its DATE columns so. The column holds a
calendar date, so the date is read as written, in the zone the time was written in (a loan booked
on the 1st at 22:30 New York time was booked on the 1st, though it was the 2nd in UTC); the time,
which must be a valid one (no hour 25), is dropped and counted in notes['date_time_of_day_dropped']."""


_TIME_OF_DAY_TAIL = (r"(?:[T ](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"
                     r"|:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:[.,]\d{1,9})?)"
                     rf"(?:\s?[AaPp]\.?[Mm]\.?)?{_ZONE}?$")
"""A time of day after a date in a declared format that has none: SAS's DATETIME20.
`01DEC2011:00:00:00`, Excel's date-time cell saved as CSV `12/1/2011 0:00` or `1/15/2012 12:00 AM`,
a warehouse's `... 00:00:00.000 -0800`. The column holds a calendar date, so, as for an ISO
date-time (`_ISO_DATE_TIME`), the date is read as written, in the zone the time was written in, and
the time (a valid one: no hour 25) is dropped and counted in notes['date_time_of_day_dropped'].
After a colon (SAS) it takes hours, minutes and seconds, so a date written `2011:12:01` is no time."""


_MIDNIGHT_TAIL = (r"(?:[T ](?:0?0:00(?::00(?:[.,]0{1,9})?)?(?:\s?[Aa]\.?[Mm]\.?)?|12:00(?::00(?:[.,]0{1,9})?)?\s?[Aa]\.?[Mm]\.?)"
                  rf"|:00:00:00(?:[.,]0{{1,9}})?){_ZONE}?$")
"""A midnight after a date (`_TIME_OF_DAY_TAIL` at 00:00): a database's DATE exported as a date-time
`1997-02-28 00:00:00`, Excel's date cell saved as CSV `2/28/1997 0:00` or `12:00:00 AM`, SAS's
DATETIME20. `28FEB1997:00:00:00`. A built-in format's date column drops it (notes
`date_time_of_day_dropped`); any other time of day leaves its value unread there, since a time
such as 23:00 may be a local midnight written in UTC, a day off (`_local_midnights_in_utc`)."""


ISO_DATE_TIME_FORMAT = re.compile(r"%Y-%m-%d(?:[T ]%H:%M(?::%S(?:\.%f)?)?(?:Z|%z| ?UTC)?)?")
"""A declared format that is ISO 8601 written out (`%Y-%m-%dT%H:%M:%S.%fZ`, `%Y-%m-%d %H:%M:%S`):
read as the undeclared ISO column is (`_ISO_DATE_TIME`, `_local_midnights_in_utc`), so a column of
local midnights written in UTC gives the local dates whichever way the mapping names ISO."""


def _has_time_codes(fmt: str) -> bool:
    """Whether a strftime format reads a time of day itself (%H, %I, %M, %S, %p, %f, %z, %X, %c)."""
    return re.search(r"%[HIMSpfzXcT]", fmt) is not None


_CODE_WIDTHS = {"%Y": 4, "%y": 2, "%m": 2, "%d": 2, "%j": 3, "%H": 2, "%M": 2, "%S": 2}


def _fixed_width(fmt: str) -> int | None:
    """The width of a date format of digits only, without separators ('%Y%m%d' -> 8), else None.
    Such a format reads only text of exactly that width: strptime would read an unpadded
    '2011121' one way of two (month 12, day 1 or month 1, day 21)."""
    codes = re.findall(r"%[A-Za-z]", fmt)
    if "".join(codes) != fmt or any(code not in _CODE_WIDTHS for code in codes):
        return None
    return sum(_CODE_WIDTHS[code] for code in codes)


def _sba_date(s: pl.Expr, reference_year: pl.Expr, fmt: str = "%d-%b-%y") -> pl.Expr:
    """SBA 'd-Mon-yy' with the century that puts the year nearest `reference_year` (ApprovalFY for
    the approval date, the approval year for disbursement and charge-off): 28-Feb-69 with FY 1969
    is 1969-02-28, not 2069. Parsed with %y (00-69 -> 20xx), then moved by 100 years when that
    lands more than 50 years from the reference. `fmt`: the form the file writes (`_sba_date_forms`,
    read in its shape: `_read_date`); a four-digit year is read as written, a year outside 1900-2100
    then unparsable_date like any other."""
    parsed = _read_date(s, fmt)
    if "%y" not in fmt:
        return pl.when(parsed.dt.year().is_between(1900, 2100)).then(parsed)
    gap = parsed.dt.year() - reference_year
    shift = pl.when(gap > 50).then(-100).when(gap < -50).then(100).otherwise(0)
    return pl.date(parsed.dt.year() + shift, parsed.dt.month(), parsed.dt.day())


PROGRESS_MIN_ROWS = 50_000
"""Fewest records between two progress lines while a tape's values are typed (`parse_loan_file`):
a smaller tape is typed in one pass, and a large one in about ten."""


COLUMN_AWARE_KINDS = frozenset({"emp_length", "zip3"})
"""Field kinds a value of which reads by the rest of its column, once per column (`_typed_parse`):
an employment length's '6' is six years on LendingClub's 0-10 scale (`emp_length_numbers_are_years`),
and a zip's '501' is zip3 501 or ZIP 00501 (`zip_column_holds`)."""

_ROW_WISE_KINDS = frozenset({"text", "number", "money", "money_minor", "percent", "fraction", "basis_points", "int",
                             "term", "term_years", "flag", "emp_length", "zip3", "new_exist", "fiscal_year"})
"""Field kinds whose typed value (`_parse`; for COLUMN_AWARE_KINDS, once their column's verdict is
taken) depends on the row's own text alone, so typing them slice by slice gives the values typing the
whole column gives. A date's does not: `_date` and `_epoch_date` weigh the whole column (the order
of day and month, an epoch's unit)."""


def _typing_slice(records: int, every: int | None) -> int:
    """Records typed per progress line (`_with_typed_values`): `every`, default a tenth of the
    records, at least PROGRESS_MIN_ROWS. A tape of no more records than that is typed in one pass."""
    return every or max(PROGRESS_MIN_ROWS, -(-records // 10))


def _with_typed_values(frame: pl.DataFrame, values: Sequence[tuple[pl.Expr, bool]],
                       progress: Callable[[str], None] | None, every: int | None) -> pl.DataFrame:
    """`frame` with the typed value columns `values` added, (expression, row-wise: see
    `_ROW_WISE_KINDS`) pairs, in their order, as `frame.with_columns` adds them.

    With `progress`, a frame of more than `every` records (default: a tenth of them, at least
    PROGRESS_MIN_ROWS) has its row-wise columns typed `every` records at a time, one progress line
    (`values typed for <n> of <total> records (<p>%)`) after each slice, the counts of the slices
    adding up to the frame's height; the other columns are typed over the whole frame first. The
    slices are views and each is typed with its columns in parallel, as one pass is, so the lines
    cost no measurable time (the SBA national tape: ten slices, each about a tenth of the pass).
    Each pass runs lazily, so that polars may evaluate a part an expression repeats once (common
    subexpression elimination); it did not share a money value's text without its marks between
    the branches that read it, so that text is a column of its own (`_staged_money_text`)."""
    names = [value.meta.output_name() for value, _ in values]
    total = frame.height
    step = _typing_slice(total, every)
    row_wise = [value for value, separable in values if separable]
    if progress is None or not row_wise or step >= total:
        return frame.lazy().with_columns(value for value, _ in values).collect()
    whole = [value for value, separable in values if not separable]
    typed = {column.name: column for column in frame.lazy().select(whole).collect().get_columns()} if whole else {}
    parts = []
    for offset in range(0, total, step):
        parts.append(frame.slice(offset, step).lazy().select(row_wise).collect())
        done = offset + parts[-1].height
        progress(f"values typed for {done:,} of {total:,} records ({100 * done // total}%)")
    typed.update((column.name, column) for column in pl.concat(parts).get_columns())
    return frame.with_columns(typed[name] for name in names)


def _bare_number(text: pl.Expr) -> pl.Expr:
    """A number's text without a leading `$`, a trailing `%` and the blanks around it: what the
    scientific-notation rule reads."""
    return text.str.strip_prefix("$").str.strip_suffix("%").str.strip_chars()


def _sci_notation_text(spec: FieldSpec) -> pl.Expr:
    """The text of a numeric column's values the scientific-notation rule reads (`_bare_number`): a
    money column's without the tape's own currency marks (its `_staged_money_text`), so that
    `€ 1,5E4` or `1,5E4 EUR` is read as `1,5E4` is, never typed as 15000."""
    return _bare_number(pl.col(_staged(spec.source)) if spec.kind in MONEY_KINDS else pl.col(_src(spec.source)))


CONTRADICTION_LINES = 20
"""Lines named per note of `_terms_in_contradiction`; its count covers them all."""


def _terms_in_contradiction(loaded: pl.DataFrame, target_source: dict[str, str]) -> dict[str, dict]:
    """Notes on loaded rows whose values contradict each other in a way real tapes do, so loaded and
    counted rather than quarantined: each {"count": n, "first": [the first CONTRADICTION_LINES lines]}.

    repaid_with_chargeoff: a status read as repaid (default flag 0: SBA's `P I F`) on a loan with a
    charge-off date or a charge-off principal above 0; the default flag keeps the status, so the
    model learns a repayment the other columns deny (4,927 `P I F` loans of the SBA national file
    have a ChgOffDate, 4,884 a ChgOffPrinGr above $0).
    open_with_chargeoff: a status read as open (no outcome: a mapping's `"ACTIVE": null`) on a loan
    with a charge-off date or a charge-off principal above 0; the loan stays unlabelled as its status
    says, so no default is counted for it, though the charge-off columns say one happened.
    disbursed_before_origination: a disbursement dated before the loan's origination (SBA: its
    approval date), 808 loans of the SBA national file, 8 of them by more than a year."""
    notes: dict[str, dict] = {}

    def lines_where(condition: pl.Expr) -> dict | None:
        lines = loaded.filter(condition.fill_null(False)).get_column("_source_line").sort()
        return {"count": lines.len(), "first": lines.head(CONTRADICTION_LINES).to_list()} if lines.len() else None

    charged = [pl.col("chargeoff_date").is_not_null()] if "chargeoff_date" in target_source else []
    if "chargeoff_principal" in target_source:
        charged.append(pl.col("chargeoff_principal") > 0)
    if charged and "default_flag" in loaded.columns:
        if found := lines_where((pl.col("default_flag") == 0) & pl.any_horizontal(charged)):
            notes["repaid_with_chargeoff"] = found
        if found := lines_where(pl.col("default_flag").is_null() & pl.any_horizontal(charged)):
            notes["open_with_chargeoff"] = found
    if "disbursement_date" in target_source and "origination_date" in target_source:
        if found := lines_where(pl.col("disbursement_date") < pl.col("origination_date")):
            notes["disbursed_before_origination"] = found
    return notes


FLOAT_EXACT_DIGITS = 15
"""Significant digits a float64 holds exactly for any decimal written with them (DBL_DIG, C11
5.2.4.2.2): an amount written with more (12345678901234567) loads with other digits
(12345678901234568), so it is quarantined (amount_beyond_float_digits) rather than changed."""


def _beyond_float_digits(text: pl.Expr) -> pl.Expr:
    """Whether an amount's written text has more than FLOAT_EXACT_DIGITS significant digits: its
    digits, in any dialect's marks, without the zeros before the first and after the last other
    digit (5,000.00 has 1; 1.234.567,89 has 9)."""
    digits = text.str.replace_all(r"\D", "").str.strip_chars("0")
    return digits.str.len_chars() > FLOAT_EXACT_DIGITS


def _number_column_counts(frame: pl.DataFrame, spec: FieldSpec, mapping: TapeMapping,
                          groupings: dict[str, str]) -> dict[str, object]:
    """What `_typed_parse` counts of one column's written text for its rules and notes, in one lazy
    query over the frame's n records (a frame `_staged_money_text` has staged). An amount's text
    without its marks, which every amount count reads, is a column of the query, so it is computed
    once: polars did not share it between the aggregations of one select, and the SBA national
    tape's five money columns took about 3 s each in three selects, 0.6 s each staged so.

    Returns (keys only for the column's kind; {} for a text, date or code column):
        `sci_shortest`: the distinct values written in the scientific notation's shortest form
            (`csv_text.sci_notation_shortest` in the dialect's decimal mark), a list of text
            (numeric kinds);
        `trailing_minus` and `grouping:<name>` for each of `groupings`: counts of read amounts
            (`_is_amount`) written with a minus after the digits or grouped by that mark;
        `accounting_zero`: count of accountants' zeros (`_accounting_zero`: `-`, `$ -`) of an amount."""
    written = pl.col(_src(spec.source))
    query, exprs = frame.lazy(), []
    if spec.kind in _NUMERIC_KINDS:
        bare = _sci_notation_text(spec)
        shortest = csv_text.sci_notation_shortest(mapping.dialect.decimal)
        exprs.append(bare.filter(bare.str.contains(shortest)).unique().implode()
                     .alias("sci_shortest"))
    if _is_amount(spec):
        # a money column's text is staged before typing (`_staged_money_text`), as `_parse` reads it
        unmarked = (pl.col(_staged(spec.source)) if spec.kind in MONEY_KINDS
                    else _numeric_text(spec.kind, written, mapping.currency)[0])
        query = query.with_columns(unmarked.alias("_unmarked")).with_columns(
            _sign_first(pl.col("_unmarked"), amount=True).alias("_sign_first"))
        read = pl.col(spec.target).is_not_null()
        exprs.append((pl.col("_unmarked").str.contains(TRAILING_MINUS) & read).sum().alias("trailing_minus"))
        exprs.extend((pl.col("_sign_first").str.contains(pattern) & read).sum().alias(f"grouping:{name}")
                     for name, pattern in groupings.items())
    if _is_amount(spec):
        exprs.append(_accounting_zero(written, mapping.currency).sum().alias("accounting_zero"))
    return query.select(exprs).collect().row(0, named=True) if exprs else {}


def _typed_parse(
    records: csv_text.TextRecords, mapping: TapeMapping, *, sha256: str, as_of: date | None,
    snapshot_of: date | None = None, progress: Callable[[str], None] | None = None,
    progress_rows: int | None = None,
) -> ParsedFile:
    """Typed canonical rows and quarantine rows from the text records of one tape; `progress` and
    `progress_rows` as `parse_loan_file` takes them (`_with_typed_values`)."""
    date_reference = as_of or date.today()  # two-digit years are read against it, in values and messages alike
    header = set(records.header)
    specs: list[FieldSpec] = []
    for spec in mapping.fields:  # first source column for a target; the loan id's told below (`_loan_id_column`)
        if spec.source in header and spec.target not in {s.target for s in specs}:
            iso = spec.kind == "date" and spec.fmt and ISO_DATE_TIME_FORMAT.fullmatch(spec.fmt)
            specs.append(dataclasses.replace(spec, fmt=None) if iso else spec)
    # every column of the tape that may give the loan id (LendingClub's `id` and `loan_id`)
    id_specs = [spec for spec in mapping.fields if spec.target == "source_loan_id" and spec.source in header]
    target_source = {s.target: s.source for s in specs}
    mapped_sources = {s.source for s in specs}
    invisible = csv_text.INVISIBLE_CHARACTER
    frame = records.fields.select(
        *(pl.col(c).str.strip_chars().str.strip_chars(invisible).str.strip_chars().alias(_src(c)) for c in records.header),
        "_source_line",
    )

    notes: dict[str, object] = {}
    if not mapping.builtin:  # a declared mapping may leave out what a model needs: say so, per file
        unmapped = [t for t in ESSENTIAL_TARGETS if t not in target_source]
        if "loan_status" not in target_source and "default_flag" not in target_source:
            unmapped.append("loan_status or default_flag (no outcome: every loan unlabelled)")
        if unmapped:
            notes["targets_not_mapped"] = unmapped
    # one select over every column: a filter per column copies the whole frame, quadratic in a wide tape
    wrapped = dict(zip(records.header, frame.select(
        pl.col(_src(c)).str.contains(_PADDED_QUOTES).sum().alias(str(i)) for i, c in enumerate(records.header)).row(0),
        strict=True))
    if any(wrapped.values()):  # ' "RENT"': a writer that pads after the separator, then quotes
        notes["padded_quotes_unwrapped"] = {c: n for c, n in wrapped.items() if n}
        frame = frame.with_columns(
            pl.when(pl.col(_src(c)).str.contains(_PADDED_QUOTES))
            .then(pl.col(_src(c)).str.slice(1, pl.col(_src(c)).str.len_chars() - 2).str.replace_all('""', '"', literal=True))
            .otherwise(pl.col(_src(c))).alias(_src(c))
            for c in records.header if wrapped[c])
    frame, line_breaks = _line_breaks_in_free_text(frame, specs, records.header, mapped_sources,
                                                   mapping.free_text_columns)
    if line_breaks:
        notes["line_break_characters_read"] = line_breaks
    frame, marker_notes = _missing_markers(frame, specs + [s for s in id_specs if s not in specs], mapping)
    notes.update(marker_notes)
    frame, yn_notes = _yn_codes(frame, specs)
    notes.update(yn_notes)
    frame, records, label_notes = _column_label_rows(frame, records, specs)
    notes.update(label_notes)
    frame, records, summary_notes = _summary_rows(frame, records, specs, mapping)
    notes.update(summary_notes)
    notes.update(records.notes)
    notes.update(_fiscal_year_suffixes(frame, specs))
    if len(id_specs) > 1 and frame.height:  # which of the columns that may give the loan id gives it
        chosen, frame, id_notes = _loan_id_column(frame, [s.source for s in id_specs])
        notes.update(id_notes)
        specs = [next(s for s in id_specs if s.source == chosen) if s.target == "source_loan_id" else s for s in specs]
        target_source["source_loan_id"] = chosen
        # the id columns not chosen stay in source_fields, unless empty on every loan
        empty = id_notes.get("loan_id_column_empty", [])
        mapped_sources = {s.source for s in specs} | set([empty] if isinstance(empty, str) else empty)
    if mapping.builtin and "source_loan_id" in target_source and frame.height and \
            frame.select((pl.col(_src(target_source["source_loan_id"])) == "").all()).item():
        # LendingClub's later public downloads keep the id column and leave it blank on every loan:
        # keyed by file and line, as a tape without the column is
        empty = [s.source for s in id_specs]
        notes["loan_id_column_empty"] = empty[0] if len(empty) == 1 else empty
        target_source.pop("source_loan_id")
        specs = [s for s in specs if s.target != "source_loan_id"]
    if "source_loan_id" in target_source and not mapping.typed_source:
        raw_id = pl.col(_src(target_source["source_loan_id"]))
        frame = frame.with_columns(_unwrapped_id(raw_id, mapping.dialect).alias("_id"))
        notes["source_loan_id_unwrapped"] = frame.filter(pl.col("_id") != raw_id).height
        frame = frame.with_columns(pl.col("_id").alias(_src(target_source["source_loan_id"]))).drop("_id")
    if mapping.portfolio_column is not None:  # one file, several books: each row's own portfolio
        frame = frame.with_columns(_portfolio=pl.col(_src(mapping.portfolio_column)).replace_strict(
            mapping.portfolios, default=None, return_dtype=pl.Utf8))
    else:
        frame = frame.with_columns(_portfolio=pl.lit(mapping.portfolio))
    portfolio = pl.coalesce(pl.col("_portfolio"), pl.lit(mapping.portfolio))  # an unknown book is quarantined
    key = pl.concat_str(portfolio, pl.lit(f":{sha256[:16]}:"), pl.col("_source_line").cast(pl.Utf8))
    if "source_loan_id" in target_source:
        source_id = pl.col(_src(target_source["source_loan_id"]))
        folded = source_id.str.normalize("NFKC").str.replace_many(_DIGITS_TO_ASCII)
        key_id = _key_id(folded)
        # '１０００４４' (full-width digits, typed with an East Asian input method), '١٠٠٠٤٤' (Arabic-Indic)
        # and '100044' are one loan, as are '00000001' and '1' (Excel drops the zeros): the key folds the width and
        # sets the zeros aside, source_loan_id keeps the id as written
        if widened := frame.filter(folded != source_id).height:
            notes["source_loan_id_width_folded"] = widened
        if zeros := frame.filter(key_id != folded).height:
            notes["source_loan_id_leading_zeros_set_aside"] = zeros
        key = pl.when(source_id != "").then(pl.concat_str(portfolio, pl.lit(":"), key_id)).otherwise(key)
    frame = frame.with_columns(loan_key=key)

    builtin_dates = [s.source for s in specs if s.kind in ("date", "sba_date")] if mapping.builtin else []
    frame = _midnights_dropped(frame, builtin_dates)
    month_forms = _written_date_forms(frame, [s.source for s in specs if s.kind == "date"], LENDINGCLUB_DATE_FORMAT,
                                      LENDINGCLUB_RESAVED_FORMS)[0] if mapping.builtin else {}
    if mapping.default_cured != "latest":  # marts.loan_features reads it from the file's notes
        notes["default_cured"] = mapping.default_cured
    if not mapping.currency_declared:  # a mapping without "currency": its amounts, money or number, count as USD
        notes["currency_assumed"] = mapping.currency
    if not mapping.builtin and not mapping.delimiter_declared and mapping.dialect.delimiter != Dialect.delimiter:
        notes["delimiter_detected"] = mapping.dialect.delimiter  # its header fits there, not at ','
    if resaved := {source: fmt for source, fmt in month_forms.items() if fmt != LENDINGCLUB_DATE_FORMAT}:
        notes["lendingclub_dates_written"] = resaved  # a database or SAS export of the tape
        # a month column's full dates load as their months: say how many named another day
        days = frame.select(_read_date(pl.col(_src(source)), fmt).dt.day().ne(1).sum().alias(source)
                            for source, fmt in resaved.items() if "%d" in fmt).row(0, named=True) if any(
            "%d" in fmt for fmt in resaved.values()) else {}
        if days := {source: n for source, n in days.items() if n}:
            notes["lendingclub_days_read_as_months"] = days
    frame, midnights = _local_midnights_in_utc(frame, specs)
    if midnights:
        notes["dates_from_local_midnights"] = midnights
    frame = _staged_money_text(frame, specs, mapping.currency)
    values, rule_of, zip_holds, emp_years = [], {}, {}, {}
    for spec in specs:
        if spec.kind == "sba_date":
            continue
        if spec.source in month_forms:  # LendingClub's months, in the form the file writes them
            text = pl.col(_src(spec.source))
            value, rule = _date(text, month_forms[spec.source], text != "", date_reference, builtin_months=True)
        elif spec.kind == "emp_length":  # whether '6' is six years depends on the rest of the column
            value, rule = _emp_length(pl.col(_src(spec.source)), emp_years.setdefault(
                spec.source, emp_length_numbers_are_years(frame.get_column(_src(spec.source)))))
        elif spec.kind == "zip3":  # whether '501' is zip3 501 or ZIP 00501 depends on the rest of the column
            value, rule = _zip3(pl.col(_src(spec.source)), zip_holds.setdefault(
                spec.source, zip_column_holds(frame.get_column(_src(spec.source)))))
        else:
            staged = pl.col(_staged(spec.source)) if spec.kind in MONEY_KINDS else None  # `_staged_money_text`
            value, rule = _parse(spec, pl.col(_src(spec.source)), mapping.dialect, date_reference, mapping.currency, staged,
                                 typed_source=spec.source in records.numbers_typed)
        values.append((value.alias(spec.target), spec.kind in _ROW_WISE_KINDS))
        rule_of.setdefault(spec.source, (spec, rule))
    frame = _with_typed_values(frame, values, progress, progress_rows)
    # a tape typed in slices is large enough for its rules to take a while (the SBA national tape's,
    # about 15 s): say what the read is doing until `read in`
    tell = progress if progress is not None and frame.height > _typing_slice(frame.height, progress_rows) else None
    frame, scale_notes, unclear_scale = _percent_scale(
        frame, [s for s in specs if s.kind == "percent" or (s.target in PERCENT_POINT_TARGETS and s.kind == "number")],
        sections=[line for line, kind in records.non_data_lines if kind == "repeated_header"])
    if scale_notes:
        notes["percent_written_as_fraction"] = scale_notes
    frame, code_notes = _codes_in_their_case(frame, set(target_source))
    notes.update(code_notes)
    sba_forms = _sba_date_forms(frame, [s for s in specs if s.kind == "sba_date"])
    if resaved := {source: fmt for source, fmt in sba_forms.items() if fmt != SBA_DATE_FORMAT}:
        notes["sba_dates_written"] = resaved  # a spreadsheet re-saved the tape
    for spec in (s for s in specs if s.kind == "sba_date"):  # needs ApprovalFY / approval year first
        reference = pl.col("vintage") if spec.fmt == "ApprovalFY" else pl.col("origination_date").dt.year()
        parsed = _sba_date(pl.col(_src(spec.source)), reference, sba_forms[spec.source])
        placeholder = _placeholder(parsed, True) | _placeholder_written(pl.col(_src(spec.source)))
        present = pl.col(_src(spec.source)) != ""
        # a slash date of a column that also holds the other order (2/28/1997 and 28/02/1997 rows
        # joined): its values that read both ways are in doubt, as in a mapped tape's date column
        read, value, _ = _date_reading(pl.col(_src(spec.source)), sba_forms[spec.source], date_reference, shaped=True)
        in_doubt = _order_in_doubt(pl.col(_src(spec.source)), sba_forms[spec.source], read, value, present, date_reference)
        frame = frame.with_columns(pl.when(~placeholder).then(parsed).alias(spec.target),
                                   placeholder.alias(f"_placeholder:{spec.source}"),
                                   in_doubt.alias(f"_order_in_doubt:{spec.source}"))
        unread = _unread_date_rule(pl.col(_src(spec.source)))
        rule_of[spec.source] = (spec, lambda v, present=present, flag=pl.col(f"_placeholder:{spec.source}"), unread=unread,
                                doubt=pl.col(f"_order_in_doubt:{spec.source}"): (
            pl.when(present & flag).then(pl.lit("placeholder_date")).when(present & v.is_null()).then(unread)
            .when(doubt).then(pl.lit("date_order_in_doubt"))))
    if tell:
        tell("values typed; checking each against its column's rules")
    rules = []
    point_grouped = _points_grouping_thousands(frame, specs, mapping)
    groupings = _other_groupings(mapping.dialect)  # the grouping marks amounts are read in beyond the dialect's
    for source, (spec, rule) in rule_of.items():
        broken = rule(pl.col(spec.target))
        if TARGET_SQL_TYPES[spec.target] == "INTEGER":
            beyond = pl.col(spec.target).is_not_null() & ~pl.col(spec.target).is_between(-(2**31), 2**31 - 1)
            broken = pl.when(beyond).then(pl.lit("value_out_of_range")).otherwise(broken)
        if spec.target == "source_loan_id":
            broken = pl.when(pl.col(_src(source)).str.contains(csv_text.SCI_NOTATION)).then(pl.lit("sci_notation_id")).otherwise(broken)
        # what the notes count of a number column's text, in one pass over it (`_number_column_counts`)
        counts = _number_column_counts(frame, spec, mapping, groupings) if not mapping.typed_source else {}
        if _is_amount(spec) and not mapping.typed_source:  # a float64 would change its digits
            broken = pl.when(pl.col(spec.target).is_not_null() & _beyond_float_digits(pl.col(_src(source))))\
                .then(pl.lit("amount_beyond_float_digits")).otherwise(broken)
        if spec.kind in _NUMERIC_KINDS and not mapping.typed_source:
            bare = _sci_notation_text(spec)
            exact = [value for value in counts["sci_shortest"]
                     if csv_text.is_shortest_form(value, mapping.dialect.decimal)]
            in_sci = bare.str.contains(csv_text.SCI_NOTATION_NUMBER) & ~bare.is_in(exact)
            broken = pl.when(in_sci).then(pl.lit("sci_notation_value")).otherwise(broken)
            if exact and (n_exact := frame.select(bare.is_in(exact).sum()).item()):
                notes.setdefault("sci_notation_read_exact", {})[source] = n_exact
        if _is_amount(spec) and not mapping.typed_source:  # forms read beyond the dialect's own
            if n_minus := counts["trailing_minus"]:
                notes.setdefault("trailing_minus_read", {})[source] = n_minus
            if grouped := {name: counts[f"grouping:{name}"] for name in groupings if counts[f"grouping:{name}"]}:
                notes.setdefault("digit_grouping_read", {})[source] = grouped
        if source in point_grouped:  # `5.000` may be five thousand: never loaded as five
            doubtful = _unsigned_number(spec, mapping.currency).str.contains(POINT_THOUSANDS)
            broken = pl.when(doubtful & pl.col(spec.target).is_not_null()).then(pl.lit("ambiguous_number")).otherwise(broken)
        if counts.get("accounting_zero"):
            notes.setdefault("accounting_zero_read", {})[source] = counts["accounting_zero"]
        if spec.kind == "text":
            hidden = pl.col(_src(source)).str.contains(f"[{csv_text.INVISIBLE_CHARACTER}]")
            broken = pl.when(hidden).then(pl.lit("invisible_character")).otherwise(broken)
        spreadsheet = pl.col(_src(source)).str.contains(csv_text.SPREADSHEET_ERROR)
        broken = pl.when(spreadsheet).then(pl.lit("spreadsheet_error")).otherwise(broken)
        narrow = pl.col(_src(source)).str.contains(csv_text.COLUMN_TOO_NARROW) if spec.kind != "text" else pl.lit(False)
        broken = pl.when(narrow).then(pl.lit("column_too_narrow")).otherwise(broken)
        # a line break written as NEL, U+2028 or U+2029 is no part of an amount, date, id or code either
        # (free text has it read as a line feed by now: `_line_breaks_in_free_text`)
        control = pl.col(_src(source)).str.contains(f"{csv_text.CONTROL_CHARACTER}|[{csv_text.LINE_BREAK_IN_CELL}]")
        broken = pl.when(control).then(pl.lit("control_character")).otherwise(broken)
        rules.append(_missing(spec).otherwise(broken).alias(f"_rule:{source}"))
    if mapping.portfolio_column is not None:
        rules.append(pl.when(pl.col("_portfolio").is_null()).then(pl.lit("unknown_portfolio"))
                     .alias(f"_rule:{mapping.portfolio_column}"))
    if (currency_column := _row_currency_column(records.header, mapped_sources)) is not None:
        written = pl.col(_src(currency_column)).str.strip_chars()
        code = written.str.to_uppercase().replace(ROW_CURRENCY_WRITTEN)
        rules.append(pl.when((written != "") & (code != mapping.currency)).then(pl.lit("row_currency_differs"))
                     .alias(f"_rule:{currency_column}"))
        notes["row_currency_column"] = currency_column
    frame = frame.with_columns(rules)
    if tell:
        tell("column rules checked; checking the rules across columns and setting aside the records that "
             "break one")
    if "snapshot_date" in target_source:
        spec = next(s for s in specs if s.target == "snapshot_date")
        if spec.fmt == QUARTER_FORMAT:  # a quarter's snapshot is taken at its end
            frame = frame.with_columns(pl.col("snapshot_date").dt.offset_by("2mo").dt.month_end())
        elif spec.fmt and "%d" not in spec.fmt:
            frame = frame.with_columns(pl.col("snapshot_date").dt.month_end())

    frame, status_notes = _status(frame, mapping, target_source)
    notes.update(status_notes)
    frame = _plausibility(frame, target_source, mapping, as_of, {s.target: s.kind for s in specs}, unclear_scale)
    unclear_terms = _term_scale_unclear(frame, specs, mapping.builtin)
    frame = frame.with_columns(
        pl.when(pl.col(f"_rule:{source}").is_null() & odd).then(pl.lit("term_scale_unclear"))
        .otherwise(pl.col(f"_rule:{source}")).alias(f"_rule:{source}") for source, (odd, _) in unclear_terms.items())
    frame = _flagged_rules(frame, records.flagged)
    frame = _off_policy(frame, records.non_data_lines)
    rule_columns = [c for c in frame.columns if c.startswith("_rule:")]
    quarantine = _quarantine_rows(frame, rule_columns, mapping, records, sha256, {**month_forms, **sba_forms},
                                 reference=date_reference,
                                 said_of={source: {"term_scale_unclear": said} for source, (_, said) in unclear_terms.items()})
    quarantine = _unlabelled_totals_said(quarantine, notes.get("footer_totals") or {})
    bad_lines = quarantine.get_column("line").unique()
    loaded = frame.filter(~pl.col("_source_line").is_in(bad_lines.implode()))
    rows = _canonical(loaded, records.header, mapped_sources, "vintage" in target_source, mapping)
    if unread := _control_characters_unmapped(loaded, records.header, mapped_sources):
        notes["control_character_unmapped"] = unread
    if as_of is not None and "snapshot_date" in target_source:  # two statements of the tape's date
        dated = frame.filter(pl.col("snapshot_date").is_not_null() & (pl.col("snapshot_date") != as_of))
        if dated.height:
            notes["as_of_differs_from_snapshots"] = {
                "as_of": as_of.isoformat(), "column": target_source["snapshot_date"],
                "snapshot_dates": {d.isoformat(): n for d, n in dated.group_by("snapshot_date").len().sort("snapshot_date").iter_rows()},
                "said": "each row is dated by its snapshot column; a loan issued after its row's snapshot or the file's "
                        "as-of date, whichever is earlier, is quarantined (issue_after_asof)"}
    if "snapshot_date" not in target_source and snapshot_of is not None:
        # the file's as-of date dates every row: a month landed late (a back-fill) is then an
        # older snapshot, never the newest version of its loans
        rows = rows.with_columns(snapshot_date=pl.lit(snapshot_of, pl.Date))
        notes["snapshot_date_from_as_of"] = rows.height

    if "emp_length_years" in target_source:
        source = target_source["emp_length_years"]
        written = pl.col(_src(source))
        notes["emp_length_na"] = frame.filter(written.str.to_lowercase() == "n/a").height
        numbers = loaded.filter(written.str.contains(EMP_LENGTH_NUMBER)).height
        if numbers and emp_years.get(source):
            notes["emp_length_numbers_read"] = numbers  # a cleaned export, 10 standing for 10+ years
        if emp_years.get(source) is False:  # months, or years uncapped: say why none is read
            written_numbers = _emp_length_numbers(frame.get_column(_src(source)))
            notes["emp_length_numbers_off_scale"] = {source: {
                "numbers": written_numbers.len(), "largest": written_numbers.max(),
                f"past_{EMP_LENGTH_SCALE_YEARS}": int((written_numbers > EMP_LENGTH_SCALE_YEARS).sum())}}
    timed = {spec.source: n for spec in specs if spec.kind == "date" and not mapping.builtin
             and (spec.fmt is None or (spec.fmt not in EPOCH_FORMATS and spec.fmt != QUARTER_FORMAT
                                       and not _has_time_codes(spec.fmt)))
             and (n := loaded.filter(pl.col(_src(spec.source)).str.contains(
                 _ISO_DATE_TIME if spec.fmt is None else _TIME_OF_DAY_TAIL)).height)}
    timed |= {source: n for source in builtin_dates if (n := loaded.filter(pl.col(_midnight(source))).height)}
    if timed:
        notes["date_time_of_day_dropped"] = timed
    if days := _days_dropped(loaded, records.days_in_month_columns, specs):
        notes["date_day_dropped"] = days
    two_digit = [spec for spec in specs if spec.kind == "date" and spec.fmt and "%y" in spec.fmt]
    if shifted := {spec.source: n for spec in two_digit
                   if (n := loaded.filter(_strptime(pl.col(_src(spec.source)), spec.fmt) != pl.col(spec.target)).height)}:
        notes["two_digit_year_shifted"] = shifted
    if "zip3" in target_source and target_source["zip3"] in zip_holds:
        written = pl.col(_src(target_source["zip3"]))
        holds = zip_holds[target_source["zip3"]]
        restored = _zip_restored(written, holds)
        notes["zip_leading_zero_restored"] = loaded.filter(written.str.to_lowercase() != restored).height
        if loaded.filter(written.str.contains(_ZIP_SHORT)).height or holds == "mixed":
            notes["zip_column_holds"] = holds
        if not_a_place := loaded.filter(restored.str.contains(_ZIP_NOT_A_PLACE)).height:
            notes["zip_not_a_place"] = not_a_place
    if any(s.target == "new_business" and s.kind == "new_exist" for s in specs):  # NewExist 0 / blank: not said
        notes["new_exist_undefined"] = loaded.filter(pl.col("new_business").is_null()).height
    notes.update(_terms_in_contradiction(loaded, target_source))
    # a yes/no column's words and ticks (`Y`, `no`, `TRUE`, `x`), the default flag's too, read as 1 / 0:
    # said per spelling, as SBA's Y / N codes written as booleans are (yn_words_read)
    if words := _flag_words_read(loaded, [s for s in specs if s.kind == "flag"]):
        notes["flag_words_read"] = words
    # a yes/no column left empty: the tape does not say (loaded NULL, never read as 'no'); default_flag's
    # own note is unlabelled_by_default_flag
    if empty_flags := {s.source: n for s in specs if s.kind == "flag" and s.target != "default_flag"
                       and (n := loaded.filter(pl.col(s.target).is_null()).height)}:
        notes["flag_empty"] = empty_flags
    # a mapped column the header names but no data row fills: every loan loads NULL there, said per column
    if empty_columns := _columns_empty(frame, specs, mapping.portfolio):
        notes["column_empty"] = empty_columns
    # a column of ticks beside empty boxes: an empty box may be 'no' or 'not filled in', which the
    # tape does not tell, so it says how to write the 'no' it means
    if unticked := {source: n for source, n in (empty_flags or {}).items()
                    if _holds_only_ticks(loaded.get_column(_src(source)))}:
        notes["flag_checkbox_unticked"] = unticked
    footer_totals = notes.pop("footer_totals", {}) | _footer_check(records, rows, mapping).get("footer_totals", {})
    if footer_totals:  # the totals rows' checks (`_summary_rows`), then the footers'
        notes["footer_totals"] = footer_totals
    notes["as_of"] = as_of.isoformat() if as_of else None
    # lineage of each lake column back to the file: the value checks after landing name the column
    # and the text as the file writes them (quality.source_terms)
    notes["source_columns"] = dict(target_source)
    notes["date_formats"] = {s.target: s.fmt for s in specs if s.kind == "date" and s.fmt}
    return ParsedFile(format=mapping.format_name, rows=rows, quarantine=quarantine,
                      data_records=records.data_records, non_data_lines=records.non_data_lines, notes=notes,
                      non_data_text={**records.note_text, **_total_row_labels(notes), **records.marked_text})


def _columns_empty(frame: pl.DataFrame, specs: list[FieldSpec], portfolio: str | None) -> dict[str, str]:
    """The mapped (or built-in) columns of a tape that its header names but that are empty on every
    data row of `frame` (each column's trimmed text, `_src:<column>`; loaded and quarantined rows
    alike), the loan id's aside (`loan_id_column_empty` says that one): {source column: what loads,
    'int_rate NULL on all 20 rows'}, with ', a PD input' where the portfolio's PD model reads the
    column (features.GENERIC_NUMERIC / GENERIC_CATEGORICAL, or the built-in book's spec). {} for a
    file without data rows."""
    from risk_assets.lib.ml import features

    if not frame.height:
        return {}
    present = [s for s in specs if s.target != "source_loan_id" and _src(s.source) in frame.columns]
    if not present:
        return {}
    filled = frame.select(*[(pl.col(_src(s.source)).fill_null("") != "").any().alias(str(i))
                            for i, s in enumerate(present)]).row(0)
    spec = {"lendingclub": features.LENDINGCLUB, "sba": features.SBA}.get(portfolio or "")
    inputs = ({*spec.numeric, *spec.categorical} if spec else {*features.GENERIC_NUMERIC, *features.GENERIC_CATEGORICAL})
    return {s.source: f"{s.target} NULL on all {frame.height:,} rows" + (", a PD input" if s.target in inputs else "")
            for s, any_filled in zip(present, filled, strict=True) if not any_filled}


ROW_CURRENCY_NAMES = frozenset({"currency", "ccy", "curr", "currencycode", "ccycode", "currencyiso", "isocurrency",
                                "loancurrency", "currencycd", "wahrung", "waehrung", "devise", "moneda", "valuta"})
"""Names (lowercased, without separators) of a column that gives each row's currency: a European
lender's book export holds EUR, GBP and CHF loans in one file."""


ROW_CURRENCY_WRITTEN = {
    "€": "EUR", "EURO": "EUR", "EUROS": "EUR", "978": "EUR", "£": "GBP", "POUND": "GBP", "STERLING": "GBP",
    "GBP £": "GBP", "826": "GBP", "$": "USD", "US$": "USD", "USD $": "USD", "DOLLAR": "USD", "US DOLLAR": "USD",
    "840": "USD", "FR.": "CHF", "SWISS FRANC": "CHF", "756": "CHF", "¥": "JPY", "YEN": "JPY",
    "392": "JPY", "KR": "SEK", "752": "SEK", "578": "NOK", "208": "DKK", "124": "CAD", "036": "AUD", "36": "AUD",
}
"""How a row's currency is written besides its ISO 4217 letter code (upper-cased): a symbol, a word,
or its ISO 4217 numeric code (978 EUR, 826 GBP, 840 USD, 756 CHF, ...). Anything else that is not
the tape's code is quarantined with the row, so a value never read cannot pass as the tape's."""


def _row_currency_column(header: Sequence[str], mapped: set[str]) -> str | None:
    """The tape's unmapped column that states each row's currency (by its name: ROW_CURRENCY_NAMES),
    else None: a row whose value is not the tape's currency (its code, or a symbol, word or numeric
    code for it: ROW_CURRENCY_WRITTEN) is quarantined (`row_currency_differs`); read as the tape's,
    its amounts would be in the wrong unit."""
    return next((name for name in header if name not in mapped and _states_row_currency(name)), None)


def _states_row_currency(name: str) -> bool:
    """Whether a column's name says it holds each row's currency (ROW_CURRENCY_NAMES, whatever its
    case, accents and separators: `Währung`, `currency_code`)."""
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", name.lower())) in ROW_CURRENCY_NAMES  # Währung -> wahrung


CODE_MISSING_MARKERS = ("na", "none")
"""Missing-value markers of MISSING_MARKERS read as an empty value in the coded columns whose codes
they cannot be (emp_length, new_exist) besides NULL_TOKENS: R's `write.csv` writes NA, Python's
`str(None)` None. Not n/a, which is emp_length's own unknown (counted in emp_length_na)."""

_MARKER_KINDS = (*_NUMERIC_KINDS, "term", "term_years", "flag", "fiscal_year", "date", "sba_date")
"""Field kinds whose export missing-value markers (MISSING_MARKERS) are an empty value: the number,
date and flag columns. Text columns take the narrower NULL_TOKENS (`_missing_markers`), and so do
emp_length (its own 'n/a' stays its unknown, counted in emp_length_na) and new_exist, with
CODE_MISSING_MARKERS."""


INTEGER_CODE_TARGETS = frozenset({"naics", "franchise_code"})
"""Text columns whose values are integer codes (an industry's NAICS code, SBA's FranchiseCode): a
float column in a pandas round trip writes them `722511.0`, `1.0`, and the `.0` is removed
(`float_tail_removed`), so a code is stored as the source system wrote it."""


NEW_EXIST_TWOS_MIN, NEW_EXIST_SHARE_MIN = 3, 0.05
"""A new-business flag column holding at least 3 values 2, and 5% of its values, writes SBA's NewExist
codes (`new_exist_code`); a new business is about a quarter of SBA's 7(a) loans in the sample."""

YN_CODE_TARGETS = frozenset({"revolving_line", "low_doc"})
"""Text columns holding a Y / N code (SBA's RevLineCr and LowDoc), stored in the codes' upper case
whatever the case written (`_codes_in_their_case`); SBA's other values there (`0`, `T`) as written,
a letter in upper case (`t` as `T`)."""
_YN_WORDS = {"true": "Y", "yes": "Y", "false": "N", "no": "N"}
"""A spreadsheet's or script's words for a Y / N code: Google Sheets and pandas write a column of
booleans TRUE / FALSE (True / False), a report Yes / No."""


def _yn_codes(frame: pl.DataFrame, specs: list[FieldSpec]) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
    """Y / N code columns (YN_CODE_TARGETS) with the words of a boolean (_YN_WORDS, any case) read as
    the code they stand for: an SBA tape re-saved through Google Sheets or a pandas bool column
    writes RevLineCr and LowDoc TRUE / FALSE, which loaded as codes no other tape has and entered
    the PD model as categories of their own. Other values stay as written (SBA's own `0`, `T`).

    Returns the frame and note `yn_words_read` ({source column: values read}) when any was."""
    read: dict[str, int] = {}
    updates = []
    for source in sorted({spec.source for spec in specs if spec.kind == "text" and spec.target in YN_CODE_TARGETS}):
        word = pl.col(_src(source)).str.to_lowercase().replace_strict(_YN_WORDS, default=None)
        if n := frame.select(word.is_not_null().sum()).item():
            read[source] = n
            updates.append(pl.coalesce(word, pl.col(_src(source))).alias(_src(source)))
    return (frame.with_columns(updates), {"yn_words_read": read}) if updates else (frame, {})


FISCAL_YEAR_SUFFIXED = r"^\d{4}[A-Za-z]$"
"""A fiscal year written with a letter after it: SBA's `1976A`, 18 loans of its national file, approved
in July-September 1976, the transition quarter when the federal fiscal year moved its start from July
to October. Read as the year its digits say (`fiscal_year` fields)."""


def _fiscal_year_suffixes(frame: pl.DataFrame, specs: list[FieldSpec]) -> dict[str, dict[str, dict[str, int]]]:
    """Fiscal years (`fiscal_year` fields, their text `_src:<column>` after export markers) written
    with a letter after the year (FISCAL_YEAR_SUFFIXED), which load as the year alone: SBA's `1976A`,
    and any other letter (`1999B`), which no source defines, so each is counted and said.

    Returns the note `fiscal_year_suffix_read`: {source column: {value as written: loans}}, sorted by
    value; a column without any is left out, the note without any column too."""
    read: dict[str, dict[str, int]] = {}
    for source in sorted({spec.source for spec in specs if spec.kind == "fiscal_year"}):
        value = pl.col(_src(source))
        suffixed = frame.filter(value.str.contains(FISCAL_YEAR_SUFFIXED).fill_null(False))
        counts = suffixed.group_by(value).len().sort(value)
        if counts.height:
            read[source] = dict(counts.iter_rows())
    return {"fiscal_year_suffix_read": read} if read else {}


def _missing_markers(frame: pl.DataFrame, specs: list[FieldSpec], mapping: TapeMapping
                     ) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
    """Mapped columns' trimmed text (`_src:<column>`) with each export missing-value marker made
    empty, so that it loads as NULL, or is missing_value where the column is required: NULL_TOKENS in
    text columns (emp_length and new_exist codes too); MISSING_MARKERS in number, date and flag columns (_MARKER_KINDS), ZERO_DATES
    and DATE_DASHES too in date columns, and there, and in zip columns, Excel's leading text marker and its text formula
    removed first (`'5000` -> `5000`, `="02134"` -> `02134`: the two ways to keep a ZIP's leading
    zeros or a number as text in Excel; not in a workbook or Parquet tape, whose text cells never
    carry them), and a zip's, an integer code's or a date's `.0` that a float column added
    (`47711.0`, a pandas round trip; codes: INTEGER_CODE_TARGETS; SBA's fiscal year, `1997.0`; dates:
    a format of digits only, `%Y%m%d`, `20110202.0`, and any built-in SBA date column). A column
    feeding several targets takes the markers of all of them.

    Returns the frame and notes: `null_token_values`, `text_marker_removed`, `excel_formula_unwrapped`,
    `zip_float_tail_removed` and `float_tail_removed`, each {source column: values}; a column
    without any is left out, a note without any column too."""
    markers_of: dict[str, set[str]] = {}
    unmark: set[str] = set()  # columns whose values may carry Excel's text marker or text formula
    zips: set[str] = set()
    codes = {spec.source for spec in specs if spec.kind == "text" and spec.target in INTEGER_CODE_TARGETS}
    # SBA's ApprovalFY through a float column (an SBA tape with a missing fiscal year: 1997.0)
    codes |= {spec.source for spec in specs if spec.kind == "fiscal_year"}
    # a date written as a number (%Y%m%d: 20110202) that a float column turned into 20110202.0
    codes |= {spec.source for spec in specs if spec.kind == "date" and spec.fmt and re.fullmatch(r"(?:%[Ymdy])+", spec.fmt)}
    # and so in the built-in SBA format, whose forms are told after this (none of them ends in `.0`)
    codes |= {spec.source for spec in specs if spec.kind == "sba_date"}
    for spec in specs:
        if spec.kind in ("text", "zip3", "emp_length", "new_exist"):  # coded text: its own words stay
            markers_of.setdefault(spec.source, set()).update(
                NULL_TOKENS, CODE_MISSING_MARKERS if spec.kind in ("emp_length", "new_exist") else ())
        elif spec.kind in _MARKER_KINDS:
            markers_of.setdefault(spec.source, set()).update(
                MISSING_MARKERS, (*ZERO_DATES, *DATE_DASHES) if spec.kind in ("date", "sba_date") else ())
        if spec.kind in (*_MARKER_KINDS, "zip3"):
            unmark.add(spec.source)
        if spec.kind == "zip3":
            zips.add(spec.source)
    notes: dict[str, dict[str, int]] = {"null_token_values": {}, "text_marker_removed": {},
                                        "excel_formula_unwrapped": {}, "zip_float_tail_removed": {},
                                        "float_tail_removed": {}}
    (formula, formula_to), _, (float_tail, float_to) = csv_text.ID_WRAPPERS
    updates = []
    for source, markers in markers_of.items():
        text = pl.col(_src(source))
        wrappers = source in unmark and not mapping.typed_source
        marked = text.str.contains(_APOSTROPHE) if wrappers else pl.lit(False)
        wrapped = text.str.contains(formula) if wrappers else pl.lit(False)
        unmarked = (pl.when(wrapped).then(text.str.replace(formula, formula_to).str.strip_chars())
                    .when(marked).then(text.str.slice(1).str.strip_chars()).otherwise(text))
        floated = unmarked.str.contains(r"^\d{3,5}\.0+$") if source in zips else pl.lit(False)
        code_floated = unmarked.str.contains(r"^\d+\.0+$") if source in codes else pl.lit(False)
        unmarked = (pl.when(floated | code_floated).then(unmarked.str.replace(float_tail, float_to))
                    .otherwise(unmarked))
        missing = unmarked.str.to_lowercase().is_in(sorted(markers))
        counts = frame.select(marked.sum().alias("m"), wrapped.sum().alias("w"), floated.sum().alias("f"),
                              code_floated.sum().alias("c"), missing.sum().alias("n")).row(0)
        for note, n in zip(("text_marker_removed", "excel_formula_unwrapped", "zip_float_tail_removed",
                            "float_tail_removed", "null_token_values"), counts):
            if n:
                notes[note][source] = n
        if any(counts):
            updates.append(pl.when(missing).then(pl.lit("")).otherwise(unmarked).alias(_src(source)))
    frame = frame.with_columns(updates) if updates else frame
    return frame, {name: counts for name, counts in notes.items() if counts}


def _loan_id_column(frame: pl.DataFrame, sources: list[str]) -> tuple[str, pl.DataFrame, dict[str, object]]:
    """The one of a tape's columns that may each give the loan id (`sources`, in the format's order:
    LendingClub's `id`, then `loan_id`) that keys its loans, and the frame with that column's empty
    cells filled from the others. Keyed by the wrong one, a month's loans would merge with another
    month's loans of the same row number, or count twice once a tape keyed otherwise lands.

    The rule, in order:

    1. A column blank on every loan gives no id: set aside (notes `loan_id_column_empty`; LendingClub's
       later downloads keep `id` blank). Where every one is blank, the first is kept, and the tape is
       keyed by file and line as before.
    2. Columns that agree on every loan that gives both (read as the key reads them: `1077501.0`,
       `="1077501"` and `01077501` are `1077501`) are one id: the first keys the loans, and a loan
       whose first is blank takes the other's (notes `loan_id_filled_from`, per column).
    3. Where they disagree, a column that holds row numbers (whole numbers from 0 or 1, going up by
       one a record, in file order: a data frame's index or a spreadsheet's row count) is no loan id:
       set aside, the others decide (notes `loan_id_row_numbers`).
    4. Columns that still disagree refuse the file: which one is the loan id is not guessed. The
       message names both columns, the first line where they differ with both values, and how to say
       which is the id (remove or rename the other, or declare a column mapping).

    Returns (the column chosen, the frame, notes: `loan_id_column` saying which column keys the
    loans and why, wherever it is not simply the first, with those named above).

    Raises:
        FileRefused: two columns that are no row numbers give different ids for one loan."""
    notes: dict[str, object] = {}
    filled = [c for c in sources if frame.select((pl.col(_src(c)) != "").any()).item()]
    if empty := [c for c in sources if c not in filled]:
        notes["loan_id_column_empty"] = empty[0] if len(empty) == 1 else empty
    if not filled:
        return sources[0], frame, notes
    why = f"{', '.join(repr(c) for c in empty)} {'is' if len(empty) == 1 else 'are'} empty on every loan" if empty else ""

    def key(column: str) -> pl.Expr:
        return _key_id(pl.col(_src(column)).pipe(_unwrapped_id).str.normalize("NFKC").str.replace_many(_DIGITS_TO_ASCII))

    def disagree(first: str, other: str) -> pl.Expr:
        return (pl.col(_src(first)) != "") & (pl.col(_src(other)) != "") & (key(first) != key(other))

    if any(frame.select(disagree(filled[0], c).any()).item() for c in filled[1:]):
        numbers = [c for c in filled if _holds_row_numbers(frame, c)]
        if numbers and len(numbers) < len(filled):
            notes["loan_id_row_numbers"] = numbers[0] if len(numbers) == 1 else numbers
            filled = [c for c in filled if c not in numbers]
            why = "; ".join(filter(None, [why, f"{', '.join(repr(c) for c in numbers)} holds row numbers "
                                               f"(0 or 1, then up by one a record), no loan ids"]))
    for other in filled[1:]:
        differ = frame.filter(disagree(filled[0], other))
        if differ.height:
            line, first_id, other_id = differ.select("_source_line", _src(filled[0]), _src(other)).row(0)
            more = f" and on {differ.height - 1:,} other line(s)" if differ.height > 1 else ""
            raise FileRefused(
                f"the columns {filled[0]!r} and {other!r} both give the loan id and disagree: line {line} has "
                f"{filled[0]} {first_id!r} and {other} {other_id!r}{more}. Which one is the loan id is not guessed: "
                f"remove or rename the column that is not, or declare a column mapping that maps the loan id's "
                f"column to source_loan_id (see README, 'Your own loan tape'), and land the file again")
    chosen, fills = filled[0], {}
    for other in filled[1:]:
        gap = (pl.col(_src(chosen)) == "") & (pl.col(_src(other)) != "")
        if n := frame.select(gap.sum()).item():
            fills[other] = n
            frame = frame.with_columns(pl.when(gap).then(pl.col(_src(other))).otherwise(pl.col(_src(chosen)))
                                       .alias(_src(chosen)))
    if fills:
        notes["loan_id_filled_from"] = fills
    if chosen != sources[0] or fills or "loan_id_row_numbers" in notes:
        notes["loan_id_column"] = "; ".join(filter(None, [
            f"loans keyed by {chosen!r}", why,
            f"{', '.join(repr(c) for c in filled[1:])} agree(s) with it where both are given" if filled[1:] else ""]))
    return chosen, frame, notes


def _holds_row_numbers(frame: pl.DataFrame, column: str) -> bool:
    """Whether a column's values are row numbers rather than ids: whole numbers, the first 0 or 1,
    each going up by at least one a record and by no more than the record's line (so a record
    quarantined as malformed or a summary row set aside between two loans leaves its gap)."""
    values = pl.col(_src(column))
    read = frame.select(values.str.contains(r"^[0-9]+$").all().alias("digits"),
                        values.cast(pl.Int64, strict=False).alias("n"), pl.col("_source_line").cast(pl.Int64).alias("line"))
    if not read["digits"][0]:
        return False
    steps = read.select(pl.col("n").diff().alias("n"), pl.col("line").diff().alias("line")).drop_nulls()
    return read["n"][0] in (0, 1) and steps.select(((pl.col("n") >= 1) & (pl.col("n") <= pl.col("line"))).all()).item()


def _unwrapped_id(raw: pl.Expr, dialect: Dialect = Dialect()) -> pl.Expr:
    """A loan id as its system wrote it, undoing what spreadsheets and float columns do to ids:
    `="1077175"` (Excel's formula that forces text) and `'1076863` (its text marker) lose the
    wrapper; `1077501.0` (an integer id that passed through a float column) loses the `.0`; an
    invisible character at either end was stripped before (see `csv_text.INVISIBLE_CHARACTER`). The
    loan key is built from the unwrapped id, so a re-delivery matches its loan; the count of
    unwrapped ids is in the file's notes (source_loan_id_unwrapped). `1,077,502` (a number format
    with digit grouping applied to the id column), or `1.077.502`, `1 077 502`, `1'077'502` as
    other locales group digits (`csv_text.ID_GROUPED_FORMS`), loses its separators and any decimal
    zeros the format added. In a tape whose `dialect` declares '.' thousands and a decimal comma,
    `7.000` is 7000 and `7000,0` a float's 7000 (`csv_text.id_grouped_forms`, `csv_text.float_tail`)."""
    (formula, formula_to), (marker, marker_to), (_, float_to) = csv_text.ID_WRAPPERS
    text = raw.str.replace(formula, formula_to).str.replace(marker, marker_to)
    forms = csv_text.id_grouped_forms(dialect.thousands, dialect.decimal)
    grouped = pl.coalesce([text.str.extract(form, 1) for form in forms]).str.replace_all(r"\D", "")
    return (pl.when(grouped.is_not_null()).then(grouped)
            .otherwise(text.str.replace(csv_text.float_tail(dialect.decimal), float_to)))


ALL_DIGIT_ID = r"^[0-9]+$"
"""A loan id written in digits only: its leading zeros are not part of its identity for the key."""


DIGIT_SCRIPTS = (0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
                 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810)
"""First code points of the decimal digit sets that Unicode NFKC leaves as they are (Arabic-Indic,
Extended Arabic-Indic as Persian and Urdu write them, N'Ko, Devanagari, Bengali, Gurmukhi,
Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian;
Unicode Character Database, category Nd): each holds 0-9 in order."""
_DIGITS_TO_ASCII = {chr(first + n): str(n) for first in DIGIT_SCRIPTS for n in range(10)}
_DIGIT_TABLE = str.maketrans(_DIGITS_TO_ASCII)


def fold_id(source_id: str) -> str:
    """An id as written, in ASCII where Unicode has a compatibility form (NFKC: full-width
    `１０００`) or the digit is a decimal digit of another script (DIGIT_SCRIPTS: Arabic-Indic
    `١٠٠٠`): one loan whatever input method wrote its id."""
    return unicodedata.normalize("NFKC", source_id).translate(_DIGIT_TABLE)


def key_id(source_id: str) -> str:
    """The id part of a loan key (`<portfolio>:<id>`) for a source loan id as written (after
    unwrapping, see `_unwrapped_id`).

    An all-digit id (ALL_DIGIT_ID) loses its leading zeros: a spreadsheet that opens a tape reads
    the id column as numbers and writes `00000001` back as `1`, so the same loan arrives under both
    forms in two monthly tapes; keyed as written, it would be two loans and every book figure would
    count it twice. `0` and `000` are `0`. Full-width forms (`１０００４４`, `ＡＢ１２`, as an East Asian
    input method or a Shift_JIS system writes them) are folded to their ASCII forms first (Unicode
    NFKC), for the same reason. Any other id (`B-0001`, `0A1`, `00 1`) is kept as written. The id as written stays in `source_loan_id`, so two rows of one file whose ids differ
    only in leading zeros share a key and are reported by the duplicate rules, naming both ids.

    Args:
        source_id: the id as written (text, no surrounding white space).

    Returns:
        The id to key the loan by (text).
    """
    source_id = fold_id(source_id)
    return (source_id.lstrip("0") or "0") if re.fullmatch(ALL_DIGIT_ID, source_id) else source_id


def _key_id(source_id: pl.Expr) -> pl.Expr:
    """`key_id` over a column of ids as written (an empty id stays empty)."""
    return pl.when(source_id.str.contains(ALL_DIGIT_ID)).then(source_id.str.replace(r"^0+([0-9])", "$1")).otherwise(source_id)


def _midnights_dropped(frame: pl.DataFrame, sources: Sequence[str]) -> pl.DataFrame:
    """`frame` with the midnight after each date of a built-in format's date columns (`sources`)
    removed from their text (`1997-02-28 00:00:00`, `2/28/1997 0:00`: `_MIDNIGHT_TAIL`), and a column
    `_midnight(source)` true where one was (counted over the loaded rows in notes
    `date_time_of_day_dropped`). Another time of day is left on its value, which then reads as no date."""
    return frame.with_columns(
        *(pl.col(_src(s)).str.replace(_MIDNIGHT_TAIL, "").alias(_src(s)) for s in sources),
        *(pl.col(_src(s)).str.contains(_MIDNIGHT_TAIL).alias(_midnight(s)) for s in sources))


def _midnight(column: str) -> str:
    """Name of the frame column that is true where a built-in date column's value had a midnight dropped."""
    return f"_midnight:{column}"


def _src(column: str) -> str:
    """Name of the frame column holding a source column's trimmed text (apart from typed targets)."""
    return f"_src:{column}"


def _missing(spec: FieldSpec) -> pl.Expr:
    empty = pl.col(_src(spec.source)) == ""
    return pl.when(empty & pl.lit(spec.required)).then(pl.lit("missing_value"))


def _status(frame: pl.DataFrame, mapping: TapeMapping, target_source: dict[str, str]) -> tuple[pl.DataFrame, dict]:
    """default_flag: from a column mapped to it when the mapping has one (a value other than 0 / 1
    is quarantined, rule invalid_default_flag; the status is then kept as text, in any vocabulary),
    else from the status map (an unknown status is quarantined, rule unknown_status), else NULL."""
    notes: dict[str, object] = {}
    if "default_flag" in target_source:
        column = target_source["default_flag"]
        rule = pl.col(f"_rule:{column}")
        invalid = pl.col("default_flag").is_not_null() & ~pl.col("default_flag").is_in([0, 1])
        # a flag column reads 1/0, Y/N, ...: another number (2, -1) is a flag out of range, not unreadable text
        other_number = (rule == "unparsable_value") & pl.col(_src(column)).str.contains(r"^[+-]?\d+(?:\.\d+)?$")
        frame = frame.with_columns(
            **{f"_rule:{column}": pl.when((rule.is_null() & invalid) | other_number)
               .then(pl.lit("invalid_default_flag")).otherwise(rule)}
        )
        unlabelled = frame.filter(pl.col("default_flag").is_null() & pl.col(f"_rule:{column}").is_null())
        notes["unlabelled_by_default_flag"] = unlabelled.height
        return frame, notes
    if "loan_status" not in target_source:
        return frame.with_columns(default_flag=pl.lit(None, pl.Int32)), notes
    column = target_source["loan_status"]
    written = pl.col(_src(column))
    folded_keys = _folded_keys(mapping.status_map, fold=_fold_status)
    folded = _fold_status_expr(written)
    slipped = ~written.is_in(list(mapping.status_map)) & folded.is_in(list(folded_keys))
    status = pl.when(slipped).then(folded.replace_strict(folded_keys, default=None)).otherwise(written)
    slips = frame.filter(slipped).group_by(_src(column)).len().sort(_src(column))
    if slips.height:
        notes["status_matched_ignoring_case_and_spacing"] = {row[0]: row[1] for row in slips.iter_rows()}
    known = status.is_in(list(mapping.status_map))
    if "loan_status" in frame.columns and target_source.get("loan_status") == column:
        # the status loads as the key it matched, so the value rules and the features see one spelling
        frame = frame.with_columns(loan_status=pl.when(slipped).then(status).otherwise(pl.col("loan_status")))
    frame = frame.with_columns(
        default_flag=status.replace_strict(mapping.status_map, default=None, return_dtype=pl.Int32),
        **{f"_rule:{column}": pl.when(~known & pl.col(f"_rule:{column}").is_null()).then(pl.lit("unknown_status"))
           .otherwise(pl.col(f"_rule:{column}"))},
    )
    unlabelled = frame.filter(known & pl.col("default_flag").is_null()).group_by(_src(column)).len()
    notes["unlabelled_by_status"] = {row[0] or "(empty)": row[1] for row in unlabelled.iter_rows()}
    return frame, notes


def _fold_code(text: str) -> str:
    """A code folded for matching: lower case, runs of white space as one space, trimmed."""
    return re.sub(r"\s+", " ", text).strip().lower()


_STATUS_SEPARATORS = r"[\s_\-\u2010-\u2015\u2212]+"
"""What separates the words of a status as a system writes them: white space, underscores (a
database or SAS name, `Charged_Off`), hyphens and dashes (`Written-Off`, `Paid-in-Full`)."""


def _fold_status(text: str) -> str:
    """A loan status folded for matching (`_status`): in its Unicode compatibility form (NFKC: the
    full-width `Ｃｕｒｒｅｎｔ` of an East Asian input method is `Current`), lower case, without its
    separators (_STATUS_SEPARATORS): `Written-Off`, `WRITTEN_OFF`, `written  off` and `WrittenOff`
    all fold to `writtenoff`, and SBA's `P I F` and `PIF ` to `pif`."""
    return re.sub(_STATUS_SEPARATORS, "", unicodedata.normalize("NFKC", text)).lower()


def _fold_status_expr(text: pl.Expr) -> pl.Expr:
    """`_fold_status` over a column of statuses as written."""
    return text.str.normalize("NFKC").str.replace_all(_STATUS_SEPARATORS, "").str.to_lowercase()


def _folded_keys(keys: Sequence[str] | dict[str, object],
                 fold: Callable[[str], str] = _fold_code) -> dict[str, str]:
    """Key folded (by `fold`: by default lower case, runs of spaces as one, trimmed; a status by
    `_fold_status`, which also reads hyphens, underscores and full-width letters) -> the key, for
    the keys no other key folds to: a tape that writes `current`, `Fully  paid` or `Written-Off`
    where the status map says `Current`, `Fully Paid` and `Written off` means those statuses
    (counted in the notes, `status_matched_ignoring_case_and_spacing`), and `Rent` is the
    home_ownership code `RENT` (CODE_LISTS); a fold two keys share stays unknown, since which one
    is meant cannot be told."""
    folded: dict[str, list[str]] = {}
    for key in keys:
        folded.setdefault(fold(key), []).append(key)
    return {fold: keys[0] for fold, keys in folded.items() if len(keys) == 1}


SBA_YN_CODES = ["Y", "N"]
"""The codes of SBA's RevLineCr and LowDoc as its 7(a) data dictionary spells them (Y = yes, N = no;
Li, Mickel & Taylor 2018)."""

LENDINGCLUB_PURPOSES = ["car", "credit_card", "debt_consolidation", "educational", "home_improvement", "house",
                        "major_purchase", "medical", "moving", "other", "renewable_energy", "small_business",
                        "vacation", "wedding"]
"""LendingClub's `purpose` codes (LCDataDictionary, 2007-2011 loans), a category of the PD model: a
value that is one of them in another case (`DEBT_CONSOLIDATION`, `Credit_Card`) loads in this
spelling; any other purpose (a mapped tape's own words) stays as written."""

CODE_LISTS = {"grade": GRADES, "sub_grade": SUB_GRADES, "home_ownership": HOME_OWNERSHIP,
              "verification_status": VERIFICATION, "purpose": LENDINGCLUB_PURPOSES,
              "revolving_line": SBA_YN_CODES, "low_doc": SBA_YN_CODES}
"""Coded columns and their codes as LendingClub's data dictionary spells them (schema), which the
value rules check, and SBA's Y / N codes (YN_CODE_TARGETS), categories of the PD model: a code in
another case (`Rent`, `NOT VERIFIED`, `b`, `n`) loads in this spelling. SBA's other values there (`0`,
`T`), which its dictionary does not define, stay as written, a letter in upper case (`t` as `T`)."""


def _codes_in_their_case(frame: pl.DataFrame, targets: set[str]) -> tuple[pl.DataFrame, dict[str, object]]:
    """Coded columns written in another case than their codes', in their codes' spelling: a
    database or SAS export that upper- or lower-cases text (`NOT VERIFIED`, `Mortgage`, `b2`, SBA's
    `n` and `y`, which the PD model would take for categories of their own, and its other letter codes,
    RevLineCr `t` as `T`, LowDoc `c` and `s` as `C` and `S`), and
    a two-letter state in lower case (`ca` -> `CA`; the borrower's and SBA's lender's state). Landing folded such a status for the default
    flag while the value rules then quarantined the same loans for it; one rule for case holds now.

    Returns the frame and the note `codes_matched_ignoring_case`: {column: {value as written: rows}}.
    """
    notes: dict[str, dict[str, int]] = {}
    changes = []
    for target in sorted(targets & {*CODE_LISTS, "addr_state", "bank_state"}):
        value = pl.col(target)
        if target in ("addr_state", "bank_state"):
            slipped = value.str.contains(r"^[A-Za-z]{2}$") & ~value.str.contains(r"^[A-Z]{2}$")
            fixed = value.str.to_uppercase()
        else:
            codes = CODE_LISTS[target]
            keys = _folded_keys(codes)
            folded = value.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
            slipped = ~value.is_in(codes) & folded.is_in(list(keys))
            fixed = folded.replace_strict(keys, default=None)
            if target in YN_CODE_TARGETS:  # SBA's other letter codes (RevLineCr `t`, LowDoc `c`, `s`) in upper case too
                other = value.str.contains(r"^\s*[a-z]\s*$") & ~slipped
                slipped, fixed = slipped | other, pl.when(other).then(value.str.strip_chars().str.to_uppercase()).otherwise(fixed)
        counts = frame.filter(slipped.fill_null(False)).group_by(target).len().sort(target)
        if counts.height:
            notes[target] = dict(counts.iter_rows())
            changes.append(pl.when(slipped.fill_null(False)).then(fixed).otherwise(value).alias(target))
    return (frame.with_columns(changes) if changes else frame), ({"codes_matched_ignoring_case": notes} if notes else {})


FRACTION_SCALE_MIN_VALUES = 20
"""Positive values a percent column needs before a file that writes all of them as fractions
without a '%' is read as fractions (below that, they are quarantined as unclear instead)."""
FRACTION_CEILING = 0.02
"""Largest value, as read (number / 100), that may be a fraction written without '%': 2 as written
is 200 % as a fraction (a revolving line drawn twice over) or 2 % as a percent."""


PERCENT_POINT_TARGETS = ("dti",)
"""Number columns held in percent points as written (DTI 14.14): a file that writes them as ratios
(0.1414) is judged by `_percent_scale` as a percent column is."""
UNCLEAR_SMALL_SHARE = 0.10
"""Share of a column's positive values at most 2 as written from which, when not all of them are,
those values' scale is unclear: in percent points such values are rare (LendingClub 2007-2011:
2 % of the revolving utilisations above 0, 802 of 38,756, and no interest rate), so a tenth of them is
fractions mixed in (a system migration, two exports joined), not a borrower mix."""
FRACTION_READING_SPAN = 2
"""How many times the largest value a column shows in percent points (above 2 as written, or with
its '%') a value at most 2 must come to, read as a fraction, to be no fraction of that column: a
migration's fractions measure what its percent points do and fall within their range, so DTI 1.1
(110 % as a fraction) among 14.14, 3.3 and 2.2 is 1.1 %, while 0.5 among 83.7 % stays unclear."""


def _percent_scale(frame: pl.DataFrame, specs: list[FieldSpec], sections: Sequence[int] = ()
                   ) -> tuple[pl.DataFrame, dict[str, int], dict[str, pl.Expr]]:
    """Decide, per percent column of one file, whether its numbers are percents (10.65, 83.7%) or
    fractions (0.1065, 0.837): a percent column is read as number / 100, so a column written as
    fractions would come out a hundred times too small, silently. A percent-point number column
    (PERCENT_POINT_TARGETS: DTI, read as written) is judged the same way: 0.35 is a ratio for 35.

    Values without a '%' that are above 0 and at most 2 as written (FRACTION_CEILING) could be
    either. Interest rates, revolving utilisations and debt-to-income ratios at or below 2 % are rare
    in a consumer or SBA book (LendingClub 2007-2011: rates 5.4-24.6 %, median utilisation about
    49 %), so:

    - no '%' anywhere and every positive value at most 2, FRACTION_SCALE_MIN_VALUES or more of
      them: the column is written as fractions and read so (notes['percent_written_as_fraction']);
    - no '%' anywhere and two or more, at least UNCLEAR_SMALL_SHARE, of the positive values at
      most 2 (fractions mixed with percents, or too few to call): those values are unclear;
    - some values carry a '%': the unsigned values at most 2 are unclear;
    - otherwise the column is percents, and a value such as 0.5 is 0.5 %.

    An unclear value is read in percent points after all where the file shows that scale for it: read
    as a fraction it would come to more than FRACTION_READING_SPAN times the largest value its part
    shows in percent points (DTI 1.1, 110 % as a fraction, among 14.14, 3.3 and 2.2 is 1.1 %).

    A file of exports joined with their headers (`sections`: the lines of its repeated headers) is
    judged part by part: April's part in percent points, May's after the repeated header in
    fractions.

    Returns:
        the frame (fraction columns scaled back up), {source column: values read as fractions},
        and {target: expression true where a value's scale is unclear}; _plausibility quarantines
        those rows (percent_scale_unclear).
    """
    notes, unclear = {}, {}
    section = sum((pl.col("_source_line") > line).cast(pl.Int32) for line in sections) if sections else pl.lit(0)
    for spec in specs:
        unsigned = ~pl.col(_src(spec.source)).str.ends_with("%")
        # a fraction column's percent is stored / 100 (RATIO_UNITS); dti keeps percent points as written
        ceiling = FRACTION_CEILING * 10 ** RATIO_UNITS.get(spec.target, 2)
        small = (pl.col(spec.target) > 0) & (pl.col(spec.target) <= ceiling)
        signed_text = ~unsigned & (pl.col(_src(spec.source)) != "")
        counts = frame.group_by(section.alias("section")).agg(
            signed_text.sum().alias("signed"),
            small.sum().alias("small"), (pl.col(spec.target) > 0).sum().alias("positive"),
            pl.col(spec.target).filter(signed_text | (pl.col(spec.target) > ceiling)).max().alias("shown"))
        fractions, doubted = [], []
        for part, signed, n_small, positive, shown in counts.iter_rows():
            if signed == 0 and n_small == positive >= FRACTION_SCALE_MIN_VALUES:
                fractions.append(part)
                notes[spec.source] = notes.get(spec.source, 0) + positive
            elif signed or (n_small >= 2 and n_small >= UNCLEAR_SMALL_SHARE * positive):
                # as a fraction (100 times the value read), within the range its part shows in percent points
                fits = (pl.col(spec.target) * 100 <= FRACTION_READING_SPAN * shown) if shown is not None else pl.lit(True)
                doubted.append((section == part) & fits)
        if fractions:
            frame = frame.with_columns(pl.when(section.is_in(fractions)).then(pl.col(spec.target) * 100)
                                       .otherwise(pl.col(spec.target)).alias(spec.target))
        if doubted:
            unclear[spec.target] = unsigned & small & pl.any_horizontal(doubted)
    return frame, notes, unclear


DTI_NO_VALUE = -1
"""The sentinel code a tape writes for a debt-to-income ratio it lacks, as 999 and above are; any
other ratio below zero is `value_out_of_range`: debt payments over income are never negative."""


NON_NEGATIVE_AMOUNTS = ("installment", "revol_bal", "disbursement_gross", "gross_approved", "sba_approved",
                        "chargeoff_principal", "balance_gross")
"""Money columns of raw.loans that are zero or more (lib.schema; SBA's from the 7(a) data dictionary,
Li, Mickel & Taylor 2018): a value below zero is quarantined as negative_amount. Zero is a real
value of each (an undisbursed loan's DisbursementGross: 196 loans of the SBA national file; a paid-off
BalanceGross; ChgOffPrinGr of a loan not charged off). loan_amount (non_positive_amount,
loan_amount_below_one) and annual_income (negative_income) have rules of their own."""


def _plausibility(frame: pl.DataFrame, target_source: dict[str, str], mapping: TapeMapping, as_of: date | None,
                  kinds: dict[str, str], unclear_scale: dict[str, pl.Expr] | None = None) -> pl.DataFrame:
    """Plausibility rules on typed canonical columns, each recorded against its source column.

    rate_as_fraction: an interest rate read from a percent column that comes out above 0 and below
    1 % was most likely written as a fraction (0.1065 read as 0.1065 %); no LendingClub loan of
    2007-2011 and no SBA 7(a) loan is priced below 1 %, and a 0 % promotion is exactly 0.
    percent_scale_unclear: another percent column's value whose scale the file leaves open (see
    _percent_scale)."""
    checks: list[tuple[str, str, pl.Expr]] = [
        ("annual_income", "negative_income", pl.col("annual_income") < 0),
        ("dti", "sentinel_value", (pl.col("dti") >= 999) | (pl.col("dti") == DTI_NO_VALUE)),
        ("dti", "value_out_of_range", pl.col("dti") < 0),  # NEGATIVE_DTI_SAID
        ("loan_amount", "non_positive_amount", pl.col("loan_amount") <= 0),
        ("loan_amount", "loan_amount_below_one", pl.col("loan_amount").is_between(0, 1, closed="none")),
        *((target, "negative_amount", pl.col(target) < 0) for target in NON_NEGATIVE_AMOUNTS),
        ("int_rate", "rate_out_of_range", (pl.col("int_rate") > 1) | (pl.col("int_rate") < 0)),
        ("fico_range_low", "fico_out_of_range", ~pl.col("fico_range_low").is_between(300, 850)),
    ]
    if "vintage" in target_source and "origination_date" in target_source:  # a fiscal year starting in October
        issued = pl.col("origination_date").dt.year()
        checks.append(("vintage", "vintage_mismatch", ~pl.col("vintage").is_between(issued, issued + 1)))
    # a comparison of two dates blames the other column only where the origination is itself
    # plausible: a 1901 origination is wrong, not the 1985 credit line after it (issue_before_1950)
    issued_plausibly = pl.col("origination_date") >= pl.lit(EARLIEST_ORIGINATION)
    if "origination_date" in target_source:
        checks.append(("origination_date", "issue_before_1950", ~issued_plausibly))
    if "chargeoff_date" in target_source and "origination_date" in target_source:
        checks.append(("chargeoff_date", "chargeoff_before_origination",
                       (pl.col("chargeoff_date") < pl.col("origination_date")) & issued_plausibly))
    if "sba_approved" in target_source and "gross_approved" in target_source:
        checks.append(("sba_approved", "guarantee_above_amount", pl.col("sba_approved") > pl.col("gross_approved")))
    below_one_percent = (pl.col("int_rate") > 0) & (pl.col("int_rate") < 0.01)
    if kinds.get("int_rate") == "percent":
        checks.append(("int_rate", "rate_as_fraction", below_one_percent))
    elif kinds.get("int_rate") in ("fraction", "basis_points"):
        # a value with its '%' reads as a percent in these too (PERCENT_SIGN_READ): `0.1065%`, a
        # fraction shown with a literal '%', is the percent column's slip; without it, 13.56 among
        # basis points (1356 meant) is this column's mirror of it
        signed = pl.col(_src(target_source["int_rate"])).str.ends_with("%")
        checks.append(("int_rate", "rate_as_fraction", below_one_percent & signed))
        if kinds.get("int_rate") == "basis_points":
            checks.append(("int_rate", "rate_as_percent", below_one_percent & ~signed))
    checks.extend((target, "percent_scale_unclear", unclear) for target, unclear in (unclear_scale or {}).items()
                  if target != "int_rate")
    if "earliest_cr_line" in target_source:  # a century-long credit history is a wrong year, not a borrower
        issued_or_read = pl.lit(as_of or date.today())
        if "origination_date" in target_source:
            issued_or_read = pl.when(issued_plausibly).then(pl.col("origination_date")).otherwise(issued_or_read)
        checks.append(("earliest_cr_line", f"credit_history_over_{MAX_CREDIT_HISTORY_YEARS}_years",
                       pl.col("earliest_cr_line") < issued_or_read.dt.offset_by(f"-{MAX_CREDIT_HISTORY_YEARS}y")))
    if "origination_date" in target_source:
        checks.append(("earliest_cr_line", "credit_line_after_issue",
                       (pl.col("earliest_cr_line") > pl.col("origination_date")) & issued_plausibly))
        # a loan is issued on or before its row's snapshot and its file's as-of date, whichever is earlier
        # (a file dated 2024-06-30 by its name may hold May's snapshot rows: the note as_of_differs_from_snapshots)
        as_of_expr = (pl.min_horizontal(pl.lit(as_of), pl.col("snapshot_date")) if as_of and "snapshot_date" in target_source
                      else pl.lit(as_of) if as_of else pl.col("snapshot_date") if "snapshot_date" in target_source else None)
        if as_of_expr is not None:
            checks.append(("origination_date", "issue_after_asof", pl.col("origination_date") > as_of_expr))
        else:  # no as-of known: no loan is issued after the day its tape is read
            checks.append(("origination_date", "issue_in_future", pl.col("origination_date") > pl.lit(date.today())))
    updates = {}  # a declared sentinel is named before any plausibility rule its code would also break (FICO 9999)
    numeric_sources = {spec.source for spec in mapping.fields if spec.kind in _NUMERIC_KINDS}
    for source, sentinels in mapping.sentinels.items():
        if _src(source) in frame.columns:
            column = f"_rule:{source}"
            current = updates.get(column, pl.col(column) if column in frame.columns else pl.lit(None, pl.Utf8))
            is_sentinel = pl.col(_src(source)).is_in(list(sentinels))
            codes = [float(v) for v in sentinels if re.fullmatch(r"[+-]?\d+(?:\.\d*)?", v)]
            if source in numeric_sources and codes:  # 999 matches '999.00' and '$999'
                number = _number_text(pl.col(_src(source)).str.strip_prefix("$").str.strip_suffix("%").str.strip_chars(),
                                      mapping.dialect).cast(pl.Float64, strict=False)
                is_sentinel = is_sentinel | number.is_in(codes)
            updates[column] = pl.when(current.is_null() & is_sentinel).then(pl.lit("sentinel_value")).otherwise(current)
    for target, rule, broken in checks:
        if target not in target_source:
            continue
        column = f"_rule:{target_source[target]}"
        current = updates.get(column, pl.col(column))
        updates[column] = pl.when(current.is_null() & broken.fill_null(False)).then(pl.lit(rule)).otherwise(current)
    return frame.with_columns(**updates) if updates else frame


def _source_field_sentinels(mapping: TapeMapping) -> list[str]:
    """The mapping's sentinel columns that fill no raw.loans column (nor name the portfolio), kept
    only as text in `source_fields`. A code there still holds its loan out (`sentinel_value`: the
    mapping declares it no measurement), and the message names the remedy for such a column
    (`source_field_sentinel_said`)."""
    used = {spec.source for spec in mapping.fields} | {mapping.portfolio_column}
    return [source for source in mapping.sentinels if source not in used]


def source_field_sentinel_said(mapping: TapeMapping, source: str) -> str:
    """The sentinel_value message of a code in `source`, a column the lake does not use (kept only in
    `source_fields`): the loan is held out all the same, and, since no lake value is lost by keeping it,
    the way to keep such loans is to drop the column's declaration from the mapping's "sentinels"."""
    where = f"mapping '{mapping.name}'{f' (in {mapping.source})' if mapping.source else ''}"
    return ("is a sentinel code, not a measurement: the loan is held out of the lake, so out of the features and "
            f"the PD model's training; {source} fills no lake column (it is kept only in source_fields), so if the "
            f"lender wants such loans kept, remove {source!r} from the \"sentinels\" of {where} and land the file "
            "again: the code is then kept in source_fields as written")


SECTION_STARTS = ("repeated_header", "note")
"""Non-data kinds that start a new section of a file: exports joined with `cat` repeat their note
line and header, and each export has its own policy marker and footers."""


def _sections(non_data: list[tuple[int, str]]) -> list[tuple[int, int | None]]:
    """(first line, policy marker line or None) of each section of a file, in line order; the first
    section starts at line 1 (see SECTION_STARTS)."""
    sections: list[tuple[int, int | None]] = [(1, None)]
    for line, kind in sorted(non_data):
        if kind in SECTION_STARTS:  # the note lines above the first header start sections of no rows
            sections.append((line, None))
        elif kind == "policy_marker" and sections[-1][1] is None:
            sections[-1] = (sections[-1][0], line)
    return sections


def _flagged_rules(frame: pl.DataFrame, flagged: list[tuple[int, str, str]]) -> pl.DataFrame:
    """The rules the reader flagged before the parse (`TextRecords.flagged`: line, column, rule) set
    on their column's rule, over whatever else the value broke or parsed to."""
    by_column: dict[tuple[str, str], list[int]] = {}
    for line, column, rule in flagged:
        by_column.setdefault((column, rule), []).append(line)
    for (column, rule), lines in by_column.items():
        current = pl.col(f"_rule:{column}") if f"_rule:{column}" in frame.columns else pl.lit(None, pl.Utf8)
        frame = frame.with_columns(pl.when(pl.col("_source_line").is_in(lines)).then(pl.lit(rule))
                                   .otherwise(current).alias(f"_rule:{column}"))
    return frame


OFF_POLICY_STATUS = r"(?i)^\s*does not meet the credit policy"
"""A LendingClub loan_status that says the loan was made outside the credit policy ('Does not meet
the credit policy. Status:Charged Off'; LendingClub's data dictionary), in any case."""


def _off_policy(frame: pl.DataFrame, non_data: list[tuple[int, str]]) -> pl.DataFrame:
    """off_policy: True for LendingClub rows after their section's 'does not meet the credit
    policy' marker, False before it, and True for a row whose loan_status says so (OFF_POLICY_STATUS):
    a download whose marker line was cut, or an export of the rows alone, still tells its off-policy
    loans, and then the rest are on policy. NULL in a file with neither. Two downloads joined with
    `cat` are two sections (their repeated header), so the second's loans are on policy until its
    own marker."""
    sections = _sections(non_data)
    status = (pl.col("loan_status").str.contains(OFF_POLICY_STATUS).fill_null(False)
              if "loan_status" in frame.columns else pl.lit(False))
    if all(marker is None for _, marker in sections):
        said = frame.select(status.any()).item() if frame.height else False
        return frame.with_columns(off_policy=status if said else pl.lit(None, pl.Boolean))
    line = pl.col("_source_line")
    ends = [start for start, _ in sections[1:]] + [None]
    after_marker = [(line > marker) & (line < end if end is not None else pl.lit(True))
                    for (_, marker), end in zip(sections, ends, strict=True) if marker is not None]
    return frame.with_columns(off_policy=pl.any_horizontal(after_marker) | status)


KIND_VALUES = {
    "new_exist": "SBA NewExist codes 1 (existing business), 2 (new) and 0 (undefined), also written 1.0",
    "flag": "a flag: 1 or 0 in any number format, Y/N, T/F, yes/no or true/false",
    "term": "a term in whole months: 36, 36.0, '36 months' (or mths, mos, m, any case) or in years, '3 years'",
    "term_years": "a term in years that is whole months: 3, '3 years', '2.5 yrs' (or in months, '36 months')",
    "emp_length": ("LendingClub's employment length: '< 1 year', '1 year' to '10+ years', or 'n/a', or a whole "
                   f"number of years 0-10 (10 or 10+ for '10+ years'), read where no more than one in "
                   f"{round(1 / EMP_LENGTH_OFF_SCALE_MAX)} of the "
                   "column's numbers runs past 10 (a column whose numbers do is months or uncapped years, and "
                   "none of its numbers is read)"),
    "zip3": "a ZIP (86001, 86001-1234) or a zip3 (860xx, 860)",
    "fiscal_year": "a year, 1976 (also written 1976.0), or SBA's 1976A",
}
"""What each column type reads, named in an `unparsable_value` quarantine message."""


def _visible(text: pl.Expr) -> pl.Expr:
    """`text` for a message, each invisible character (csv_text.INVISIBLE_CHARACTER) written as its
    escape (`1\\u200b0000`): printed as it is, a value that failed for one would look sound."""
    for char in csv_text.INVISIBLE_CHARACTER:
        text = text.str.replace_all(char, f"\\u{ord(char):04x}", literal=True)
    return text


def percent_scale_unclear_said(written: float) -> str:
    """The percent_scale_unclear message of a value as written (1.1 for a DTI, 0.837 for a
    utilisation read per cent): its two readings in percent points, `... 1.1 % or, as a fraction, 110 %?`."""
    return (f"is 0-2 without a '%' where the file does not show its scale: {written:.10g} % or, as a fraction, "
            f"{written * 100:.10g} %?")


def _quarantine_rows(frame: pl.DataFrame, rule_columns: list[str], mapping: TapeMapping,
                     records: csv_text.TextRecords, sha256: str,
                     written_forms: dict[str, str] | None = None, reference: date | None = None,
                     said_of: dict[str, dict[str, pl.Expr]] | None = None) -> pl.DataFrame:
    """The quarantine rows of a parsed tape: one per broken rule of a record (`_rule:<column>` columns
    of `frame`), with the raw text and the rule's message, and one per malformed record.
    `written_forms`: {date column: the form it is written in} of a built-in format's date columns
    (`_written_date_forms`), named in their unparsable_date messages. `reference`: the date the
    columns' two-digit years were read against (`_date`; default today), for the date_order_in_doubt
    messages. `said_of`: {source column: {rule: its message, an expression over `raw_value` and the
    frame's columns}} where a rule's message depends on the column (`_term_scale_unclear`)"""
    reference = reference or date.today()
    parts = []
    declared: dict[str, str | None] = {f.source: f.fmt for f in mapping.fields if f.kind == "date"}  # None: ISO
    declared |= {f.source: SBA_DATE_FORMAT for f in mapping.fields if f.kind == "sba_date"} | (written_forms or {})
    for column in rule_columns:
        source = column.removeprefix("_rule:")
        failed = frame.filter(pl.col(column).is_not_null())
        if failed.height:
            raw = records.fields.select("_source_line", pl.col(source).alias("raw_value"))  # untrimmed text
            said = pl.col(column).replace_strict(RULES, default="breaks a rule")
            # an export's missing-value marker ('NULL', '\\N', 'NaN') in a required column: say what it is
            said = pl.when((pl.col(column) == "missing_value") & (pl.col("raw_value").str.strip_chars() != "")).then(
                pl.lit("is a missing-value marker (an export's NULL) in a required column")).otherwise(said)
            # name the control characters the value holds (a vertical tab is no NUL)
            said = pl.when(pl.col(column) == "control_character").then(pl.col("raw_value").map_elements(
                csv_text.control_character_said, return_dtype=pl.Utf8)).otherwise(said)
            read_as = next((f for f in mapping.fields if f.source == source), None)
            kind = read_as.kind if read_as is not None else None
            if kind in KIND_VALUES:  # say what the column's type reads
                said = pl.when(pl.col(column) == "unparsable_value").then(pl.lit(
                    f"is not a value this column's type ({kind}) knows; it reads {KIND_VALUES[kind]}")).otherwise(said)
                if kind in ("term", "term_years"):  # a term of a report's table with its footnote mark: '60 (1)'
                    # or a number no form reads: other digits, a currency mark, parentheses ('(60)', '$(1,250.00)'),
                    # or no number at all ('--', '?', 'TBD')
                    footnote = pl.col("raw_value").map_elements(
                        lambda text, kind=kind: unread_term_said(text, kind), return_dtype=pl.Utf8)
                    said = pl.when((pl.col(column) == "unparsable_value") & footnote.is_not_null()).then(
                        pl.concat_str(said, pl.lit("; "), footnote)).otherwise(said)
            if kind == "percent":  # a column of fractions read as percent points: the type that reads it
                said = pl.when(pl.col(column) == "rate_as_fraction").then(pl.lit(
                    f"{RULES['rate_as_fraction']} {RATE_AS_FRACTION_REMEDY.format(column=source)}")).otherwise(said)
            elif kind in ("fraction", "basis_points"):  # only a value with its '%' breaks it there: name the type
                said = pl.when(pl.col(column) == "rate_as_fraction").then(pl.lit(
                    RATE_AS_FRACTION_SIGNED.format(kind=kind))).otherwise(said)
            said = pl.when(pl.col(column) == "unknown_status").then(
                pl.when(pl.col("raw_value").fill_null("").str.strip_chars() == "").then(pl.lit(_missing_status_said(mapping)))
                .otherwise(pl.lit(_unknown_status_said(mapping)))).otherwise(said)
            if kind in ("percent", "number") and read_as.target in failed.columns:  # the value's two readings
                written = pl.col(read_as.target) * 10 ** (2 - RATIO_UNITS.get(read_as.target, 2))  # percent points
                said = pl.when(pl.col(column) == "percent_scale_unclear").then(
                    written.map_elements(percent_scale_unclear_said, return_dtype=pl.Utf8)).otherwise(said)
            serial = pl.when(pl.col(column) == "serial_date").then(pl.col("raw_value"))  # the day it would be
            said = pl.coalesce(serial.map_elements(serial_date_said, return_dtype=pl.Utf8), said)
            for rule, message in (said_of or {}).get(source, {}).items():
                said = pl.when(pl.col(column) == rule).then(message).otherwise(said)
            if mapping.dialect.decimal == ".":  # `5.000` among amounts whose points group thousands
                said = pl.when(pl.col(column) == "ambiguous_number").then(pl.lit(POINT_THOUSANDS_SAID)).otherwise(said)
            # `1234.567`: a fraction of a cent, not `43,000` (an English group) in a decimal-comma tape
            english_group = pl.col("raw_value").str.contains(r"(?:^|\D)[1-9]\d{0,2}(?:,\d{3})+\D*$") & ~pl.col(
                "raw_value").str.contains(".", literal=True) if mapping.dialect.decimal == "," else pl.lit(False)
            said = pl.when((pl.col(column) == "amount_three_decimals") & ~english_group).then(
                pl.lit(PAST_MINOR_UNIT_SAID)).otherwise(said)
            if kind in _NUMERIC_KINDS and _is_amount(read_as):
                said = pl.when(pl.col(column) == "value_out_of_range").then(pl.lit(AMOUNT_BEYOND_SAID)).otherwise(said)
                # '(1,250.00)' looks positive: say how it reads negative
                # and '-' looks like no number: say it reads as zero
                written_negative = pl.col("raw_value").map_elements(
                    lambda text: written_negative_said(text) or accounting_zero_said(text, mapping.currency),
                    return_dtype=pl.Utf8)
                said = pl.when(pl.col(column).is_in(NEGATIVE_RULES) & written_negative.is_not_null()).then(
                    pl.concat_str(said, pl.lit("; "), written_negative)).otherwise(said)
            if not mapping.builtin and source in _source_field_sentinels(mapping):  # a column the lake does not use
                said = pl.when(pl.col(column) == "sentinel_value").then(
                    pl.lit(source_field_sentinel_said(mapping, source))).otherwise(said)
            if read_as is not None and read_as.target == "dti":
                said = pl.when(pl.col(column) == "value_out_of_range").then(pl.lit(NEGATIVE_DTI_SAID)).otherwise(said)
            if source in records.numbers_typed:  # a Parquet number column's value: it has no dialect, nor text
                said = (pl.when(pl.col(column) == "unparsable_number").then(pl.lit(TYPED_NOT_FINITE_SAID))
                        .otherwise(said))
            elif kind in _NUMERIC_KINDS:
                said = pl.when((pl.col(column) == "unparsable_number") & pl.col("raw_value").str.contains(_INFINITY_TEXT)
                               ).then(pl.lit(INFINITY_TEXT_SAID)).otherwise(said)
            if kind in _NUMERIC_KINDS and source not in records.numbers_typed:
                # why the number is unread: a flaw, a form and the key that reads it, words
                currency = mapping.currency if kind in MONEY_KINDS else ""
                hint = pl.coalesce(
                    pl.col("raw_value").map_elements(
                        lambda text: unread_number_flaw(  # a declared mapping may declare the column's type
                            text, kind, read_as.target if read_as and not mapping.builtin else None),
                        return_dtype=pl.Utf8),
                    pl.col("raw_value").map_elements(
                        lambda text: unread_number_mark(text, kind, currency, _is_amount(read_as)),
                        return_dtype=pl.Utf8),
                    _number_form_hint(pl.col("raw_value"), mapping.dialect, amount=_is_amount(read_as)),
                    pl.col("raw_value").map_elements(lambda text: irregular_grouping_said(text, mapping.dialect),
                                                     return_dtype=pl.Utf8),
                    pl.col("raw_value").map_elements(lambda text: unread_number_words(text, currency),
                                                     return_dtype=pl.Utf8))
                said = pl.when((pl.col(column) == "unparsable_number") & hint.is_not_null()
                               & ~pl.col("raw_value").str.contains(_INFINITY_TEXT)).then(
                    pl.concat_str(said, pl.lit("; "), hint)).otherwise(said)
            if cells := records.date_cells_in_number_columns.get(source):  # a workbook's date cell: what it stores
                column_is = ("an amount column" if read_as is not None and _is_amount(read_as) else
                             "a rate column" if kind in PERCENT_SIGN_READ else "a number column")
                held = pl.struct("_source_line", "raw_value").map_elements(
                    lambda cell: date_cell_in_number_column_said(cell["raw_value"], *cells[cell["_source_line"]],
                                                                 column_is) if cell["_source_line"] in cells else None,
                    return_dtype=pl.Utf8)
                said = pl.when((pl.col(column) == "unparsable_number") & pl.col("_source_line").is_in(list(cells))).then(
                    held).otherwise(said)
            if kind in _NUMERIC_KINDS:  # a mantissa that holds every digit: none was lost
                whole_mantissa = pl.col("raw_value").map_elements(
                    lambda text: sci_notation_value_said(text, mapping.dialect), return_dtype=pl.Utf8)
                said = pl.when(pl.col(column) == "sci_notation_value").then(
                    pl.coalesce(whole_mantissa, said)).otherwise(said)
            # a built-in format's date column is read in the form the file writes it (`written_forms`)
            order_fmt = (written_forms or {}).get(source) or ((read_as.fmt or "%Y-%m-%d") if kind == "date" else "")
            if "%d" in order_fmt and "%m" in order_fmt and (failed[column] == "date_order_in_doubt").any():
                # the counts and the sign that put the value in doubt, over the whole column
                # (`_order_evidence`), from the text and the reading `_parse` flagged it by
                written = pl.col(_src(source))
                if mapping.builtin:  # as `_typed_parse` read it: LendingClub's months, SBA's days
                    order_said = _order_in_doubt_said(written, order_fmt, written != "", reference,
                                                      builtin_months=kind == "date", shaped=True)
                else:
                    order_said = _order_in_doubt_said(_date_text(written, read_as.fmt), order_fmt, written != "",
                                                      reference)
                failed = frame.with_columns(order_said.alias("_order_said")).filter(pl.col(column).is_not_null())
                said = pl.when(pl.col(column) == "date_order_in_doubt").then(pl.col("_order_said")).otherwise(said)
            if source in declared:  # name the column's format, and why this value is no date in it
                said = pl.when(pl.col(column) == "unparsable_date").then(
                    _unparsable_date_said(mapping, source, declared[source], pl.col("raw_value"))).otherwise(said)
            if EPOCH_FORMATS.get(declared.get(source), ("", None))[1] == UNIX_EPOCH:  # a 1960 count read from 1970?
                said = pl.when(pl.col(column).is_in(["issue_after_asof", "issue_in_future"])).then(
                    said + pl.lit(UNIX_COUNT_LATE.format(fmt=declared[source]))).otherwise(said)
            parts.append(failed.join(raw, on="_source_line", how="left").select(
                pl.col("_source_line").alias("line"),
                pl.col("loan_key").alias("record_key"),
                pl.lit(source).alias("column_name"),
                pl.col(column).alias("rule"),
                "raw_value",
                pl.format("column {}: '{}' {}", pl.lit(source), _visible(pl.col("raw_value")), said).alias("message"),
            ))
    if records.malformed.height:
        parts.append(records.malformed.select(
            "line",
            (pl.lit(f"{mapping.portfolio}:{sha256[:16]}:") + pl.col("line").cast(pl.Utf8)).alias("record_key"),
            pl.lit(None, pl.Utf8).alias("column_name"),
            pl.when(pl.col("line") == pl.lit(records.cut_in_quoted_field, pl.Int64)).then(pl.lit("cut_in_quoted_field"))
            .otherwise(pl.lit("malformed_record")).alias("rule"),
            "raw_value",
            "message",
        ))
    if not parts:
        return empty_quarantine()
    return pl.concat(parts).cast(QUARANTINE_COLUMNS).sort("line", "column_name", nulls_last=True)


STATUSES_SHOWN = 8
"""How many of a status map's statuses an unknown_status message names (the rest are counted)."""


def _unknown_status_said(mapping: TapeMapping) -> str:
    """The end of an unknown_status message for a tape read by `mapping`: the status map's statuses
    (the first STATUSES_SHOWN, in the map's order, and how many more), that a status is matched
    ignoring case, spacing, hyphens, underscores and full-width letters (`_fold_status`), and the fix:
    the status's entry in the mapping's `"status_map"` (for a built-in format, a declared mapping for
    the tape, whose own status_map holds it)."""
    statuses = list(mapping.status_map)
    shown = ", ".join(repr(status) for status in statuses[:STATUSES_SHOWN])
    more = f" and {len(statuses) - STATUSES_SHOWN} more" if len(statuses) > STATUSES_SHOWN else ""
    if mapping.builtin:
        whose = f"the {mapping.name} format's status -> default flag map"
        fix = ("if the tape writes statuses of another vocabulary, declare a mapping for it whose \"status_map\" "
               "gives each status 1 (defaulted), 0 (repaid) or null (no outcome yet)")
    else:
        default = " (LendingClub's, as the mapping declares none)" if mapping.status_map == LENDINGCLUB_STATUS else ""
        whose = f"the status map of mapping '{mapping.name}'{default}"
        fix = (f"add it to the mapping's \"status_map\"{f' (in {mapping.source})' if mapping.source else ''} "
               "with 1 (defaulted), 0 (repaid) or null (no outcome yet)")
    return (f"is not a status of {whose}, which holds {shown}{more} (matched ignoring case, spaces, hyphens, "
            f"underscores and full-width letters); {fix}")


def _missing_status_said(mapping: TapeMapping) -> str:
    """The end of an unknown_status message for an empty status (a CSV's empty field, a Parquet null):
    the status is missing, and the two fixes: write it, or map the empty status to no outcome yet."""
    where = "a mapping declared for the tape" if mapping.builtin else (
        f"mapping '{mapping.name}'{f' (in {mapping.source})' if mapping.source else ''}")
    return ("is empty: the loan's status is missing, so whether it defaulted cannot be told; write its status, or, "
            f"where the tape leaves it empty for loans with no outcome yet, add \"\": null to the \"status_map\" of {where}")


UNIX_COUNT_LATE = (" (the column is read as {fmt}, a count since 1970-01-01: a SAS or Stata date or datetime, "
                   "counted since 1960-01-01, read so lands 3,653 days late; if the file writes one, declare "
                   "\"sas_days\", \"stata_days\", \"sas_seconds\" or \"stata_milliseconds\")")
"""Added to the message of an issue date after the tape's as-of date (or after the day it is read)
in a column read as a Unix count: the one sign a tape gives of a SAS or Stata count declared
`unix_days`, whose every date is ten years late (mappings.SAS_EPOCH)."""

SBA_DATE_FORMAT = "%d-%b-%y"
"""The SBA national file's date format (`28-Feb-97`), read by `_sba_date` with the century nearest
the loan's fiscal year."""

LENDINGCLUB_DATE_FORMAT = "%b-%Y"
"""LendingClub's month columns (`Dec-2011`: issue_d, earliest_cr_line), read as the month's first day."""

WRITTEN_DATE_FORMS: dict[str, str] = {
    "%d-%b-%y": r"^\d{1,2}-[A-Za-z]{3}-\d{2}$",  # SBA's own 28-Feb-97 (Oracle's DD-MON-RR)
    "%d%b%y": r"^\d{1,2}[A-Za-z]{3}\d{2}$",  # SAS DATE7. 28FEB97
    "%m/%d/%Y": r"^\d{1,2}/\d{1,2}/\d{4}$",  # a US spreadsheet's short date 2/28/1997
    "%d/%m/%Y": r"^\d{1,2}/\d{1,2}/\d{4}$",  # a UK or European one 28/02/1997
    "%d.%m.%Y": r"^\d{1,2}\.\d{1,2}\.\d{4}$",  # a German one 28.02.1997
    "%Y-%m-%d": r"^\d{4}-\d{1,2}-\d{1,2}$",  # ISO 8601, a database's DATE
    "%d-%b-%Y": r"^\d{1,2}-[A-Za-z]{3}-\d{4}$",  # SAS DATE11., Oracle's DD-MON-YYYY 28-Feb-1997
    "%d%b%Y": r"^\d{1,2}[A-Za-z]{3}\d{4}$",  # SAS DATE9. 28FEB1997
    "%Y%m%d": r"^[12]\d{7}$",  # compact ISO 8601 19970228
    "%b-%Y": r"^[A-Za-z]{3}-\d{4}$",  # LendingClub's Dec-2011
}
"""The forms the built-in formats' date columns are read in (strftime -> the shape of its text, any
case: `28-FEB-97`): the vendor's own, and the forms a spreadsheet, SAS, Oracle or a database writes
when it exports or re-saves the tape. The shape is matched before strptime, which would read the
two digits of `28-Feb-97` as the year 97 under `%Y`. The column's form is the one that reads the most
of its values (`_written_date_forms`); `%Y%m%d` only when the column is digits and it reads all
but a few of them (COMPACT_DATE_UNREAD_MAX), since eight digits may be a number."""

SBA_RESAVED_FORMS = ("%d%b%y", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%b-%Y", "%d%b%Y", "%Y%m%d")
"""The other forms an SBA date column may be written in (WRITTEN_DATE_FORMS): SAS's, a spreadsheet's
locale short date (US month first, UK and others day first, German with dots), ISO 8601, Oracle's
four-digit year and the compact date. Two-digit years (`%y`) take the century nearest the fiscal
year, as SBA's own do; a four-digit year is read as written."""

LENDINGCLUB_RESAVED_FORMS = ("%Y-%m-%d", "%d-%b-%Y", "%d%b%Y", "%Y%m%d")
"""The other forms a LendingClub date column may be written in: the full dates of a database or SAS
export of its months, four-digit years only (two-digit ones are never guessed: credit lines go back
to the 1940s, so `Jan-46` is 1946 or 2046; `12/1/2011` is December or 12 January, and the days do not
tell, being all the 1st). A full date is read as its month (`_date`): the column holds months."""

COMPACT_DATE_FORMAT = "%Y%m%d"
COMPACT_DATE_UNREAD_MAX = 0.10
"""The share of a column of compact dates (`%Y%m%d`, every value digits) that may be no real day
(19970231, 19971301, a digit dropped: 1997022) for the column to be read in that form, each such
value then quarantined under it; one value on a column of fewer than 20: a few typos on a tape
count, while a column of numbers (ids, amounts), of which many more are no date, is never read as
dates."""


def _days_dropped(loaded: pl.DataFrame, days_written: dict[str, dict[int, str]], specs: list[FieldSpec]
                  ) -> dict[str, dict[str, object]]:
    """The days a month column's format dropped from the typed dates of the rows that load, by column:
    {column: {"rows": n, "lines": the first 5 lines, "kept": "the month: 2019-03-15 loads as 2019-03-01"}}.
    `days_written`: `TextRecords.days_in_month_columns` (a Parquet date or a workbook date cell on
    another day than the 1st under `%Y-%m`, `%b-%Y`); a snapshot_date on its month's end, which it
    loads as, drops nothing. {} when no day was dropped."""
    said: dict[str, dict[str, object]] = {}
    for spec in specs:
        written = days_written.get(spec.source)
        if spec.kind != "date" or not written or spec.target not in loaded.columns:
            continue
        rows = loaded.select("_source_line", spec.target).filter(
            pl.col("_source_line").is_in(list(written)) & pl.col(spec.target).is_not_null()).sort("_source_line")
        rows = rows.filter(pl.Series([written[line] != day.isoformat() for line, day in rows.iter_rows()], dtype=pl.Boolean))
        if rows.height:
            line, day = rows.row(0)
            said[spec.source] = {"rows": rows.height, "lines": rows.get_column("_source_line").head(5).to_list(),
                                 "kept": f"the month: {written[line]} loads as {day.isoformat()}"}
    return said


def _read_date(s: pl.Expr, fmt: str) -> pl.Expr:
    """Date from text written in `fmt`, where the text has the form's shape (WRITTEN_DATE_FORMS; any
    text for another format); a format without a day means the first of the month (`_strptime`)."""
    read = _strptime(s, fmt)
    return pl.when(s.str.contains(WRITTEN_DATE_FORMS[fmt])).then(read) if fmt in WRITTEN_DATE_FORMS else read


def _written_date_forms(frame: pl.DataFrame, sources: Sequence[str], own: str, others: Sequence[str]
                        ) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """The form each of a built-in format's date columns (`sources`) is written in: its `own`, or one of
    `others` (WRITTEN_DATE_FORMS), whichever reads the most of its non-empty values, `own` on a tie;
    the compact `%Y%m%d` only where every value is digits and it reads all but one of them, or all
    but COMPACT_DATE_UNREAD_MAX of a larger column, as real days (and most of them): eight digits that are mostly no date are a
    number, and never read as one, while a column of compact dates with a typo (19970231) is that
    form, its typo quarantined under it. Returns ({source: form}, {source: {form: values read}})."""
    counts: dict[str, dict[str, int]] = {}
    for source in sources:
        values = frame.get_column(_src(source))
        values = values.filter(values != "")
        tried = dict.fromkeys((own, *others))  # in order, each once
        found = values.to_frame("text").select(
            _read_date(pl.col("text"), fmt).drop_nulls().len().alias(fmt) for fmt in tried).row(0, named=True)
        digits = values.str.contains(r"^\d+$").all()
        unread = values.len() - found.get(COMPACT_DATE_FORMAT, 0)
        if not digits or unread > max(1, int(values.len() * COMPACT_DATE_UNREAD_MAX)) or unread * 2 >= values.len():
            found[COMPACT_DATE_FORMAT] = 0
        counts[source] = found
    forms = {source: max(found, key=lambda fmt: (found[fmt], fmt == own)) for source, found in counts.items()}
    return forms, counts


def _sba_date_forms(frame: pl.DataFrame, specs: list[FieldSpec]) -> dict[str, str]:
    """The form each SBA date column is written in: SBA's own `28-Feb-97` (SBA_DATE_FORMAT), or one
    an export or a spreadsheet that re-saved the file wrote (SBA_RESAVED_FORMS), whichever reads the
    most of the column's values (`_written_date_forms`). Month and day first are told apart by a value
    with a day past 12 in any of the columns (one writer wrote them all), else by the approval date's
    fiscal year (SBA's fiscal year starts on 1 October: ApprovalFY is the year, plus one from October;
    `vintage`).

    Raises:
        FileRefused: (a message without the file) the dates are written with slashes, no value has
            a day past 12, and the fiscal years agree with both orders: it names the column and asks
            for a mapping that declares the format."""
    forms, counts = _written_date_forms(frame, [spec.source for spec in specs], SBA_DATE_FORMAT, SBA_RESAVED_FORMS)
    slashed = [source for source, fmt in forms.items() if "/" in fmt]
    if not slashed:
        return forms
    us, uk = "%m/%d/%Y", "%d/%m/%Y"
    told = {source for source in slashed if counts[source][us] != counts[source][uk]}
    if told:  # a day past 12 in some column says which
        order = max((us, uk), key=lambda fmt: sum(counts[source][fmt] for source in told))
    else:
        approval = next((s.source for s in specs if s.fmt == "ApprovalFY" and s.source in slashed), None)
        agree = {}
        if approval is not None and "vintage" in frame.columns:
            for fmt in (us, uk):
                day = pl.col(_src(approval)).str.strptime(pl.Date, fmt, strict=False)
                fiscal = day.dt.year() + (day.dt.month() >= 10).cast(pl.Int32)
                agree[fmt] = frame.select((fiscal == pl.col("vintage")).sum()).item()
        if not agree or agree[us] == agree[uk]:
            raise FileRefused(
                f"SBA dates written with slashes ({', '.join(slashed)}), as a spreadsheet re-saves them, and no "
                "value tells month-first from day-first (no day past 12, and the fiscal years agree with both): land "
                f"it with a column mapping that declares the format, columns.{slashed[0]}.format (\"%m/%d/%Y\" or "
                "\"%d/%m/%Y\"; README, 'Your own loan tape')")
        order = max((us, uk), key=lambda fmt: agree[fmt])
    return {source: (order if source in slashed else fmt) for source, fmt in forms.items()}


_FORMAT_EXAMPLE_DAY = date(1997, 2, 28)
_BUILTIN_NAMES = {"lendingclub": "LendingClub", "sba": "SBA"}


_MONTH_AND_YEAR = (r"(?i)^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:[-/.']\d{2}|[-/ .']?\d{4})$"
                   r"|^\d{4}[-/.](?:0?[1-9]|1[0-2])$|^(?:0?[1-9]|1[0-2])[-/.]\d{4}$")
"""A month and its year with no day (`Feb-97`, `February 1997`, `1997-02`, `02/1997`), as a spreadsheet's
'mmm-yy' or 'yyyy-mm' display format writes a date into a CSV."""


def _unparsable_date_said(mapping: TapeMapping, source: str, fmt: str | None, raw: pl.Expr) -> pl.Expr:
    """The end of the unparsable_date message of each value `raw` (as written) of a date column read in
    `fmt` (None: ISO 8601, a mapping that declares none; a `unix_*` count; `quarter`), saying why this
    value is no date: a time of day other than midnight in a built-in format's column (a calendar day
    there; `23:00` may be a midnight moved into another zone), a year outside 1900-2100, written with
    leading zeros (`0011`, the year 11) or in two digits where the format reads four, or text that is no date in the format. The format is named as strftime codes and an example
    day, and for a built-in format (whose two-digit or month-first years landing never guesses) the
    remedy: a column mapping that declares the format the file holds."""
    text = raw.str.strip_chars().str.strip_chars(csv_text.INVISIBLE_CHARACTER).str.strip_chars()
    if fmt in EPOCH_FORMATS:
        number = text.cast(pl.Float64, strict=False)
        counted = f"a count since {EPOCH_FORMATS[fmt][1].isoformat()} ({fmt})"
        return (pl.when(number.is_null()).then(pl.lit(f"is not a number: the column's format reads {counted}"))
                .when(number != number.floor()).then(pl.lit(f"is not a whole number: the column's format reads {counted}"))
                .otherwise(pl.lit(f"is {counted} whose day falls outside 1900-2100")))
    if fmt == QUARTER_FORMAT:
        quarter = pl.any_horizontal(*(text.str.to_uppercase().str.contains(pattern) for pattern, _ in _QUARTER_FORMS))
        return (pl.when(quarter).then(pl.lit("is a quarter of a year outside 1900-2100"))
                .otherwise(pl.lit("is not a quarter (2024Q2, 2024-Q2, Q2 2024, 2Q24)")))
    named = (f"the column's format {fmt!r} (as {_FORMAT_EXAMPLE_DAY.strftime(fmt)})" if fmt else
             "the column's format (ISO 8601, YYYY-MM-DD, where the mapping declares none: declare `format` for another)")
    remedy = ""
    if mapping.builtin:
        remedy = (f"; if this {_BUILTIN_NAMES.get(mapping.name, mapping.name)} tape was re-saved by a spreadsheet, "
                  "which writes dates another way (Dec-11, 12/1/2011), land it with a column mapping for the file that "
                  f"declares the column's format, columns.{source}.format (e.g. \"%m/%d/%Y\" for 12/1/2011; README, "
                  "'Your own loan tape')")
        timed = text.str.contains(_TIME_OF_DAY_TAIL) & ~text.str.contains(_MIDNIGHT_TAIL)
        written = text.str.replace(_MIDNIGHT_TAIL, "")
    else:
        timed = pl.lit(False)
        written = (pl.when(text.str.contains(_ISO_DATE_TIME)).then(text.str.slice(0, 10)).otherwise(text) if fmt is None
                   else text if _has_time_codes(fmt) else text.str.replace(_TIME_OF_DAY_TAIL, ""))
    year = (_read_date if mapping.builtin else _strptime)(written, fmt or "%Y-%m-%d").dt.year()
    month_only = text.str.contains(_MONTH_AND_YEAR) if "%d" in (fmt or "%Y-%m-%d") else pl.lit(False)
    # `0011` or `011` (the year 11), `0999`: written with leading zeros, not in two digits
    year_text = year.cast(pl.Utf8)
    zero_led = (((year < 100) & written.str.contains(year_text.str.zfill(3), literal=True))
                | ((year >= 100) & (year < 1000) & written.str.contains(year_text.str.zfill(4), literal=True)))
    other_form = pl.lit(None, pl.Utf8)  # another form the column is read in, in which this value is a date
    if mapping.builtin:
        sba = any(f.source == source and f.kind == "sba_date" for f in mapping.fields)
        forms = (SBA_DATE_FORMAT, *SBA_RESAVED_FORMS) if sba else (LENDINGCLUB_DATE_FORMAT, *LENDINGCLUB_RESAVED_FORMS)
        for form in reversed([form for form in dict.fromkeys(forms) if form != fmt]):  # the first that reads it
            own = f", {_BUILTIN_NAMES.get(mapping.name, mapping.name)}'s own form" if form == forms[0] else ""
            other_form = pl.when(_read_date(written, form).is_not_null()).then(pl.lit(
                f"{form!r} (as {_FORMAT_EXAMPLE_DAY.strftime(form)}{own})")).otherwise(other_form)
    mixed = (pl.format(
        f"is written {{}}, another form than the column's: the column mixes date forms, and the one that reads "
        f"the most of its values, {fmt!r} (as {_FORMAT_EXAMPLE_DAY.strftime(fmt or '%Y-%m-%d')}), is taken as "
        f"the column's form; write the column in one form, or land the file with a column mapping that "
        f"declares the column's format, columns.{source}.format (README, 'Your own loan tape')", other_form)
        if mapping.builtin else pl.lit(None, pl.Utf8))
    return (
        pl.when(other_form.is_not_null()).then(mixed)
        .when(month_only).then(pl.lit(
            f"is not a date in {named}: it names a month and year, not a day; a spreadsheet's display format "
            "('mmm-yy', 'yyyy-mm') writes a date so and drops its day, which the cell still holds: format the column "
            "as a whole date before saving and land the file again (a mapping declaring the month's format would "
            "load the 1st of each month as the loan's date)"))
        .when(timed).then(pl.lit(
            "holds a time of day other than midnight after its date: the column holds calendar days, and a time "
            "such as 23:00 may be a midnight written in another zone, so which day it is cannot be told; a column "
            f"mapping for the file that declares the column's format, columns.{source}.format, reads the date as "
            "written and drops the time (README, 'Your own loan tape')"))
        .when(zero_led).then(pl.format(
            f"is a date in {named} whose year is written with leading zeros, the year {{}}: outside 1900-2100 "
            "(a century mistyped or dropped?)", year))
        .when(year < 100).then(pl.format(
            f"is not a date in {named}: its year is written in two digits ({{}}) where the format reads four{remedy}",
            year))
        .when(~year.is_between(1900, 2100)).then(pl.format(
            f"is a date in {named} whose year, {{}}, is outside 1900-2100 (a mistyped year?)", year))
        .otherwise(pl.lit(f"is not a date in {named}{remedy}"))
    )


TERM_SCALE_SHARE = 0.5
"""Share of a term column's read values on one side of a year (12 months; 12 years in a column of
years) above which a value on the other side, written without a unit, is quarantined as
`term_scale_unclear` (`_term_scale_unclear`)."""


def _term_scale_unclear(frame: pl.DataFrame, specs: list[FieldSpec], builtin: bool
                        ) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """Terms written without a unit on the scale their column does not mostly use, per source
    column: in a column that counts months (`term`, LendingClub's `term`, or a mapped `int` into
    term_months), a bare value under 12 where more than half the terms read are 12 months or more
    (`3` among `36`, `60`: 3 months, or 3 years written in years?); in a `term_years` column, a bare
    value of 12 or more where more than half are under 12 years (`36` among `3`, `5`: 432 months, or
    36 months?). Either reading is a real loan in some book and the other a wrong one, so such a value
    is never loaded as read: its record is quarantined, and a term written with its unit (`3 years`,
    `36 months`) says its own scale. SBA's `Term` (built-in, months, short terms real) is not judged.

    `frame` holds `_src:<column>` text and the typed `term_months`. Returns {source column: (which
    rows are unclear, the quarantine message of each as an expression over `raw_value` and
    `term_months`)}; {} when no column has such a value."""
    unclear = {}
    for spec in specs:
        if spec.target != "term_months" or not (spec.kind in ("term", "term_years")
                                                or (spec.kind == "int" and not builtin)):
            continue
        bare = pl.col(_src(spec.source)).str.contains(r"^\d+(?:\.\d+)?$")
        months = pl.col("term_months")
        in_years = spec.kind == "term_years"
        odd, usual = (bare & (months >= 144), months < 144) if in_years else (bare & (months < 12), months >= 12)
        counts = frame.select(odd=odd.sum(), usual=usual.sum(), all=months.is_not_null().sum()).row(0, named=True)
        if not counts["odd"] or counts["usual"] <= TERM_SCALE_SHARE * counts["all"]:
            continue
        shown = (months / 12 if in_years else months).cast(pl.Int64)
        common = (frame.filter(usual).group_by(shown.alias("t")).len().sort(["len", "t"], descending=[True, False])
                  .get_column("t").head(3).sort().to_list())
        unit = "years" if in_years else "months"
        scale = (f"a column that counts {unit} ('{spec.kind}'), {counts['usual']:,} of whose {counts['all']:,} "
                 f"terms read are {'under 12 years' if in_years else '12 months or more'} "
                 f"({', '.join(map(str, common))} {unit})")
        written = pl.col("raw_value").str.strip_chars()
        if in_years:
            said = pl.format(f"is a term written without its unit, read as {{}} years ({{}} months) in {scale}: "
                             "a term in months written in a column of years? Write it with its unit, '{} months' "
                             "or '{} years', and land the file again", written, months, written, written)
        else:
            said = pl.format(f"is a term written without its unit, read as {{}} months in {scale}: a term in "
                             "years written in a column of months ({} years is {} months)? Write it with its unit, "
                             "'{} years' or '{} months', and land the file again",
                             written, written, months * 12, written, written)
        unclear[spec.source] = (odd.fill_null(False), said)
    return unclear


FREE_TEXT_COLUMNS = frozenset({
    "desc", "title", "emp title", "description", "loan description", "loan title", "employer title",
    "job title", "purpose text", "loan purpose text", "notes", "comments", "remarks",
})
"""Names (as matched: `_name_key`, so `emp_title` is `emp title`) of the free-text columns a tape
carries beside the ones the book reads, kept whole in `source_fields`: LendingClub's `desc` (the
borrower's description), `title` (the loan title) and `emp_title` (the employer or job title;
LCDataDictionary), and a servicer's description, title, notes or comments. A lender's own free-text
column is declared in its mapping (TapeMapping.free_text_columns)."""


def _line_breaks_in_free_text(frame: pl.DataFrame, specs: list[FieldSpec], header: list[str],
                              mapped_sources: set[str], declared: Sequence[str] = ()
                              ) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
    """`frame` (trimmed `_src:<column>` text) with each line break an export wrote inside a cell
    (csv_text.LINE_BREAK_IN_CELL: a vertical tab from Excel for Mac or FileMaker, a form feed, NEL,
    U+2028, U+2029) read as the line feed `\\n` a quoted CSV field holds, in the free-text columns:
    those mapped to a FREE_TEXT_TARGETS column, the unmapped ones named in FREE_TEXT_COLUMNS and those
    the mapping `declared` its free text (TapeMapping.free_text_columns), header names matched by `_name_key`.

    Returns the frame and the note `line_break_characters_read`: {column: {character by code point
    and name (`csv_text.character_name`): values holding it}}, {} when no value held one. Elsewhere
    (an amount, a date, an id, a code) the character stays, and the record is quarantined
    `control_character`; any other control character (a NUL, ESC, a separator) stays in free text
    too."""
    free = [s.source for s in specs if s.target in FREE_TEXT_TARGETS]
    free += [c for c in header if c not in mapped_sources and _name_key(c) in FREE_TEXT_COLUMNS]
    free += [c for c in header if _name_key(c) in {_name_key(d) for d in declared}]
    free = [c for c in dict.fromkeys(free) if frame.schema[_src(c)] == pl.Utf8]
    if not free or not frame.height:
        return frame, {}
    breaks = list(csv_text.LINE_BREAK_IN_CELL)
    # one select over the columns and characters at once
    held = frame.select(pl.col(_src(c)).str.contains(b, literal=True).fill_null(False).sum().alias(f"{i}:{j}")
                        for i, c in enumerate(free) for j, b in enumerate(breaks)).row(0, named=True)
    note = {c: {csv_text.character_name(b): n for j, b in enumerate(breaks) if (n := held[f"{i}:{j}"])}
            for i, c in enumerate(free)}
    note = {c: said for c, said in note.items() if said}
    if not note:
        return frame, {}
    return frame.with_columns(pl.col(_src(c)).str.replace_all(f"[{csv_text.LINE_BREAK_IN_CELL}]", "\n")
                              for c in note), note


def _control_characters_unmapped(loaded: pl.DataFrame, header: list[str], mapped_sources: set[str]
                                 ) -> dict[str, dict[str, object]]:
    """Per unmapped column (kept whole in `source_fields`, never read): the loaded records whose value
    holds a control character (`csv_text.CONTROL_CHARACTER`, a NUL from a binary or truncated
    export), as {"records": n, "lines": the first 5 physical lines}; {} when none does.

    A control character in a column the book reads quarantines the record (`control_character`);
    in one it does not read, the loan's values are whole, so it lands and the file's notes name the
    column and lines to check against the source."""
    unmapped = [c for c in header if c not in mapped_sources]
    if not unmapped:
        return {}
    # one pass over every column at once: a filter per column copies the whole (wide) frame each time
    held = loaded.select(pl.col(_src(c)).str.contains(csv_text.CONTROL_CHARACTER).fill_null(False).alias(str(i))
                         for i, c in enumerate(unmapped))
    counts = held.sum().row(0)
    lines = loaded.get_column("_source_line")
    return {c: {"records": n, "lines": lines.filter(held.get_column(str(i))).head(5).to_list()}
            for i, (c, n) in enumerate(zip(unmapped, counts, strict=True)) if n}


def _canonical(loaded: pl.DataFrame, header: list[str], mapped_sources: set[str], has_vintage: bool,
               mapping: TapeMapping) -> pl.DataFrame:
    """Loaded records as LOAN_COLUMNS (+ `_source_line`), typed; unmapped source fields as JSON text."""
    unmapped = [c for c in header if c not in mapped_sources]
    extra = {
        "portfolio": pl.col("_portfolio"),
        "currency": pl.lit(mapping.currency),
        "source_fields": (pl.struct(pl.col(_src(c)).alias(c) for c in unmapped).struct.json_encode()
                          if unmapped else pl.lit(None, pl.Utf8)),
    }
    if not has_vintage and "origination_date" in loaded.columns:
        extra["vintage"] = pl.col("origination_date").dt.year()
    loaded = loaded.with_columns(**extra)
    columns = []
    for column in LOAN_COLUMNS:
        dtype = _POLARS_TYPES[column.sql_type]
        expr = pl.col(column.name) if column.name in loaded.columns else pl.lit(None)
        columns.append(expr.cast(dtype).alias(column.name))
    return loaded.select(*columns, pl.col("_source_line"))


def _footer_check(records: csv_text.TextRecords, rows: pl.DataFrame, mapping: TapeMapping) -> dict[str, object]:
    """LendingClub 'Total amount funded in policy code N: X' footers against the loaded amounts of
    their section (`_sections`; policy code 1 = its rows before the policy marker, 2 = after).
    A mapping's control record (`mappings.ControlRecord`, `TRL|00000030|398025.00`) states the
    records the file holds (key `control record, line L: records`) and the total of a column's
    loaded values (`control record, line L: <column> total`).

    Returns {"footer_totals": {key: {"line", "stated", "loaded", "matches"}}}, key `policy code N`
    (`policy code N, line L` for the footers of a second section), or {} without footers. A
    database client's row count (`(30 rows)`, a `row_count` line) is checked against the records
    the file holds: key `row count, line L`, {"line", "stated", "records", "matches"}; so is a
    report's footer line that states it ('Total Records:,40', `_summary_rows`). A mismatch
    (a data line lost, a loan quarantined) is what check `raw_loans_footer_totals` reports.
    """
    footers = {line: text for line, text in records.marked_text.items()
               if (line, "footer") in records.non_data_lines}
    counted = {line: text for line, text in records.marked_text.items() if (line, "row_count") in records.non_data_lines}
    checks: dict[str, object] = {}
    for line, text in sorted(counted.items()):  # a database client's '(30 rows)': every row it printed is a record
        stated = _row_count_stated(text)
        records_read = records.fields.height + records.malformed.height
        checks[f"row count, line {line}"] = {"line": line, "stated": stated, "records": records_read,
                                             "matches": stated == records_read}
    checks |= _control_record_check(records, rows, mapping)
    if not footers:
        return {"footer_totals": checks} if checks else {}
    sections = _sections(records.non_data_lines)
    starts = [start for start, _ in sections]
    for line, text in sorted(footers.items()):
        found = _FOOTER_TOTAL.search(text)
        try:
            code, stated = int(found.group(1)), float(found.group(2).replace(",", "").rstrip("."))
        except (AttributeError, ValueError):  # no total in it, or one that is no number
            checks[f"line {line}"] = {"footer": text.strip(), "checked": False}
            continue
        start = max(s for s in starts if s <= line)
        end = min((s for s in starts if s > line), default=None)
        in_section = (pl.col("_source_line") >= start) & (pl.col("_source_line") < end if end else pl.lit(True))
        subset = rows.filter(in_section & (pl.col("off_policy").fill_null(False) == (code != 1)))
        loaded = float(subset.get_column("loan_amount").sum() or 0.0)
        key = f"policy code {code}" if f"policy code {code}" not in checks else f"policy code {code}, line {line}"
        checks[key] = {"line": line, "stated": stated, "loaded": loaded, "matches": abs(stated - loaded) < 0.005}
    return {"footer_totals": checks}


def _row_count_stated(text: str) -> int:
    """The record count a database client's row count line states: `(30 rows)` -> 30 (its first
    number; DuckDB adds '  4 columns'). A comma groups thousands only in threes: in a trailer's
    `TRL,000009,99999.00` the count is 9."""
    return int(re.search(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+", text).group().replace(",", ""))


def _states_its_count(records: csv_text.TextRecords, mapping: TapeMapping) -> bool:
    """Whether the file states that it holds no record: a database client's row count line
    (`(0 rows)`, kind `row_count`) or the mapping's control record (`TRL|00000000|0.00`), every
    count it states being 0. A stated count above 0 over no record is a cut copy: refused."""
    stated = [str(_row_count_stated(records.marked_text[line]))
              for line, kind in records.non_data_lines if kind == "row_count" and line in records.marked_text]
    control = mapping.control_record
    if control is not None and control.record_count is not None:
        for text in records.marked_text.values():
            if text.lstrip("\ufeff ").startswith(control.prefix):
                fields = csv_text.split_fields(text.lstrip("\ufeff "), mapping.dialect.delimiter)
                stated.append(fields[control.record_count - 1].strip() if control.record_count <= len(fields) else "")
    return bool(stated) and all(count.isdigit() and int(count) == 0 for count in stated)


def _control_record_check(records: csv_text.TextRecords, rows: pl.DataFrame,
                          mapping: TapeMapping) -> dict[str, object]:
    """The entries of `_footer_check` for each line of the mapping's control record: its stated
    record count against the data records the file holds (loaded, quarantined or malformed), its
    stated total against the sum of `amount_column`'s loaded values (the target it fills). The total is
    written in the units the column's values are (`_control_total`: thousands where the mapping
    declares `"scale": 1000`, cents in a `money_minor` column) and compared exactly, in Decimal, at
    the minor unit (entry keys "written" and "scale" say how it was read). A field the line lacks, or
    that is no number, is an entry {"footer", "checked": False}."""
    control = mapping.control_record
    if control is None:
        return {}
    checks: dict[str, object] = {}
    spec = next((f for f in mapping.fields if f.source == control.amount_column), None)
    target = spec.target if spec is not None else None
    trailers = [line for line, text in records.marked_text.items() if text.lstrip("\ufeff ").startswith(control.prefix)]
    if not trailers:  # declared, and not there: a copy cut at a line end loses it with the last records
        held = records.fields.height + records.malformed.height
        return {"control record": {"footer": f"no line starting {control.prefix!r}", "checked": False,
                                   "reason": f"the mapping declares a control record, and the file has none ({held:,} "
                                             "records): a copy cut short at a line end loses it with its last "
                                             "records"}}
    for line, text in sorted(records.marked_text.items()):
        if not text.lstrip("\ufeff ").startswith(control.prefix):
            continue
        fields = csv_text.split_fields(text.lstrip("\ufeff "), mapping.dialect.delimiter)
        for what, at in (("records", control.record_count), (f"{control.amount_column} total", control.amount_total)):
            if at is None:
                continue
            written = fields[at - 1].strip() if at <= len(fields) else ""
            stated = pl.DataFrame({"v": [written]}).select(
                _number_text(pl.col("v"), mapping.dialect).cast(pl.Float64, strict=False)).item()
            key = f"control record, line {line}: {what}"
            if stated is None:
                checks[key] = {"footer": text.strip(), "checked": False, "line": line,
                               "reason": f"field {at} ({written!r}) is no number"}
            elif what == "records":
                held = records.fields.height + records.malformed.height
                checks[key] = {"line": line, "stated": int(stated), "records": held, "matches": int(stated) == held,
                               "source": "the control record's record count"}
            else:
                number = pl.DataFrame({"v": [written]}).select(_number_text(pl.col("v"), mapping.dialect)).item()
                total, loaded, unit = _control_total(number, spec, rows, mapping.currency)
                checks[key] = {"line": line, "stated": float(total), "loaded": float(loaded), "matches": total == loaded,
                               "written": written, "scale": unit,
                               "source": f"the control record's total of {control.amount_column}"}
    return checks


def _control_total(number: str, spec: FieldSpec, rows: pl.DataFrame, currency: str) -> tuple[Decimal, Decimal, str]:
    """(stated total, loaded sum, the unit the total was read in) of a control record's amount total,
    both exact Decimals in the currency's major unit at its minor unit (cents). `number`: the total as
    `_number_text` gives it ('12345.678'). A trailer states its total in the units its column's values
    are written in (a mainframe sums the field as it writes it): thousands in a column the mapping
    scales (`"scale": 1000`: 12345.678 is 12,345,678.00), minor units in a `money_minor` column
    (1234500 cents is 12,345.00); the unit is said as 'units of 1,000 (the column's "scale": 1000)' or
    'USD minor units', '' for a
    column written in full. The loaded sum adds each loaded value exactly (its shortest decimal form),
    not in floats."""
    digits = max(2, minor_unit_digits(currency))
    stated, unit = Decimal(number), ""
    if spec.scale != 1:
        stated, unit = stated * spec.scale, f"units of {spec.scale:,} (the column's \"scale\": {spec.scale})"
    elif spec.kind == "money_minor":
        stated, unit = stated.scaleb(-minor_unit_digits(currency)), f"{currency} minor units"
    cent = Decimal(1).scaleb(-digits)
    values = rows.get_column(spec.target).drop_nulls().to_list() if spec.target in rows.columns else []
    loaded = sum((Decimal(repr(float(v))) for v in values), Decimal(0)).quantize(cent)
    return stated.quantize(cent), loaded, unit


TOTAL_LABEL = r"(?i)^(?:grand|sub|overall)?[\s_-]*(?:total|totals|sum)[\s_-]*:?$"
"""A totals label as a whole cell, whatever its case, with an optional trailing colon: Total,
TOTAL:, Totals, Grand Total, Subtotal, Sub-total, Sum. 'Total renovation' or 'Sum Ltd' is no label."""
SUBTOTAL_LABEL = (r"(?i)^\S.{0,60}\s(?:total|totals|ergebnis|totaal)$"
                  r"|^(?:total|totale|gesamtergebnis|eindtotaal)(?:\s\S.{0,60})?$")
"""The label Excel's Data > Subtotal writes in the grouped column: the group's value and the word,
`AZ Total` (English), `AZ Ergebnis` (German), `AZ Totaal` (Dutch), `Total AZ` (French, Spanish),
`Totale AZ` (Italian), and its grand total (`Gesamtergebnis`, `Eindtotaal`; `Grand Total` is a
TOTAL_LABEL). It could be a loan's text too ('Allied Total', 'Total Renovation'), so a row it labels
is a totals row only when the row says so otherwise (`_summary_rows`), and is left a loan when not."""
_COUNTED_ROWS = r"(?:records?|rows?|loans?|lines?|accounts?|entries)"
COUNT_FOOTER = (rf"(?i)^(?:(?:total|number|no\.?|count)\s+(?:of\s+)?{_COUNTED_ROWS}(?:\s+\w+)?\s*[:=]?"
                rf"|{_COUNTED_ROWS}(?:\s+(?:count|total|written|exported|listed))?\s*[:=]"
                r"|(?:record|row|loan|line|account)[\s_-]*count\s*[:=]?"
                r"|(?:(?:total|record|row)\s+)?count\s*[:=]?|(?:trailer|trl|tlr|t|eof)\s*[:=|#]?"
                r"|(?:records|rows|loans|lines|accounts|entries)"
                r")\s*(\d[\d,]*)\.?$"
                r"|^(?:trailer|trl|tlr|t|eof)\s*[:=|#]?\s*(\d[\d,]*)\s+[-+]?\d[\d,]*\.\d{2}$"
                rf"|^(?:(?:total|count)\s*[:=]\s*)?(\d[\d,]*)\s+{_COUNTED_ROWS}\.?$")
"""A footer line stating how many records the file holds, its label and number in one cell or two
('Total Records:,40', 'Record count: 40', 'Number of loans,40', 'RECORDS WRITTEN = 40'), the
cells joined by a blank; a trailer's bare label and count ('Count,40', 'Rows,40', 'Trailer|40',
'T,40', 'TRL,000040'), with the file's amount total after the count or not ('TRL|000040|99999.00',
a control record's form; the total is not checked here), or the count before what it counts
('40 records', 'Total: 40 loans'). The
number is checked against the file's records as a database client's '(40 rows)' is
(`_footer_check`, key `row count, line L`). A line is read with it only below every row that may be
a loan, and with no value but its label and count (`_summary_rows`): a loan whose id is 'Count' or
'T' holds its values too."""
TRAILER_DELIMITERS = (",", "|", "\t", ";")
"""The delimiters a trailer may be written in whatever the file's own (`_count_footer_text`)."""


def _count_footer_text(values: Sequence[str]) -> str | None:
    """The text COUNT_FOOTER reads as a footer stating the file's record count in a line's non-empty
    values (split at the file's delimiter), joined by a blank; or, where the line is one value, in
    that value split at another of TRAILER_DELIMITERS: the trailer a system appends in its own
    delimiter (`TRL|000003|15000.00` in a comma tape reads 'TRL 000003 15000.00'). None where the
    line states no count."""
    joined = " ".join(values)
    if re.search(COUNT_FOOTER, joined):
        return joined
    if len(values) == 1:
        for delimiter in (d for d in TRAILER_DELIMITERS if d in values[0]):
            text = " ".join(v.strip() for v in values[0].split(delimiter) if v.strip())
            if re.search(COUNT_FOOTER, text):
                return text
    return None


TOTAL_OF_LABEL = r"(?i)^(?:grand\s+)?totals?\s+(?:of\s+)?[^\d:]{2,40}:$"
"""A totals label naming what it totals, with the colon a report writer puts after a label:
'Total Gross Approved:', 'Total of loan amounts:'. Without its colon ('Total renovation') it could be
a loan's text, so a malformed record (a short line of a CSV tape) alone is read with it."""
NOTE_TEXT = r"[A-Za-z]{2,}[^A-Za-z0-9]*\s+\S*[A-Za-z]{2,}|^[*†‡¹²³]|:\s"
"""Text written for a reader, not a value: two words or more ('Source: ACME servicing system',
'Loans that do not meet the credit policy'), or a footnote mark first ('* preliminary'). A lone
token ('Confidential', 'AC12345') could be a loan id and is not taken for a note."""
REPORT_FIELD_LABEL = r"^[A-Za-z][A-Za-z .'/&()-]{0,40}:$"
"""A report's field label with the colon a report writer puts after it ('Report date:', 'Prepared
by:', 'Portfolio:'): with its value beside it, or alone, it is a line of the report's trailer block
below the last loan, never a loan (`_summary_rows`)."""
LONE_WORD = r"^[A-Za-z]{3,}:?$"
"""One word of letters alone, no digit ('Summary', 'Confidential', 'Notes:'): below the last loan,
outside the id column, a heading or a marking of the report's trailer block. Between loans, or in
the id column, it could be a loan id and stays a record (`_summary_rows`)."""
SUM_ROWS_MIN = 2
"""Data rows a value must sum before it is taken for their total (one row's amount equals itself)."""


COLUMN_LABEL_ROWS = 3
"""Records under a header that may be read as its column labels or units (a label row, a units row
and one more; a report writer puts them directly under the header)."""
_LABEL_TEXT = r"[^\W\d_]{2,}|^\(?[%$€£¥‰]\)?$"
"""Two letters in a row, of any script, or a unit's symbol alone: a label ('Loan amount (USD)',
'Delinquencies 2y') or unit ('months', 'USD', '%'), where a value of a number column is digits
('21,200', '80.90%', '(1.00)')."""
_CODED_AMOUNT = r"^\(?[+-]?\s*[A-Za-z]{1,3}[$.]?\s*[-+(]?\s*\d[\d.,' ]*\)?$|^\(?[+-]?\s*\d[\d.,' ]*\s*[A-Za-z]{3}\)?$"
"""An amount written with a currency's code or letters before or after it ('EUR 5,000.00', 'US$250',
'Fr. 1'200', '5000 CHF'): letters, but a loan's value, not a label."""


def _column_label_rows(frame: pl.DataFrame, records: csv_text.TextRecords, specs: list[FieldSpec]
                       ) -> tuple[pl.DataFrame, csv_text.TextRecords, dict[str, object]]:
    """Rows under the header that describe its columns rather than hold a loan, moved from the data
    records to the non-data lines as `column_labels` (reconciliation stays rows_in_file = loaded +
    quarantined + non-data): the label row SAS's PROC EXPORT writes with its LABEL option, or a BI
    report's ('Loan amount (USD)', 'Term', 'Revolving utilisation (%)'), or a units row ('USD',
    'months'). Quarantined, such a row read as one loan with a dozen bad values.

    A record is taken for one when it is among the first COLUMN_LABEL_ROWS of the file, or of a part
    after a repeated header, and every record before it there is one too; when at least two of the
    mapping's number columns (and half of those the file has) hold words or units in it (_LABEL_TEXT) and none
    holds anything else (a loan's row holds digits in its amounts; a missing marker is already empty
    here, and an empty cell says nothing); and when its loan id, if mapped, is not all digits.

    `frame` holds each column's trimmed text (`_src:<column>`) and `_source_line`. Returns the frame
    and records without the moved rows, and the note `column_labels` ("line: cells", the cells
    joined by ' | ', 120 characters at most).
    """
    numeric = sorted({s.source for s in specs if s.kind in _NUMERIC_KINDS})
    id_source = next((s.source for s in specs if s.target == "source_loan_id"), None)
    if len(numeric) < 2 or not frame.height:
        return frame, records, {}
    worded = [pl.col(_src(c)).str.contains(_LABEL_TEXT) & ~pl.col(_src(c)).str.contains(_CODED_AMOUNT) for c in numeric]
    other = [(pl.col(_src(c)) != "") & ~w for c, w in zip(numeric, worded)]
    id_digits = pl.col(_src(id_source)).str.contains(r"^\d+$") if id_source else pl.lit(False)
    n_worded = pl.sum_horizontal(*[w.cast(pl.Int32) for w in worded])
    label_like = (n_worded >= max(2, (len(numeric) + 1) // 2)) & ~pl.any_horizontal(*other) & ~id_digits
    heads = sorted(line for line, kind in records.non_data_lines if kind == "repeated_header")
    lines = frame.get_column("_source_line").sort()
    part = pl.Series("_part", np.searchsorted(np.asarray(heads, dtype=np.int64), lines.to_numpy(), side="right"))
    candidates = pl.DataFrame([lines, part]).filter(pl.int_range(pl.len()).over("_part") < COLUMN_LABEL_ROWS)
    first = frame.join(candidates, on="_source_line").sort("_source_line").select(
        "_source_line", "_part", label_like.alias("_label_like"),
        pl.concat_str([pl.col(_src(c)) for c in records.header], separator=" | ").alias("_cells"),
    )
    # a run of label rows from the part's first record: the first that is not one ends it
    first = first.filter(pl.col("_label_like").cum_min().over("_part"))
    if not first.height:
        return frame, records, {}
    moved = first.get_column("_source_line").to_list()
    cells = dict(zip(moved, first.get_column("_cells").to_list()))
    records = dataclasses.replace(
        records,
        fields=records.fields.filter(~pl.col("_source_line").is_in(moved)),
        non_data_lines=sorted(records.non_data_lines + [(line, "column_labels") for line in moved]),
        marked_text={**records.marked_text, **cells},
    )
    return (frame.filter(~pl.col("_source_line").is_in(moved)), records,
            {"column_labels": [f"{line}: {cells[line][:120]}" for line in moved]})


def _summary_rows(frame: pl.DataFrame, records: csv_text.TextRecords, specs: list[FieldSpec],
                  mapping: TapeMapping) -> tuple[pl.DataFrame, csv_text.TextRecords, dict[str, object]]:
    """Rows of a tape that summarise it or annotate it rather than being loans, moved from the data
    records to the non-data lines, each with its kind (reconciliation stays rows_in_file = loaded +
    quarantined + non-data):

    - `total_row`: a row whose label cell holds a totals label (TOTAL_LABEL): its id cell, or, where
      its id is empty (or the tape maps none), any of its cells; and that is the row it claims to
      be: the label is in the id cell (no loan id reads "Total"), or every mapped column that is not
      an amount is empty apart from the label, or one of its amounts is the sum of the data rows
      above it (all of them, or those since the previous totals row: a subtotal), SUM_ROWS_MIN rows
      or more, or, above every data row (a summary line before its detail), of those below it. A row without a label, with no id and no value but amounts, one of which is such a
      sum, is an unlabelled totals row. A labelled row that is neither stays a record and is
      quarantined under `total_row_unclear`, on the label's column: never loaded, never dropped.
      A row labelled as Excel's subtotals label their groups (SUBTOTAL_LABEL: `AZ Total`), with
      no id, is one when its other cells or one of its sums say so as above, and a loan otherwise.
    - `footer_note` / `section_label`: a row whose only value is one cell of text for a reader
      (NOTE_TEXT: 'Source: ACME servicing system'), below the last loan / between loans (a divider
      such as 'Loans that do not meet the credit policy', whose meaning a mapped tape cannot know:
      its text is kept in the notes). A malformed record (a one-field line of a CSV tape) of that
      kind, or holding a totals label and numbers only, is moved too; one over several lines, or
      whose quotes do not pair (`for my shop"`, the end of a quoted field broken over lines), is
      the broken record it is, never a note. A malformed record whose first value is a totals label
      naming what it totals (TOTAL_OF_LABEL: 'Total Gross Approved:') and whose others are amounts
      is a `total_row` too.
    - `row_count`: a record of one or two values below every row that may be a loan, stating the
      file's record count (COUNT_FOOTER: 'Total Records:,40', a trailer's 'Count,40' or 'T,40'); a
      block of them at the end is one trailer, each line of it a `row_count`; `_footer_check`
      checks each count. One with a loan below it stays a record.

    `frame` holds each column's trimmed text (`_src:<column>`) and `_source_line`. Returns the
    frame and records without the moved rows (flagged with the unclear ones), and the notes:
    `total_rows`, `footer_notes`, `section_labels` ("line: text", in line order).
    """
    header = records.header
    cells = [pl.col(_src(c)) for c in header]
    id_source = next((s.source for s in specs if s.target == "source_loan_id"), None)
    numeric = [s for s in specs if s.kind in _NUMERIC_KINDS]
    numeric_sources = {s.source for s in numeric}
    other_sources = [s.source for s in specs if s.source not in numeric_sources]
    id_empty = (pl.col(_src(id_source)) == "") if id_source else pl.lit(True)
    label_in_id = pl.col(_src(id_source)).str.contains(TOTAL_LABEL) if id_source else pl.lit(False)
    filled = pl.sum_horizontal(*[(c != "").cast(pl.Int32) for c in cells]) if cells else pl.lit(0)
    frame = frame.with_columns(_filled=filled, _id_empty=id_empty, _label_in_id=label_in_id)
    # the cell-by-cell tests on the few rows they can hold for: an id-less row, a one-value row
    maybe = frame.filter(pl.col("_id_empty") | (pl.col("_filled") == 1)).select(
        "_source_line",
        _labelled=pl.col("_label_in_id") | (pl.col("_id_empty") & pl.any_horizontal(pl.lit(False), *[c.str.contains(TOTAL_LABEL) for c in cells])),
        _weak=pl.col("_id_empty") & pl.any_horizontal(pl.lit(False), *[c.str.contains(SUBTOTAL_LABEL) for c in cells]),
        _bare=pl.col("_id_empty") & ~pl.any_horizontal(pl.lit(False), *[pl.col(_src(c)) != "" for c in header
                                                                         if c not in numeric_sources]),
        _note=(pl.col("_filled") == 1) & pl.concat_str(cells, separator="").str.contains(NOTE_TEXT),
    )
    frame = frame.join(maybe, on="_source_line", how="left", maintain_order="left").with_columns(
        _labelled=pl.col("_labelled").fill_null(False) | pl.col("_label_in_id"),
        _bare=pl.col("_bare").fill_null(False),
        _weak=pl.col("_weak").fill_null(False),
    ).with_columns(_weak=pl.col("_weak") & ~pl.col("_labelled"),
                   _note=pl.col("_note").fill_null(False) & ~pl.col("_labelled") & ~pl.col("_weak")
                   ).drop("_id_empty", "_label_in_id")
    moved: list[tuple[int, str]] = []
    marked: dict[int, str] = {}
    flagged: list[tuple[int, str, str]] = []
    texts: dict[str, list[str]] = {"total_rows": [], "footer_notes": [], "section_labels": []}
    # a trailer's label and count, or its label, count and amount total in a tape of more columns
    counts = frame.filter(pl.col("_filled").is_between(1, 2 if len(header) <= 3 else 3)).select(
        "_source_line", pl.concat_list(cells).list.eval(pl.element().filter(pl.element() != "")).list.join(" ")
        .alias("_text")).filter(pl.col("_text").str.contains(COUNT_FOOTER))
    if counts.height:  # a record count below every row that may be a loan: a footer, checked in _footer_check
        counted = counts.get_column("_source_line")
        last_row = frame.filter((pl.col("_filled") >= 2) & ~pl.col("_labelled") & ~pl.col("_weak") & ~pl.col("_bare")
                                & ~pl.col("_source_line").is_in(counted)).get_column("_source_line").max() or 0
        for line, text in counts.filter(pl.col("_source_line") > last_row).iter_rows():
            moved.append((line, "row_count"))
            marked[line] = text
        frame = frame.filter(~pl.col("_source_line").is_in([line for line, _ in moved]))
    frame = _trailer_block_notes(frame, header, id_source)
    candidates = frame.filter(pl.col("_labelled") | pl.col("_weak") | (pl.col("_bare") & (pl.col("_filled") > 0)))
    total_lines: set[int] = set()
    labels: dict[int, str] = {}
    if candidates.height:
        sums = _sum_matches(frame, numeric, mapping)
        others_empty = ~pl.any_horizontal(pl.lit(False), *[
            (pl.col(_src(c)) != "") & ~pl.col(_src(c)).str.contains(TOTAL_LABEL) & ~pl.col(_src(c)).str.contains(SUBTOTAL_LABEL)
            for c in other_sources])
        judged = candidates.join(sums, on="_source_line", how="left").with_columns(
            _confirmed=label_in_id | others_empty | pl.col("_sum_matches").fill_null(False))
        # below every row that holds a loan's terms (a value beside the id and the amounts), an id-less
        # row of amounts alone that is no sum is a totals row without its label: quarantined, its
        # amounts checked as a labelled one's are
        money_sources = [s.source for s in specs if s.kind in MONEY_KINDS]
        terms = [c for c in header if c not in money_sources and c != id_source]
        last_terms = frame.filter(~pl.col("_labelled") & ~pl.col("_weak") & ~pl.col("_note") & pl.any_horizontal(
            pl.lit(False), *[pl.col(_src(c)) != "" for c in terms])).get_column("_source_line").max() or 0
        for row in judged.iter_rows(named=True):
            line = row["_source_line"]
            if (row["_bare"] and not row["_labelled"] and not row["_weak"] and not row["_sum_matches"]
                    and line > last_terms and any(row[_src(c)] for c in money_sources)
                    and all(re.fullmatch(_AMOUNT_TEXT, row[_src(c)]) for c in money_sources if row[_src(c)])):
                flagged += [(line, c, UNLABELLED_TOTAL) for c in money_sources if row[_src(c)]]
                labels[line] = "(no label)"
                continue
            label_at = next((c for c in ([id_source] if id_source and row[_src(id_source)] else header)
                             if re.search(TOTAL_LABEL, row[_src(c)])
                             or (row["_weak"] and re.search(SUBTOTAL_LABEL, row[_src(c)]))), None)
            if row["_labelled"] and not row["_confirmed"]:
                flagged.append((line, label_at, "total_row_unclear"))
            elif row["_labelled"] or (row["_weak"] and row["_confirmed"]) or row["_sum_matches"]:
                total_lines.add(line)
                labels[line] = row[_src(label_at)] if label_at else "(no label)"
                texts["total_rows"].append(f"{line}: {labels[line]}")
    loan_lines = frame.filter((pl.col("_filled") >= 2) & ~pl.col("_note") & ~pl.col("_source_line").is_in(list(total_lines)))
    last_loan = loan_lines.get_column("_source_line").max() or 0
    notes_rows = frame.filter(pl.col("_note")).select("_source_line", pl.concat_list(cells).list.eval(
        pl.element().filter(pl.element() != "")).list.join(" ").alias("text"))
    for line, text in notes_rows.iter_rows():
        kind = "footer_note" if line > last_loan else "section_label"
        moved.append((line, kind))
        marked[line] = text
        texts["footer_notes" if kind == "footer_note" else "section_labels"].append(f"{line}: {text[:120]}")
    moved += [(line, "total_row") for line in total_lines]
    malformed_kept = []
    short_totals: dict[int, list[str]] = {}
    short_notes: list[int] = []
    for line, raw, message in records.malformed.iter_rows():
        if "\n" in raw or raw.count('"') % 2:  # a quoted field broken over lines, or the end of one: no note
            malformed_kept.append((line, raw, message))
            continue
        values = [v.strip() for v in csv_text.split_fields(raw, mapping.dialect.delimiter) if v.strip()]
        if line > last_loan and _count_footer_text(values) is not None:  # a trailer, in any delimiter
            kind = "row_count"
        elif len(values) == 1 and re.search(NOTE_TEXT, values[0]) and not re.search(TOTAL_LABEL, values[0]):
            kind = "footer_note" if line > last_loan else "section_label"
            texts["footer_notes" if kind == "footer_note" else "section_labels"].append(f"{line}: {values[0][:120]}")
            short_notes.append(line)
        elif values and (re.search(TOTAL_LABEL, values[0]) or len(values) > 1 and re.search(TOTAL_OF_LABEL, values[0])) \
                and all(re.fullmatch(_AMOUNT_TEXT, v) for v in values[1:]):
            kind = "total_row"
            texts["total_rows"].append(f"{line}: {values[0]}")
            short_totals[line] = csv_text.split_fields(raw, mapping.dialect.delimiter)
        elif line > last_loan and _trailer_block_text(csv_text.split_fields(raw, mapping.dialect.delimiter),
                                                      header.index(id_source) if id_source in header else None):
            kind = "footer_note"
            texts["footer_notes"].append(f"{line}: {' '.join(values)[:120]}")
            short_notes.append(line)
        else:
            malformed_kept.append((line, raw, message))
            continue
        moved.append((line, kind))
        marked[line] = raw
    totals_checked = _total_row_checks(frame, labels, specs, mapping, short_totals, header, short_notes)
    frame = frame.drop("_filled", "_labelled", "_weak", "_bare", "_note")
    if not moved and not flagged:
        return frame, records, {}
    gone = [line for line, _ in moved]
    frame = frame.filter(~pl.col("_source_line").is_in(gone))
    records = dataclasses.replace(
        records,
        fields=records.fields.filter(~pl.col("_source_line").is_in(gone)),
        malformed=pl.DataFrame(malformed_kept, schema=records.malformed.schema, orient="row"),
        non_data_lines=sorted(records.non_data_lines + moved),
        marked_text={**records.marked_text, **marked},
        flagged=records.flagged + flagged,
    )
    notes = {name: sorted(lines, key=lambda t: int(t.split(":")[0])) for name, lines in texts.items() if lines}
    return frame, records, notes | ({"footer_totals": totals_checked} if totals_checked else {})


def _trailer_block_text(fields: Sequence[str], id_at: int | None) -> bool:
    """Whether a line's fields (as split, empty ones kept) are a line of a report's trailer block
    rather than a loan, when it stands below the last loan: a field label and its value alone
    (REPORT_FIELD_LABEL: 'Report date:,2024-06-30', 'Prepared by:,J. Smith'; not a totals label
    naming what it totals, TOTAL_OF_LABEL, which is checked as a totals row), or one word alone
    (LONE_WORD: 'Summary', 'Confidential') outside the id column (`id_at`, its position; None: the
    tape maps no id), where it could be a loan's id."""
    filled = [(at, value.strip()) for at, value in enumerate(fields) if value.strip()]
    if not filled or len(filled) > 2:
        return False
    at, first = filled[0]
    if re.search(TOTAL_LABEL, first) or re.search(TOTAL_OF_LABEL, first):
        return False
    if re.search(REPORT_FIELD_LABEL, first):
        return True
    return len(filled) == 1 and at != id_at and re.search(LONE_WORD, first) is not None


def _trailer_block_notes(frame: pl.DataFrame, header: Sequence[str], id_source: str | None) -> pl.DataFrame:
    """`frame` (`_summary_rows`' frame, with `_filled`, `_labelled`, `_bare`, `_note`) with the lines of a
    report's trailer block (`_trailer_block_text`: 'Report date:,2024-06-30,,,', 'Summary,,,,') that
    stand below every row of two values or more that is no trailer line, totals row or id-less row of
    amounts alone, marked as notes (`_note`; so footer notes, never loans whose terms are missing nor
    a totals row without its label) and no longer `_bare`. `header`: the tape's column names in
    order; `id_source`: the column holding the loan id (None: none)."""
    if not header or not frame.height:
        return frame
    cells = [pl.col(_src(c)) for c in header]
    id_at = list(header).index(id_source) if id_source in header else None
    lines = frame.select("_source_line", pl.concat_list(cells).alias("_fields")).rows()
    trailer = {line for line, fields in lines if _trailer_block_text(fields, id_at)}
    first = pl.concat_list(cells).list.eval(pl.element().filter(pl.element() != "")).list.first().fill_null("")
    floor = frame.filter((pl.col("_filled") >= 2) & ~pl.col("_source_line").is_in(list(trailer)) & ~pl.col("_labelled")
                         & ~pl.col("_bare") & ~first.str.contains(TOTAL_OF_LABEL)).get_column("_source_line").max() or 0
    below = pl.col("_source_line").is_in([line for line in trailer if line > floor])
    return frame.with_columns(_note=pl.col("_note") | below, _bare=pl.col("_bare") & ~below)


UNLABELLED_TOTAL = "unlabelled_total"
"""Quarantine rule of a totals row without its label (`_summary_rows`): an id-less row of amounts alone
below the last loan whose amounts are no sum of the rows above it."""


def _unlabelled_totals_said(quarantine: pl.DataFrame, footer_totals: dict[str, dict[str, object]]) -> pl.DataFrame:
    """The quarantine of a tape with its unlabelled totals rows (rule UNLABELLED_TOTAL) said as one:
    each such line keeps only its UNLABELLED_TOTAL entries (one per amount it carries; the empty id,
    date and status of a totals row are no missing values of a loan), each message comparing the
    amount with the sum of its column over the file's records above it (`_total_row_checks`' entry
    in `footer_totals`, loaded and quarantined alike), saying whether it matches and, when not, by
    how much, as check `raw_loans_footer_totals` says a labelled totals row's mismatch."""
    lines = quarantine.filter(pl.col("rule") == UNLABELLED_TOTAL).get_column("line").unique().to_list()
    if not lines:
        return quarantine
    said = {}
    for entry in footer_totals.values():
        if entry.get("line") in lines and "column" in entry:
            stated, summed = entry["stated"], entry["summed"]
            text = (f"{stated:,.2f} against {summed:,.2f}, the sum of {entry['column']} over the {entry['rows']:,} "
                    f"record(s) above it, loaded and quarantined alike: "
                    + ("it matches" if entry["matches"] else
                       f"it does not match ({summed - stated:+,.2f}): a loan line was lost before the file landed, "
                       "or the total is wrong (check raw_loans_footer_totals)"))
            said[(entry["line"], entry["column"])] = text
        elif entry.get("line") in lines:  # an amount that is no number
            said[(entry["line"], None)] = f"not checked: {entry['reason']}"
    kept = quarantine.filter(~pl.col("line").is_in(lines) | (pl.col("rule") == UNLABELLED_TOTAL))
    return kept.with_columns(message=pl.struct("line", "column_name", "message").map_elements(
        lambda q: q["message"] if (q["line"], q["column_name"]) not in said and (q["line"], None) not in said
        else f"{q['message']}; {said.get((q['line'], q['column_name'])) or said[(q['line'], None)]}",
        return_dtype=pl.Utf8))


def _total_row_labels(notes: dict[str, object]) -> dict[int, str]:
    """line -> label of each total row that `_summary_rows` read from its cells (notes['total_rows'],
    "line: label"): the text raw.non_data_lines keeps for a total row whose line the reader did not
    keep whole (`TextRecords.marked_text` holds the line of one read as a malformed record)."""
    labels = {}
    for entry in notes.get("total_rows") or []:
        number, _, label = str(entry).partition(": ")
        labels[int(number)] = label
    return labels


GUESSED = "_guessed"
"""`_short_total_columns`' key for a short totals line whose amount is placed under every money column."""


def _label_of(fields: Sequence[str]) -> str:
    """A short totals line's label: its first non-empty cell."""
    return next(value for value in fields if value)


def _short_total_columns(fields: Sequence[str], header: Sequence[str],
                         money: Sequence[FieldSpec]) -> dict[str, str] | str:
    """Which money column each amount of a short totals line totals ('Total,343800', 'Total Funded
    Amount:,"USD 123,456.00"': fewer cells than the header, read as a malformed record), as
    {source column: amount text}, or, when that cannot be told, why not.

    In order: the column its label names ('Total Funded Amount:' names `Funded Amount`, compared
    without case, spaces or punctuation, by source or target name) when it carries one amount; else
    the columns its cells stand under (a short line is the left part of a row: 'Total,343800' under
    `id,loan_amnt` totals loan_amnt) when each amount stands under a money column; else, when a bare
    label ('Total') carries one amount, every money column of the tape, with the key GUESSED when
    there are several (the check keeps the column whose sum it matches, or the nearest; one entry,
    unchecked, when no money column reads the amount). A label that names a count ('Total
    Records:') carries no amount: {} (a count below every loan is the file's `row_count`, checked
    by `_footer_check`).
    """
    first = fields.index(_label_of(fields))  # a line may open with empty cells
    amounts = [(i, value) for i, value in enumerate(fields) if value and i > first]

    def squash(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    label = fields[first]
    what = "" if re.search(TOTAL_LABEL, label) else re.sub(r"(?i)^(?:grand\s+)?totals?\s+(?:of\s+)?|:$", "", label).strip()
    if re.fullmatch(rf"(?i){_COUNTED_ROWS}", what):  # 'Total Records:': a count, no amount
        return {}
    by_name = [s for s in money if what and squash(what) in (squash(s.source), squash(s.target))]
    if len(by_name) == 1 and len(amounts) == 1:
        return {by_name[0].source: amounts[0][1]}
    sources = {s.source for s in money}
    if amounts and all(at < len(header) and header[at] in sources for at, _ in amounts):
        return {header[at]: text for at, text in amounts}
    if len(amounts) == 1 and not what:  # a bare 'Total': the sum it matches tells the column
        return {spec.source: amounts[0][1] for spec in money} | ({GUESSED: ""} if len(money) > 1 else {})
    if what:
        return (f"which column it totals cannot be told: its label names {what!r}, no money column of the "
                f"mapping ({', '.join(s.source for s in money)})")
    under = ", ".join(f"{text!r} under {header[at]!r}" if at < len(header) else f"{text!r} past the last column"
                      for at, text in amounts)
    return (f"which column it totals cannot be told: its label names no money column of the mapping "
            f"({', '.join(s.source for s in money)}), and its amounts do not stand under one ({under})")


def _total_row_checks(frame: pl.DataFrame, labels: dict[int, str], specs: list[FieldSpec],
                      mapping: TapeMapping, short: dict[int, list[str]] | None = None,
                      header: Sequence[str] = (), short_notes: Sequence[int] = ()) -> dict[str, dict[str, object]]:
    """The amounts each totals row of `frame` carries (its MONEY_KINDS cells that are not empty, read
    as the typed parse reads them, USD or the tape's currency) against the sums of that column over
    the file's records above it: all of them, and, where a totals row is above it, those since
    that row (a subtotal's group). A totals row with no record above it and records below (a
    report's summary line before its detail) is checked against the records below it instead:
    all of them to the end of the file, and, where a totals row or a note (a section label) comes
    first, those up to it; a totals row with records above it keeps the sums above. A row that
    says it totals the file is set aside, so a wrong figure on it (a loan line lost before the
    file landed) must be reported, not dropped with it.

    `frame`: `_summary_rows`'s frame, each column's text (`_src:<column>`), `_source_line` and
    `_note`; `labels`: the totals rows, line -> label. The records summed are every row that is
    neither a totals row nor a note, whether it loads or is quarantined later (its amount counts
    0 where it is no number). Returns the `footer_totals` entries (`_footer_check`'s notes), key
    `total row, line L: <column>`: {"line", "footer" (label), "column", "target", "stated",
    "summed", "rows", "matches"}, with "group": {"since", "summed", "rows"} for a row below
    another totals row; a row above every record has "below": True, "summed" and "rows" over the
    records below it, and "group": {"until" (the line of the next totals row or note), "summed",
    "rows"} when one comes before the end; a cell that is no number is {"line", "footer",
    "checked": False, "reason"}. It matches when the stated amount equals either sum to the cent.

    `short_notes`: the lines of notes read as malformed records (a one-cell section label of a CSV
    tape), which end a leading totals row's group as a note of `frame` does.

    `short`: the short totals lines (line -> its fields, the label the first that is not empty), read
    as malformed records and so not in `frame`: each is checked as a row of `frame` would be, its
    amounts placed under the columns `_short_total_columns` finds in the tape's `header`; one whose
    column cannot be told is an entry with "checked": False and the reason, never set aside unchecked.
    """
    money = [s for s in specs if s.kind in MONEY_KINDS and _src(s.source) in frame.columns]
    short = short or {}
    if not (labels or short) or not money:
        return {}
    checks: dict[str, dict[str, object]] = {}
    placed, guessed = [], set()
    for at, fields in sorted(short.items()):
        columns = _short_total_columns(fields, header, money)
        if isinstance(columns, str):
            checks[f"total row, line {at}"] = {"line": at, "footer": _label_of(fields), "checked": False,
                                                "reason": columns}
            continue
        if not columns:
            continue
        if columns.pop(GUESSED, None) is not None:
            guessed.add(at)
        labels = {**labels, at: _label_of(fields)}
        placed.append({"_source_line": at, "_note": False,
                       **{_src(spec.source): columns.get(spec.source, "") for spec in money}})
    placed += [{"_source_line": at, "_note": True, **{_src(spec.source): "" for spec in money}} for at in short_notes]
    if placed:
        needed = ["_source_line", "_note", *[_src(spec.source) for spec in money]]
        frame = pl.concat([frame.select(needed), pl.DataFrame(placed, schema=frame.select(needed).schema)]
                          ).sort("_source_line")
    if not labels:
        return checks
    line = pl.col("_source_line")
    is_total = line.is_in(list(labels))
    counted = (~is_total & ~pl.col("_note")).cast(pl.Int64)
    group = is_total.cast(pl.Int32).cum_sum() - is_total.cast(pl.Int32)  # a totals row closes its group
    since = pl.when(is_total).then(line).shift(1).forward_fill()
    # below a leading totals row: every record to the end, and its part, up to the next totals row or note
    opens = is_total | pl.col("_note")
    part = opens.cast(pl.Int32).cum_sum()
    until = pl.when(opens).then(line).shift(-1).backward_fill()
    values = frame.select(
        line, is_total.alias("_total"), group.alias("_group"), since.alias("_since"),
        (counted.cum_sum() - counted).alias("_rows"), (counted.cum_sum() - counted).over(group).alias("_group_rows"),
        part.alias("_part"), until.alias("_until"), (counted.sum() - counted.cum_sum()).alias("_below"),
        counted.sum().over(part).alias("_part_rows"),
        *[c for i, spec in enumerate(money) for c in (
            pl.col(_src(spec.source)).alias(f"_t{i}"),
            _parse(spec, pl.col(_src(spec.source)), mapping.dialect, None, mapping.currency)[0].alias(f"_n{i}"))],
    ).with_columns(pl.col(f"_n{i}").cast(pl.Float64) for i in range(len(money)))
    sums = []
    for i in range(len(money)):
        term = pl.when(pl.col("_total")).then(0.0).otherwise(pl.col(f"_n{i}").fill_null(0.0))
        sums += [(term.cum_sum() - term).alias(f"_all{i}"), (term.cum_sum() - term).over("_group").alias(f"_grp{i}"),
                 (term.sum() - term.cum_sum()).alias(f"_under{i}"), term.sum().over("_part").alias(f"_part{i}")]
    for row in values.with_columns(sums).filter(pl.col("_total")).iter_rows(named=True):
        at = row["_source_line"]
        for i, spec in enumerate(money):
            written, stated = row[f"_t{i}"], row[f"_n{i}"]
            key = f"total row, line {at}: {spec.source}"
            if written == "":
                continue
            if stated is None:  # a guessed line's one amount: one entry for the line, whichever column
                checks[f"total row, line {at}" if at in guessed else key] = {
                    "line": at, "footer": labels[at], "checked": False,
                    "reason": f"its {'amount' if at in guessed else spec.source} ({written!r}) is no amount"}
                continue
            if row["_rows"] == 0 and row["_below"] > 0:  # a summary line before its detail
                entry = {"line": at, "footer": labels[at], "column": spec.source, "target": spec.target,
                         "stated": stated, "summed": round(row[f"_under{i}"], 2), "rows": row["_below"],
                         "below": True}
                near = [entry["summed"]]
                if 0 < row["_part_rows"] < row["_below"]:
                    entry["group"] = {"until": row["_until"], "summed": round(row[f"_part{i}"], 2),
                                      "rows": row["_part_rows"]}
                    near.append(entry["group"]["summed"])
                entry["matches"] = any(abs(stated - s) <= 0.005 + 1e-9 * abs(s) for s in near)
                checks[key] = entry
                continue
            summed = round(row[f"_all{i}"], 2)
            entry = {"line": at, "footer": labels[at], "column": spec.source, "target": spec.target,
                     "stated": stated, "summed": summed, "rows": row["_rows"]}
            near = [summed]
            if row["_since"] is not None:
                entry["group"] = {"since": row["_since"], "summed": round(row[f"_grp{i}"], 2),
                                  "rows": row["_group_rows"]}
                near.append(entry["group"]["summed"])
            entry["matches"] = any(abs(stated - s) <= 0.005 + 1e-9 * abs(s) for s in near)
            checks[key] = entry
    for at in guessed:  # one amount under every money column: the column it matches, or the nearest
        keys = [key for key, entry in checks.items() if entry.get("line") == at]
        read = [key for key in keys if "stated" in checks[key]]
        if not read:  # no money column reads it ('GBP 100' on a USD tape): its one unchecked entry stays
            continue
        kept = min(read, key=lambda k: (not checks[k]["matches"], abs(checks[k]["stated"] - checks[k]["summed"])))
        checks[kept]["column_guessed"] = True
        for key in keys:
            if key != kept:
                del checks[key]
    return checks


_AMOUNT_TEXT = rf"[-+(]?\s*(?:[A-Z]{{3}}|US\$|[$€£¥])?\s*[-+]?[\d.,{_MARKS}]*\d\)?\s*(?:[A-Z]{{3}}|[€$])?"
"""An amount as a totals line of a CSV writes it ('215,125.00', '$215,125', '(1,250.00)', grouped by any of
GROUPING_MARKS: "24'000.00", '24 000')."""


def _sum_matches(frame: pl.DataFrame, numeric: list[FieldSpec], mapping: TapeMapping) -> pl.DataFrame:
    """`_source_line`, `_sum_matches` (Boolean) per row of `frame`: whether one of its numeric
    columns' values (read as the typed parse reads it) equals the sum of that column over the data
    rows above it: all of them, or those since the last row with a totals label (a subtotal's
    group), SUM_ROWS_MIN rows or more; or, for a row above every data row (a summary line before
    its detail), over all the data rows below it. Data rows: rows without a totals label and with
    more than one value."""
    if not numeric:
        return frame.select("_source_line", _sum_matches=pl.lit(False))
    labelled = pl.col("_labelled") | pl.col("_weak")  # an Excel subtotal's label ends its group too
    plain = ~labelled & (pl.col("_filled") >= 2)
    group = labelled.cast(pl.Int32).cum_sum()
    tests = []
    values = frame.select(
        "_source_line", labelled.alias("_labelled"), plain.alias("_plain"), group.alias("_group"),
        *[_parse(spec, pl.col(_src(spec.source)), mapping.dialect, None, mapping.currency)[0].alias(f"_n{i}")
          for i, spec in enumerate(numeric)])
    counted = pl.col("_plain").cast(pl.Int64)
    rows_above = counted.cum_sum() - counted
    for i in range(len(numeric)):
        v = pl.col(f"_n{i}")
        term = pl.when(pl.col("_plain")).then(v.fill_null(0.0)).otherwise(0.0)
        above = term.cum_sum() - term
        tests.append((rows_above >= SUM_ROWS_MIN) & _same_amount(v, above))
        # above every data row, a summary line before its detail: the sum of the rows below it
        below = term.sum() - term.cum_sum()
        tests.append((rows_above == 0) & (counted.sum() - counted.cum_sum() >= SUM_ROWS_MIN) & _same_amount(v, below))
    # within a group (rows since the last labelled row; that row opens the next group, so a
    # subtotal's group is the one before it): sums over the rows above in the same group
    grouped = pl.col("_group") - pl.col("_labelled").cast(pl.Int32)
    for i in range(len(numeric)):
        v = pl.col(f"_n{i}")
        term = pl.when(pl.col("_plain")).then(v.fill_null(0.0)).otherwise(0.0)
        above = (term.cum_sum() - term).over(grouped)
        n_above = (counted.cum_sum() - counted).over(grouped)
        tests.append((n_above >= SUM_ROWS_MIN) & _same_amount(v, above))
    return values.select("_source_line", _sum_matches=pl.any_horizontal(*tests).fill_null(False))


def _same_amount(value: pl.Expr, total: pl.Expr) -> pl.Expr:
    """Equal to the cent, allowing a double's rounding on a large sum; a zero is no total."""
    return value.is_not_null() & (value != 0) & ((value - total).abs() <= 0.005 + 1e-9 * total.abs())
