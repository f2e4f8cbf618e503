"""App tokens and Collect's settings for a device (pure: no HTTP, no store).

A token is the device's id (32 hex digits) and an HMAC of it under the service's secret key:
the store keeps only its SHA-256, yet an administrator can show a device's QR code again at any
time, as ODK Central shows an app user's. Changing ``SUKUMA_SECRET_KEY`` retires every token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import zlib
from uuid import UUID

import segno


def device_token(secret_key: str, device_id: UUID) -> str:
    mac = hmac.new(secret_key.encode(), b"sukuma-device:" + device_id.bytes, hashlib.sha256)
    return device_id.hex + base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def server_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/key/{token}/openrosa"


def collect_settings(url: str, project: str) -> str:
    """Collect's settings as its QR code carries them (ODK Central's layout): JSON,
    zlib-compressed, base64."""
    settings = {
        "general": {
            "server_url": url,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": project, "icon": "S", "color": "#1b5e20"},
    }
    packed = zlib.compress(json.dumps(settings, separators=(",", ":")).encode())
    return base64.b64encode(packed).decode()


def qr_png(payload: str) -> bytes:
    """The payload as a QR code image (PNG) that Collect's "Scan QR code" reads."""
    out = io.BytesIO()
    segno.make(payload, error="l").save(out, kind="png", scale=6, border=4)
    return out.getvalue()
