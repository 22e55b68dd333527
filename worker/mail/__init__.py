"""Mail: every notice a seeker gets, as templated Japanese mail — sent once, never lost, never stale.

- ``kinds`` declares the eleven mails (``registry.MAILS``): a name, its template folder under
  ``templates/mail/<name>/`` and one function from the outbox row's ids to the facts shown;
  ``present`` formats those facts, ``render`` fills the templates, ``message`` builds the MIME
  message.
- ``transport`` sends (SMTP with aiosmtplib, or ``.eml`` files) and says what a failure means;
  ``breaker`` backs off from a relay that is unavailable; ``rows`` reads the rows a mail shows;
  ``delivery`` ties them to the outbox (``worker.outbox``: claim, record, sweep, suppression):
  ``deliver_due`` and ``deliver_mail``.
- ``samples`` and ``preview`` render any mail from realistic sample data without a database.
"""
