"""Saved views of the staff queue (claims.admin.ClaimAdmin's list filters), named once
so the admin index and the queue's links agree with its filters."""

# ClockFilter: a review clock that has passed, as the admin index counts overdue reviews
REVIEW_OVERDUE = "review_overdue"
# "My overdue": claims assigned to me whose most urgent clock has passed
MY_OVERDUE_QUERY = "assigned=me&clock=overdue"
