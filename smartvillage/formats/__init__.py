"""Date and number formats of the portal, in both languages (FORMAT_MODULE_PATH, docs/decisions.md).

Vietnam writes dates day first (05/11/2026 is 5 November) whatever the interface language, and
groups digits with dots (72.000.000 đ). Django's own `vi` locale defines no input formats (the
admin read 05/11/2026 month first) and `en` is month first: both are replaced here.
"""
