"""Steps of the shopper's claim pages that several browser tests share."""


def claim_units(field, units: int = 1) -> None:
    """Choose `units` of an order line on the start page: a line with one unit free is a
    checkbox, a line with more a quantity list."""
    # as a person would: a box already ticked, or a quantity already chosen (a single-line
    # order comes with 1), is left alone (the phone journeys count the taps)
    if field.get_attribute("type") == "checkbox":
        if field.is_checked() != bool(units):
            field.set_checked(bool(units))
    elif field.input_value() != str(units):
        field.select_option(str(units))
