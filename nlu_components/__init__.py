"""Custom Rasa 3.6 components for Deskmate's NLU pipeline (imported by `rasa train` and `rasa run`,
which both run from the repository root, so `nlu_components.<module>.<Class>` resolves)."""
