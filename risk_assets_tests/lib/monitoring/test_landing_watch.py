"""New landed files by content: old mtimes still count, duplicates under two names count once (F03)."""

import json
import os
import shutil

from risk_assets.lib.monitoring.landing_watch import plan, scan


def test_duplicate_bytes_under_two_names_are_one_new_content(cases_dir, tmp_path):
    for name in ("F03_loans_2024-03.csv", "F03_loans_2024-03 (1).csv"):
        shutil.copyfile(cases_dir / name, tmp_path / name)
    result = plan(scan(tmp_path, settle_seconds=0).files, None)
    assert len(result.new) == 1
    first, duplicates = result.new[0]
    assert first.name == "F03_loans_2024-03 (1).csv" and [d.name for d in duplicates] == ["F03_loans_2024-03.csv"]
    recorded = json.loads(result.cursor)["files"]
    assert sorted(f["name"] for f in recorded) == ["F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv"]
    assert set(recorded[0]) == {"name", "size", "sha256"}  # no time of any kind


def test_a_file_with_an_old_mtime_is_still_new(cases_dir, tmp_path):
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", tmp_path / "a.csv")
    cursor = plan(scan(tmp_path, settle_seconds=0).files, None).cursor
    late = tmp_path / "b.csv"
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", late)
    os.utime(late, (0, 0))  # 1970
    result = plan(scan(tmp_path, settle_seconds=0).files, cursor)
    assert [f.name for f, _ in result.new] == ["b.csv"] and [f.name for f in result.known] == ["a.csv"]


def test_known_contents_and_partial_files_start_nothing(cases_dir, tmp_path):
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", tmp_path / "a.csv")
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", tmp_path / "b.csv.part")
    (tmp_path / ".hidden").write_text("x")
    files = scan(tmp_path, settle_seconds=0).files
    assert [f.name for f in files] == ["a.csv"]
    assert plan(files, None, manifest_sha256={files[0].sha256}).new == []


def test_a_rewritten_file_is_new_content(tmp_path):
    path = tmp_path / "tape.csv"
    path.write_text("a,b\n1,2\n")
    cursor = plan(scan(tmp_path, settle_seconds=0).files, None).cursor
    path.write_text("a,b\n1,3\n")  # same name, same size, other bytes
    assert len(plan(scan(tmp_path, settle_seconds=0).files, cursor).new) == 1


def test_a_file_still_being_copied_or_unreadable_is_left_and_said(cases_dir, tmp_path):
    """A copy in progress (modified within SETTLE_SECONDS) is left for a later tick; a subfolder is
    read as landing reads it; an unreadable file is named, never a failed tick."""
    (tmp_path / "2024-05").mkdir()
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", tmp_path / "2024-05" / "a.csv")
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", tmp_path / "b.csv")
    os.utime(tmp_path / "2024-05" / "a.csv", (0, 0))
    looked = scan(tmp_path)
    assert [f.name for f in looked.files] == ["2024-05/a.csv"] and looked.settling == ["b.csv"]
    later = scan(tmp_path, now=(tmp_path / "b.csv").stat().st_mtime + 11)
    assert [f.name for f in later.files] == ["2024-05/a.csv", "b.csv"] and later.settling == []


def test_an_unreadable_file_is_named_and_the_others_still_seen(cases_dir, tmp_path, monkeypatch):
    """A file without read permission (simulated: the tests may run as root, who reads anything)."""
    from risk_assets.lib.monitoring import landing_watch

    for name in ("a.csv", "b.csv"):
        shutil.copy2(cases_dir / "F01_loans_2024-01.csv", tmp_path / name)
    from risk_assets_tests.conftest import unreadable

    monkeypatch.setattr(landing_watch, "file_sha256", unreadable(landing_watch.file_sha256, "a.csv"))
    looked = scan(tmp_path)
    assert [f.name for f in looked.files] == ["b.csv"] and looked.unreadable == ["a.csv: Permission denied"]


def test_the_sensor_sees_a_linked_folder_and_names_a_broken_link(cases_dir, tmp_path):
    share, landing = tmp_path / "share", tmp_path / "landing"
    share.mkdir(), landing.mkdir()
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", share / "a.csv")
    os.symlink(share, landing / "vendor")
    os.symlink(tmp_path / "gone.csv", landing / "b.csv")
    seen = scan(landing, settle_seconds=0)
    assert [f.name for f in seen.files] == ["vendor/a.csv"]
    assert seen.unreadable == [f"b.csv: a link to {tmp_path / 'gone.csv'}, which does not exist (a share not mounted, "
                               "a file moved or deleted): fix or remove the link; it is tried again on the next run"]


def test_a_known_content_under_a_new_name_is_named_as_a_copy_of_the_earlier_file(tmp_path):
    """Landed as a.csv (manifest) or only requested (cursor): a copy b.csv is said to repeat it, once;
    a.csv itself, looked at again with an empty cursor, is no copy of anything."""
    (tmp_path / "a.csv").write_text("a,b\n1,2\n")
    cursor = plan(scan(tmp_path, settle_seconds=0).files, None).cursor
    shutil.copyfile(tmp_path / "a.csv", tmp_path / "b.csv")
    files = scan(tmp_path, settle_seconds=0).files
    sha = files[0].sha256
    landed = plan(files, cursor, {sha}, landed={sha: "a.csv"})
    assert landed.new == [] and landed.copies == ["b.csv: same bytes as a.csv, landed already; no run"]
    assert plan(files, cursor).copies == ["b.csv: same bytes as a.csv, seen already; no run"]
    assert plan(files, landed.cursor, {sha}, landed={sha: "a.csv"}).copies == []
    (tmp_path / "b.csv").unlink()
    assert plan(scan(tmp_path, settle_seconds=0).files, None, {sha}, landed={sha: "a.csv"}).copies == []
