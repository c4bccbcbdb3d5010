"""The shopper's effort, per launch brand: taps and page loads from the order e-mail's
link to a submitted claim, on a phone (390 × 844).

It runs the phone journeys of the browser tests (tests/browser/test_phone_journeys.py:
a new shopper opens the order from the e-mail link, starts a claim, answers the
questions, adds the photos and the video the rule asks for and submits) with
JOURNEY_EFFORT_REPORT set, and prints what each took. A tap is a click, a check, a
choice in a list, a file attached or a text field filled (keystrokes not counted); a
page load is a document the phone loads. Nothing is timed or asserted here.

Run: .venv/bin/python bench/shopper_effort.py   (Chromium as for the browser tests;
DATABASE_URL / REDIS_URL as for the tests, SQLite and the filesystem broker without them)
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "effort.jsonl"
        env = {**os.environ, "JOURNEY_EFFORT_REPORT": str(report)}
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
            "tests/browser/test_phone_journeys.py", "-k", "test_new_shopper_on_a_phone",
        ]
        status = subprocess.call(command, cwd=ROOT, env=env)
        rows = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print("\n| brand | taps | page loads |\n| --- | ---: | ---: |")
    for row in rows:
        print(f"| {row['brand']} | {row['taps']} | {row['page_loads']} |")
    if status != 0:
        print(f"(the journeys did not all pass: pytest exit {status}; rows only for those that reached 'submitted')")
    return status


if __name__ == "__main__":
    sys.exit(main())
