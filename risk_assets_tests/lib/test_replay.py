"""Replay: an SBA tape split by ApprovalFY into gzip CSVs with the original header, dropped one at a time."""

import csv
import gzip
import io
from collections import Counter

import pytest

from risk_assets.lib.replay import drop_into, split_by_vintage


@pytest.fixture
def sba_head(data_dir, tmp_path):
    """The first 3,000 records of the real SBA tape, as a gzip CSV."""
    path = tmp_path / "sba_head.csv.gz"
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as src:
        rows = [row for _, row in zip(range(3001), csv.reader(src))]
    with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path, rows


def test_split_by_approval_year_keeps_header_rows_and_values(sba_head, tmp_path):
    path, rows = sba_head
    header, data = rows[0], rows[1:]
    expected = Counter(int(r[header.index("ApprovalFY")][:4]) for r in data)
    files = split_by_vintage(path, tmp_path / "out")
    assert list(files) == sorted(expected)
    for year, file in files.items():
        with gzip.open(file, "rt", encoding="utf-8", newline="") as handle:
            written = list(csv.reader(handle))
        assert written[0] == header
        assert len(written) - 1 == expected[year]
        assert written[1:] == [r for r in data if int(r[header.index("ApprovalFY")][:4]) == year]


def test_split_keeps_only_the_requested_years(sba_head, tmp_path):
    path, _ = sba_head
    files = split_by_vintage(path, tmp_path / "out", years=range(1997, 1999))
    assert set(files) <= {1997, 1998} and files


def test_a_tape_without_the_vintage_column_is_refused(cases_dir, tmp_path):
    with pytest.raises(ValueError, match="F01_loans_2024-01.csv: header has no column 'ApprovalFY'"):
        split_by_vintage(cases_dir / "F01_loans_2024-01.csv", tmp_path)


def test_a_tape_that_is_missing_a_folder_or_no_csv_is_refused_in_one_line_and_nothing_is_written(data_dir, tmp_path):
    """`risk-assets replay` printed DuckDB's traceback for a mistyped tape path (and made its output
    folder first); a folder or a Parquet file is refused likewise, and a tape without the vintage
    column names the option that picks another."""
    import duckdb

    out = tmp_path / "out"
    missing = tmp_path / "sba_nationl.csv.gz"
    with pytest.raises(ValueError) as refused:
        split_by_vintage(missing, out)
    assert str(refused.value) == f"{missing}: no such file: name a loan tape, a CSV or gzip CSV file"
    with pytest.raises(ValueError) as refused:
        split_by_vintage(tmp_path, out)
    assert str(refused.value) == f"{tmp_path}: a folder, not a file: name a loan tape, a CSV or gzip CSV file"
    parquet = tmp_path / "tape.parquet"
    duckdb.sql(f"COPY (SELECT 1997 AS ApprovalFY, 150000 AS GrAppv) TO '{parquet}' (FORMAT parquet)")
    with pytest.raises(ValueError) as refused:
        split_by_vintage(parquet, out)
    assert str(refused.value).startswith(f"{parquet}: not read as a CSV or gzip CSV tape (")
    with pytest.raises(ValueError) as refused:
        split_by_vintage(data_dir / "loans" / "lendingclub_2007_2011.csv", out)
    assert str(refused.value).endswith("'revol_util', 'total_acc', 'loan_status']); name the tape's vintage column "
                                       "with --column")
    assert not out.exists()


def test_drop_into_lands_each_file_whole_and_waits_between(sba_head, tmp_path):
    path, _ = sba_head
    files = list(split_by_vintage(path, tmp_path / "out").values())
    landing = tmp_path / "landing"
    seen = []
    landed = list(drop_into(files, landing, wait=lambda p: seen.append(sorted(x.name for x in landing.iterdir()))))
    assert [p.name for p in landed] == [f.name for f in files]
    assert seen[0] == [files[0].name]  # one file at a time, never a '.part' left behind
    assert sorted(x.name for x in landing.iterdir()) == sorted(f.name for f in files)


def test_replay_says_it_dropped_the_files_and_what_lands_them(sba_head, risk_home, capsys):
    """`risk-assets replay` said 'landed <path>' of each file it had only copied into landing/loans:
    nothing is in the lake until the landing sensor or `risk-assets run` lands it, and it says so once."""
    from risk_assets import cli

    path, _ = sba_head
    assert cli.main(["replay", str(path), "--from-year", "1997", "--to-year", "1998"]) == 0
    out_dir, landing = risk_home.root / "replay" / "sba_head", risk_home.landing_loans
    assert capsys.readouterr().out.splitlines() == [
        f"split {path} into 2 vintage file(s) under {out_dir}",
        f"dropping them into {landing} one at a time; a file there is in the lake only once landed: "
        "landing_loans_sensor lands it while `dagster dev` runs; without it, run "
        "`risk-assets run --no-seed --select 'key:raw_loans+ and not group:models'`",
        f"dropped {landing / 'sba_head_1997.csv.gz'}",
        f"dropped {landing / 'sba_head_1998.csv.gz'}",
    ]
