"""Declared column mappings: how a loan tape's source columns become the canonical columns of
`raw.loans`, so that a user's own tape loads without code.

A mapping is a JSON file. Where they are looked up, first match wins:

1. a sidecar beside the tape: `<tape file name>.mapping.json` (applies to that file only);
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
        "loan_status": {"to": "loan_status"}
      },
      "status_map": {"Fully Paid": 0, "Charged Off": 1, "Current": null},
      "sentinels": {"days_employed": ["365243"]}
    }

Column types: text, int (whole numbers; "36.0" is 36, "36.9" is quarantined), number, money
("$60,000.00 "), percent (13.56 or "13.56%" -> 0.1356), fraction (0.1356 as is), date (strftime
`format`, ISO 8601 by default; a format without %d means the first of the month; for snapshot_date
it means the month's end), term ("36 months" or 36), emp_length ("10+ years", "< 1 year", "n/a"),
zip3 ("860xx"), flag (1/0, Y/N, yes/no, true/false). A column without a type takes the one its
target implies (`implied_kind`); a type that cannot fill its target's column (a decimal number into
an integer column, a date into an amount) refuses the mapping. Targets are the names of
`lib.schema.LOAN_COLUMNS` except the computed ones (COMPUTED_TARGETS).
`status_map` defaults to the LendingClub vocabulary. Source columns without a target are kept as
text in `source_fields`.
"""

from __future__ import annotations

import codecs
import dataclasses
import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

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

KINDS = ("text", "int", "number", "money", "percent", "fraction", "date", "term", "emp_length", "zip3", "flag")
"""Column types a mapping may declare (the built-in formats also use fiscal_year, new_exist, sba_date)."""

KIND_TARGET_TYPES: dict[str, tuple[str, ...]] = {
    "text": ("VARCHAR",),
    "zip3": ("VARCHAR",),
    "int": ("INTEGER", "BIGINT", "DOUBLE"),
    "number": ("DOUBLE",),
    "money": ("DOUBLE",),
    "percent": ("DOUBLE",),
    "fraction": ("DOUBLE",),
    "emp_length": ("DOUBLE",),
    "term": ("INTEGER",),
    "flag": ("INTEGER",),
    "date": ("DATE",),
}
"""Declared type -> the raw.loans column types it may fill. A decimal number never fills an integer
column (36.9 months would be cut to 36): declare `int`, which takes whole numbers only."""

COMPUTED_TARGETS = ("loan_key", "portfolio", "off_policy", "source_fields")
"""raw.loans columns that ingestion computes; a mapping cannot fill them."""

RATE_TARGETS = ("int_rate", "revol_util")
"""Fraction (0-1) columns whose source may write 13.56 or 0.1356: a mapping must say which
(`percent` or `fraction`), since guessing would be wrong by a factor of 100 for one of them."""

_TARGET_KIND = {"zip3": "zip3", "term_months": "term", "emp_length_years": "emp_length", "default_flag": "flag"}
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
    U+00A0 and U+202F that French and Nordic locales write)."""

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    thousands: str = ","


@dataclass(frozen=True)
class FieldSpec:
    """One source column -> one canonical column. `fmt`: date format, or for sba_date the column
    that fixes the century."""

    source: str
    target: str
    kind: str = "text"
    fmt: str | None = None
    required: bool = False


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

    @property
    def meant_for_file(self) -> bool:
        """Named for the file (a sidecar, or an `applies_to` glob narrower than '*') rather than
        offered to every file. A sidecar that does not fit its file refuses it; a glob mapping that
        does not fit lets a built-in format read the file, and is named in the refusal when none
        can."""
        return self.sidecar or self.applies_to != ("*",)

    @property
    def format_name(self) -> str:
        return self.name if self.builtin else f"generic:{self.name}"


def mapping_from_json(source: Path, document: dict) -> TapeMapping:
    """Build a TapeMapping from a parsed JSON mapping.

    Raises:
        FileRefused: a missing or unknown key, type or target, a column setting that does not fit
            (see `_field_spec`), an odd dialect (see `_dialect`), a status mapped to other than
            0 / 1 / null; the message names the mapping file and the setting.
    """
    try:
        if not isinstance(document, dict):
            raise TypeError("a mapping is a JSON object with 'name' and 'columns'")
        name = document["name"]
        if not isinstance(name, str) or not name:
            raise TypeError(f"'name' must be a non-empty string, not {name!r}")
        if not isinstance(document["columns"], dict) or not document["columns"]:
            raise TypeError("'columns' must be an object: source column -> {\"to\": raw.loans column, ...}")
        specs = [_field_spec(column, spec) for column, spec in document["columns"].items()]
        globs = document.get("applies_to", ["*"])
        status_map = dict(document.get("status_map", LENDINGCLUB_STATUS))
        odd = {status: flag for status, flag in status_map.items() if flag not in (0, 1, None) or isinstance(flag, bool)}
        if odd:
            raise ValueError(f"status_map values must be 1 (defaulted), 0 (not) or null (no outcome yet), not {odd}")
        dialect = _dialect(document.get("dialect", {}))
        return TapeMapping(
            name=name,
            portfolio=document.get("portfolio", name),
            fields=tuple(specs),
            status_map=status_map,
            dialect=dialect,
            applies_to=tuple([globs] if isinstance(globs, str) else globs),
            as_of=date.fromisoformat(document["as_of"]) if document.get("as_of") else None,
            sentinels={k: tuple(str(v) for v in vs) for k, vs in document.get("sentinels", {}).items()},
            builtin=False,
            source=str(source),
        )
    except KeyError as exc:
        raise FileRefused(f"{source}: invalid column mapping: the key {exc} is missing") from None
    except (TypeError, ValueError) as exc:
        raise FileRefused(f"{source}: invalid column mapping: {exc}") from None


def _field_spec(column: str, spec: object) -> FieldSpec:
    """One entry of a mapping's "columns": `"target"` or `{"to", "type", "format", "required"}`.

    Raises:
        ValueError / TypeError: no target, a target that is not a raw.loans column a tape fills, an
            unknown type, a type that cannot fill its target, a `format` that is no strftime pattern
            or not on a date, a `required` that is not a boolean; the message names the column.
    """
    spec = {"to": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or "to" not in spec:
        raise ValueError(f"column {column!r}: the key 'to' (its raw.loans column) is missing")
    target = spec["to"]
    if target not in TARGET_SQL_TYPES or target in COMPUTED_TARGETS:
        raise ValueError(f"column {column!r}: target {target!r} is not a column of raw.loans that a tape fills")
    try:
        kind = spec["type"] if "type" in spec else implied_kind(target)
    except ValueError as exc:
        raise ValueError(f"column {column!r}: {exc}") from None
    if kind not in KINDS:
        raise ValueError(f"column {column!r}: type {kind!r} is not one of {KINDS}")
    sql_type = TARGET_SQL_TYPES[target]
    if sql_type not in KIND_TARGET_TYPES[kind]:
        fitting = [k for k, types in KIND_TARGET_TYPES.items() if sql_type in types]
        raise ValueError(f"column {column!r}: type {kind!r} cannot fill {target!r} ({sql_type}); declare one of {fitting}")
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise TypeError(f"column {column!r}: 'required' must be true or false, not {required!r}")
    fmt = spec.get("format")
    if fmt is not None and (kind != "date" or not isinstance(fmt, str) or "%" not in fmt):
        raise ValueError(f"column {column!r}: 'format' {fmt!r} must be a strftime pattern such as '%d.%m.%Y', "
                         "and only a date column takes one")
    return FieldSpec(column, target, kind, fmt, required)


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
        raise ValueError(f"dialect: unknown key(s) {sorted(unknown)}; known: delimiter, encoding, decimal, thousands")
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
    if dialect.decimal not in (".", ","):
        raise ValueError(f"dialect: decimal must be '.' or ',', not {dialect.decimal!r}")
    if not isinstance(dialect.thousands, str) or len(dialect.thousands) > 1 or dialect.thousands == dialect.decimal:
        raise ValueError(f"dialect: thousands must be one character other than the decimal mark, or '', "
                         f"not {dialect.thousands!r}")
    return dialect


def load_mappings(tape: Path, mapping_dirs: Sequence[Path]) -> list[TapeMapping]:
    """The mappings that may apply to `tape`, in lookup order (sidecar first, then by file name).

    Raises:
        FileRefused: a mapping file is not valid JSON or not a valid mapping.
    """
    candidates = [tape.with_name(tape.name + ".mapping.json")]
    for folder in mapping_dirs:
        if Path(folder).is_dir():
            candidates += sorted(Path(folder).glob("*.json"))
    found = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FileRefused(f"{path}: column mapping is not valid JSON: {exc}") from None
        mapping = mapping_from_json(path, document)
        sidecar = path == candidates[0]
        if sidecar or any(fnmatch.fnmatch(tape.name, glob) for glob in mapping.applies_to):
            found.append(dataclasses.replace(mapping, sidecar=sidecar))
    return found
