"""The words the duplicate matcher (bot/similar.py) skips, and the ones that turn an ask around: lists, kept
apart from the measure so each can be read (and argued with) on its own."""

from __future__ import annotations

STOP_WORDS = frozenset(
    """a about after again all allow also an and any app are as at be been before being but by can cannot could
    did do does done don't each easily easy every fast faster for from get gets give go has have having how i if
    in into is it it's its just let lets like make me more most much my need needs new no not now of on one only
    or other our out own people please same see so some stop such than that the their them then there they this
    those through to too up us use user users very want wants was way we were what when where which who why will
    with without would you your""".split()
)
# Ideas that differ by one of these are different asks even when every other word is shared.
OPPOSITES = [
    ("import", "export"), ("upload", "download"), ("send", "receive"), ("buyer", "seller"), ("incoming", "outgoing"),
    ("enable", "disable"), ("show", "hide"), ("lock", "unlock"), ("add", "remove"), ("start", "end"),
    ("checkin", "checkout"), ("login", "logout"), ("clockin", "clockout"),
    ("optin", "optout"), ("inbound", "outbound"), ("credit", "debit"),
    ("web", "phone"), ("ios", "android"), ("admin", "customer"),
]
# Words of an ask that say how, not what: "add", "let", "support", "a button for". They count for nothing.
HOW = frozenset(
    """add create build make let allow support enable implement provide introduce offer show display send need way
    option button ability feature functionality able should want please new set setup get have give""".split()
)
# Who an ask is for tells asks apart ("for admins" against "for all users"), so these stay.
# Customers' sentences come with feelings and filler ("would love", "while", "instead"): no part of any ask.
ASK_STOP = (STOP_WORDS - {"user", "users", "people"}) | frozenset(
    """us me our we i my love wish hate really while instead pls plz thanks thank great nice annoying
    actually maybe ok okay even still between across among via onto used per""".split())
NEGATING = frozenset("prevent block disable forbid restrict stop remove hide without ban exclude deny".split())
