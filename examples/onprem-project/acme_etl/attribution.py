"""Position-based (U-shaped) attribution: 40% first touch, 40% last, 20% spread."""

FIRST_TOUCH_WEIGHT = 0.4
LAST_TOUCH_WEIGHT = 0.4
