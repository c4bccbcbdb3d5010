"""Every row of docs/POLICY_MATRIX.md has a rule or setting that names it in its
sources (in the launch brands' published policies) and a scenario test that names it."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ID = re.compile(r"\b([WXEPMS]\d{1,2}|O\d)\b")


def matrix_ids() -> set[str]:
    text = (ROOT / "docs" / "POLICY_MATRIX.md").read_text()
    ids = set(re.findall(r"^\|\s*([WXEPMS]\d{1,2})\s*\|", text, flags=re.M))
    ids |= set(re.findall(r"\b(O\d)\b", text))
    return ids


def test_the_matrix_has_its_rows():
    ids = matrix_ids()
    assert len(ids) == 66
    assert {"W1", "W12", "X12", "E6", "P9", "O1", "O9", "M9", "S9"} <= ids


def _sources(document: dict) -> str:
    parts = [document.get("sources", "")]
    for key in ("carriers", "packing_checklist"):
        parts += [item.get("sources", "") for item in document.get(key, [])]
    for rule in document["rules"]:
        parts.append(rule.get("sources", ""))
        for key in ("conditions", "evidence_slots", "deductions"):
            parts += [item.get("sources", "") for item in rule.get(key, [])]
    return " ".join(parts)


@pytest.mark.django_db
def test_every_matrix_id_is_implemented_by_a_rule_or_setting():
    from demo.services import demo_load
    from policies.models import PolicyVersion

    demo_load(with_claims=False)
    named = set()
    for version in PolicyVersion.objects.all():
        named |= set(ID.findall(_sources(version.data)))
    missing = sorted(matrix_ids() - named)
    assert not missing, f"matrix IDs no rule or setting names: {missing}"


def test_every_matrix_id_has_a_scenario_test():
    text = (ROOT / "tests" / "policies" / "test_scenarios.py").read_text()
    names = " ".join(re.findall(r"^def (test_\w+)", text, flags=re.M))
    named = set(re.findall(r"(?<=_)([WXEPMS]\d{1,2}|O\d)(?=_)", names))
    missing = sorted(matrix_ids() - named)
    assert not missing, f"matrix IDs without a scenario test: {missing}"
