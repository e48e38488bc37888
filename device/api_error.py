"""The one error a request gets when it is refused: an HTTP status and a one-line message.

Its own module so that the API (device/api.py), its HTTP server and the parts they call
(device/web/gallery.py, device/web/preview.py, which device/api.py imports) can all raise and
catch the same class.
"""

from __future__ import annotations


class ApiError(Exception):
    """An answer that is not a success: `status` and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
