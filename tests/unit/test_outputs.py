"""conflictmap.outputs: outputs committed whole, together, or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import conflictmap.outputs as outputs_module
from conflictmap.errors import ConfigurationError, ExportError
from conflictmap.outputs import atomic_output, atomic_outputs, check_outputs


def listing(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_a_group_commits_every_output_at_its_end(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "sub" / "b.txt"
    a.write_text("old a")
    with atomic_outputs():
        with atomic_output(a) as tmp:
            tmp.write_text("new a")
        assert a.read_text() == "old a"  # not before the group ends
        with atomic_output(b) as tmp:
            tmp.write_text("new b")
        assert not b.exists()
    assert a.read_text() == "new a" and b.read_text() == "new b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "sub"]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["b.txt"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, ValueError])
def test_an_interrupted_group_changes_nothing_and_leaves_no_temporary_file(tmp_path, error):
    a = tmp_path / "a.txt"
    a.write_text("old a")
    with pytest.raises(error), atomic_outputs():
        with atomic_output(tmp_path / "b.txt") as tmp:
            tmp.write_text("new b")
        with atomic_output(a) as tmp:
            tmp.write_text("half of a")
            raise error
    assert listing(tmp_path) == {"a.txt": "old a"}


def test_an_inner_group_joins_the_outer_one(tmp_path):
    a = tmp_path / "a.txt"
    with pytest.raises(RuntimeError), atomic_outputs():
        with atomic_outputs(), atomic_output(a) as tmp:
            tmp.write_text("new a")
        raise RuntimeError("the outer work fails after the inner group")
    assert listing(tmp_path) == {}


def test_one_target_written_twice_is_an_error(tmp_path):
    with pytest.raises(ExportError, match="written twice"), atomic_outputs():
        for _ in range(2):
            with atomic_output(tmp_path / "a.txt") as tmp:
                tmp.write_text("x")
    assert listing(tmp_path) == {}


def test_a_failed_rename_restores_from_copies_where_hard_links_fail(tmp_path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    b.write_text("old b")
    real_replace = os.replace

    def no_link(*_args, **_kwargs):
        raise OSError(1, "Operation not permitted")

    def replace(src, dst):
        if Path(dst) == b and not str(src).endswith(".old"):
            raise OSError(30, "Read-only file system")
        real_replace(src, dst)

    monkeypatch.setattr(outputs_module.os, "link", no_link)
    monkeypatch.setattr(outputs_module.os, "replace", replace)
    with pytest.raises(ExportError, match=r"b\.txt: cannot write: Read-only file system"), atomic_outputs():
        for path in (a, b):
            with atomic_output(path) as tmp:
                tmp.write_text("new")
    assert listing(tmp_path) == {"a.txt": "old a", "b.txt": "old b"}


def test_writer_errors_name_the_target_not_the_temporary_file(tmp_path):
    from pyogrio.errors import DataSourceError

    target = tmp_path / "x.gpkg"
    with pytest.raises(ExportError) as caught, atomic_output(target):
        raise DataSourceError("sqlite3_exec failed: database or disk is full")
    assert str(caught.value) == (
        f"{target}: cannot write: no space left on the device (sqlite3_exec failed: database or disk is full)"
    )
    assert listing(tmp_path) == {}


def test_check_outputs(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("x")
    check_outputs([("-o", tmp_path / "out.csv"), ("--geojson", None)], [("input", src)])
    check_outputs([("-o", "-")], [("input", src)])
    with pytest.raises(ConfigurationError, match=r"-o .*in\.csv is the same file as the input"):
        check_outputs([("-o", tmp_path / "." / "in.csv")], [("input", src)])
    with pytest.raises(ConfigurationError, match=r"--b .* and -a .* are the same file"):
        check_outputs([("-a", tmp_path / "new"), ("--b", tmp_path / "new")], [])
    with pytest.raises(ConfigurationError, match="-a and --b are both standard output"):
        check_outputs([("-a", "-"), ("--b", "-")], [])


STEPS = ["link", "replace"]


@pytest.mark.parametrize("target", ["a.txt", "b.txt", "new.txt"])
@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("step", STEPS)
def test_an_interrupt_at_any_step_of_the_commit_leaves_the_old_files_and_nothing_else(
    tmp_path, monkeypatch, step, when, target
):
    # Ctrl-C or SIGTERM runs Python's handler between any two lines: here just before or just
    # after the backup link or the rename of one target, the others done or not yet.
    if step == "link" and target == "new.txt":
        pytest.skip("a new target has no old file to keep")
    a, b, new = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "new.txt"
    a.write_text("old a")
    b.write_text("old b")
    real = {"link": os.link, "replace": os.replace}
    fired = []

    def interrupted(name):
        def call(src, dst, **kwargs):
            mine = Path(dst).name == target or (name == "link" and Path(src).name == target)
            if mine and not fired:  # once: the roll-back's own renames run undisturbed
                fired.append(name)
                if when == "before":
                    raise KeyboardInterrupt
                real[name](src, dst, **kwargs)
                raise KeyboardInterrupt
            return real[name](src, dst, **kwargs)

        return call

    monkeypatch.setattr(outputs_module.os, step, interrupted(step))
    with pytest.raises(KeyboardInterrupt), atomic_outputs():
        for path in (a, new, b):
            with atomic_output(path) as tmp:
                tmp.write_text("new")
    monkeypatch.undo()
    assert fired == [step]
    assert listing(tmp_path) == {"a.txt": "old a", "b.txt": "old b"}
