"""Benchmarks of minitorch against its rivals, run side by side: ``python -m bench``.

Never collected by pytest (it lives outside ``tests/``). Each module is runnable on
its own (``python -m bench.<name> --json out.json``) and is listed in ``__main__``.
"""
