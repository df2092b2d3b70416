"""The Rasa server as `make run` starts it: Rasa 3.6.21 with measured fixes and our tracker store.

These are adapters on Rasa's side of the line; the tutor's logic stays in `bot/`, free of Rasa.
"""
