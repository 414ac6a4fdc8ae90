"""Listening in channels: which messages are read and when a nudge may be sent (rules), whether a
message asks for something (detect, with its hand-written patterns), the word weights learned from
labelled messages (words; training makes them), and the requests in a piece of feedback (sentences)."""
