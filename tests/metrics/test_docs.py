"""docs/metrics.md is generated from the catalog and the committed file is never out of date."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from metrics import catalog, docs

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_docs_match_the_catalog():
    committed = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert committed == docs.render(), "Run `python manage.py metrics_docs` and commit the file."


def test_every_metric_is_documented_with_its_formula_and_reasons():
    text = docs.render()
    for m in catalog.METRICS:
        section = text.split(f"### {m.name} (`{m.key}`)\n", 1)[1].split("\n### ", 1)[0]
        assert all(str(text) in section for text in (m.formula, m.what, m.why))


def test_every_record_kind_is_documented_with_its_required_columns():
    from metrics.importing.schema import RECORD_KINDS

    records = docs.render().split("## Records", 1)[1]
    for kind in RECORD_KINDS.values():
        row = next(line for line in records.splitlines() if line.startswith(f"| {kind.name} |"))
        assert all(f"**{name}**" in row for name in kind.required)


def test_check_exits_1_on_a_stale_file_and_writing_makes_it_current(tmp_path):
    target = tmp_path / "metrics.md"
    target.write_text("# stale\n", encoding="utf-8")
    with pytest.raises(CommandError) as failure:
        call_command("metrics_docs", "--check", "--path", str(target))
    assert failure.value.returncode == 1
    call_command("metrics_docs", "--path", str(target))
    call_command("metrics_docs", "--check", "--path", str(target))  # no error now
    assert target.read_text(encoding="utf-8") == docs.render()


def test_the_check_command_exits_with_status_1_from_the_shell(tmp_path):
    target = tmp_path / "metrics.md"
    target.write_text("# stale\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "metrics_docs", "--check", "--path", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "out of date" in result.stderr
