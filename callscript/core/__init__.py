"""Rules and formats every layer shares: phone numbers, dates and times as people
type them, clean text, the lead life cycle. Pure: no storage, no Textual.
"""
