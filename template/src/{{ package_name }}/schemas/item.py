import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

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


class ItemCreate(BaseModel):
    name: Text = Field(min_length=1, max_length=100)
    description: Text = Field(default="", max_length=2000)


class ItemUpdate(BaseModel):
    """A partial update: a field left out keeps its value; null is not a value."""

    name: Text | None = Field(default=None, min_length=1, max_length=100)
    description: Text | None = Field(default=None, max_length=2000)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    created_at: datetime
    created_by: str
    updated_by: str
