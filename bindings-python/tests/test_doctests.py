"""The examples in the package's docstrings run, and say what they show."""

from __future__ import annotations

import doctest
import types

import payvost
import payvost._event
import payvost._router
import payvost._webhook
import payvost.aws_lambda
import payvost.idempotency
import pytest


@pytest.mark.parametrize("module", [payvost, payvost._event, payvost._router, payvost._webhook, payvost.idempotency, payvost.aws_lambda], ids=lambda m: m.__name__)
def test_docstring_examples(module: types.ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module.__name__} has no example"
    assert result.failed == 0
