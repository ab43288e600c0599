"""Run every benchmark: ``python -m bench [--json PATH]``.

To add a benchmark, write a module with ``main(argv) -> dict`` (it prints its own
table) and append its name to ``BENCHMARKS``.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from bench._common import save_json

BENCHMARKS = [
    "bench.scalar_vs_micrograd",
    "bench.scalar_chain",
    "bench.tensor_ops",
    "bench.tensor_vs_scalar",
    "bench.digits_vs_torch",
    "bench.sentiment_run",
]


def main() -> None:
    """Run each benchmark in turn with its default settings."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--json", metavar="PATH", help="save all results here")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for name in BENCHMARKS:
        print(f"\n## {name}\n")
        results[name] = importlib.import_module(name).main([])
    save_json(args.json, results)


if __name__ == "__main__":
    main()
