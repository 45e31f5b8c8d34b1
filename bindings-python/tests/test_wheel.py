"""The wheel under test is the one released for x86-64 Linux: manylinux2014
(glibc 2.17), and abi3 from the Python 3.9 limited API up, as its tags and
`requires-python` promise. scripts/test-python.sh names the wheel and the
tools (auditwheel, abi3audit); only CPython 3.11 runs here, so abi3audit
holds the 3.9 floor by reading every symbol the extension imports."""

import json
import os
import re
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

WHEEL = os.environ.get("PAYVOST_WHEEL")
TOOLS = Path(os.environ.get("PAYVOST_TOOLS", ""))
pytestmark = pytest.mark.skipif(not WHEEL, reason="PAYVOST_WHEEL is unset: run through scripts/test-python.sh")
# The release's version: the workspace's, which make version writes into pyproject.toml.
VERSION = tomllib.loads((Path(__file__).resolve().parents[2] / "Cargo.toml").read_text())["workspace"]["package"]["version"]


def test_the_wheel_is_tagged_abi3_manylinux2014():
    name = Path(WHEEL).name
    assert name == f"payvost-{VERSION}-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"


def test_auditwheel_finds_it_meets_manylinux2014():
    report = subprocess.run([TOOLS / "auditwheel", "show", WHEEL], capture_output=True, text=True, check=True).stdout
    assert 'is consistent with the following platform tag:\n"manylinux_2_17_x86_64"' in report.replace("\n\n", "\n")


def test_the_extension_needs_no_glibc_symbol_newer_than_2_17(tmp_path):
    with zipfile.ZipFile(WHEEL) as wheel:
        module = tmp_path / "_native.abi3.so"
        module.write_bytes(wheel.read("payvost/_native.abi3.so"))
    symbols = subprocess.run(["objdump", "-T", module], capture_output=True, text=True, check=True).stdout
    versions = {tuple(int(p) for p in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", symbols)}
    assert versions, "the extension imports no versioned glibc symbol at all?"
    assert max(versions) <= (2, 17)


def test_abi3audit_finds_only_the_python_3_9_limited_api():
    result = subprocess.run([TOOLS / "abi3audit", "--strict", "--report", WHEEL], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    (wheel,) = report["specs"].values()
    (extension,) = wheel["wheel"]
    assert extension["result"]["is_abi3"] is True
    assert extension["result"]["baseline"] == "3.9"
    assert extension["result"]["non_abi3_symbols"] == []
    assert extension["result"]["computed"] in ("3.9", "3.8", "3.7", "3.6", "3.5", "3.4", "3.3", "3.2")


def test_the_metadata_names_the_project_its_license_and_platforms():
    with zipfile.ZipFile(WHEEL) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"payvost-{VERSION}.dist-info/METADATA").decode()
    assert f"payvost-{VERSION}.dist-info/licenses/LICENSE-MIT" in names
    assert f"payvost-{VERSION}.dist-info/licenses/LICENSE-APACHE" in names
    assert "License-Expression: MIT OR Apache-2.0" in metadata
    assert "Author: The payvost-webhooks authors" in metadata
    for line in [
        "Project-URL: Source, https://example.invalid/payvost-webhooks",
        "Project-URL: Changelog, https://example.invalid/payvost-webhooks/blob/main/CHANGELOG.md",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Programming Language :: Python :: 3.9",
        "Classifier: Programming Language :: Python :: 3.13",
        "Classifier: Typing :: Typed",
    ]:
        assert line in metadata, line


def test_the_error_classes_are_at_the_top_level():
    import payvost

    assert payvost.SignatureVerificationError is payvost.error.SignatureVerificationError
    assert payvost.InvalidPayloadError is payvost.error.InvalidPayloadError
    assert payvost.ConfigurationError is payvost.error.ConfigurationError
    assert payvost.PayvostError is payvost.error.PayvostError


def test_the_package_says_its_version():
    import payvost

    assert payvost.__version__ == VERSION
