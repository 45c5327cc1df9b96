"""prefect-lite's own block types, for build/block-catalog.py.

Prefect's open-source server cannot email (prefect-ops.md §7.5: EmailServerCredentials is no
NotificationBlock), so prefect-lite adds a notify-capable SMTP block type. The server sends its
mails itself (src/services/automation-perform.ts sendEmail, through nodemailer); the class exists
so the SDK's own code computes the block type, schema and checksum the catalogue embeds.
"""

from typing import Literal, Optional

from pydantic import Field, SecretStr

from prefect.blocks.abstract import NotificationBlock


class SMTPEmail(NotificationBlock):
    """
    Send notifications by email through an SMTP server. prefect-lite's server sends them; choose
    the block in an automation's send-notification action or on the Notifications page.
    """

    _block_type_name = "SMTP Email"
    _block_type_slug = "smtp-email"
    _code_example = """
    Create the block on the Blocks page, then choose it in an automation's send-notification
    action or on the Notifications page. prefect-lite's server sends the mail; the SDK has no
    class for this block type.
    """

    smtp_server: str = Field(
        default="localhost", title="SMTP Server", description="Host name of the SMTP server."
    )
    smtp_type: Literal["SSL", "STARTTLS", "INSECURE"] = Field(
        default="STARTTLS",
        title="SMTP Type",
        description="SSL: implicit TLS (port 465); STARTTLS: plain connect, then STARTTLS (587); "
        "INSECURE: no TLS (25).",
    )
    smtp_port: Optional[int] = Field(
        default=None,
        title="SMTP Port",
        description="The port, when it is not the SMTP type's usual one.",
    )
    username: Optional[str] = Field(
        default=None, description="User to log in as; no login when empty."
    )
    password: Optional[SecretStr] = Field(default=None, description="The user's password.")
    email_from: Optional[str] = Field(
        default=None,
        title="From",
        description="The sender address; the username when empty.",
    )
    email_to: list[str] = Field(
        default=..., title="To", description="The recipients' addresses."
    )
    verify: bool = Field(
        default=True,
        description="Check the server's TLS certificate (turn off for a self-signed one).",
    )

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        raise NotImplementedError("prefect-lite's server sends SMTP email notifications")
