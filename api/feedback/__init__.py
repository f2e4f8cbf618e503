"""Citizen feedback: codes for delivered referrals, redeemed on the public form, the JSON
route or the SMS gateway's webhook."""
