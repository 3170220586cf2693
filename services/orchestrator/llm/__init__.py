"""The LLM dialogue policy and what keeps raw PHI away from the model.

``vault``: per-call placeholders (``[NAME_1]``) for the caller's identifiers.
"""
