"""New landed files by content: old mtimes still count, duplicates under two names count once (F03)."""

import json
import os
import shutil

from risk_assets.lib.monitoring.landing_watch import plan, scan


def test_duplicate_bytes_under_two_names_are_one_new_content(cases_dir, tmp_path):
    for name in ("F03_loans_2024-03.csv", "F03_loans_2024-03 (1).csv"):
        shutil.copyfile(cases_dir / name, tmp_path / name)
    result = plan(scan(tmp_path), None)
    assert len(result.new) == 1
    first, duplicates = result.new[0]
    assert first.name == "F03_loans_2024-03 (1).csv" and [d.name for d in duplicates] == ["F03_loans_2024-03.csv"]
    recorded = json.loads(result.cursor)["files"]
    assert sorted(f["name"] for f in recorded) == ["F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv"]
    assert set(recorded[0]) == {"name", "size", "sha256"}  # no time of any kind


def test_a_file_with_an_old_mtime_is_still_new(cases_dir, tmp_path):
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", tmp_path / "a.csv")
    cursor = plan(scan(tmp_path), None).cursor
    late = tmp_path / "b.csv"
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", late)
    os.utime(late, (0, 0))  # 1970
    result = plan(scan(tmp_path), cursor)
    assert [f.name for f, _ in result.new] == ["b.csv"] and [f.name for f in result.known] == ["a.csv"]


def test_known_contents_and_partial_files_start_nothing(cases_dir, tmp_path):
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", tmp_path / "a.csv")
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", tmp_path / "b.csv.part")
    (tmp_path / ".hidden").write_text("x")
    files = scan(tmp_path)
    assert [f.name for f in files] == ["a.csv"]
    assert plan(files, None, manifest_sha256={files[0].sha256}).new == []


def test_a_rewritten_file_is_new_content(tmp_path):
    path = tmp_path / "tape.csv"
    path.write_text("a,b\n1,2\n")
    cursor = plan(scan(tmp_path), None).cursor
    path.write_text("a,b\n1,3\n")  # same name, same size, other bytes
    assert len(plan(scan(tmp_path), cursor).new) == 1
