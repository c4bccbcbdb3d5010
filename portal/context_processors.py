"""What every page's template may read."""


def time_zones(request) -> dict:
    """`shopper_zone`: the zone the shopper's browser named ("" when unknown), which
    the time tags show times in (policies/templatetags/zone_times.py)."""
    return {"shopper_zone": getattr(request, "shopper_zone", "")}
