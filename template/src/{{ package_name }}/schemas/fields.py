"""Field types every resource's schemas share: plain text, ids within the column's range, and
partial updates that refuse null."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, field_validator

# Largest id and offset the API accepts: the range of an INTEGER column on every database.
MAX_ID = 2**31 - 1

# NUL and the other control characters (tab, newline and carriage return are text), and lone
# surrogates, which no database can store as UTF-8.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _plain_text(value: str) -> str:
    if _NOT_TEXT.search(value):
        raise ValueError("must not contain control characters (such as NUL) or lone surrogates")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
# A whole number that fits an INTEGER column on every database.
Integer = Annotated[int, Field(ge=-(2**31), le=MAX_ID)]


class PartialUpdate(BaseModel):
    """A partial update: a field left out keeps its value; null is not a value."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value
