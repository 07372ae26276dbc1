"""Kazakh dates on the public pages: 2025 ж. 12 қараша; Django ships no Kazakh formats."""

DATE_FORMAT = "Y \\ж. j F"
SHORT_DATE_FORMAT = "d.m.Y"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
