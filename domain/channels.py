"""Sales channels. Recorded on carts, orders and points for reports; never priced."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    WEB = "WEB"
    MOBILE_APP = "MOBILE_APP"
    KIOSK = "KIOSK"
    POS = "POS"


DEVICE_CHANNELS = frozenset({Channel.KIOSK, Channel.POS})
