"""Stage 3, compose: the words of every message, ready for the outgoing queue.

- ``nda``: the NDA composer (a worker): free-look links from access, then the message;
- ``nda_form``: the NDA's words and layout, in ACMS's form (text and HTML);
- ``account_mail`` and ``filing_mail``: the account e-mails of auth.events and filing.events,
  composed and queued in their consumer's transaction.
"""
