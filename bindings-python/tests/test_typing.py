"""The shipped types: `mypy --strict` over a typed usage file, and `mypy.stubtest`
comparing the stubs with the installed package."""

from __future__ import annotations

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=HERE, capture_output=True, text=True)


def test_mypy_strict_accepts_typed_usage() -> None:
    result = run("mypy", "--strict", "--no-incremental", "typed_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_rejects_misuse(tmp_path: pathlib.Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "import payvost\n"
        "event = payvost.Webhook.construct_event(b'{}', 't=1', 'whsec_x')\n"
        "n: int = event.data.object\n"
    )
    result = run("mypy", "--strict", "--no-incremental", str(wrong))
    assert result.returncode == 1 and "Incompatible types" in result.stdout, result.stdout


def test_stubtest_finds_the_stubs_true_to_the_package() -> None:
    result = run("mypy.stubtest", "payvost", "--allowlist", str(HERE / "stubtest-allowlist.txt"))
    assert result.returncode == 0, result.stdout + result.stderr
