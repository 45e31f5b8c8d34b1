#!/usr/bin/env python3
"""Writes every door's typed objects from the core's schema (`objects` and
`event_types` in tests/vectors/facts.json, which the core writes from
core/src/event/objects.rs): the TypeScript types of js/index.d.ts, Python's
classes in bindings-python/python/payvost/_event.py, and PHP's classes in
bindings-wasm/php/src/. Each is the part between its `generated objects`
markers (a whole file for PHP). Rust reads the schema where it is declared.

    scripts/generate-objects.py          # rewrites the files
    scripts/generate-objects.py --check  # fails, with the diff, where a file is not what it would write

Adding a typed field: one line in `objects!` (core/src/event/objects.rs),
`PAYVOST_WRITE_FACTS=1 cargo test -p payvost-webhooks facts`, then this.
"""

import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = json.loads((ROOT / "tests" / "vectors" / "facts.json").read_text())
OBJECTS = FACTS["objects"]
EVENT_TYPES = {o["kind"]: [t["name"] for t in FACTS["event_types"] if t["object"] == o["kind"]] for o in OBJECTS}

BEGIN, END = "generated objects: begin", "generated objects: end"
NOTE = "written by scripts/generate-objects.py from the core's schema (facts.json `objects`): edit the core, not this"


def snake(name):
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), name)


# ----------------------------------------------------------------- TypeScript

TS_TYPE = {"string": "string", "integer": "number"}


def typescript():
    lines = [f"// {BEGIN}: {NOTE}.", ""]
    for o in OBJECTS:
        lines.append(f"/** {o['doc']} */")
        lines.append(f"export type {o['class']} = {{")
        for f in o["fields"]:
            lines.append(f"  /** {f['doc']} */")
            # Only `id` is required (protocol §5.2 refuses no authentic event for a missing field).
            lines.append(f"  {f['name']}{'' if f['name'] == 'id' else '?'}: {TS_TYPE[f['type']]}")
            if f["name"] == "id":
                lines.append(f"  object?: '{o['kind']}'")
        lines.append("}")
        lines.append("")
    for o in OBJECTS:
        names = EVENT_TYPES[o["kind"]]
        lines.append(f"export type {o['class']}EventType =")
        lines += [f"  | '{name}'" for name in names]
    lines.append("export type KnownEventType =")
    lines += [f"  | {o['class']}EventType" for o in OBJECTS]
    lines.append("")
    lines += [f"export type {o['class']}Event = EventOf<{o['class']}EventType, {o['class']}>" for o in OBJECTS]
    lines.append("")
    count = sum(len(v) for v in EVENT_TYPES.values())
    lines.append(f"/** An event of one of the {count} types this SDK version knows. */")
    lines.append("export type KnownEvent = " + " | ".join(f"{o['class']}Event" for o in OBJECTS))
    lines.append(f"// {END}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- Python

PY_TYPE = {"string": ("Optional[str]", "_str"), "integer": ("Optional[int]", "_int")}


def python():
    lines = [f"# {BEGIN}: {NOTE}.", ""]
    for o in OBJECTS:
        lines += ["", f"class {o['class']}(PayvostObject):", f'    """{o["doc"].replace("`", "``")} A field the payload lacks, or holds as another type, reads as ``None``."""', "", "    __slots__ = ()"]
        for f in o["fields"]:
            annotation, reader = PY_TYPE[f["type"]]
            doc = f["doc"].replace("`", "``")
            spellings = [f["name"]] + ([snake(f["name"])] if snake(f["name"]) != f["name"] else [])
            for i, name in enumerate(spellings):
                noqa = "  # noqa: N802: the payload's spelling" if name != snake(name) else ""
                said = doc if i == 0 else f"``{f['name']}``, spelt the Python way: {doc[0].lower()}{doc[1:]}"
                lines += ["", "    @property", f"    def {name}(self) -> {annotation}:{noqa}", f'        """{said}"""',
                          f'        return {reader}(self.get("{f["name"]}"))']
        lines.append("")
    lines.append("")
    lines.append("#: The event types of each kind of object, as the ``type`` of its event class.")
    for o in OBJECTS:
        names = ", ".join(f'"{name}"' for name in EVENT_TYPES[o["kind"]])
        lines.append(f"{o['class']}EventType = Literal[{names}]")
    lines.append(f"# {END}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- PHP

PHP_TYPE = {"string": "string", "integer": "int"}


def php(o):
    kinds = ", ".join(f"`{name}`" for name in EVENT_TYPES[o["kind"]])
    props = "\n".join(f" * @property-read {PHP_TYPE[f['type']]}|null ${f['name']} {f['doc']}" for f in o["fields"])
    typed = "\n".join(f"        '{f['name']}' => '{PHP_TYPE[f['type']]}'," for f in o["fields"])
    return f"""<?php

declare(strict_types=1);

namespace Payvost;

// {NOTE}.

/**
 * {o['doc']} The object of {kinds} events.
 * Its typed fields read as null when the payload lacks them or holds
 * another type; every other field reads as on any PayvostObject.
 *
{props}
 */
final class {o['class']} extends PayvostObject
{{
    protected const TYPED = [
{typed}
    ];
}}
"""


# ----------------------------------------------------------------- the files

def between(path, text, comment):
    """`path`'s text with the part between its markers replaced by `text`."""
    old = path.read_text()
    pattern = re.compile(rf"^{re.escape(comment)} {BEGIN}.*?^{re.escape(comment)} {END}\n", re.S | re.M)
    if not pattern.search(old):
        sys.exit(f"{path}: no `{comment} {BEGIN}` ... `{comment} {END}` markers")
    return pattern.sub(lambda _: text, old, count=1)


def outputs():
    ts = ROOT / "js" / "index.d.ts"
    py = ROOT / "bindings-python" / "python" / "payvost" / "_event.py"
    yield ts, between(ts, typescript(), "//")
    yield py, between(py, python(), "#")
    for o in OBJECTS:
        yield ROOT / "bindings-wasm" / "php" / "src" / f"{o['class']}.php", php(o)


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in outputs():
        old = path.read_text() if path.exists() else ""
        if old == text:
            continue
        if check:
            stale.append(path)
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), str(path), "generated"))
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"\n{len(stale)} file(s) differ from the core's schema: run scripts/generate-objects.py", file=sys.stderr)
        return 1
    if check:
        print("the typed objects of every door are the core's schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
