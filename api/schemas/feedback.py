"""Shapes of citizen feedback: the public answer, the gateway's message, a referral's code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas.common import Input

Comment = Annotated[str, Field(max_length=1000, description="Optional, in the household's words")]


class FeedbackRequest(Input):
    code: Annotated[str, Field(min_length=1, max_length=40, description="XXXX-XXXX-XXXXX")]
    received: bool = Field(description="Did the service reach the household?")
    rating: Annotated[int | None, Field(ge=1, le=5)] = None
    comment: Comment | None = None


class FeedbackRecorded(BaseModel):
    status: str = "recorded"


class InboundMessage(Input):
    """What the SMS/USSD gateway posts: an SMS's ``text`` ("<code> yes|no [1-5] [comment]"),
    or a USSD session's answers as fields."""

    sender: Annotated[str, Field(min_length=1, max_length=32, description="The phone number")]
    text: Annotated[str | None, Field(max_length=1200)] = None
    code: Annotated[str | None, Field(max_length=40)] = None
    received: bool | None = None
    rating: Annotated[int | None, Field(ge=1, le=5)] = None
    comment: Comment | None = None


class InboundReply(BaseModel):
    status: str = Field(description="recorded, unknown-code, not-understood or refused")
    reply: str = Field(description="What the gateway sends back to the phone")


class FeedbackCodeRead(BaseModel):
    code: str
    expires_at: datetime
    slip: str = Field(description="The printable referral slip carrying the code")
