"""Every Celery task of the portal is sent through core/jobs.py (never blocks a request on a dead
broker, records the job as waiting): any other `.delay`, `.apply_async` or `send_task` in the
application code is a bug this test reports with its file and line."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Not application code: the test suite, benchmarks and operator scripts (which may wait for a
# result on purpose, e.g. the smoke test's ping), the virtualenv.
EXCLUDED = {"tests", "bench", "scripts", ".venv", "node_modules", "static", "media"}
SENDERS = {"delay", "apply_async", "send_task", "signature", "s", "si"}
THE_PATH = ROOT / "core" / "jobs.py"


def _app_modules():
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in EXCLUDED or rel.parts[0].startswith(".") or "migrations" in rel.parts:
            continue
        yield path


def _sends(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SENDERS
        ):
            name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{name}:{node.lineno} .{node.func.attr}()")
    return found


def test_tasks_are_sent_only_through_core_jobs():
    modules = list(_app_modules())
    assert any(p.match("ocop/tasks.py") for p in modules)  # the walk sees the apps
    offenders = [hit for path in modules if path != THE_PATH for hit in _sends(path)]
    assert offenders == [], "send through core.jobs.enqueue / enqueue_on_commit: " + ", ".join(
        offenders
    )


def test_the_walk_catches_a_direct_send(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from x import t\n\ndef f():\n    t.delay(1)\n    t.apply_async(args=[1])\n")
    assert _sends(sample) == ["sample.py:4 .delay()", "sample.py:5 .apply_async()"]
