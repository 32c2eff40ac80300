"""MKP: markup and CSS that mail clients break on."""

RULES: list = []
