"""The committed generated code matches the protos: editing a .proto without regenerating fails."""

from __future__ import annotations

import pytest

from frontdesk import codegen


def test_committed_generated_code_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert codegen.main(["--check"]) == 0, capsys.readouterr().out


def test_check_notices_a_stale_file(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import shutil

    stale = tmp_path / "v1"
    shutil.copytree(codegen.OUT_PACKAGE, stale)
    (stale / "common_pb2.py").write_text("# edited by hand\n")
    monkeypatch.setattr(codegen, "OUT_PACKAGE", stale)
    assert codegen.main(["--check"]) == 1
    assert "common_pb2.py" in capsys.readouterr().out
