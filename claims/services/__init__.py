"""Writes of the claims domain, by concern. Every command of claims.states.COMMANDS runs
through claims.services.commands.claim_command; the functions here are thin wrappers
(their rules on the locked row) and the messages people see."""

from claims.services.commands import (  # noqa: F401
    ALREADY_CLAIMED,
    ALREADY_COMPLEX,
    ANSWER_NEEDED,
    APPEAL_ONCE,
    ASSIGNEE_NOT_STAFF,
    CARRIER_NOT_ALLOWED,
    CLAIM_CHANGED,
    INSPECT_FIRST,
    NO_POLICY,
    NO_ROLE,
    NOT_ALLOWED_NOW,
    NOT_ELIGIBLE,
    NOT_PERMITTED,
    NOTHING_CLAIMED,
    OUTCOME_CHANGE_REASON,
    OUTCOME_NOT_OFFERED,
    OVERRIDE_REASON,
    OVERRIDE_TOO_HIGH,
    POSTAGE_RECEIPT_CHECKING,
    POSTAGE_RECEIPT_MISSING,
    PREFERENCE_NEEDED,
    REFUND_ALREADY,
    RMA_MISMATCH,
    SLOT_MISSING,
    SLOT_PROCESSING,
    TEXT_MISSING,
    TOO_MANY,
    TRACKING_FORMAT,
    UNKNOWN_REASON,
    UNKNOWN_RESOLUTION,
    ClaimChanged,
    ClaimError,
    NotPermitted,
    TransitionNotAllowed,
    allowed_commands,
    claim_command,
    command_check,
)
from claims.services.drafts import (  # noqa: F401
    claim_start,
    claim_submit,
    claim_update_draft,
)
from claims.services.endings import (  # noqa: F401
    claim_close,
    claim_close_finished,
    claim_discard_draft,
    claim_follow_up,
    claim_withdraw,
)
from claims.services.money import (  # noqa: F401
    claim_record_compensation,
    claim_record_refund,
    claim_refund_breakdown,
    claim_resolve,
)
from claims.services.parcel import (  # noqa: F401
    PostageReceiptMissing,
    claim_expire,
    claim_inspect,
    claim_receive,
    claim_ship,
)
from claims.services.review import (  # noqa: F401
    LINE_NOT_IN_CLAIM,
    MESSAGE_REPEAT_WINDOW,
    NO_RETURN_OUTCOMES,
    claim_appeal,
    claim_approve,
    claim_assign,
    claim_line_decide,
    claim_mark_complex,
    claim_message,
    claim_provide_info,
    claim_reject,
    claim_request_info,
    claim_uphold_rejection,
)
