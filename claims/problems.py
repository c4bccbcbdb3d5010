"""What stops a form or a submit, each with where on the page it is fixed.

A `Problem` is the message itself (a str: tests and older callers compare it as text)
plus the id of the field or evidence slot it points at, so the error summary links each
to its place and the page's script can drop it once it is fixed."""


class Problem(str):
    anchor: str = ""  # the id on the page where it is fixed (the link's #target)
    slot: str = ""  # an evidence slot: the script follows the slot's count
    field: str = ""  # a form field's name: the script drops it once answered or filled
    needed: str = ""  # for a slot: the message with {n} where the count goes

    def __new__(cls, text, *, anchor: str = "", slot: str = "", field: str = "", needed: str = ""):
        problem = super().__new__(cls, str(text))
        problem.anchor, problem.slot, problem.field, problem.needed = anchor, slot, field, needed
        return problem
