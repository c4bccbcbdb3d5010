"""Steps of the shopper's claim pages that several browser tests share."""


def claim_units(field, units: int = 1) -> None:
    """Choose `units` of an order line on the start page: a line with one unit free is a
    checkbox, a line with more a quantity list."""
    if field.get_attribute("type") == "checkbox":
        if units:
            field.check()
        else:
            field.uncheck()
    else:
        field.select_option(str(units))
