"""The shipped types: `mypy --strict` and pyright in strict mode over a typed
usage file (no error) and a file of mistakes (exactly the lines marked
`# error:`), and `mypy.stubtest` comparing the stubs with the installed package."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
from typing import Set

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MISTAKES = HERE / "typed_mistakes.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=HERE, capture_output=True, text=True)


def marked_lines() -> Set[int]:
    lines = MISTAKES.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if re.search(r"\S\s+# error: ", line)}


def mypy(path: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return run("mypy", "--strict", "--no-incremental", "--show-error-codes", str(path))


def pyright(path: pathlib.Path, tmp_path: pathlib.Path) -> dict:  # type: ignore[type-arg]
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.9"}))
    # The pyright package fetches its pinned Node build from npm once, into target/.
    env_cache = {"PYRIGHT_PYTHON_CACHE_DIR": str(ROOT / "target" / "pyright")}
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, "--project", str(config), str(path)],
        cwd=HERE, capture_output=True, text=True, env={**os.environ, **env_cache},
    )
    assert result.stdout.startswith("{"), result.stdout + result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_mypy_strict_accepts_typed_usage() -> None:
    result = mypy(HERE / "typed_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_reports_each_mistake_and_nothing_else() -> None:
    result = mypy(MISTAKES)
    reported = {int(m.group(1)) for m in re.finditer(r"^typed_mistakes\.py:(\d+): error", result.stdout, re.M)}
    assert reported == marked_lines(), result.stdout


def test_mypy_names_the_misspelt_field() -> None:
    assert '"Payment" has no attribute "amout"; maybe "amount"?' in mypy(MISTAKES).stdout


def test_pyright_strict_accepts_typed_usage(tmp_path: pathlib.Path) -> None:
    report = pyright(HERE / "typed_usage.py", tmp_path)
    assert report["summary"]["errorCount"] == 0, json.dumps(report["generalDiagnostics"], indent=1)


def test_pyright_strict_reports_each_mistake_and_nothing_else(tmp_path: pathlib.Path) -> None:
    report = pyright(MISTAKES, tmp_path)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    reported = {d["range"]["start"]["line"] + 1 for d in errors}
    assert reported == marked_lines(), json.dumps(errors, indent=1)


def test_stubtest_finds_the_stubs_true_to_the_package() -> None:
    result = run("mypy.stubtest", "payvost", "--allowlist", str(HERE / "stubtest-allowlist.txt"))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["PaymentEvent", "SubscriptionEvent", "RefundEvent", "CustomerEvent", "DisputeEvent"])
def test_each_event_class_types_the_core_event_types_of_its_object(name: str) -> None:
    import typing

    import payvost

    facts = json.loads(payvost._native.FACTS)
    cls = getattr(payvost, name)
    declared = set(typing.get_args(typing.get_type_hints(cls)["type"]))
    kind = name[: -len("Event")].lower()
    assert declared == {t["name"] for t in facts["event_types"] if t["object"] == kind}


def test_the_unknown_event_type_is_the_documented_constant() -> None:
    import typing

    import payvost

    assert typing.get_args(typing.get_type_hints(payvost.UnknownEvent)["type"]) == (payvost.UNKNOWN_EVENT_TYPE,)


def test_the_readme_type_checking_snippet_passes_both_checkers(tmp_path: pathlib.Path) -> None:
    readme = (HERE.parent / "README.md").read_text()
    section = readme[readme.index("### Type checking"):]
    snippet = tmp_path / "readme_snippet.py"
    snippet.write_text(re.search(r"```python\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    result = mypy(snippet)
    assert result.returncode == 0, result.stdout
    report = pyright(snippet, tmp_path)
    assert report["summary"]["errorCount"] == 0, json.dumps(report["generalDiagnostics"], indent=1)
