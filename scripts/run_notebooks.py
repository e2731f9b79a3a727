#!/usr/bin/env python3
"""Execute every notebooks/*.ipynb from the repository root with nbclient; exit 1 on any error.

Outputs are discarded (the files on disk are not rewritten), so committed notebooks stay clean.
The figures the notebooks save go to one temporary folder (UNMASK_FIGURES), removed at the end.
"""

import glob
import os
import sys
import tempfile

import nbclient
import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    with tempfile.TemporaryDirectory(prefix="unmask-figures-") as figures:
        os.environ["UNMASK_FIGURES"] = figures  # the kernels inherit it
        failed = run_all()
    sys.exit(1 if failed else 0)


def run_all():
    failed = []
    for path in sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))):
        book = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": ROOT}})
        try:
            client.execute()
            print(f"ok      {os.path.relpath(path, ROOT)}")
        except Exception as error:  # nbclient raises CellExecutionError and kernel errors
            failed.append(path)
            print(f"FAILED  {os.path.relpath(path, ROOT)}: {str(error).splitlines()[-1] if str(error) else error}")
    return failed


if __name__ == "__main__":
    main()
