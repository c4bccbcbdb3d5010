"""Writes of the policies domain: publishing a policy as a new version."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from policies.models import Policy, PolicyVersion
from policies.snapshot import policy_snapshot

NOTHING_TO_PUBLISH = _("Nothing to publish: the policy is the same as version %(n)d.")


class NothingToPublish(Exception):
    def __init__(self, version: PolicyVersion):
        super().__init__(NOTHING_TO_PUBLISH % {"n": version.number})
        self.version = version


def policy_validate(*, policy: Policy) -> list[str]:
    """Everything that would make the policy contradict itself, in plain words."""
    problems: list[str] = []

    def check(obj, where: str) -> None:
        try:
            obj.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                problems.extend(f"{where}: {field}: {message}" for message in messages)

    check(policy, _("Policy"))
    rules = list(policy.rules.filter(is_active=True).prefetch_related("reasons", "conditions", "evidence_slots", "deductions"))
    if not rules:
        problems.append(_("The policy has no active rule."))
    for carrier in policy.carriers.all():
        check(carrier, _("Carrier %s") % carrier.name)
    for rejection in policy.inspection_rejections.all():
        check(rejection, _("Rejection after inspection “%s”") % rejection.label)
    for rule in rules:
        where = _("Rule “%s”") % rule.name
        check(rule, where)
        if not rule.reasons.exists():
            problems.append(_("%s covers no reason.") % where)
        deduction_codes = {d.code for d in rule.deductions.all()}
        for deduction in rule.deductions.all():
            check(deduction, f"{where}, {deduction.label}")
        for slot in rule.evidence_slots.all():
            check(slot, f"{where}, {slot.label}")
        for condition in rule.conditions.all():
            check(condition, f"{where}, {condition.question}")
            if condition.effect == "deduction" and condition.deduction_code not in deduction_codes:
                problems.append(
                    _("%(where)s: the question “%(q)s” triggers a deduction “%(code)s” the rule does not have.")
                    % {"where": where, "q": condition.question, "code": condition.deduction_code}
                )
        if rule.requires_return and rule.ship_by_length and not policy.carriers.exists():
            problems.append(_("%s: items are shipped back but the policy names no carrier.") % where)
    if sum(carrier.any_carrier for carrier in policy.carriers.all()) > 1:
        problems.append(_("Only one carrier row can say “any carrier”."))
    return problems


def policy_publish(*, policy: Policy, actor, note: str = "") -> PolicyVersion:
    """Freeze the policy's current rows into a new version. Claims keep the version
    they were decided under; new decisions use this one. The same rules as the latest
    version make no new version (NothingToPublish)."""
    problems = policy_validate(policy=policy)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Policy.objects.select_for_update().get(pk=policy.pk)
        snapshot = policy_snapshot(policy)
        latest = policy.versions.order_by("-number").first()
        if latest is not None and latest.data == snapshot:
            raise NothingToPublish(latest)
        number = (latest.number if latest else 0) + 1
        return PolicyVersion.objects.create(policy=policy, number=number, data=snapshot, note=note[:300], published_by=actor)
