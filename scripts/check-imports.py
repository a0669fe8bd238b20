#!/usr/bin/env python3
"""Checks that every module a target imports is one of its declared dependencies (or a system module).

Reads the package from `swift package dump-package` (JSON) and the `import` lines of each target's sources.
Exits 1 and names file:line for each import of a module the target does not declare.
"""
import json
import os
import re
import subprocess
import sys

SYSTEM = {"Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Darwin", "Musl", "Synchronization", "Testing",
          "XCTest", "os", "_Concurrency", "Observation", "CryptoKit"}
HEADER = re.compile(r"^\s*($|//|#if|#elseif|#else|#endif|@preconcurrency\s*$)")
IMPORT = re.compile(r"^\s*(?:@testable\s+|@preconcurrency\s+|@_spi\([^)]*\)\s+)?(?:public |package |internal )?import\s+(?:struct |class |enum |func |protocol )?([A-Za-z_][A-Za-z0-9_]*)")


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=root))
    products = {}  # product name -> package
    problems = []
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin"):
            continue
        declared = set()
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        path = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])
        folder = os.path.join(root, path)
        for directory, _, files in os.walk(folder):
            for name in sorted(files):
                if not name.endswith(".swift"):
                    continue
                file = os.path.join(directory, name)
                with open(file, encoding="utf-8") as handle:
                    for number, line in enumerate(handle, 1):
                        match = IMPORT.match(line)
                        if not match:
                            if HEADER.match(line):
                                continue
                            break  # imports stand at the top of a file; stop at the first declaration
                        module = match.group(1)
                        if module in SYSTEM or module in declared or module == target["name"]:
                            continue
                        problems.append(f"{os.path.relpath(file, root)}:{number}: target {target['name']} imports "
                                        f"{module} without declaring it in Package.swift")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} undeclared import(s): add each module to its target's dependencies", file=sys.stderr)
        return 1
    print("every import is a declared dependency")
    return 0


if __name__ == "__main__":
    sys.exit(main())
